// Shared pieces of the autograd tests: fresh leaves, arbitraries the testing helpers do not cover,
// and plain-loop reference implementations (independent of the library) to compare forwards against.
import fc from 'fast-check'
import { Tensor } from '../../src/index.js'
import { float64TensorArb, shapeArb, type ShapeConstraints, type TensorConstraints } from '../../src/testing/index.js'

export type Fn = (...inputs: Tensor[]) => Tensor

/** Small shapes keep the Jacobians small: rank ≤ 3, dims ≤ 4. */
export const SMALL: ShapeConstraints = { maxRank: 3, maxDim: 4 }

/** A fresh leaf holding t's values in `dtype` (rounded when narrowing), requiring grad. */
export function leaf(t: Tensor, dtype: 'float32' | 'float64' = 'float64'): Tensor {
  const out = new Tensor(dtype === 'float64' ? Float64Array.from(t.data) : Float32Array.from(t.data), t.shape)
  out.requiresGrad = true
  return out
}

/** The gradient of a leaf as plain numbers; fails the test when there is none. */
export function gradOf(t: Tensor): number[] {
  if (t.grad === null) throw new Error(`expected ${t.toString()} to have a gradient`)
  return Array.from(t.grad.data)
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-12, abs = 1e-12): void {
  expect(actual.length).toBe(expected.length)
  for (let i = 0; i < expected.length; i++) {
    const tol = abs + rel * Math.abs(expected[i])
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      throw new Error(`element ${i}: got ${actual[i]}, expected ${expected[i]} (tolerance ${tol})`)
    }
  }
}

/** A shape (rank ≥ 1) with a dim along it, given either way round (e.g. -1 or rank − 1). */
export function shapeWithDimArb(c: ShapeConstraints = SMALL): fc.Arbitrary<{ shape: number[]; dim: number }> {
  return shapeArb({ ...c, minRank: Math.max(1, c.minRank ?? 1) }).chain((shape) =>
    fc.record({ shape: fc.constant(shape), dim: fc.integer({ min: -shape.length, max: shape.length - 1 }) }),
  )
}

/** float64 tensors of `shape` whose values are pairwise at least 0.15 apart: no ties for max. */
export function distinctTensorArb(shape: readonly number[]): fc.Arbitrary<Tensor> {
  const n = shape.reduce((a, b) => a * b, 1)
  const order = Array.from({ length: n }, (_, i) => i)
  return fc.tuple(float64TensorArb(shape, { min: 0, max: 0.1 }), fc.shuffledSubarray(order, { minLength: n, maxLength: n })).map(([jitter, perm]) => {
    const t = new Tensor(Float64Array.from(jitter.data, (v, i) => v + 0.25 * perm[i] - 0.125 * n), shape)
    t.requiresGrad = true
    return t
  })
}

/** Moves every value within `gap` of one of `points` to that point ± gap (keeping its side). */
export function awayFrom(points: readonly number[], gap: number): (t: Tensor) => Tensor {
  return (t) => {
    const data = Float64Array.from(t.data, (v) => {
      for (const p of points) if (Math.abs(v - p) < gap) return v < p ? p - gap : p + gap
      return v
    })
    const out = new Tensor(data, t.shape)
    out.requiresGrad = true
    return out
  }
}

/**
 * float64TensorArb draws most values very close to 0 (uniformly over the doubles' bit patterns), where
 * many gradients are near 0 too; half of these tensors keep every |value| ≥ 0.05 so the slopes matter.
 */
export function valuesArb(shape: readonly number[], c: TensorConstraints = {}): fc.Arbitrary<Tensor> {
  return fc.oneof(float64TensorArb(shape, c), float64TensorArb(shape, { ...c, minMagnitude: Math.max(c.minMagnitude ?? 0, 0.05) }))
}

/** float64 tensors of shapes from `shapes`, wrapped as a one-input list. */
export function oneInput(shapes: fc.Arbitrary<number[]>, c: TensorConstraints = {}): fc.Arbitrary<Tensor[]> {
  return shapes.chain((s) => valuesArb(s, c)).map((t) => [t])
}

// ---- references, in plain loops over multi-indices ----

export function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}

export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length)
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d]
    flat = Math.floor(flat / shape[d])
  }
  return idx
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d] + idx[d]
  return flat
}

/** NumPy broadcast of two shapes (throws when they do not broadcast). */
export function refBroadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length)
  return Array.from({ length: rank }, (_, i) => {
    const da = a[i - (rank - a.length)] ?? 1
    const db = b[i - (rank - b.length)] ?? 1
    if (da !== db && da !== 1 && db !== 1) throw new Error(`shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`)
    return da === 1 ? db : da
  })
}

/** The flat index in a tensor of `shape` that an index `outIdx` of the broadcast result reads. */
export function broadcastSource(outIdx: readonly number[], shape: readonly number[]): number {
  const lead = outIdx.length - shape.length
  return ravel(shape.map((d, i) => (d === 1 ? 0 : outIdx[lead + i])), shape)
}

export interface Ref {
  shape: number[]
  data: number[]
}

export function refBinary(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Ref {
  const shape = refBroadcastShape(a.shape, b.shape)
  const data = Array.from({ length: sizeOfShape(shape) }, (_, i) => {
    const idx = unravel(i, shape)
    return f(a.data[broadcastSource(idx, a.shape)], b.data[broadcastSource(idx, b.shape)])
  })
  return { shape, data }
}

/** Reduces the (normalised) `dims` of x with `f`, starting from each group's first element. */
export function refReduce(x: Tensor, dims: readonly number[], keepDim: boolean, f: (acc: number, v: number) => number): Ref {
  const kept = x.shape.map((d, i) => (dims.includes(i) ? 1 : d))
  const acc = new Array<number | undefined>(sizeOfShape(kept)).fill(undefined)
  for (let i = 0; i < x.size; i++) {
    const o = ravel(unravel(i, x.shape).map((v, d) => (dims.includes(d) ? 0 : v)), kept)
    const prev = acc[o]
    acc[o] = prev === undefined ? x.data[i] : f(prev, x.data[i])
  }
  return { shape: keepDim ? kept : x.shape.filter((_, i) => !dims.includes(i)), data: acc.map((v) => v ?? 0) }
}

/** matmul as NumPy defines it: a 1-D operand is a row (left) or column (right) whose dim is dropped. */
export function refMatmul(a: Tensor, b: Tensor): Ref {
  const aShape = a.ndim === 1 ? [1, a.shape[0]] : [...a.shape]
  const bShape = b.ndim === 1 ? [b.shape[0], 1] : [...b.shape]
  const [m, k] = aShape.slice(-2)
  const n = bShape[bShape.length - 1]
  const aBatch = aShape.slice(0, -2)
  const bBatch = bShape.slice(0, -2)
  const batch = refBroadcastShape(aBatch, bBatch)
  const data: number[] = []
  for (let t = 0; t < sizeOfShape(batch); t++) {
    const idx = unravel(t, batch)
    const aBase = broadcastSource(idx, aBatch) * m * k
    const bBase = broadcastSource(idx, bBatch) * k * n
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0
        for (let p = 0; p < k; p++) s += a.data[aBase + i * k + p] * b.data[bBase + p * n + j]
        data.push(s)
      }
    }
  }
  const shape = [...batch, ...(a.ndim === 1 ? [] : [m]), ...(b.ndim === 1 ? [] : [n])]
  return { shape, data }
}

/** x with dims p and q swapped. */
export function refTranspose(x: Tensor, p: number, q: number): Ref {
  const shape = [...x.shape]
  ;[shape[p], shape[q]] = [shape[q], shape[p]]
  const data = Array.from({ length: x.size }, (_, i) => {
    const idx = unravel(i, shape)
    ;[idx[p], idx[q]] = [idx[q], idx[p]]
    return x.data[ravel(idx, x.shape)]
  })
  return { shape, data }
}

/** The range [from, to) of x along d. */
export function refSlice(x: Tensor, d: number, from: number, to: number): Ref {
  const shape = x.shape.map((s, i) => (i === d ? to - from : s))
  const data = Array.from({ length: sizeOfShape(shape) }, (_, i) => x.data[ravel(unravel(i, shape).map((v, j) => (j === d ? v + from : v)), x.shape)])
  return { shape, data }
}

/** a and b joined along d. */
export function refCat2(a: Ref, b: Tensor, d: number): Ref {
  const shape = a.shape.map((s, i) => (i === d ? s + b.shape[d] : s))
  const data = Array.from({ length: sizeOfShape(shape) }, (_, i) => {
    const idx = unravel(i, shape)
    if (idx[d] < a.shape[d]) return a.data[ravel(idx, a.shape)]
    return b.data[ravel(idx.map((v, j) => (j === d ? v - a.shape[d] : v)), b.shape)]
  })
  return { shape, data }
}
