// y = W·x for one vector, as WebAssembly SIMD: W packed in panels of 8 rows, k-major, so each product
// reads W once, four output rows per f32x4. cells/fused/fixed-matvec.ts packs the weights and drives it.
// As the matmul tile, with a multiply and an add per product, or one relaxed_madd (see wasm-tiles.ts).
import { FunctionBuilder, I32, V128 } from './wasm-emit.js'

/** Output rows per panel: W's rows are packed 8 at a time, k-major, as two f32x4 per k. */
export const GEMV_ROWS = 8

export type GemvFn = (x: number, panels: number, y: number, panelCount: number, k: number) => void

/**
 * gemv(x, panels, y, panelCount, k): for each panel (k×8 floats: W's rows 8·jp … 8·jp + 7, column by
 * column), y[8·jp …] = Σ_p x[p] · panel[p]. Addresses in bytes. With `fma`, one f32x4.relaxed_madd per product.
 */
export function buildGemv(fma = false): FunctionBuilder {
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
      for (const [acc, offset] of [[acc0, 0], [acc1, 16]]) {
        if (fma) f.get(xs).get(pw).v128Load(offset).get(acc).f32x4RelaxedMadd().set(acc)
        else f.get(acc).get(xs).get(pw).v128Load(offset).f32x4Mul().f32x4Add().set(acc)
      }
      f.addTo(px, 4).addTo(pw, GEMV_ROWS * 4).addTo(p, -1)
      f.get(p).brIf(0)
    })
    f.get(y).get(acc0).v128Store(0)
    f.get(y).get(acc1).v128Store(16)
    f.addTo(y, GEMV_ROWS * 4).addTo(jp, 1)
    f.get(jp).get(panelCount).i32LtU().brIf(0)
  })
  return f
}
