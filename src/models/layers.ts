// The small layers around the recurrent ones: Linear, Embedding, Dropout, LayerNorm.
import { dropout } from '../autograd/ops/dropout.js'
import { embedding } from '../autograd/ops/indexing.js'
import { linear } from '../autograd/ops/linear.js'
import type { FloatDType } from '../tensor/dtype.js'
import { floatDType } from '../tensor/dtype.js'
import { defaultGenerator } from '../tensor/random.js'
import { formatShape, shapesEqual } from '../tensor/shape.js'
import { Tensor } from '../tensor/tensor.js'
import { checkPositiveInt, checkBoolean, checkDropout, checkOptionKeys } from '../validation/checks.js'
import { Module, uniformParameter } from './module.js'

export interface LinearOptions {
  inFeatures: number
  outFeatures: number
  bias?: boolean
  dtype?: FloatDType
}

/** y = x Wᵀ + b on the last dim of any input. W and b start in U(−1/√in, 1/√in), as in PyTorch. */
export class Linear extends Module {
  readonly weight: Tensor
  readonly bias: Tensor | null

  constructor(opts: LinearOptions) {
    super()
    checkOptionKeys('Linear', opts, ['inFeatures', 'outFeatures', 'bias', 'dtype'])
    const inFeatures = checkPositiveInt('Linear', 'inFeatures', opts.inFeatures)
    const outFeatures = checkPositiveInt('Linear', 'outFeatures', opts.outFeatures)
    const dtype = floatDType('Linear', opts.dtype)
    const bound = 1 / Math.sqrt(inFeatures)
    this.weight = this.registerParameter('weight', uniformParameter([outFeatures, inFeatures], bound, dtype))
    this.bias = checkBoolean('Linear', 'bias', opts.bias ?? true) ? this.registerParameter('bias', uniformParameter([outFeatures], bound, dtype)) : null
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias)
  }
}

export interface EmbeddingOptions {
  numEmbeddings: number
  embeddingDim: number
  dtype?: FloatDType
}

/** Rows of a [numEmbeddings, embeddingDim] table, looked up by int32 indices; starts N(0, 1) as in PyTorch. */
export class Embedding extends Module {
  readonly weight: Tensor

  constructor(opts: EmbeddingOptions) {
    super()
    checkOptionKeys('Embedding', opts, ['numEmbeddings', 'embeddingDim', 'dtype'])
    const rows = checkPositiveInt('Embedding', 'numEmbeddings', opts.numEmbeddings)
    const dim = checkPositiveInt('Embedding', 'embeddingDim', opts.embeddingDim)
    const weight = Tensor.zeros([rows, dim], floatDType('Embedding', opts.dtype))
    defaultGenerator.fillNormal(weight.data as Float32Array | Float64Array)
    this.weight = this.registerParameter('weight', weight)
  }

  forward(indices: Tensor): Tensor {
    return embedding(this.weight, indices)
  }
}

/** Zeroes each element with probability p in training mode (scaling the rest by 1/(1 − p)); identity in eval. */
export class Dropout extends Module {
  readonly p: number

  constructor(opts: { p?: number } = {}) {
    super()
    checkOptionKeys('Dropout', opts, ['p'])
    this.p = checkDropout('Dropout', opts.p ?? 0.5)
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training)
  }
}

export interface LayerNormOptions {
  normalizedShape: number | readonly number[]
  eps?: number
  elementwiseAffine?: boolean
  dtype?: FloatDType
}

/** y = (x − mean) / √(var + eps) ⊙ weight + bias over the trailing normalizedShape dims (biased variance, as PyTorch). */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[]
  readonly eps: number
  readonly weight: Tensor | null
  readonly bias: Tensor | null

  constructor(opts: LayerNormOptions) {
    super()
    checkOptionKeys('LayerNorm', opts, ['normalizedShape', 'eps', 'elementwiseAffine', 'dtype'])
    const shape = typeof opts.normalizedShape === 'number' ? [opts.normalizedShape] : [...(opts.normalizedShape ?? [])]
    if (shape.length === 0) throw new Error('LayerNorm: normalizedShape must name at least one dim')
    shape.forEach((d, i) => checkPositiveInt('LayerNorm', `normalizedShape[${i}]`, d))
    this.normalizedShape = shape
    this.eps = opts.eps ?? 1e-5
    if (!(this.eps > 0)) throw new Error(`LayerNorm: eps must be a positive number, got ${String(opts.eps)}`)
    const dtype = floatDType('LayerNorm', opts.dtype)
    const affine = checkBoolean('LayerNorm', 'elementwiseAffine', opts.elementwiseAffine ?? true)
    this.weight = affine ? this.registerParameter('weight', Tensor.zeros(shape, dtype).add(1)) : null
    this.bias = affine ? this.registerParameter('bias', Tensor.zeros(shape, dtype)) : null
  }

  forward(x: Tensor): Tensor {
    const k = this.normalizedShape.length
    if (x.ndim < k || !shapesEqual(x.shape.slice(-k), this.normalizedShape)) {
      throw new Error(`LayerNorm: input of shape ${formatShape(x.shape)} does not end in normalizedShape ${formatShape(this.normalizedShape)}`)
    }
    const dims = Array.from({ length: k }, (_, i) => -1 - i)
    const centered = x.sub(x.mean(dims, true))
    const variance = centered.mul(centered).mean(dims, true)
    const normalized = centered.div(variance.add(this.eps).sqrt())
    return this.weight === null || this.bias === null ? normalized : normalized.mul(this.weight).add(this.bias)
  }
}
