// Matrix products on row-major blocks of typed arrays; each writes (not adds) its m×n output.
// Offsets let batched matmul address one matrix of a batch without copying.
//
// The exported matmul*Into functions all use one packed, register-tiled kernel (see `gemm`).
// The other NN variants are simpler steps toward it, kept so bench/matmul.ts can show what
// each idea buys; see that file for measured numbers.
import type { TypedArray } from '../dtype.js'

/** out[m×n] = a[m×k] · b[k×n] */
export function matmulInto(out: TypedArray, a: TypedArray, b: TypedArray, m: number, k: number, n: number, outOffset = 0, aOffset = 0, bOffset = 0): void {
  gemm(out, outOffset, m, k, n, a, aOffset, k, 1, b, bOffset, n, 1)
}

/** out[m×n] = a[m×k] · b[n×k]ᵀ */
export function matmulTransBInto(out: TypedArray, a: TypedArray, b: TypedArray, m: number, k: number, n: number, outOffset = 0, aOffset = 0, bOffset = 0): void {
  gemm(out, outOffset, m, k, n, a, aOffset, k, 1, b, bOffset, 1, k)
}

/** out[m×n] = a[k×m]ᵀ · b[k×n] */
export function matmulTransAInto(out: TypedArray, a: TypedArray, b: TypedArray, m: number, k: number, n: number, outOffset = 0, aOffset = 0, bOffset = 0): void {
  gemm(out, outOffset, m, k, n, a, aOffset, 1, m, b, bOffset, n, 1)
}

// ---------------------------------------------------------------------------------------------
// Simpler NN variants, same contract as matmulInto (benchmark baselines).

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

// ---------------------------------------------------------------------------------------------
// Packed 4×4 kernel.
//
// A and B are copied into one Float64Array: B as 4-column panels (k×4, row by row) and four rows
// of A as one 4-row panel (k×4). The inner loop then reads two contiguous streams from a single
// array whose type never changes, so V8 keeps it monomorphic even when the library mixes float32,
// float64 and int32 tensors, and float32 inputs are widened once instead of on every use.
// Strides describe where element (row, col) of each operand lives, which lets the transposed
// products reuse everything except the addresses. Panels are zero-padded to full tiles, so the
// kernel has no remainder loops; only the final store clips to the output's edge.

const TILE = 4
/** Columns of B packed at a time: bounds the buffer and keeps a packed block around L2 size. */
const BLOCK_COLS = 256
/** Buffers up to this many doubles (16 MiB) are kept for the next call; larger ones are dropped. */
const KEEP_LIMIT = 1 << 21

// Shared between calls: the kernels never re-enter, and a fresh buffer per call (zero-filled,
// page-faulted) cost about a fifth of the run time on a 32×193·193×512 product.
let packBuffer = new Float64Array(0)
const edgeTile = new Float64Array(TILE * TILE)

function packBufferOfSize(size: number): Float64Array {
  if (packBuffer.length >= size) return packBuffer
  const fresh = new Float64Array(size)
  if (size <= KEEP_LIMIT) packBuffer = fresh
  return fresh
}

/** out[m×n] = A·B where A(i, p) = a[aOffset + i·aRowStride + p·aColStride], likewise B(p, j). */
function gemm(
  out: TypedArray, outOffset: number, m: number, k: number, n: number,
  a: TypedArray, aOffset: number, aRowStride: number, aColStride: number,
  b: TypedArray, bOffset: number, bRowStride: number, bColStride: number,
): void {
  if (m === 0 || n === 0) return
  if (k === 0) {
    for (let i = 0; i < m * n; i++) out[outOffset + i] = 0
    return
  }
  const blockCols = Math.min(n, BLOCK_COLS)
  const aPanelStart = roundUpToTile(blockCols) * k
  const packed = packBufferOfSize(aPanelStart + TILE * k)
  for (let j0 = 0; j0 < n; j0 += BLOCK_COLS) {
    const cols = Math.min(BLOCK_COLS, n - j0)
    packColumnPanels(packed, b, bOffset + j0 * bColStride, k, cols, bRowStride, bColStride)
    for (let i = 0; i < m; i += TILE) {
      const rows = Math.min(TILE, m - i)
      packRowPanel(packed, aPanelStart, a, aOffset + i * aRowStride, k, rows, aRowStride, aColStride)
      for (let j = 0; j < cols; j += TILE) {
        multiplyTile(out, outOffset + i * n + j0 + j, n, packed, j * k, aPanelStart, k, rows, Math.min(TILE, cols - j))
      }
    }
  }
}

function roundUpToTile(x: number): number {
  return Math.ceil(x / TILE) * TILE
}

/** Packs `cols` columns of B into k×4 panels at packed[0…]; missing columns become zeros. */
function packColumnPanels(packed: Float64Array, b: TypedArray, start: number, k: number, cols: number, rowStride: number, colStride: number): void {
  for (let j = 0; j < cols; j += TILE) {
    const width = Math.min(TILE, cols - j)
    let d = j * k
    let s = start + j * colStride
    if (width === TILE) {
      for (let p = 0; p < k; p++, d += TILE, s += rowStride) {
        packed[d] = b[s]
        packed[d + 1] = b[s + colStride]
        packed[d + 2] = b[s + 2 * colStride]
        packed[d + 3] = b[s + 3 * colStride]
      }
    } else {
      for (let p = 0; p < k; p++, d += TILE, s += rowStride) {
        for (let c = 0; c < TILE; c++) packed[d + c] = c < width ? b[s + c * colStride] : 0
      }
    }
  }
}

/** Packs `rows` rows of A into one k×4 panel at packed[at…]; missing rows become zeros. */
function packRowPanel(packed: Float64Array, at: number, a: TypedArray, start: number, k: number, rows: number, rowStride: number, colStride: number): void {
  let d = at
  let s = start
  if (rows === TILE) {
    for (let p = 0; p < k; p++, d += TILE, s += colStride) {
      packed[d] = a[s]
      packed[d + 1] = a[s + rowStride]
      packed[d + 2] = a[s + 2 * rowStride]
      packed[d + 3] = a[s + 3 * rowStride]
    }
  } else {
    for (let p = 0; p < k; p++, d += TILE, s += colStride) {
      for (let r = 0; r < TILE; r++) packed[d + r] = r < rows ? a[s + r * rowStride] : 0
    }
  }
}

/** Writes the rows×cols corner of one 4×4 output tile from a B panel and the A panel. */
function multiplyTile(out: TypedArray, o: number, n: number, packed: Float64Array, bPanel: number, aPanel: number, k: number, rows: number, cols: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0
  const bEnd = bPanel + TILE * k
  for (let q = bPanel, w = aPanel; q < bEnd; q += TILE, w += TILE) {
    const y0 = packed[q], y1 = packed[q + 1], y2 = packed[q + 2], y3 = packed[q + 3]
    let x = packed[w]
    c00 += x * y0; c01 += x * y1; c02 += x * y2; c03 += x * y3
    x = packed[w + 1]
    c10 += x * y0; c11 += x * y1; c12 += x * y2; c13 += x * y3
    x = packed[w + 2]
    c20 += x * y0; c21 += x * y1; c22 += x * y2; c23 += x * y3
    x = packed[w + 3]
    c30 += x * y0; c31 += x * y1; c32 += x * y2; c33 += x * y3
  }
  if (rows === TILE && cols === TILE) {
    out[o] = c00; out[o + 1] = c01; out[o + 2] = c02; out[o + 3] = c03
    o += n
    out[o] = c10; out[o + 1] = c11; out[o + 2] = c12; out[o + 3] = c13
    o += n
    out[o] = c20; out[o + 1] = c21; out[o + 2] = c22; out[o + 3] = c23
    o += n
    out[o] = c30; out[o + 1] = c31; out[o + 2] = c32; out[o + 3] = c33
    return
  }
  const t = edgeTile
  t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03
  t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13
  t[8] = c20; t[9] = c21; t[10] = c22; t[11] = c23
  t[12] = c30; t[13] = c31; t[14] = c32; t[15] = c33
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[o + r * n + c] = t[r * TILE + c]
  }
}
