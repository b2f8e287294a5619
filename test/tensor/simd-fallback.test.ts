// Without WebAssembly (some edge runtimes), or where compiling it fails (no SIMD, a strict CSP), the float32
// matmul entry points run the scalar double-accumulating kernel and still give the product. Each case loads
// a fresh copy of matmul.ts and simd-gemm.ts with the global WebAssembly removed or replaced while their
// kernel is first asked for (the compile attempt is made once and cached by the module).
import { entriesOf, expectUntouchedOutside, onePlusTinies, productReference, SENTINEL, type Dims, type Entry, type Layout } from '../helpers/products.js'
import { randomFloat32, uniform } from '../helpers/random.js'
import { loadFreshWith, withoutWasm, type WasmStandIn } from '../helpers/wasm.js'

type MatmulModule = typeof import('../../src/tensor/kernels/matmul.js')
type SimdModule = typeof import('../../src/tensor/kernels/simd-gemm.js')

// Read once: looked up as Math.x on every call inside jest's sandbox, these are much slower.
const { abs, floor, fround } = Math

/** Loads fresh copies of the two modules with globalThis.WebAssembly set to `standIn` (or deleted) until they have tried to compile. */
function loadWith(standIn: WasmStandIn): { matmul: MatmulModule; simd: SimdModule; simdAtLoad: boolean } {
  return loadFreshWith(standIn, () => {
    const matmul = require('../../src/tensor/kernels/matmul.js') as MatmulModule
    const simd = require('../../src/tensor/kernels/simd-gemm.js') as SimdModule
    return { matmul, simd, simdAtLoad: simd.hasSimd() }
  })
}

// Shapes on both sides of the SIMD kernel's blocks (KC = 256, MC = 128, NC = 512) and tiles, and the smallest
const CASES: Dims[] = [
  { m: 4, k: 1, n: 1, outOffset: 0, aOffset: 0, bOffset: 0 },
  { m: 7, k: 33, n: 13, outOffset: 2, aOffset: 1, bOffset: 3 },
  { m: 131, k: 257, n: 9, outOffset: 1, aOffset: 4, bOffset: 0 },
  { m: 5, k: 300, n: 519, outOffset: 3, aOffset: 0, bOffset: 2 },
]

/**
 * Runs `entry` on random float32 operands and checks each element against a float64 triple loop. The scalar
 * kernel sums exact float64 products in float64 and rounds once on the store: within half a float32 ulp
 * (2^-24 relative) of its float64 sum, which differs from the test's, summed in whatever order, by at most
 * 2(k − 1)·2^-53·Σ|a·b|. Hence |out − ref| ≤ 2^-24·|ref| + (2k + 2)·2^-53·Σ|a·b|, a bound some 2^28 times
 * tighter than float32 accumulation's (k + 2)·2^-24·Σ|a·b|. Elements outside the block stay untouched.
 */
function checkProduct(entry: Entry, layout: Layout, c: Dims, seed: number): void {
  const { m, k, n } = c
  const next = uniform(seed)
  const a = randomFloat32(c.aOffset + m * k + 3, next)
  const b = randomFloat32(c.bOffset + k * n + 3, next)
  const out = new Float32Array(c.outOffset + m * n + 5).fill(SENTINEL)
  entry(out, a, b, m, k, n, c.outOffset, c.aOffset, c.bOffset)
  const { dbl, scale } = productReference(layout, c, a, b)
  for (let e = 0; e < m * n; e++) {
    const got = out[c.outOffset + e]
    if (!(abs(got - dbl[e]) <= 2 ** -24 * abs(dbl[e]) + (2 * k + 2) * 2 ** -53 * scale[e] + 1e-30)) {
      throw new Error(`${layout} m=${m} k=${k} n=${n}: out(${floor(e / n)}, ${e % n}) = ${got}, float64 gives ${dbl[e]}`)
    }
  }
  expectUntouchedOutside(out, c.outOffset, m * n, `${layout} m=${m} k=${k} n=${n}`)
}

/** k = 1000, one B column: 1 then 999 terms of 2^-25. Float32 accumulation in k order gives exactly 1; float64 does not. */
function sumOfOnePlusTinies(matmul: MatmulModule): number {
  const k = 1000
  const a = new Float32Array(4 * k).fill(1)
  const out = new Float32Array(4)
  matmul.matmulInto(out, a, onePlusTinies(k), 4, k, 1)
  expect(out.every((x) => x === out[0])).toBe(true)
  return out[0]
}

describe.each(withoutWasm('kernel'))('%s', (_label, standIn) => {
  test('hasSimd() is false and simdGemm writes nothing and returns false', () => {
    const { simd, simdAtLoad } = loadWith(standIn)
    expect(simdAtLoad).toBe(false)
    expect(simd.hasSimd()).toBe(false)
    const out = new Float32Array(20).fill(SENTINEL)
    const a = new Float32Array(16).fill(1)
    const b = new Float32Array(16).fill(1)
    expect(simd.simdGemm(out, 2, 4, 4, 4, a, 0, 4, 1, b, 0, 4, 1)).toBe(false)
    expect(Array.from(out)).toEqual(new Array(20).fill(SENTINEL))
  })

  test('the float32 entry points still give the product (float64 accumulation, rounded once)', () => {
    const { matmul } = loadWith(standIn)
    for (const { name, entry, layout } of entriesOf(matmul)) {
      CASES.forEach((c, i) => {
        try {
          checkProduct(entry, layout, c, 100 + i)
        } catch (error) {
          throw new Error(`${name}: ${(error as Error).message}`)
        }
      })
    }
    // float64 accumulation: the 999 terms of 2^-25 after the 1 are kept, as float32 accumulation would not
    expect(sumOfOnePlusTinies(matmul)).toBe(fround(1 + 999 * 2 ** -25))
  })
})

test('with WebAssembly present, a fresh load compiles the kernel and accumulates in float32', () => {
  const { matmul, simd, simdAtLoad } = loadWith(Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly')!.value as object)
  expect(simdAtLoad).toBe(true)
  expect(simd.hasSimd()).toBe(true)
  expect(sumOfOnePlusTinies(matmul)).toBe(1)
  for (const { entry, layout } of entriesOf(matmul)) checkProductFloat32(entry, layout)
})

/** The SIMD path against the same float64 loop with float32 accumulation's (k + 2)·2^-24·Σ|a·b| bound. */
function checkProductFloat32(entry: Entry, layout: Layout): void {
  const c: Dims = { m: 9, k: 260, n: 17, outOffset: 1, aOffset: 2, bOffset: 3 }
  const next = uniform(7)
  const a = randomFloat32(c.aOffset + c.m * c.k, next)
  const b = randomFloat32(c.bOffset + c.k * c.n, next)
  const out = new Float32Array(c.outOffset + c.m * c.n)
  entry(out, a, b, c.m, c.k, c.n, c.outOffset, c.aOffset, c.bOffset)
  const { dbl, scale } = productReference(layout, c, a, b)
  for (let e = 0; e < c.m * c.n; e++) expect(abs(out[c.outOffset + e] - dbl[e])).toBeLessThanOrEqual((c.k + 2) * 2 ** -24 * scale[e])
}
