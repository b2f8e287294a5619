// Copies that move elements between layouts: transposes and blocks along one dim.
import type { TypedArray } from '../dtype.js'

/**
 * Swaps two dims. The input is seen as [A, P, B, Q, C] with P, Q the swapped dims;
 * out is [A, Q, B, P, C].
 */
export function transposeInto(out: TypedArray, x: TypedArray, A: number, P: number, B: number, Q: number, C: number): void {
  let o = 0
  for (let a = 0; a < A; a++) {
    for (let q = 0; q < Q; q++) {
      for (let b = 0; b < B; b++) {
        for (let p = 0; p < P; p++) {
          const xBase = (((a * P + p) * B + b) * Q + q) * C
          for (let c = 0; c < C; c++) out[o++] = x[xBase + c]
        }
      }
    }
  }
}

/**
 * Copies `count` rows along a dim from x (dim size xSize, starting at xStart) to out
 * (dim size outSize, starting at outStart); both are seen as [outer, size, inner].
 */
export function copyBlockInto(
  out: TypedArray,
  outSize: number,
  outStart: number,
  x: TypedArray,
  xSize: number,
  xStart: number,
  count: number,
  outer: number,
  inner: number,
): void {
  const run = count * inner
  for (let o = 0; o < outer; o++) {
    const outBase = (o * outSize + outStart) * inner
    const xBase = (o * xSize + xStart) * inner
    for (let j = 0; j < run; j++) out[outBase + j] = x[xBase + j]
  }
}
