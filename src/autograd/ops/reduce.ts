// Reductions: sum and max are primitives, mean is sum / count; argmax returns indices, outside the tape.
import { allocate } from '../../tensor/dtype.js'
import { maxDimInto, sumDimInto } from '../../tensor/kernels/reduce.js'
import { formatShape, normalizeDim, sizeOf, splitAtDim, type Shape } from '../../tensor/shape.js'
import { Tensor } from '../../tensor/tensor.js'
import { record } from '../engine.js'
import { asFloat, checkTensor } from './operands.js'

/** The dims to reduce, normalised, unique and in descending order; all dims when `dim` is absent. */
function reducedDims(where: string, dim: number | readonly number[] | undefined, rank: number): number[] {
  if (dim === undefined) return Array.from({ length: rank }, (_, i) => rank - 1 - i)
  const dims = (typeof dim === 'number' ? [dim] : [...dim]).map((d) => normalizeDim(where, d, rank))
  if (new Set(dims).size !== dims.length) throw new Error(`${where}: dim ${JSON.stringify(dim)} names a dim twice`)
  return dims.sort((p, q) => q - p)
}

function keptShape(shape: Shape, dims: readonly number[]): number[] {
  return shape.map((d, i) => (dims.includes(i) ? 1 : d))
}

/** Sums one dim (kept with size 1) outside the tape. */
function sumDim(x: Tensor, dim: number): Tensor {
  const { outer, size, inner } = splitAtDim(x.shape, dim)
  const out = new Tensor(allocate(x.dtype, outer * inner), keptShape(x.shape, [dim]))
  sumDimInto(out.data, x.data, outer, size, inner)
  return out
}

// sum: y = Σ x over dims; dy/dx = 1, so the gradient is dy broadcast back to x's shape
export function sum(x: Tensor, dim?: number | readonly number[], keepDim = false): Tensor {
  checkTensor('sum', x)
  const dims = reducedDims('sum', dim, x.ndim)
  let y = x
  for (const d of dims) y = sumDim(y, d) // y keeps the reduced dims with size 1
  if (y === x) y = new Tensor(x.data.slice(), x.shape) // nothing to reduce: still a fresh result
  const kept = y.shape
  const out = keepDim ? y : new Tensor(y.data, x.shape.filter((_, i) => !dims.includes(i)))
  return record('sum', [x], out, (dy) => [dy.reshape(kept).expand(x.shape)])
}

// mean: y = (Σ x) / n over dims, in float
export function mean(x: Tensor, dim?: number | readonly number[], keepDim = false): Tensor {
  checkTensor('mean', x)
  const dims = reducedDims('mean', dim, x.ndim)
  const count = sizeOf(dims.map((d) => x.shape[d]))
  return sum(asFloat(x), dim, keepDim).div(count)
}

// max: y = max x (over all, or along one dim). Along a dim the gradient goes to the first maximum,
// as PyTorch's max(dim) does; over all elements it is shared equally by tied maxima, as PyTorch's max() does.
// An empty tensor has no maximum, but along a dim of size > 0 it has an empty one ([0, 3] → [0] along dim 1).
export function max(x: Tensor, dim?: number, keepDim = false): Tensor {
  checkTensor('max', x)
  if (dim === undefined) {
    if (x.size === 0) throw new Error(`max: the tensor is empty (shape ${formatShape(x.shape)}), so it has no maximum; pass a dim whose size is not 0`)
    return maxAll(x)
  }
  const d = normalizeDim('max', dim, x.ndim)
  if (x.shape[d] === 0) throw new Error(`max: dim ${dim} of shape ${formatShape(x.shape)} has size 0, so it has no maximum`)
  const { outer, size, inner } = splitAtDim(x.shape, d)
  const kept = keptShape(x.shape, [d])
  const values = new Tensor(allocate(x.dtype, outer * inner), keepDim ? kept : x.shape.filter((_, i) => i !== d))
  const firstMax = new Int32Array(outer * inner)
  maxDimInto(values.data, firstMax, x.data, outer, size, inner)
  return record('max', [x], values, (dy, createGraph) => {
    if (createGraph) {
      // dy spread over the dim, times the constant one-hot of the first maxima
      const picked = Tensor.zeros(x.shape, x.dtype)
      for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) picked.data[(o * size + firstMax[o * inner + j]) * inner + j] = 1
      return [dy.reshape(kept).expand(x.shape).mul(picked)]
    }
    const dx = Tensor.zeros(x.shape, x.dtype)
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) dx.data[(o * size + firstMax[o * inner + j]) * inner + j] = dy.data[o * inner + j]
    }
    return [dx]
  })
}

// argmax: the int32 index of the first maximum along dim, or in the flattened tensor when dim is absent
// (a 0-d result; keepDim then keeps every dim with size 1). NaN counts as the maximum, as in PyTorch. An
// index has no gradient, so nothing is recorded and the result never requires grad.
export function argmax(x: Tensor, dim?: number, keepDim = false): Tensor {
  checkTensor('argmax', x)
  if (dim === undefined) {
    if (x.size === 0) throw new Error(`argmax: the tensor is empty (shape ${formatShape(x.shape)}), so it has no maximum; pass a dim whose size is not 0`)
    return indicesOfMax(x, 1, x.size, 1, keepDim ? x.shape.map(() => 1) : [])
  }
  // A 0-d tensor has one dim to reduce, 0 or -1, as in PyTorch; the result stays 0-d.
  const shape = x.ndim === 0 ? [1] : x.shape
  const d = normalizeDim('argmax', dim, shape.length)
  if (shape[d] === 0) throw new Error(`argmax: dim ${dim} of shape ${formatShape(x.shape)} has size 0, so it has no maximum`)
  const { outer, size, inner } = splitAtDim(shape, d)
  return indicesOfMax(x, outer, size, inner, keepDim ? keptShape(x.shape, [d]) : x.shape.filter((_, i) => i !== d))
}

/** The argmax kernel over x seen as [outer, size, inner], as an int32 tensor of `shape`. */
function indicesOfMax(x: Tensor, outer: number, size: number, inner: number, shape: Shape): Tensor {
  const indices = new Int32Array(outer * inner)
  maxDimInto(allocate(x.dtype, outer * inner), indices, x.data, outer, size, inner)
  return new Tensor(indices, shape)
}

function maxAll(x: Tensor): Tensor {
  const value = new Tensor(allocate(x.dtype, 1), [])
  maxDimInto(value.data, new Int32Array(1), x.data, 1, x.size, 1)
  return record('max', [x], value, (dy, createGraph) => {
    const dx = Tensor.zeros(x.shape, x.dtype)
    const top = value.data[0]
    let ties = 0
    for (let i = 0; i < x.size; i++) if (x.data[i] === top) ties++
    for (let i = 0; i < x.size; i++) if (x.data[i] === top) dx.data[i] = createGraph ? 1 / ties : dy.data[0] / ties
    return [createGraph ? dy.expand(x.shape).mul(dx) : dx] // with a graph, dx is the constant share of each maximum
  })
}

/** Sums a broadcast gradient back to the shape of the operand that was broadcast. */
export function sumToShape(grad: Tensor, shape: Shape): Tensor {
  const lead = grad.ndim - shape.length
  const dims: number[] = []
  for (let i = 0; i < grad.ndim; i++) if (i < lead || (shape[i - lead] === 1 && grad.shape[i] !== 1)) dims.push(i)
  if (dims.length === 0) return grad.ndim === shape.length ? grad : grad.reshape(shape)
  return sum(grad, dims, true).reshape(shape)
}
