// Shapes, strides and NumPy broadcasting. Tensors are contiguous and row-major.
import { describe } from '../validation/checks.js'

export type Shape = readonly number[]

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`
}

export function sizeOf(shape: Shape): number {
  let size = 1
  for (const d of shape) size *= d
  return size
}

/** Row-major strides, in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length)
  let stride = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride
    stride *= shape[i]
  }
  return strides
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export function checkShape(where: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`${where}: a shape must be an array of non-negative integers; got ${describe(shape)}`)
  }
  return shape.slice()
}

/** The shape two shapes broadcast to (NumPy rules), or an error naming both. */
export function broadcastShapes(where: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length)
  const out = new Array<number>(rank)
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)]
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)]
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${where}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together (dim ${i}: ${da} vs ${db})`)
    }
    out[i] = da === 1 ? db : da
  }
  return out
}

/**
 * Strides that read a tensor of `shape` as if it had `outShape` (a shape it broadcasts to):
 * a stride of 0 repeats a dimension of size 1 and the missing leading dimensions.
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const strides = stridesOf(shape)
  const lead = outShape.length - shape.length
  const out = new Array<number>(outShape.length).fill(0)
  for (let i = 0; i < shape.length; i++) out[lead + i] = shape[i] === 1 ? 0 : strides[i]
  return out
}

/** Turns a possibly negative dim into 0..rank-1, or throws naming the caller. */
export function normalizeDim(where: string, dim: number, rank: number): number {
  if (!Number.isInteger(dim) || dim < -rank || dim >= rank) {
    const range = rank === 0 ? 'none (the tensor is 0-d)' : `[${-rank}, ${rank - 1}]`
    throw new Error(`${where}: dim ${String(dim)} is out of range for a ${rank}-d tensor; expected ${range}`)
  }
  return dim < 0 ? dim + rank : dim
}

/** Views a dim of a shape as [outer, size, inner] so kernels can work on three flat extents. */
export function splitAtDim(shape: Shape, dim: number): { outer: number; size: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, dim)), size: shape[dim], inner: sizeOf(shape.slice(dim + 1)) }
}
