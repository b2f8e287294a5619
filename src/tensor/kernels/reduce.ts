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

/**
 * out[j] = Σ_r x[r, j] over a [rows, cols] block, accumulated in double four rows at a time: the bias
 * gradient of a whole sequence (rows = T·B), where a running float32 sum would also lose precision.
 */
export function columnSumsInto(out: TypedArray, x: TypedArray, rows: number, cols: number): void {
  const acc = new Float64Array(cols)
  let r = 0
  for (; r + 4 <= rows; r += 4) {
    const r0 = r * cols, r1 = r0 + cols, r2 = r1 + cols, r3 = r2 + cols
    for (let j = 0; j < cols; j++) acc[j] += x[r0 + j] + x[r1 + j] + (x[r2 + j] + x[r3 + j])
  }
  for (; r < rows; r++) {
    for (let j = 0, s = r * cols; j < cols; j++) acc[j] += x[s + j]
  }
  for (let j = 0; j < cols; j++) out[j] = acc[j]
}
