// The float32 matmul's inner kernel, as WebAssembly: one 4×8 tile of C in eight f32x4 registers, over
// panels of A and B packed into the module's memory by simd-gemm.ts, which drives it. Two variants: each
// product rounded to float32 before it is added (f32x4.mul, f32x4.add: the same bits in every runtime), or
// one relaxed_madd per multiply-add (fused where the hardware has FMA: one rounding, and faster).
import { FunctionBuilder, I32, V128 } from './wasm-emit.js'

/** Rows of an A panel and of a C tile. */
export const MR = 4
/** Columns of a B panel and of a C tile. */
export const NR = 8

export type TilesFn = (a: number, b: number, c: number, ldc: number, mPanels: number, nPanels: number, k: number, accumulate: number) => void

/**
 * tiles(a, b, c, ldc, mPanels, nPanels, k, accumulate): for every 4-row A panel ip (k×4 floats at a) and
 * 8-column B panel jp (k×8 floats at b), the 4×8 block of C at rows 4·ip…, columns 8·jp… (C row-major at c,
 * ldc bytes per row) is set to, or with `accumulate` ≠ 0 increased by, the panels' product. Addresses in bytes.
 * With `fma`, each multiply-add is one f32x4.relaxed_madd (relaxed SIMD) instead of a multiply and an add.
 */
export function buildTiles(fma = false): FunctionBuilder {
  const [a, b, c, ldc, mPanels, nPanels, k, accumulate] = [0, 1, 2, 3, 4, 5, 6, 7]
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32])
  const ip = f.local(I32), jp = f.local(I32), p = f.local(I32)
  const pa = f.local(I32), pb = f.local(I32), pc = f.local(I32), row = f.local(I32)
  const acc = Array.from({ length: 2 * MR }, () => f.local(V128))
  const b0 = f.local(V128), b1 = f.local(V128), x = f.local(V128)
  /** Runs `each(r, half)` for the tile's 8 registers with `row` at C row r (offset 16·half within it). */
  const eachRow = (each: (register: number, half: number) => void) => {
    f.get(pc).set(row)
    for (let r = 0; r < MR; r++) {
      each(acc[2 * r], 0)
      each(acc[2 * r + 1], 1)
      if (r < MR - 1) f.get(row).get(ldc).i32Add().set(row)
    }
  }
  f.i32(0).set(jp)
  f.loop(() => {
    f.i32(0).set(ip)
    f.loop(() => {
      f.get(a).get(ip).get(k).i32Mul().i32(MR * 4).i32Mul().i32Add().set(pa)
      f.get(b).get(jp).get(k).i32Mul().i32(NR * 4).i32Mul().i32Add().set(pb)
      f.get(c).get(ip).get(ldc).i32Mul().i32(MR).i32Mul().i32Add().get(jp).i32(NR * 4).i32Mul().i32Add().set(pc)
      f.get(accumulate).ifElse(
        () => eachRow((register, half) => f.get(row).v128Load(16 * half).set(register)),
        () => acc.forEach((register) => f.v128Zero().set(register)),
      )
      f.get(k).set(p)
      f.loop(() => {
        f.get(pb).v128Load(0).set(b0)
        f.get(pb).v128Load(16).set(b1)
        for (let r = 0; r < MR; r++) {
          f.get(pa).v128Load32Splat(4 * r).set(x)
          // C[r, 0…3] += a[r] · b[0…3]; C[r, 4…7] += a[r] · b[4…7]
          for (const [register, b] of [[acc[2 * r], b0], [acc[2 * r + 1], b1]]) {
            if (fma) f.get(x).get(b).get(register).f32x4RelaxedMadd().set(register)
            else f.get(register).get(x).get(b).f32x4Mul().f32x4Add().set(register)
          }
        }
        f.addTo(pa, MR * 4).addTo(pb, NR * 4).addTo(p, -1)
        f.get(p).brIf(0)
      })
      eachRow((register, half) => f.get(row).get(register).v128Store(16 * half))
      f.addTo(ip, 1)
      f.get(ip).get(mPanels).i32LtU().brIf(0)
    })
    f.addTo(jp, 1)
    f.get(jp).get(nPanels).i32LtU().brIf(0)
  })
  return f
}
