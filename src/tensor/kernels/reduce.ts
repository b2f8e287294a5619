// Reductions along one dim, seen as [outer, size, inner] → [outer, inner].
import type { TypedArray } from '../dtype.js'

/** out[o, j] = Σ_s x[o, s, j] */
export function sumDimInto(out: TypedArray, x: TypedArray, outer: number, size: number, inner: number): void {
  out.fill(0)
  for (let o = 0; o < outer; o++) {
    const outBase = o * inner
    for (let s = 0; s < size; s++) {
      const xBase = (o * size + s) * inner
      for (let j = 0; j < inner; j++) out[outBase + j] += x[xBase + j]
    }
  }
}

/**
 * out[o, j] = max_s x[o, s, j], and argmax[o, j] the first s that attains it.
 * NaN wins, as in PyTorch: a row holding NaN has max NaN.
 */
export function maxDimInto(out: TypedArray, argmax: Int32Array, x: TypedArray, outer: number, size: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let best = x[o * size * inner + j]
      let bestIndex = 0
      for (let s = 1; s < size && best === best; s++) {
        const v = x[(o * size + s) * inner + j]
        if (v > best || v !== v) {
          best = v
          bestIndex = s
        }
      }
      out[o * inner + j] = best
      argmax[o * inner + j] = bestIndex
    }
  }
}

/** Sum of all elements, accumulated in double precision. */
export function sumAll(x: TypedArray): number {
  let total = 0
  for (let i = 0; i < x.length; i++) total += x[i]
  return total
}
