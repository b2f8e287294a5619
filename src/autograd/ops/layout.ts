// Shape and layout ops. reshape shares data (tensors are contiguous); transpose, slice, cat and
// expand copy. Each gradient moves dy back to where the input's elements came from.
import { allocate } from '../../tensor/dtype.js'
import { expandInto } from '../../tensor/kernels/elementwise.js'
import { copyBlockInto, transposeInto } from '../../tensor/kernels/layout.js'
import { broadcastShapes, formatShape, normalizeDim, shapesEqual, sizeOf, splitAtDim, type Shape } from '../../tensor/shape.js'
import { Tensor } from '../../tensor/tensor.js'
import { record } from '../engine.js'
import { checkTensor } from './operands.js'
import { sumToShape } from './reduce.js'

/** `shape` with its one -1 (if any) filled in so that it holds `size` elements. */
function resolveShape(x: Tensor, shape: readonly number[]): number[] {
  const bad = () => new Error(`reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) to ${formatShape(shape)}`)
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= -1)) throw bad()
  const unknown = shape.indexOf(-1)
  if (unknown !== shape.lastIndexOf(-1)) throw new Error(`reshape: only one dim may be -1; got ${formatShape(shape)}`)
  const known = sizeOf(shape.filter((d) => d !== -1))
  const out = shape.slice()
  if (unknown >= 0) {
    if (known === 0 || x.size % known !== 0) throw bad()
    out[unknown] = x.size / known
  }
  if (sizeOf(out) !== x.size) throw bad()
  return out
}

// reshape: same elements, new shape; the gradient is dy reshaped back
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('reshape', x)
  const y = new Tensor(x.data, resolveShape(x, shape))
  return record('reshape', [x], y, (dy) => [dy.reshape(x.shape)])
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim('unsqueeze', dim, x.ndim + 1)
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)])
}

/** Drops `dim` if its size is 1 (or every size-1 dim when `dim` is absent), as PyTorch does. */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined) return reshape(x, x.shape.filter((d) => d !== 1))
  const d = normalizeDim('squeeze', dim, x.ndim)
  return x.shape[d] === 1 ? reshape(x, x.shape.filter((_, i) => i !== d)) : x
}

// transpose: swaps two dims; the gradient swaps them back
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  checkTensor('transpose', x)
  if (x.ndim < 2 && dim0 === -2 && dim1 === -1) return reshape(x, x.shape) // PyTorch's t() of a vector is itself
  const d0 = normalizeDim('transpose', dim0, x.ndim)
  const d1 = normalizeDim('transpose', dim1, x.ndim)
  const p = Math.min(d0, d1)
  const q = Math.max(d0, d1)
  if (p === q) return reshape(x, x.shape)
  const shape = x.shape.slice()
  shape[p] = x.shape[q]
  shape[q] = x.shape[p]
  const y = new Tensor(allocate(x.dtype, x.size), shape)
  const s = x.shape
  transposeInto(y.data, x.data, sizeOf(s.slice(0, p)), s[p], sizeOf(s.slice(p + 1, q)), s[q], sizeOf(s.slice(q + 1)))
  return record('transpose', [x], y, (dy) => [transpose(dy, p, q)])
}

// slice: the half-open range [start, end) along dim (negative indices count from the end);
// the gradient is dy placed back in that range, zeros elsewhere
export function slice(x: Tensor, dim: number, start: number, end?: number): Tensor {
  checkTensor('slice', x)
  const d = normalizeDim('slice', dim, x.ndim)
  const n = x.shape[d]
  const from = start < 0 ? start + n : start
  const to = end === undefined ? n : end < 0 ? end + n : end
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > n || from > to) {
    throw new Error(`slice: range [${start}, ${end ?? n}) is out of bounds for dim ${dim} of size ${n} (shape ${formatShape(x.shape)})`)
  }
  const { outer, inner } = splitAtDim(x.shape, d)
  const shape = x.shape.slice()
  shape[d] = to - from
  const y = new Tensor(allocate(x.dtype, outer * (to - from) * inner), shape)
  copyBlockInto(y.data, to - from, 0, x.data, n, from, to - from, outer, inner)
  return record('slice', [x], y, (dy) => [sliceBackward(dy, x.shape, d, from)])
}

// slice's gradient: dy placed at [from, from + size) along dim d of zeros of `shape`. An op of its own, so
// that a gradient made with createGraph can be differentiated again: its gradient is that slice.
function sliceBackward(dy: Tensor, shape: Shape, d: number, from: number): Tensor {
  const n = shape[d]
  const size = dy.shape[d]
  const { outer, inner } = splitAtDim(shape, d)
  const dx = new Tensor(allocate(dy.dtype, sizeOf(shape)), shape)
  copyBlockInto(dx.data, n, from, dy.data, size, 0, size, outer, inner)
  return record('sliceBackward', [dy], dx, (g) => [slice(g, d, from, from + size)])
}

// cat: joins tensors along dim; each input's gradient is its slice of dy
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors as unknown) || tensors.length === 0) throw new Error('cat: expected a non-empty array of tensors')
  tensors.forEach((t, i) => checkTensor('cat', t, `tensors[${i}]`))
  const first = tensors[0]
  const d = normalizeDim('cat', dim, first.ndim)
  tensors.forEach((t, i) => {
    const same = t.ndim === first.ndim && t.shape.every((size, j) => j === d || size === first.shape[j])
    if (!same) throw new Error(`cat: tensors[${i}] has shape ${formatShape(t.shape)} but tensors[0] has ${formatShape(first.shape)}; all dims but ${dim} must agree`)
  })
  const dtype = tensors.some((t) => t.dtype === 'float64') ? 'float64' : tensors.some((t) => t.dtype === 'float32') ? 'float32' : 'int32'
  const inputs = tensors.map((t) => t.to(dtype))
  const total = inputs.reduce((acc, t) => acc + t.shape[d], 0)
  const shape = first.shape.slice()
  shape[d] = total
  const { outer, inner } = splitAtDim(shape, d)
  const y = new Tensor(allocate(dtype, outer * total * inner), shape)
  const starts: number[] = []
  let offset = 0
  for (const t of inputs) {
    starts.push(offset)
    copyBlockInto(y.data, total, offset, t.data, t.shape[d], 0, t.shape[d], outer, inner)
    offset += t.shape[d]
  }
  return record('cat', inputs, y, (dy) => inputs.map((t, i) => (t.requiresGrad ? slice(dy, d, starts[i], starts[i] + t.shape[d]) : null)))
}

/** Joins same-shaped tensors along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors as unknown) || tensors.length === 0) throw new Error('stack: expected a non-empty array of tensors')
  return cat(tensors.map((t, i) => checkTensor('stack', t, `tensors[${i}]`).unsqueeze(dim)), dim)
}

/** Pieces of `size` along dim (the last may be smaller), or pieces of the given sizes. */
export function split(x: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  checkTensor('split', x)
  const d = normalizeDim('split', dim, x.ndim)
  const n = x.shape[d]
  let sizes: number[]
  if (typeof sizeOrSections === 'number') {
    // A dim of size 0 splits into one empty piece, as in PyTorch (which allows size 0 only there)
    if (!Number.isInteger(sizeOrSections) || sizeOrSections < 0 || (sizeOrSections === 0 && n > 0)) {
      throw new Error(`split: expected a positive integer size, got ${sizeOrSections}`)
    }
    sizes = n === 0 ? [0] : []
    for (let at = 0; at < n; at += sizeOrSections) sizes.push(Math.min(sizeOrSections, n - at))
  } else {
    sizes = [...sizeOrSections]
    const total = sizes.reduce((a, b) => a + b, 0)
    if (!sizes.every((s) => Number.isInteger(s) && s >= 0) || total !== n) {
      throw new Error(`split: sizes ${formatShape(sizes)} must be non-negative integers summing to ${n} (dim ${dim} of ${formatShape(x.shape)})`)
    }
  }
  let start = 0
  return sizes.map((s) => slice(x, d, start, (start += s)))
}

// expand: x broadcast to `shape` (NumPy rules); the gradient is dy summed back to x's shape
export function expand(x: Tensor, shape: Shape): Tensor {
  checkTensor('expand', x)
  const target = broadcastShapes('expand', x.shape, shape)
  if (!shapesEqual(target, shape)) throw new Error(`expand: cannot expand ${formatShape(x.shape)} to ${formatShape(shape)}`)
  const y = new Tensor(allocate(x.dtype, sizeOf(shape)), shape)
  expandInto(y.data, shape, x.data, x.shape)
  return record('expand', [x], y, (dy) => [sumToShape(dy, x.shape)])
}
