// SequenceClassifier: many-to-one. A recurrent layer reads each sequence up to its own length, and a linear
// layer maps the final state (both directions' when bidirectional) to class logits. Sequences of different
// lengths share a batch through `lengths`, which the layer takes as PyTorch's pack_padded_sequence: padding
// never enters a state, and the reverse direction starts at each sequence's own end.
import { cat } from '../autograd/ops/layout.js'
import { linear } from '../autograd/ops/linear.js'
import type { FloatDType } from '../tensor/dtype.js'
import { floatDType } from '../tensor/dtype.js'
import { formatShape } from '../tensor/shape.js'
import { Tensor } from '../tensor/tensor.js'
import { describe, checkPositiveInt, checkBoolean, checkDropout, checkOneOf, checkOptionKeys } from '../validation/checks.js'
import { Embedding } from './layers.js'
import { Module, uniformParameter } from './module.js'
import { recurrentLayer, runRecurrent, type CellKind, type Impl } from './recurrent.js'
import type { GRU, LSTM, RNN } from './recurrent.js'

export interface SequenceClassifierOptions {
  /** Feature size of float inputs [B, T, D]; give this or vocabSize. */
  inputSize?: number
  /** Vocabulary of int32 token inputs [B, T]; they go through an embedding of embeddingDim (default hiddenSize). */
  vocabSize?: number
  embeddingDim?: number
  hiddenSize: number
  numClasses: number
  cell?: CellKind
  numLayers?: number
  bidirectional?: boolean
  dropout?: number
  /** The recurrent layer's recurrentDropout and inputDropout (see RecurrentOptions); 0 by default. */
  recurrentDropout?: number
  inputDropout?: number
  /** The recurrent layer's path: 'fused' (default) or 'reference', the cells' equations, which createGraph can differentiate twice. */
  impl?: Impl
  dtype?: FloatDType
}

export class SequenceClassifier extends Module {
  readonly embedding: Embedding | null
  readonly rnn: RNN | LSTM | GRU
  readonly numClasses: number
  private readonly inputSize: number
  private readonly directions: number
  private readonly weight: Tensor
  private readonly bias: Tensor

  constructor(opts: SequenceClassifierOptions) {
    super()
    const where = 'SequenceClassifier'
    checkOptionKeys(where, opts, ['inputSize', 'vocabSize', 'embeddingDim', 'hiddenSize', 'numClasses', 'cell', 'numLayers', 'bidirectional', 'dropout', 'recurrentDropout', 'inputDropout', 'impl', 'dtype'])
    if ((opts.inputSize === undefined) === (opts.vocabSize === undefined)) throw new Error(`${where}: give exactly one of inputSize (float inputs) and vocabSize (token inputs)`)
    const hiddenSize = checkPositiveInt(where, 'hiddenSize', opts.hiddenSize)
    this.numClasses = checkPositiveInt(where, 'numClasses', opts.numClasses)
    const dtype = floatDType(where, opts.dtype)
    const cell = checkOneOf(where, 'cell', opts.cell ?? 'lstm', ['rnn', 'lstm', 'gru'])
    const bidirectional = checkBoolean(where, 'bidirectional', opts.bidirectional ?? false)
    this.directions = bidirectional ? 2 : 1
    if (opts.vocabSize !== undefined) {
      const embeddingDim = checkPositiveInt(where, 'embeddingDim', opts.embeddingDim ?? hiddenSize)
      this.embedding = this.registerModule('embedding', new Embedding({ numEmbeddings: checkPositiveInt(where, 'vocabSize', opts.vocabSize), embeddingDim, dtype }))
      this.inputSize = embeddingDim
    } else {
      this.embedding = null
      this.inputSize = checkPositiveInt(where, 'inputSize', opts.inputSize)
    }
    const numLayers = checkPositiveInt(where, 'numLayers', opts.numLayers ?? 1)
    this.rnn = this.registerModule('rnn', recurrentLayer(cell, { inputSize: this.inputSize, hiddenSize, numLayers, dropout: checkDropout(where, opts.dropout ?? 0),
      recurrentDropout: checkDropout(where, opts.recurrentDropout ?? 0, 'recurrentDropout'), inputDropout: checkDropout(where, opts.inputDropout ?? 0, 'inputDropout'), bidirectional, impl: checkOneOf<Impl>(where, 'impl', opts.impl ?? 'fused', ['fused', 'reference']), dtype }))
    const features = this.directions * hiddenSize
    const bound = 1 / Math.sqrt(features)
    this.weight = this.registerParameter('fc.weight', uniformParameter([this.numClasses, features], bound, dtype))
    this.bias = this.registerParameter('fc.bias', uniformParameter([this.numClasses], bound, dtype))
  }

  /** x: [B, T, D] floats (or [B, T] int32 tokens); lengths: each sequence's length ≤ T (default T), numbers (an array, an Int32Array) or int32 [B]. → logits [B, numClasses]. */
  forward(x: Tensor, lengths?: ArrayLike<number> | Tensor): Tensor {
    const where = 'SequenceClassifier.forward'
    const tokens = this.embedding !== null
    if (!(x instanceof Tensor) || x.ndim !== (tokens ? 2 : 3) || (tokens ? x.dtype !== 'int32' : x.shape[2] !== this.inputSize)) {
      const want = tokens ? 'int32 tokens [B, T]' : `[B, T, ${this.inputSize}]`
      throw new Error(`${where}: expected ${want}, got ${x instanceof Tensor ? `${x.dtype} ${formatShape(x.shape)}` : describe(x)}`)
    }
    const [B, T] = x.shape
    const lens = (lengths instanceof Tensor && lengths.dtype === 'int32' && lengths.ndim === 1) || ArrayBuffer.isView(lengths) ? Array.from((lengths instanceof Tensor ? lengths.data : lengths) as ArrayLike<number>) : lengths
    if (lens !== undefined && (!Array.isArray(lens) || lens.length !== B || !lens.every((n) => Number.isInteger(n) && n >= 1 && n <= T))) {
      throw new Error(`${where}: lengths must hold ${B} integers in [1, ${T}] (one per sequence), as numbers or an int32 tensor, got ${lengths instanceof Tensor ? `a ${lengths.dtype} tensor ${formatShape(lengths.shape)}` : describe(lengths)}`)
    }
    const features = this.embedding ? this.embedding.forward(x) : x
    const { state } = runRecurrent(this.rnn, features, undefined, lens === undefined ? undefined : { lengths: lens })
    // The last layer's final states, [dirs, B, H] → [B, dirs·H].
    const last = state.h.slice(0, state.h.shape[0] - this.directions, state.h.shape[0])
    return linear(cat(last.split(1, 0).map((d) => d.squeeze(0)), -1), this.weight, this.bias)
  }
}
