// y = W·x for a few fixed matrices, one vector at a time: what generating a token needs from each weight.
//
// Batch-1 inference is a chain of matrix–vector products with the same weights at every token, so the
// weights are packed once (float32, WebAssembly SIMD, in a private module memory owned by the returned
// object, so nothing is shared and several can live at once) and each product reads W once, four output
// rows per f32x4. Without float32 weights or WebAssembly, plain loops accumulate in double.
import type { TypedArray } from '../../tensor/dtype.js'
import { ensureBytes } from '../../tensor/kernels/wasm-emit.js'
import { GEMV_ROWS as ROWS } from '../../tensor/kernels/wasm-gemv.js'
import { kernelInstance } from '../../tensor/kernels/wasm-kernels.js'

/** A row-major rows×cols matrix in `data` from offset 0. */
export interface MatrixRef {
  data: TypedArray
  rows: number
  cols: number
}

export interface FixedMatVec {
  /** y[yOffset + r] = Σ_p W[r, p] · x[xOffset + p] for matrix `index` of those given at creation. */
  times(index: number, x: TypedArray, xOffset: number, y: TypedArray, yOffset: number): void
}

/** Packs W's rows into 8-row panels, k-major; rows past the end are zeros. */
function packRows(view: Float32Array, at: number, { data, rows, cols }: MatrixRef): void {
  for (let r0 = 0; r0 < rows; r0 += ROWS) {
    const panel = at + (r0 / ROWS) * cols * ROWS
    for (let c = 0; c < ROWS; c++) {
      const r = r0 + c
      if (r < rows) for (let p = 0, s = r * cols, d = panel + c; p < cols; p++, s++, d += ROWS) view[d] = data[s]
      else for (let p = 0, d = panel + c; p < cols; p++, d += ROWS) view[d] = 0
    }
  }
}

function simdMatVec(matrices: readonly MatrixRef[]): FixedMatVec | null {
  if (!matrices.every((m) => m.data instanceof Float32Array)) return null
  const instance = kernelInstance() // an instance of its own: its memory holds these weights
  if (instance === null) return null
  const { gemv } = instance
  const padded = (rows: number) => Math.ceil(rows / ROWS) * ROWS
  // Layout in floats: every matrix's panels, then x (the widest input) and y (the tallest output)
  const at: number[] = []
  let floats = 0
  for (const m of matrices) {
    at.push(floats)
    floats += padded(m.rows) * m.cols
  }
  const xAt = floats
  const yAt = xAt + Math.max(...matrices.map((m) => m.cols))
  const total = yAt + Math.max(...matrices.map((m) => padded(m.rows)))
  ensureBytes(instance.memory, total * 4)
  const view = new Float32Array(instance.memory.buffer)
  matrices.forEach((m, i) => packRows(view, at[i], m))
  return {
    times(index, x, xOffset, y, yOffset) {
      const { rows, cols } = matrices[index]
      for (let p = 0; p < cols; p++) view[xAt + p] = x[xOffset + p]
      gemv(xAt * 4, at[index] * 4, yAt * 4, padded(rows) / ROWS, cols)
      for (let r = 0; r < rows; r++) y[yOffset + r] = view[yAt + r]
    },
  }
}

function plainMatVec(given: readonly MatrixRef[]): FixedMatVec {
  const matrices = given.map((m) => ({ ...m, data: m.data.slice(0, m.rows * m.cols) })) // read now, as the packed path does
  return {
    times(index, x, xOffset, y, yOffset) {
      const { data, rows, cols } = matrices[index]
      for (let r = 0; r < rows; r++) {
        let acc = 0
        for (let p = 0, s = r * cols; p < cols; p++, s++) acc += data[s] * x[xOffset + p]
        y[yOffset + r] = acc
      }
    },
  }
}

/**
 * Products by fixed matrices (read now: later changes to their data are not seen). k = 0 (cols 0) gives
 * zeros, as an empty sum.
 */
export function fixedMatVec(matrices: readonly MatrixRef[]): FixedMatVec {
  const usable = matrices.length > 0 && matrices.every((m) => m.cols > 0 && m.rows > 0)
  return (usable ? simdMatVec(matrices) : null) ?? plainMatVec(matrices)
}
