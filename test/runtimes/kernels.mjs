// The float32 kernels' two variants, checked in one runtime on the built package: the matmul (through
// `matmul` on float32 tensors, over shapes crossing the 4×8 tile and the 256-deep k blocks) and
// generation's matrix–vector product (fixedMatVec from seqgrad/internals). It prints one JSON line:
// whether the runtime validates relaxed SIMD, whether seqgrad chose the multiply-add (hasFma), whether
// this machine's engine fuses it, and the problems found (none means the kernels conform):
// - on the kernels seqgrad chose (the multiply-add where relaxed SIMD validates), every result is within
//   float32 accumulation's bound of the float64 sum, and a product that tells fused from unfused gives one
//   of the two;
// - after useExactKernels(true), hasFma() is false and every result equals float32 accumulation in k order
//   bit for bit (each product rounded before it is added), as where relaxed SIMD is missing.
//   node test/runtimes/kernels.mjs     (node --experimental-wasm-relaxed-simd …, deno run --allow-read …, bun run …)
import * as seqgrad from 'seqgrad'
import { fixedMatVec, hasRelaxedSimd } from 'seqgrad/internals'

const { fround } = Math
const runtime = typeof Deno !== 'undefined' ? `deno ${Deno.version.deno}` : typeof Bun !== 'undefined' ? `bun ${Bun.version}` : `node ${process.versions.node}`
const problems = []

/** A float32 generator of values in (−1, 1), seeded: the same operands in every runtime. */
function values(count, seed) {
  let state = seed >>> 0
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 31 - 1
  })
}

const SHAPES = [[4, 1, 1], [9, 37, 17], [37, 300, 45], [5, 513, 8], [130, 257, 13]]
const ROWS = [[1, 2], [9, 29], [37, 300], [64, 257]]

/** The float64 sum, its scale Σ|a·b| and float32 accumulation in k order, of `count` products term(p). */
function sums(count, term) {
  let dbl = 0, scale = 0, f32 = 0
  for (let p = 0; p < count; p++) {
    const product = term(p)
    dbl += product
    scale += Math.abs(product)
    f32 = fround(f32 + fround(product))
  }
  return { dbl, scale, f32 }
}

/** Checks `got` (m×n, row-major) against the sums of `term(i, j, p)` over p < k: bitwise if `exact`, else within the float32 bound. */
function check(what, got, m, n, k, term, exact) {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const { dbl, scale, f32 } = sums(k, (p) => term(i, j, p))
      const value = got[i * n + j]
      const ok = exact ? Object.is(value, f32) : Math.abs(value - dbl) <= (k + 2) * 2 ** -24 * scale + 1e-30
      if (!ok) {
        problems.push(`${what}: (${i}, ${j}) is ${value}; ${exact ? `float32 accumulation in k order gives ${f32}` : `float64 gives ${dbl}, beyond float32's bound`}`)
        return
      }
    }
  }
}

function checkProducts(exact) {
  const path = exact ? 'exact kernels' : 'kernels seqgrad chose'
  SHAPES.forEach(([m, k, n], s) => {
    const a = values(m * k, 2 * s + 1), b = values(k * n, 2 * s + 2)
    const c = seqgrad.matmul(seqgrad.tensor(a, { shape: [m, k] }), seqgrad.tensor(b, { shape: [k, n] }))
    check(`${path}, matmul ${m}×${k}·${k}×${n}`, c.data, m, n, k, (i, j, p) => a[i * k + p] * b[p * n + j], exact)
  })
  ROWS.forEach(([rows, cols], s) => {
    const w = values(rows * cols, 100 + s), x = values(cols, 200 + s)
    const y = new Float32Array(rows)
    fixedMatVec([{ data: w, rows, cols }]).times(0, x, 0, y, 0)
    check(`${path}, mat-vec ${rows}×${cols}`, y, rows, 1, cols, (r, _, p) => w[r * cols + p] * x[p], exact)
  })
}

/**
 * (−1)·1 + (1 + 2^-12)², summed from 0 in that order, by the matmul and the mat-vec: the square is
 * 1 + 2^-11 + 2^-24, which float32 rounds to 1 + 2^-11 before adding (giving 2^-11) and a fused
 * multiply-add keeps (giving 2^-11 + 2^-24). Returns 'fused', 'unfused', or what else it got.
 */
function fusion() {
  const a = 1 + 2 ** -12
  const row = Float32Array.of(-1, a)
  const matmul = seqgrad.matmul(seqgrad.tensor(new Float32Array(8).fill(1).map((_, i) => (i % 2 === 0 ? 1 : a)), { shape: [4, 2] }), seqgrad.tensor(row, { shape: [2, 1] })).data
  const y = new Float32Array(1)
  fixedMatVec([{ data: row, rows: 1, cols: 2 }]).times(0, Float32Array.of(1, a), 0, y, 0)
  const name = (v) => (v === 2 ** -11 + 2 ** -24 ? 'fused' : v === 2 ** -11 ? 'unfused' : String(v))
  return { matmul: [...new Set(Array.from(matmul, name))].join(), matvec: name(y[0]) }
}

const relaxedSimd = hasRelaxedSimd()
const fma = seqgrad.hasFma()
if (!seqgrad.hasSimd()) problems.push('no SIMD kernels')
if (fma !== relaxedSimd) problems.push(`relaxed SIMD ${relaxedSimd ? 'validates' : 'does not validate'} but hasFma() is ${fma}`)
checkProducts(false)
const chosen = fusion()
if (!fma && (chosen.matmul !== 'unfused' || chosen.matvec !== 'unfused')) problems.push(`the exact kernels run, yet the products are ${JSON.stringify(chosen)}`)
for (const [kernel, got] of Object.entries(chosen)) if (got !== 'fused' && got !== 'unfused') problems.push(`${kernel}: (−1)·1 + (1 + 2^-12)² gives ${got}`)

seqgrad.useExactKernels(true)
if (seqgrad.hasFma()) problems.push('hasFma() is still true after useExactKernels(true)')
checkProducts(true)
const exact = fusion()
if (exact.matmul !== 'unfused' || exact.matvec !== 'unfused') problems.push(`after useExactKernels(true), (−1)·1 + (1 + 2^-12)² gives ${JSON.stringify(exact)}`)
seqgrad.useExactKernels(false)
if (seqgrad.hasFma() !== fma) problems.push(`useExactKernels(false) did not restore hasFma() ${fma}`)

console.log(JSON.stringify({ runtime, relaxedSimd, fma, fused: fma ? chosen : null, problems }))
