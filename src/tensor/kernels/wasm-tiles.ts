// The float32 matmul's inner kernel, as WebAssembly: one 4×8 tile of C in eight f32x4 registers, over
// panels of A and B packed into the module's memory by simd-gemm.ts, which drives it. Two variants: each
// product rounded to float32 before it is added (f32x4.mul, f32x4.add: the same bits in every runtime), or
// one relaxed_madd per multiply-add (fused where the hardware has FMA: one rounding, and faster). A second
// function, tilesRows, reads A as it lies, row-major, instead of packed: for products of a few rows (the
// recurrent h·W_hhᵀ of every time step), where packing A cost as much as a third of the product; the sums
// are the same, term by term, so both give the same bits.
import { FunctionBuilder, I32, V128 } from './wasm-emit.js'

/** Rows of an A panel and of a C tile. */
export const MR = 4
/** Columns of a B panel and of a C tile. */
export const NR = 8

export type TilesFn = (a: number, b: number, c: number, ldc: number, mPanels: number, nPanels: number, k: number, accumulate: number) => void
/** tilesRows: as TilesFn, A row-major at a with lda bytes per row. */
export type TilesRowsFn = (a: number, b: number, c: number, ldc: number, mPanels: number, nPanels: number, k: number, accumulate: number, lda: number) => void

/**
 * tiles(a, b, c, ldc, mPanels, nPanels, k, accumulate): for every 4-row A panel ip (k×4 floats at a) and
 * 8-column B panel jp (k×8 floats at b), the 4×8 block of C at rows 4·ip…, columns 8·jp… (C row-major at c,
 * ldc bytes per row) is set to, or with `accumulate` ≠ 0 increased by, the panels' product. Addresses in bytes.
 * With `fma`, each multiply-add is one f32x4.relaxed_madd (relaxed SIMD) instead of a multiply and an add.
 */
export function buildTiles(fma = false): FunctionBuilder {
  return build(fma, false)
}

/**
 * tilesRows(a, b, c, ldc, mPanels, nPanels, k, accumulate, lda): as tiles, but A is row-major at a, lda
 * bytes from one row to the next (its 4-row panel ip starts at a + 4·ip·lda); rows up to the next multiple
 * of four are read, so they must lie in the memory (their C rows are written, and are the caller's to ignore).
 */
export function buildTilesRows(fma = false): FunctionBuilder {
  return build(fma, true)
}

function build(fma: boolean, rowMajorA: boolean): FunctionBuilder {
  const [a, b, c, ldc, mPanels, nPanels, k, accumulate, lda] = [0, 1, 2, 3, 4, 5, 6, 7, 8]
  const f = new FunctionBuilder(rowMajorA ? [I32, I32, I32, I32, I32, I32, I32, I32, I32] : [I32, I32, I32, I32, I32, I32, I32, I32])
  const ip = f.local(I32), jp = f.local(I32), p = f.local(I32)
  const pa = f.local(I32), pb = f.local(I32), pc = f.local(I32), row = f.local(I32)
  // row-major A: the byte offsets of rows 1–3 of a panel from its row 0
  const rowAt = rowMajorA ? [f.local(I32), f.local(I32), f.local(I32)] : []
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
  if (rowMajorA) {
    f.get(lda).set(rowAt[0])
    f.get(lda).get(lda).i32Add().set(rowAt[1])
    f.get(rowAt[1]).get(lda).i32Add().set(rowAt[2])
  }
  f.i32(0).set(jp)
  f.loop(() => {
    f.i32(0).set(ip)
    f.loop(() => {
      if (rowMajorA) f.get(a).get(ip).get(lda).i32Mul().i32(MR).i32Mul().i32Add().set(pa)
      else f.get(a).get(ip).get(k).i32Mul().i32(MR * 4).i32Mul().i32Add().set(pa)
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
          if (!rowMajorA) f.get(pa).v128Load32Splat(4 * r).set(x)
          else if (r === 0) f.get(pa).v128Load32Splat().set(x)
          else f.get(pa).get(rowAt[r - 1]).i32Add().v128Load32Splat().set(x)
          // C[r, 0…3] += a[r] · b[0…3]; C[r, 4…7] += a[r] · b[4…7]
          for (const [register, b] of [[acc[2 * r], b0], [acc[2 * r + 1], b1]]) {
            if (fma) f.get(x).get(b).get(register).f32x4RelaxedMadd().set(register)
            else f.get(register).get(x).get(b).f32x4Mul().f32x4Add().set(register)
          }
        }
        f.addTo(pa, rowMajorA ? 4 : MR * 4).addTo(pb, NR * 4).addTo(p, -1)
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
