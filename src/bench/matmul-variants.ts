// Simpler matrix-product variants, same contract as matmulInto in matmul.ts: the steps toward its packed
// 4×4 kernel, kept as baselines so bench/matmul.ts can show what each idea buys. Not used by the library.
import type { TypedArray } from '../tensor/dtype.js'


/** Textbook i-j-k: one dot product per output, walking B down a column (cache-hostile). */
export function matmulIJK(out: TypedArray, a: TypedArray, b: TypedArray, m: number, k: number, n: number, outOffset = 0, aOffset = 0, bOffset = 0): void {
  for (let i = 0; i < m; i++) {
    const aRow = aOffset + i * k
    for (let j = 0; j < n; j++) {
      let acc = 0
      for (let p = 0; p < k; p++) acc += a[aRow + p] * b[bOffset + p * n + j]
      out[outOffset + i * n + j] = acc
    }
  }
}

/** i-k-j: streams rows of B and of the output, but loads and stores the output k times. */
export function matmulIKJ(out: TypedArray, a: TypedArray, b: TypedArray, m: number, k: number, n: number, outOffset = 0, aOffset = 0, bOffset = 0): void {
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

/** Copies Bᵀ into a scratch buffer so every output is a dot product of two contiguous rows. */
export function matmulTransposedDot(out: TypedArray, a: TypedArray, b: TypedArray, m: number, k: number, n: number, outOffset = 0, aOffset = 0, bOffset = 0): void {
  const bt = new Float64Array(k * n)
  for (let p = 0; p < k; p++) {
    for (let j = 0; j < n; j++) bt[j * k + p] = b[bOffset + p * n + j]
  }
  for (let i = 0; i < m; i++) {
    const aRow = aOffset + i * k
    for (let j = 0; j < n; j++) {
      const btRow = j * k
      let acc = 0
      for (let p = 0; p < k; p++) acc += a[aRow + p] * bt[btRow + p]
      out[outOffset + i * n + j] = acc
    }
  }
}

/** i-k-j over four output rows at once, so each element of B read serves four rows. */
export function matmulRows4(out: TypedArray, a: TypedArray, b: TypedArray, m: number, k: number, n: number, outOffset = 0, aOffset = 0, bOffset = 0): void {
  const m4 = m - (m % 4)
  for (let i = 0; i < m4; i += 4) {
    const o0 = outOffset + i * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n
    for (let j = 0; j < 4 * n; j++) out[o0 + j] = 0
    const a0 = aOffset + i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k
    for (let p = 0; p < k; p++) {
      const x0 = a[a0 + p], x1 = a[a1 + p], x2 = a[a2 + p], x3 = a[a3 + p]
      const bRow = bOffset + p * n
      for (let j = 0; j < n; j++) {
        const y = b[bRow + j]
        out[o0 + j] += x0 * y
        out[o1 + j] += x1 * y
        out[o2 + j] += x2 * y
        out[o3 + j] += x3 * y
      }
    }
  }
  matmulIKJ(out, a, b, m - m4, k, n, outOffset + m4 * n, aOffset + m4 * k, bOffset)
}

/**
 * 4×4 register tile read straight from A and B: sixteen local accumulators, so each load
 * feeds four multiply-adds and the output is written once. Edge rows/columns use dot products.
 */
export function matmulTiled4x4(out: TypedArray, a: TypedArray, b: TypedArray, m: number, k: number, n: number, outOffset = 0, aOffset = 0, bOffset = 0): void {
  const m4 = m - (m % 4), n4 = n - (n % 4)
  for (let i = 0; i < m4; i += 4) {
    const a0 = aOffset + i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k
    for (let j = 0; j < n4; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0
      for (let p = 0, q = bOffset + j; p < k; p++, q += n) {
        const y0 = b[q], y1 = b[q + 1], y2 = b[q + 2], y3 = b[q + 3]
        let x = a[a0 + p]
        c00 += x * y0; c01 += x * y1; c02 += x * y2; c03 += x * y3
        x = a[a1 + p]
        c10 += x * y0; c11 += x * y1; c12 += x * y2; c13 += x * y3
        x = a[a2 + p]
        c20 += x * y0; c21 += x * y1; c22 += x * y2; c23 += x * y3
        x = a[a3 + p]
        c30 += x * y0; c31 += x * y1; c32 += x * y2; c33 += x * y3
      }
      let o = outOffset + i * n + j
      out[o] = c00; out[o + 1] = c01; out[o + 2] = c02; out[o + 3] = c03
      o += n
      out[o] = c10; out[o + 1] = c11; out[o + 2] = c12; out[o + 3] = c13
      o += n
      out[o] = c20; out[o + 1] = c21; out[o + 2] = c22; out[o + 3] = c23
      o += n
      out[o] = c30; out[o + 1] = c31; out[o + 2] = c32; out[o + 3] = c33
    }
  }
  for (let i = 0; i < m; i++) {
    const aRow = aOffset + i * k
    for (let j = i < m4 ? n4 : 0; j < n; j++) {
      let acc = 0
      for (let p = 0; p < k; p++) acc += a[aRow + p] * b[bOffset + p * n + j]
      out[outOffset + i * n + j] = acc
    }
  }
}
