// softmax and logSoftmax along one dim, seen as [outer, size, inner], with their backward passes.
// Stable: the row's max m is subtracted before exp, and sums accumulate in double. Rows that are not
// finite come out as the composition x − m, exp, Σ, log gives them: a NaN or +∞ anywhere, or a row of
// all −∞, makes x − m NaN somewhere, so the whole row is NaN; a −∞ entry in a finite row is exp 0.
// inner === 1 (softmax over the last dim, the common case) walks contiguous rows; otherwise a block of
// `size` rows of `inner` columns at a time, with per-column max and sum in two scratch arrays.
import type { TypedArray } from '../dtype.js'

/** out[o, s, j] = x[o, s, j] − m − log Σ_s' exp(x[o, s', j] − m), m = max_s x[o, s, j] */
export function logSoftmaxInto(out: TypedArray, x: TypedArray, outer: number, size: number, inner: number): void {
  if (size === 0) return
  if (inner === 1) {
    for (let base = 0; base < outer * size; base += size) {
      const end = base + size
      const m = rowMax(x, base, end)
      let total = 0
      for (let i = base; i < end; i++) total += Math.exp(x[i] - m)
      const lse = Math.log(total)
      for (let i = base; i < end; i++) out[i] = x[i] - m - lse
    }
    return
  }
  const m = new Float64Array(inner)
  const total = new Float64Array(inner)
  for (let o = 0; o < outer; o++) {
    const block = o * size * inner
    columnMaxAndExpSum(m, total, x, block, size, inner)
    for (let j = 0; j < inner; j++) total[j] = Math.log(total[j])
    for (let s = 0; s < size; s++) {
      const row = block + s * inner
      for (let j = 0; j < inner; j++) out[row + j] = x[row + j] - m[j] - total[j]
    }
  }
}

/** out[o, s, j] = exp(x[o, s, j] − m) / Σ_s' exp(x[o, s', j] − m), m = max_s x[o, s, j] */
export function softmaxInto(out: TypedArray, x: TypedArray, outer: number, size: number, inner: number): void {
  if (size === 0) return
  if (inner === 1) {
    for (let base = 0; base < outer * size; base += size) {
      const end = base + size
      const m = rowMax(x, base, end)
      let total = 0
      for (let i = base; i < end; i++) {
        const e = Math.exp(x[i] - m)
        out[i] = e
        total += e // the unrounded term, so a float32 row still sums in double
      }
      for (let i = base; i < end; i++) out[i] /= total
    }
    return
  }
  const m = new Float64Array(inner)
  const total = new Float64Array(inner)
  for (let o = 0; o < outer; o++) {
    const block = o * size * inner
    columnMaxAndExpSum(m, total, x, block, size, inner)
    for (let s = 0; s < size; s++) {
      const row = block + s * inner
      for (let j = 0; j < inner; j++) out[row + j] = Math.exp(x[row + j] - m[j]) / total[j]
    }
  }
}

/** max of x[base … end): the shift that keeps exp from overflowing (a NaN row is handled by the sum; see the top). */
function rowMax(x: TypedArray, base: number, end: number): number {
  let m = x[base]
  for (let i = base + 1; i < end; i++) if (x[i] > m) m = x[i]
  return m
}

/** m[j] = max_s x[block + s·inner + j] and total[j] = Σ_s exp(x[…] − m[j]), over one [size, inner] block. */
function columnMaxAndExpSum(m: Float64Array, total: Float64Array, x: TypedArray, block: number, size: number, inner: number): void {
  for (let j = 0; j < inner; j++) m[j] = x[block + j]
  for (let s = 1; s < size; s++) {
    const row = block + s * inner
    for (let j = 0; j < inner; j++) if (x[row + j] > m[j]) m[j] = x[row + j]
  }
  total.fill(0)
  for (let s = 0; s < size; s++) {
    const row = block + s * inner
    for (let j = 0; j < inner; j++) total[j] += Math.exp(x[row + j] - m[j])
  }
}

/** logSoftmax backward from its output y: dx = dy − exp(y) · Σ_s dy (exp(y) is the softmax). */
export function logSoftmaxBackwardInto(dx: TypedArray, dy: TypedArray, y: TypedArray, outer: number, size: number, inner: number): void {
  if (size === 0) return
  if (inner === 1) {
    for (let base = 0; base < outer * size; base += size) {
      const end = base + size
      let g = 0
      for (let i = base; i < end; i++) g += dy[i]
      for (let i = base; i < end; i++) dx[i] = dy[i] - Math.exp(y[i]) * g
    }
    return
  }
  const g = new Float64Array(inner)
  for (let o = 0; o < outer; o++) {
    const block = o * size * inner
    g.fill(0)
    for (let s = 0; s < size; s++) {
      const row = block + s * inner
      for (let j = 0; j < inner; j++) g[j] += dy[row + j]
    }
    for (let s = 0; s < size; s++) {
      const row = block + s * inner
      for (let j = 0; j < inner; j++) dx[row + j] = dy[row + j] - Math.exp(y[row + j]) * g[j]
    }
  }
}

/** softmax backward from its output y: dx = y ⊙ (dy − Σ_s dy ⊙ y). */
export function softmaxBackwardInto(dx: TypedArray, dy: TypedArray, y: TypedArray, outer: number, size: number, inner: number): void {
  if (size === 0) return
  if (inner === 1) {
    for (let base = 0; base < outer * size; base += size) {
      const end = base + size
      let g = 0
      for (let i = base; i < end; i++) g += dy[i] * y[i]
      for (let i = base; i < end; i++) dx[i] = y[i] * (dy[i] - g)
    }
    return
  }
  const g = new Float64Array(inner)
  for (let o = 0; o < outer; o++) {
    const block = o * size * inner
    g.fill(0)
    for (let s = 0; s < size; s++) {
      const row = block + s * inner
      for (let j = 0; j < inner; j++) g[j] += dy[row + j] * y[row + j]
    }
    for (let s = 0; s < size; s++) {
      const row = block + s * inner
      for (let j = 0; j < inner; j++) dx[row + j] = y[row + j] * (dy[row + j] - g[j])
    }
  }
}
