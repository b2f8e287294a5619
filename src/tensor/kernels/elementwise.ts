// Elementwise kernels: output first, nothing allocated inside the loops.
import type { TypedArray } from '../dtype.js'
import { broadcastStrides, type Shape } from '../shape.js'

export type UnaryFn = (x: number) => number
export type BinaryFn = (a: number, b: number) => number

/** σ(v) = 1/(1 + e⁻ᵛ) without overflow: e^(−v) is only taken for v ≥ 0, e^v only for v < 0. */
export function sigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v))
  const e = Math.exp(v)
  return e / (1 + e)
}

/** out[i] = f(x[i]) */
export function mapInto(out: TypedArray, x: TypedArray, f: UnaryFn): void {
  const n = out.length
  for (let i = 0; i < n; i++) out[i] = f(x[i])
}

/** out[outAt + i] = a[aAt + i] · m[i] for i < m.length: one block of rows times a mask of its size (out may be a). */
export function maskBlockInto(out: TypedArray, outAt: number, a: TypedArray, aAt: number, m: TypedArray): void {
  const n = m.length
  for (let i = 0; i < n; i++) out[outAt + i] = a[aAt + i] * m[i]
}

/** out = f(a, b) with NumPy broadcasting; `outShape` is the broadcast shape of both. */
export function binaryInto(out: TypedArray, outShape: Shape, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, f: BinaryFn): void {
  const n = out.length
  if (n === 0) return
  if (a.length === n && b.length === n) {
    for (let i = 0; i < n; i++) out[i] = f(a[i], b[i])
    return
  }
  if (b.length === 1 && a.length === n) {
    const y = b[0]
    for (let i = 0; i < n; i++) out[i] = f(a[i], y)
    return
  }
  if (a.length === 1 && b.length === n) {
    const x = a[0]
    for (let i = 0; i < n; i++) out[i] = f(x, b[i])
    return
  }
  const rank = outShape.length
  const aStrides = broadcastStrides(aShape, outShape)
  const bStrides = broadcastStrides(bShape, outShape)
  const inner = outShape[rank - 1]
  const aStep = aStrides[rank - 1]
  const bStep = bStrides[rank - 1]
  const index = new Int32Array(rank) // odometer over the outer dims
  let aBase = 0
  let bBase = 0
  for (let o = 0; o < n; o += inner) {
    let ai = aBase
    let bi = bBase
    for (let j = 0; j < inner; j++) {
      out[o + j] = f(a[ai], b[bi])
      ai += aStep
      bi += bStep
    }
    // Advance the odometer over dims rank-2 … 0, carrying as needed.
    for (let d = rank - 2; d >= 0; d--) {
      index[d]++
      aBase += aStrides[d]
      bBase += bStrides[d]
      if (index[d] < outShape[d]) break
      aBase -= aStrides[d] * outShape[d]
      bBase -= bStrides[d] * outShape[d]
      index[d] = 0
    }
  }
}

const first: BinaryFn = (a) => a
const ZERO = new Float64Array(1)

/** Copies `x` broadcast to `outShape` into `out`. */
export function expandInto(out: TypedArray, outShape: Shape, x: TypedArray, xShape: Shape): void {
  binaryInto(out, outShape, x, xShape, ZERO, [], first)
}

/** out[i] += x[i] over x's length (summing gradient slots in a fixed order). */
export function accumulateInto(out: TypedArray, x: TypedArray): void {
  const n = x.length
  for (let i = 0; i < n; i++) out[i] += x[i]
}
