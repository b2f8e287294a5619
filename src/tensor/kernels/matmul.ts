// Matrix products on row-major blocks of typed arrays; each writes (not adds) its m×n output.
// Offsets let batched matmul address one matrix of a batch without copying.
//
// The exported matmul*Into functions all use one packed, register-tiled kernel (see `gemm`): in float32
// on WebAssembly SIMD where the runtime has it (simd-gemm.ts), else in scalar JavaScript (below).
// Simpler variants, the steps toward it, live in matmul-variants.ts for bench/matmul.ts.
import type { TypedArray } from '../dtype.js'
import { simdGemm, simdWithPackedB } from './simd-gemm.js'

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

/** out[m×n] at outOffset = a[m×k] (from aOffset) · B, for the B that withFixedRight was given. */
export type TimesFixed = (out: TypedArray, outOffset: number, a: TypedArray, aOffset: number, m: number) => void

/**
 * Runs `body` with a product by one fixed right operand B, used many times (the recurrent weight at
 * every time step): B is b[k×n], or with `transposed` the transpose of b[n×k]. B is packed once where
 * the SIMD kernel runs; otherwise each product is an ordinary matmul.
 */
export function withFixedRight(b: TypedArray, k: number, n: number, transposed: boolean, body: (times: TimesFixed) => void): void {
  const [rowStride, colStride] = transposed ? [1, k] : [n, 1]
  const plain: TimesFixed = (out, outOffset, a, aOffset, m) => gemm(out, outOffset, m, k, n, a, aOffset, k, 1, b, 0, rowStride, colStride)
  const packed = b instanceof Float32Array && simdWithPackedB(b, 0, k, n, rowStride, colStride, (times) => body((out, outOffset, a, aOffset, m) => {
    if (out instanceof Float32Array && a instanceof Float32Array) times(out, outOffset, m, a, aOffset, k, 1)
    else plain(out, outOffset, a, aOffset, m)
  }))
  if (!packed) body(plain)
}

// ---------------------------------------------------------------------------------------------
// Packed 4×4 kernel.
//
// A and B are copied into one Float64Array: B as 4-column panels (k×4, row by row) and four rows
// of A as one 4-row panel (k×4). The inner loop then reads two contiguous streams from a single
// array whose type never changes, so V8 keeps it monomorphic even when the library mixes float32,
// float64 and int32 tensors (reading the inputs in place ran at half speed once it had seen all
// three), and float32 inputs are widened once instead of on every use.
// Strides describe where element (row, col) of each operand lives, which lets the transposed
// products reuse everything except the addresses. The last B panel is zero-padded to four
// columns; rows left over after the 4-row panels, and products too thin to repay packing, go
// through a kernel that reads the operands in place instead.

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
  if (out instanceof Int32Array && a instanceof Int32Array && b instanceof Int32Array) {
    intGemm(out, outOffset, m, k, n, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride)
    return
  }
  // Below four rows packing costs about what it saves; multiplyRow reads the operands in place.
  if (m >= TILE && out instanceof Float32Array && a instanceof Float32Array && b instanceof Float32Array) {
    if (simdGemm(out, outOffset, m, k, n, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride)) return
  }
  scalarGemm(out, outOffset, m, k, n, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride)
}

/** out[m×n] = a[m×k] · b[k×n] by the scalar kernel whatever the types: the fallback, for bench/matmul.ts. */
export function scalarMatmulInto(out: TypedArray, a: TypedArray, b: TypedArray, m: number, k: number, n: number): void {
  if (m === 0 || n === 0) return
  if (k === 0) out.fill(0, 0, m * n)
  else scalarGemm(out, 0, m, k, n, a, 0, k, 1, b, 0, n, 1)
}

function scalarGemm(
  out: TypedArray, outOffset: number, m: number, k: number, n: number,
  a: TypedArray, aOffset: number, aRowStride: number, aColStride: number,
  b: TypedArray, bOffset: number, bRowStride: number, bColStride: number,
): void {
  const packedRows = n >= TILE ? m - (m % TILE) : 0
  if (packedRows > 0) {
    const blockCols = Math.min(n, BLOCK_COLS)
    const aPanel = Math.ceil(blockCols / TILE) * TILE * k
    const packed = packBufferOfSize(aPanel + TILE * k)
    for (let j0 = 0; j0 < n; j0 += BLOCK_COLS) {
      const cols = Math.min(BLOCK_COLS, n - j0)
      packColumnPanels(packed, b, bOffset + j0 * bColStride, k, cols, bRowStride, bColStride)
      for (let i = 0; i < packedRows; i += TILE) {
        packRowPanel(packed, aPanel, a, aOffset + i * aRowStride, k, aRowStride, aColStride)
        for (let j = 0; j < cols; j += TILE) {
          multiplyTile(out, outOffset + i * n + j0 + j, n, packed, j * k, aPanel, k, Math.min(TILE, cols - j))
        }
      }
    }
  }
  for (let i = packedRows; i < m; i++) {
    multiplyRow(out, outOffset + i * n, k, n, a, aOffset + i * aRowStride, aColStride, b, bOffset, bRowStride, bColStride)
  }
}

/**
 * int32 products wrap around as in C and PyTorch: Math.imul and 32-bit sums are exact at any size, where
 * the double kernels would round once a sum passes 2^53. (Indices and counts only: no speed is needed.)
 */
function intGemm(
  out: Int32Array, outOffset: number, m: number, k: number, n: number,
  a: Int32Array, aOffset: number, aRowStride: number, aColStride: number,
  b: Int32Array, bOffset: number, bRowStride: number, bColStride: number,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0
      for (let p = 0, s = aOffset + i * aRowStride, q = bOffset + j * bColStride; p < k; p++, s += aColStride, q += bRowStride) {
        acc = (acc + Math.imul(a[s], b[q])) | 0
      }
      out[outOffset + i * n + j] = acc
    }
  }
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

/** Packs four rows of A into one k×4 panel at packed[at…]. */
function packRowPanel(packed: Float64Array, at: number, a: TypedArray, start: number, k: number, rowStride: number, colStride: number): void {
  for (let p = 0, d = at, s = start; p < k; p++, d += TILE, s += colStride) {
    packed[d] = a[s]
    packed[d + 1] = a[s + rowStride]
    packed[d + 2] = a[s + 2 * rowStride]
    packed[d + 3] = a[s + 3 * rowStride]
  }
}

/** Writes the first `cols` columns of one 4×4 output tile from a B panel and the A panel. */
function multiplyTile(out: TypedArray, o: number, n: number, packed: Float64Array, bPanel: number, aPanel: number, k: number, cols: number): void {
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
  if (cols === TILE) {
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
  for (let r = 0; r < TILE; r++) {
    for (let c = 0; c < cols; c++) out[o + r * n + c] = t[r * TILE + c]
  }
}

/**
 * One output row, operands read in place: eight columns at a time so each A element read serves
 * eight multiply-adds, then one dot product per leftover column. For one to three rows this ran
 * about 3× faster than i-k-j, while packing B there costs about as much as the product itself.
 */
function multiplyRow(
  out: TypedArray, o: number, k: number, n: number,
  a: TypedArray, aRow: number, aColStride: number,
  b: TypedArray, bOffset: number, bRowStride: number, bColStride: number,
): void {
  const n8 = n - (n % 8)
  for (let j = 0; j < n8; j += 8) {
    let c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0
    for (let p = 0, s = aRow, q = bOffset + j * bColStride; p < k; p++, s += aColStride, q += bRowStride) {
      const x = a[s]
      c0 += x * b[q]
      c1 += x * b[q + bColStride]
      c2 += x * b[q + 2 * bColStride]
      c3 += x * b[q + 3 * bColStride]
      c4 += x * b[q + 4 * bColStride]
      c5 += x * b[q + 5 * bColStride]
      c6 += x * b[q + 6 * bColStride]
      c7 += x * b[q + 7 * bColStride]
    }
    out[o + j] = c0; out[o + j + 1] = c1; out[o + j + 2] = c2; out[o + j + 3] = c3
    out[o + j + 4] = c4; out[o + j + 5] = c5; out[o + j + 6] = c6; out[o + j + 7] = c7
  }
  for (let j = n8; j < n; j++) {
    let acc = 0
    for (let p = 0, s = aRow, q = bOffset + j * bColStride; p < k; p++, s += aColStride, q += bRowStride) acc += a[s] * b[q]
    out[o + j] = acc
  }
}
