// float32 matrix products on WebAssembly SIMD (f32x4), when the runtime has it.
//
// Scalar JavaScript tops out near 4 GFLOP/s here (bench/matmul.ts): every multiply-add is a scalar
// double operation. A 128-bit SIMD lane does four float32 multiply-adds at once, as BLAS does, and
// accumulates in float32 as PyTorch's CPU kernels do. The kernel (wasm-tiles.ts) is part of seqgrad's one
// WebAssembly module (wasm-kernels.ts), built at load time or handed over precompiled; where WebAssembly
// or SIMD is missing or forbidden (some edge runtimes, strict CSP), `simdGemm` returns false and callers
// keep the scalar path.
//
// The scheme is the scalar kernel's (matmul.ts) in float32: A packed into 4-row panels and B into
// 8-column panels inside the module's memory, zero-padded, so one 4×8 tile of C accumulates in eight
// f32x4 registers over k; k runs in blocks of KC, accumulating into C tiles that stay in the module.
import { ensureBytes, type WasmMemory } from './wasm-emit.js'
import { kernelGeneration, kernelInstance, type KernelInstance } from './wasm-kernels.js'
import { MR, NR } from './wasm-tiles.js'

/** Depth of one packed block: an 8-column B panel of KC rows is 8 KiB, resident in L1 while A streams. */
const KC = 256
/** Rows of A packed per block: 128 × KC floats = 128 KiB, resident in L2. */
const MC = 128
/** Columns of B packed per block. */
const NC = 512

type SimdKernels = KernelInstance

// An instance of the kernel module made on first use and kept (remade only if useWasmKernels changes the
// module): a cache of code and scratch memory, with no observable state.
let kernels: SimdKernels | null = null
let kernelsOf = -1 // the kernelGeneration() it was made in

function simdKernels(): SimdKernels | null {
  if (kernelsOf !== kernelGeneration()) {
    kernelsOf = kernelGeneration()
    const instance = kernelInstance()
    kernels = instance
  }
  return kernels
}

/** Whether float32 products run on the SIMD kernel in this runtime. */
export function hasSimd(): boolean {
  return simdKernels() !== null
}

/** A float32 view of the module memory of at least `floats` floats, growing it when needed. */
function memoryView(memory: WasmMemory, floats: number): Float32Array {
  ensureBytes(memory, floats * 4)
  // growing replaces the buffer, so the view is remade only then
  if (view === null || view.buffer !== memory.buffer) view = new Float32Array(memory.buffer)
  return view
}
let view: Float32Array | null = null

const roundUp = (v: number, to: number) => Math.ceil(v / to) * to

/** Where B's packed block (columns from j0, rows from p0) is, in floats; packs it first unless prepacked. */
type BlockOfB = (view: Float32Array, j0: number, p0: number, kc: number, nc: number) => number

/** Floats of the one B packed for reuse and its resident region (see simdWithPackedB), between the scratch blocks and C; 0 when none. */
let packedFloats = 0

// Layout of the module memory, in floats: [A block MC×KC | B block KC×NC | packed B, if any | C rows m×ldc]
const A_AT = 0
const B_AT = MC * KC
const PACKED_AT = B_AT + KC * NC

/**
 * out[m×n] (at outOffset, row stride n) = A·B with A(i, p) = a[aOffset + i·aRowStride + p·aColStride] and
 * B likewise, all float32. Returns false, having written nothing, when SIMD is unavailable.
 */
export function simdGemm(
  out: Float32Array, outOffset: number, m: number, k: number, n: number,
  a: Float32Array, aOffset: number, aRowStride: number, aColStride: number,
  b: Float32Array, bOffset: number, bRowStride: number, bColStride: number,
): boolean {
  const simd = simdKernels()
  if (simd === null) return false
  const packBlock: BlockOfB = (view, j0, p0, kc, nc) => {
    packB(view, B_AT, b, bOffset + p0 * bRowStride + j0 * bColStride, kc, nc, bRowStride, bColStride)
    return B_AT
  }
  multiply(simd, out, outOffset, m, k, n, a, aOffset, aRowStride, aColStride, packBlock)
  return true
}

/** out[m×n] at outOffset = A·B for A read with the given strides and the B that `times` was made for. */
export type TimesPacked = (out: Float32Array, outOffset: number, m: number, a: Float32Array, aOffset: number, aRowStride: number, aColStride: number) => void

/**
 * A region of the kernels' memory kept for the caller through one simdWithPackedB scope, between the
 * packed B and the products' scratch, so what it holds stays in place from one product to the next: the
 * state of a recurrence, which then reaches the kernel without a copy in and leaves it without a copy out.
 */
export interface Resident {
  /** The module's functions, the cells' step kernels among them, working on the same memory. */
  readonly kernels: KernelInstance
  /** The region's byte address; its floats follow. */
  readonly at: number
  /** A float32 view of the whole memory (the region from at / 4), valid until a product of `times` grows the memory. */
  view(): Float32Array
  /**
   * Writes the m×n product A·B at byte address c, ldc floats per row (at least n rounded up to 8; rows up
   * to a multiple of 4 are written), A being m rows of k floats at byte address a in the memory (rows up to
   * a multiple of 4 are read). The sums are those of the products of `times`, term for term.
   */
  times(c: number, ldc: number, a: number, m: number): void
}

/**
 * Packs B (k×n, strides as in simdGemm) once and runs `body` with a function multiplying by it: the
 * recurrent weight is the same at every time step, so only h needs packing per step. One B at a time;
 * the packed copy is dropped when `body` returns. With residentFloats, `body` also gets a Resident region
 * of that many floats. Returns false, running nothing, without SIMD.
 */
export function simdWithPackedB(
  b: Float32Array, bOffset: number, k: number, n: number, bRowStride: number, bColStride: number,
  body: (times: TimesPacked, resident: Resident) => void, residentFloats = 0,
): boolean {
  const simd = simdKernels()
  if (simd === null) return false
  if (packedFloats > 0) throw new Error('simdWithPackedB: a packed operand is already in use (the scopes do not nest)')
  const floats = k * roundUp(n, NR)
  const view = memoryView(simd.memory, PACKED_AT + floats + residentFloats)
  // Block (j0, p0) at j0·k + p0·(its panel count)·NR: the column blocks before j0 are all NC wide.
  const offsetOf = (j0: number, p0: number, nc: number) => PACKED_AT + j0 * k + p0 * roundUp(nc, NR)
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0)
    for (let p0 = 0; p0 < k; p0 += KC) {
      packB(view, offsetOf(j0, p0, nc), b, bOffset + p0 * bRowStride + j0 * bColStride, Math.min(KC, k - p0), nc, bRowStride, bColStride)
    }
  }
  const resident: Resident = {
    kernels: simd,
    at: (PACKED_AT + floats) * 4,
    view: () => memoryView(simd.memory, 0),
    times(c, ldc, a, m) {
      for (let j0 = 0; j0 < n; j0 += NC) {
        const nc = Math.min(NC, n - j0)
        for (let p0 = 0; p0 < k; p0 += KC) {
          simd.tilesRows(a + p0 * 4, offsetOf(j0, p0, nc) * 4, c + j0 * 4, ldc * 4, Math.ceil(m / MR), Math.ceil(nc / NR), Math.min(KC, k - p0), p0 > 0 ? 1 : 0, k * 4)
        }
      }
    },
  }
  packedFloats = floats + residentFloats
  try {
    body((out, outOffset, m, a, aOffset, aRowStride, aColStride) => {
      multiply(simd, out, outOffset, m, k, n, a, aOffset, aRowStride, aColStride, (_, j0, p0, __, nc) => offsetOf(j0, p0, nc))
    }, resident)
  } finally {
    packedFloats = 0
  }
  return true
}

/**
 * Rows of C per pass: the C block in the module's memory holds at most ROWS × NC floats (8 MiB) whatever m.
 * WebAssembly memory never shrinks, so a block sized by m would keep a long sequence's T·B rows (the input
 * projection, dx) for the life of the page. A multiple of MC, so the passes block A exactly as one would.
 */
const ROWS = 32 * MC

function multiply(
  simd: SimdKernels, out: Float32Array, outOffset: number, m: number, k: number, n: number,
  a: Float32Array, aOffset: number, aRowStride: number, aColStride: number, blockOfB: BlockOfB,
): void {
  for (let r0 = 0; r0 < m; r0 += ROWS) {
    multiplyRows(simd, out, outOffset + r0 * n, Math.min(ROWS, m - r0), k, n, a, aOffset + r0 * aRowStride, aRowStride, aColStride, blockOfB)
  }
}

/** Bytes of WebAssembly memory the SIMD products hold (it grows to the largest pass and never shrinks); 0 without SIMD. */
export function simdMemoryBytes(): number {
  return kernels?.memory.buffer.byteLength ?? 0
}

function multiplyRows(
  simd: SimdKernels, out: Float32Array, outOffset: number, m: number, k: number, n: number,
  a: Float32Array, aOffset: number, aRowStride: number, aColStride: number, blockOfB: BlockOfB,
): void {
  if (k === 0) {
    for (let i = 0; i < m; i++) out.fill(0, outOffset + i * n, outOffset + i * n + n) // an empty sum
    return
  }
  const ldc = Math.min(roundUp(n, NR), NC)
  const cAt = PACKED_AT + packedFloats
  const view = memoryView(simd.memory, cAt + roundUp(m, MR) * ldc)
  // Row-major A is copied in as it lies (one memcpy where its rows are contiguous) and read by tilesRows:
  // all m rows at once where they fit the A block (the recurrent product of a time step), else, for k ≤ KC,
  // MC rows at a time. Packing it into 4-row panels element by element cost up to a third of a small product.
  const allRows = roundUp(m, MR) * k <= MC * KC
  const rowMajor = aColStride === 1 && (allRows || k <= KC)
  if (rowMajor && allRows) copyRows(view, A_AT, a, aOffset, m, k, aRowStride)
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0)
    const nPanels = Math.ceil(nc / NR)
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0)
      const bAt = blockOfB(view, j0, p0, kc, nc)
      if (rowMajor && allRows) {
        simd.tilesRows((A_AT + p0) * 4, bAt * 4, cAt * 4, ldc * 4, Math.ceil(m / MR), nPanels, kc, p0 > 0 ? 1 : 0, k * 4)
        continue
      }
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0)
        if (rowMajor) {
          copyRows(view, A_AT, a, aOffset + i0 * aRowStride, mc, k, aRowStride) // k ≤ KC: the one k block
          simd.tilesRows(A_AT * 4, bAt * 4, (cAt + i0 * ldc) * 4, ldc * 4, Math.ceil(mc / MR), nPanels, kc, 0, k * 4)
          continue
        }
        packA(view, A_AT, a, aOffset + i0 * aRowStride + p0 * aColStride, mc, kc, aRowStride, aColStride)
        simd.tiles(A_AT * 4, bAt * 4, (cAt + i0 * ldc) * 4, ldc * 4, Math.ceil(mc / MR), nPanels, kc, p0 > 0 ? 1 : 0)
      }
    }
    if (nc === ldc && nc === n) {
      out.set(view.subarray(cAt, cAt + m * n), outOffset)
    } else {
      // row by row, without a view object per row
      for (let i = 0; i < m; i++) {
        for (let c = 0, s = cAt + i * ldc, o = outOffset + i * n + j0; c < nc; c++) out[o + c] = view[s + c]
      }
    }
  }
}

/**
 * A's m rows of k from `start` (row stride rowStride, columns contiguous) row-major at view[at…], k floats
 * per row. The rows up to the next multiple of four that tilesRows also reads keep whatever they held:
 * they only make C rows that are not copied out.
 */
function copyRows(view: Float32Array, at: number, a: Float32Array, start: number, m: number, k: number, rowStride: number): void {
  if (rowStride === k) {
    view.set(a.subarray(start, start + m * k), at)
    return
  }
  for (let i = 0; i < m; i++) view.set(a.subarray(start + i * rowStride, start + i * rowStride + k), at + i * k)
}

/** A rows [0, mc) × columns [0, kc) from `start` into 4-row panels (k-major, rows interleaved); missing rows are 0. */
function packA(view: Float32Array, at: number, a: Float32Array, start: number, mc: number, kc: number, rowStride: number, colStride: number): void {
  if (rowStride === 1 && mc % MR === 0) {
    // a transposed operand: the rows of one column are neighbours, so read along them
    for (let p = 0, s = start; p < kc; p++, s += colStride) {
      for (let i = 0, d = at + p * MR; i < mc; i += MR, d += kc * MR) {
        view[d] = a[s + i]; view[d + 1] = a[s + i + 1]; view[d + 2] = a[s + i + 2]; view[d + 3] = a[s + i + 3]
      }
    }
    return
  }
  for (let i = 0; i < mc; i += MR) {
    const panel = at + (i / MR) * kc * MR
    for (let r = 0; r < MR; r++) {
      if (i + r < mc) {
        for (let p = 0, s = start + (i + r) * rowStride, d = panel + r; p < kc; p++, s += colStride, d += MR) view[d] = a[s]
      } else {
        for (let p = 0, d = panel + r; p < kc; p++, d += MR) view[d] = 0
      }
    }
  }
}

/** B rows [0, kc) × columns [0, nc) from `start` into 8-column panels (k-major); missing columns are 0. */
function packB(view: Float32Array, at: number, b: Float32Array, start: number, kc: number, nc: number, rowStride: number, colStride: number): void {
  for (let j = 0; j < nc; j += NR) {
    const panel = at + (j / NR) * kc * NR
    const width = Math.min(NR, nc - j)
    if (width === NR && colStride === 1) {
      // rows of B are contiguous: eight neighbours per k
      for (let p = 0, s = start + j, d = panel; p < kc; p++, s += rowStride, d += NR) {
        view[d] = b[s]; view[d + 1] = b[s + 1]; view[d + 2] = b[s + 2]; view[d + 3] = b[s + 3]
        view[d + 4] = b[s + 4]; view[d + 5] = b[s + 5]; view[d + 6] = b[s + 6]; view[d + 7] = b[s + 7]
      }
      continue
    }
    // columns of B are contiguous (a transposed operand) or the panel is the ragged last one: column by column
    for (let c = 0; c < NR; c++) {
      if (c < width) {
        for (let p = 0, s = start + (j + c) * colStride, d = panel + c; p < kc; p++, s += rowStride, d += NR) view[d] = b[s]
      } else {
        for (let p = 0, d = panel + c; p < kc; p++, d += NR) view[d] = 0
      }
    }
  }
}
