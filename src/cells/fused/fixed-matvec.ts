// y = W·x for a few fixed matrices, one vector at a time: what generating a token needs from each weight.
//
// Batch-1 inference is a chain of matrix–vector products with the same weights at every token, so the
// weights are packed once (float32, WebAssembly SIMD, in a private module memory owned by the returned
// object, so nothing is shared and several can live at once) and each product reads W once, four output
// rows per f32x4. Without float32 weights or WebAssembly, plain loops accumulate in double.
import type { TypedArray } from '../../tensor/dtype.js'
import { ensureBytes, FunctionBuilder, I32, instantiate, V128 } from '../../tensor/kernels/wasm-emit.js'

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

/** Output rows per panel: W's rows are packed 8 at a time, k-major, as two f32x4 per k. */
const ROWS = 8

type GemvFn = (x: number, panels: number, y: number, panelCount: number, k: number) => void

/**
 * gemv(x, panels, y, panelCount, k): for each panel (k×8 floats: W's rows 8·jp … 8·jp + 7, column by
 * column), y[8·jp …] = Σ_p x[p] · panel[p]. Addresses in bytes.
 */
function buildGemv(): FunctionBuilder {
  const [x, panels, y, panelCount, k] = [0, 1, 2, 3, 4]
  const f = new FunctionBuilder([I32, I32, I32, I32, I32])
  const jp = f.local(I32), p = f.local(I32), px = f.local(I32), pw = f.local(I32)
  const acc0 = f.local(V128), acc1 = f.local(V128), xs = f.local(V128)
  f.i32(0).set(jp)
  f.get(panels).set(pw)
  f.loop(() => {
    f.v128Zero().set(acc0)
    f.v128Zero().set(acc1)
    f.get(x).set(px)
    f.get(k).set(p)
    f.loop(() => {
      f.get(px).v128Load32Splat().set(xs)
      // y[rows 0–3] += x[p] · W[rows 0–3, p]; y[rows 4–7] += x[p] · W[rows 4–7, p]
      f.get(acc0).get(xs).get(pw).v128Load(0).f32x4Mul().f32x4Add().set(acc0)
      f.get(acc1).get(xs).get(pw).v128Load(16).f32x4Mul().f32x4Add().set(acc1)
      f.addTo(px, 4).addTo(pw, ROWS * 4).addTo(p, -1)
      f.get(p).brIf(0)
    })
    f.get(y).get(acc0).v128Store(0)
    f.get(y).get(acc1).v128Store(16)
    f.addTo(y, ROWS * 4).addTo(jp, 1)
    f.get(jp).get(panelCount).i32LtU().brIf(0)
  })
  return f
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
  const module = instantiate({ gemv: buildGemv() })
  if (module === null) return null
  const gemv = module.exports.gemv as GemvFn
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
  ensureBytes(module.memory, total * 4)
  const view = new Float32Array(module.memory.buffer)
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
