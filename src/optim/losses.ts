// Losses, composed from differentiable ops, so each gradient comes from the ops' own backward passes.
// crossEntropy is −log softmax at the target: the (stable) logSoftmax, then one element picked per row.
// The pick is a small primitive rather than a product with a one-hot mask because 0 · (−∞) is NaN: a row
// whose logits hold −∞ (a masked-out class) must still give a finite loss and gradient, as in PyTorch.
import { record } from '../autograd/engine.js'
import { isFloat } from '../tensor/dtype.js'
import { broadcastShapes, formatShape, shapesEqual, sizeOf, type Shape } from '../tensor/shape.js'
import { Tensor } from '../tensor/tensor.js'
import { checkOptionKeys, describe } from '../validation/checks.js'

export type Reduction = 'mean' | 'sum' | 'none'

/** Class indices: an int32 tensor, an Int32Array or a plain array of integers. */
export type Targets = Tensor | Int32Array | readonly number[]

export interface CrossEntropyOptions {
  /** 'mean' divides by the number of targets that are not ignored (NaN when all are, as in PyTorch). */
  reduction?: Reduction
  /** Targets equal to this add nothing to the loss or its gradient (padding, say). */
  ignoreIndex?: number
  /** ε in [0, 1]: the target distribution becomes (1 − ε)·onehot + ε/C, as PyTorch's label_smoothing. */
  labelSmoothing?: number
}

export interface MSELossOptions {
  reduction?: Reduction
}

// take: y[k] = scale · x.data[index[k]], or 0 where index[k] is −1; the gradient adds scale · dy[k]
// back at index[k] (put, whose own gradient is take again, so createGraph can differentiate it). The scale
// lets a loss negate while picking: negating afterwards turns the zeros of ignored rows into −0.
function take(x: Tensor, index: Int32Array, scale: number, shape: Shape): Tensor {
  const y = Tensor.zeros(shape, x.dtype)
  for (let k = 0; k < index.length; k++) if (index[k] >= 0) y.data[k] = scale * x.data[index[k]]
  return record('take', [x], y, (dy) => [put(dy, index, scale, x.shape)])
}

function put(dy: Tensor, index: Int32Array, scale: number, shape: Shape): Tensor {
  const dx = Tensor.zeros(shape, dy.dtype)
  for (let k = 0; k < index.length; k++) if (index[k] >= 0) dx.data[index[k]] += scale * dy.data[k]
  return record('put', [dy], dx, (g) => [take(g, index, scale, dy.shape)])
}

function checkReduction(where: string, reduction: unknown): Reduction {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new Error(`${where}: reduction must be 'mean', 'sum' or 'none', got ${describe(reduction)}`)
  }
  return reduction
}

function checkFloatTensor(where: string, value: unknown, what: string): Tensor {
  if (!(value instanceof Tensor)) throw new Error(`${where}: expected ${what} to be a Tensor, got ${describe(value)}`)
  if (!isFloat(value.dtype)) throw new Error(`${where}: ${what} must be a float tensor (float32 or float64), got ${value.dtype}`)
  return value
}

/** The targets as numbers, after checking that they line up with the rows of the logits. */
function targetValues(targets: Targets, logitsShape: Shape): ArrayLike<number> {
  const rowShape = logitsShape.slice(0, -1)
  const rows = sizeOf(rowShape)
  let values: ArrayLike<number>
  if (targets instanceof Tensor) {
    if (targets.dtype !== 'int32') throw new Error(`crossEntropy: targets must be an int32 tensor of class indices, got ${targets.dtype}`)
    values = targets.data
  } else if (targets instanceof Int32Array || Array.isArray(targets)) {
    values = targets
  } else {
    throw new Error(`crossEntropy: expected targets to be an int32 Tensor, an Int32Array or an array of integers, got ${describe(targets)}`)
  }
  if (values.length !== rows) throw new Error(`crossEntropy: ${values.length} targets for logits of shape ${formatShape(logitsShape)}`)
  // A tensor must have the logits' leading shape (or be flat): [T, B] targets for [B, T, C] logits
  // hold the right count but pair every target with the wrong row.
  if (targets instanceof Tensor && targets.ndim > 1 && !shapesEqual(targets.shape, rowShape)) {
    throw new Error(`crossEntropy: targets of shape ${formatShape(targets.shape)} do not line up with logits of shape ${formatShape(logitsShape)}; expected ${formatShape(rowShape)} or a flat list of ${rows}`)
  }
  return values
}

/**
 * Cross-entropy between logits [..., C] and one class index per row (targets of the leading shape,
 * or flat): loss = −log softmax(logits)[target]. 'none' gives the leading shape, with 0 where ignored.
 */
export function crossEntropy(logits: Tensor, targets: Targets, opts: CrossEntropyOptions = {}): Tensor {
  checkOptionKeys('crossEntropy', opts, ['reduction', 'ignoreIndex', 'labelSmoothing'])
  const { reduction = 'mean', ignoreIndex = -100, labelSmoothing = 0 } = opts
  checkFloatTensor('crossEntropy', logits, 'logits')
  checkReduction('crossEntropy', reduction)
  if (!Number.isInteger(ignoreIndex)) throw new Error(`crossEntropy: ignoreIndex must be an integer, got ${describe(ignoreIndex)}`)
  if (typeof labelSmoothing !== 'number' || !(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new Error(`crossEntropy: labelSmoothing must be a number in [0, 1], got ${describe(labelSmoothing)}`)
  }
  // No rows is fine, as in PyTorch: the mean is then NaN (0 / 0), the sum 0 and 'none' an empty tensor.
  if (logits.ndim === 0 || logits.shape[logits.ndim - 1] === 0) throw new Error(`crossEntropy: logits must be [..., C] with at least one class, got shape ${formatShape(logits.shape)}`)
  const classes = logits.shape[logits.ndim - 1]
  const rowShape = logits.shape.slice(0, -1)
  const values = targetValues(targets, logits.shape)

  // Flat positions of the target logits (and of the rows, for smoothing); −1 marks an ignored row.
  const targetAt = new Int32Array(values.length)
  const rowAt = new Int32Array(values.length)
  let counted = 0
  for (let n = 0; n < values.length; n++) {
    const t = values[n]
    if (!Number.isInteger(t)) throw new Error(`crossEntropy: target ${typeof t === 'number' ? t : describe(t)} at index ${n} is not an integer class index`)
    if (t === ignoreIndex) {
      targetAt[n] = rowAt[n] = -1
      continue
    }
    if (t < 0 || t >= classes) {
      throw new Error(`crossEntropy: target ${t} at index ${n} is out of range for ${classes} classes (expected 0 to ${classes - 1}, or ignoreIndex ${ignoreIndex})`)
    }
    targetAt[n] = n * classes + t
    rowAt[n] = n
    counted++
  }

  const logProbs = logits.logSoftmax(-1)
  let losses = take(logProbs, targetAt, -1, rowShape) // −log p(target)
  if (labelSmoothing > 0) {
    // −Σ_c q_c log p_c with q = (1 − ε)·onehot + ε/C is (1 − ε)·(−log p(target)) + ε·mean_c(−log p_c)
    const smoothing = take(logProbs.mean(-1), rowAt, -1, rowShape)
    losses = losses.mul(1 - labelSmoothing).add(smoothing.mul(labelSmoothing))
  }
  if (reduction === 'none') return losses
  const total = losses.sum()
  return reduction === 'sum' ? total : total.div(counted)
}

/** Mean squared error (input − target)², the two broadcast together as PyTorch allows. */
export function mseLoss(input: Tensor, target: Tensor, opts: MSELossOptions = {}): Tensor {
  checkOptionKeys('mseLoss', opts, ['reduction'])
  const { reduction = 'mean' } = opts
  checkFloatTensor('mseLoss', input, 'input')
  if (!(target instanceof Tensor)) throw new Error(`mseLoss: expected target to be a Tensor, got ${describe(target)}`)
  checkReduction('mseLoss', reduction)
  try {
    broadcastShapes('mseLoss', input.shape, target.shape)
  } catch {
    throw new Error(`mseLoss: input of shape ${formatShape(input.shape)} and target of shape ${formatShape(target.shape)} neither match nor broadcast together`)
  }
  const diff = input.sub(target)
  const squares = diff.mul(diff)
  if (reduction === 'none') return squares
  return reduction === 'sum' ? squares.sum() : squares.mean()
}

function penalty(where: string, params: readonly Tensor[], term: (p: Tensor) => Tensor): Tensor {
  if (!Array.isArray(params)) throw new Error(`${where}: expected an array of parameter tensors, got ${describe(params)}`)
  params.forEach((p, i) => checkFloatTensor(where, p, `params[${i}]`))
  if (params.length === 0) return Tensor.zeros([], 'float32') // nothing to penalise: a constant 0
  return params.map(term).reduce((acc, t) => acc.add(t))
}

/** Σ|w| over every element of every tensor: a differentiable scalar to add to a loss. */
export function l1Penalty(params: readonly Tensor[]): Tensor {
  return penalty('l1Penalty', params, (p) => p.abs().sum())
}

/** Σw² over every element of every tensor: a differentiable scalar to add to a loss. */
export function l2Penalty(params: readonly Tensor[]): Tensor {
  return penalty('l2Penalty', params, (p) => p.mul(p).sum())
}
