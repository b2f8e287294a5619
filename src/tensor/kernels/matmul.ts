// Matrix products on row-major blocks of typed arrays; each writes (not adds) its m×n output.
// Offsets let batched matmul address one matrix of a batch without copying.
import type { TypedArray } from '../dtype.js'

/** out[m×n] = a[m×k] · b[k×n] */
export function matmulInto(out: TypedArray, a: TypedArray, b: TypedArray, m: number, k: number, n: number, outOffset = 0, aOffset = 0, bOffset = 0): void {
  for (let i = 0; i < m; i++) {
    const outRow = outOffset + i * n
    for (let j = 0; j < n; j++) out[outRow + j] = 0
    for (let p = 0; p < k; p++) {
      const aip = a[aOffset + i * k + p]
      const bRow = bOffset + p * n
      for (let j = 0; j < n; j++) out[outRow + j] += aip * b[bRow + j]
    }
  }
}

/** out[m×n] = a[m×k] · b[n×k]ᵀ */
export function matmulTransBInto(out: TypedArray, a: TypedArray, b: TypedArray, m: number, k: number, n: number, outOffset = 0, aOffset = 0, bOffset = 0): void {
  for (let i = 0; i < m; i++) {
    const aRow = aOffset + i * k
    for (let j = 0; j < n; j++) {
      const bRow = bOffset + j * k
      let acc = 0
      for (let p = 0; p < k; p++) acc += a[aRow + p] * b[bRow + p]
      out[outOffset + i * n + j] = acc
    }
  }
}

/** out[m×n] = a[k×m]ᵀ · b[k×n] */
export function matmulTransAInto(out: TypedArray, a: TypedArray, b: TypedArray, m: number, k: number, n: number, outOffset = 0, aOffset = 0, bOffset = 0): void {
  for (let i = 0; i < m * n; i++) out[outOffset + i] = 0
  for (let p = 0; p < k; p++) {
    const bRow = bOffset + p * n
    for (let i = 0; i < m; i++) {
      const api = a[aOffset + p * m + i]
      const outRow = outOffset + i * n
      for (let j = 0; j < n; j++) out[outRow + j] += api * b[bRow + j]
    }
  }
}
