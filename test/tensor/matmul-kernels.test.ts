// Every matrix-multiply kernel against a plain triple loop: random sizes (0, 1, and sizes that are
// not multiples of any tile or block), offsets into larger arrays, float64, float32 and int32.
import fc from 'fast-check'
import { matmulIJK, matmulIKJ, matmulRows4, matmulTiled4x4, matmulTransposedDot } from '../../src/bench/matmul-variants.js'
import type { TypedArray } from '../../src/tensor/dtype.js'
import { matmulInto, matmulTransAInto, matmulTransBInto } from '../../src/tensor/kernels/matmul.js'
import { aIndex, bIndex, expectUntouchedOutside, productReference, type Dims, type Layout } from '../helpers/products.js'
import { uniform } from '../helpers/random.js'

type Kernel = (out: TypedArray, a: TypedArray, b: TypedArray, m: number, k: number, n: number, outOffset?: number, aOffset?: number, bOffset?: number) => void

const KERNELS: { name: string; kernel: Kernel; layout: Layout }[] = [
  { name: 'matmulIJK', kernel: matmulIJK, layout: 'nn' },
  { name: 'matmulIKJ', kernel: matmulIKJ, layout: 'nn' },
  { name: 'matmulTransposedDot', kernel: matmulTransposedDot, layout: 'nn' },
  { name: 'matmulRows4', kernel: matmulRows4, layout: 'nn' },
  { name: 'matmulTiled4x4', kernel: matmulTiled4x4, layout: 'nn' },
  { name: 'matmulInto', kernel: matmulInto, layout: 'nn' },
  { name: 'matmulTransBInto', kernel: matmulTransBInto, layout: 'transB' },
  { name: 'matmulTransAInto', kernel: matmulTransAInto, layout: 'transA' },
]

interface Case extends Dims {
  seed: number
}

type ArrayKind = typeof Float64Array | typeof Float32Array | typeof Int32Array

function filled(Kind: ArrayKind, size: number, next: () => number, integers: boolean): TypedArray {
  const x = new Kind(size)
  for (let i = 0; i < size; i++) x[i] = integers ? Math.floor(next() * 19) - 9 : next() * 2 - 1
  return x
}

/**
 * Runs `kernel` on random data and checks each output element against a double-precision triple
 * loop, within `relTol` times the sum of |A(i,p)·B(p,j)| (the natural scale of rounding error);
 * elements around the output block must stay untouched.
 */
function checkAgainstTripleLoop(kernel: Kernel, layout: Layout, c: Case, Kind: ArrayKind, relTol: number): void {
  const { m, k, n } = c
  const next = uniform(c.seed)
  const integers = Kind === Int32Array
  const a = filled(Kind, c.aOffset + m * k + 3, next, integers)
  const b = filled(Kind, c.bOffset + k * n + 3, next, integers)
  const sentinel = integers ? -12345 : NaN
  const out = new Kind(c.outOffset + m * n + 5).fill(sentinel)
  kernel(out, a, b, m, k, n, c.outOffset, c.aOffset, c.bOffset)

  const { dbl: want, scale } = productReference(layout, c, a, b)
  for (let e = 0; e < m * n; e++) {
    const got = out[c.outOffset + e]
    if (!(Math.abs(got - want[e]) <= relTol * scale[e])) {
      throw new Error(`out(${Math.floor(e / n)}, ${e % n}) = ${got}, expected ${want[e]} (m=${m} k=${k} n=${n})`)
    }
  }
  expectUntouchedOutside(out, c.outOffset, m * n, `m=${m} k=${k} n=${n}`, { sentinel })
}

// Dimensions lean on 0, 1 and values around the tile size 4; offsets are often zero.
const dimArb = fc.oneof(fc.constantFrom(0, 1, 3, 4, 5, 8), fc.integer({ min: 0, max: 19 }))
const offsetArb = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9 }))
const caseArb: fc.Arbitrary<Case> = fc.record({
  m: dimArb,
  k: dimArb,
  n: dimArb,
  outOffset: offsetArb,
  aOffset: offsetArb,
  bOffset: offsetArb,
  seed: fc.integer(),
})

// Shapes beyond the packed kernel's 256-column blocks, with ragged tiles at every edge.
const LARGE_CASES: Case[] = [
  { m: 6, k: 7, n: 517, outOffset: 3, aOffset: 1, bOffset: 2, seed: 1 },
  { m: 9, k: 33, n: 260, outOffset: 0, aOffset: 0, bOffset: 5, seed: 2 },
  { m: 37, k: 70, n: 41, outOffset: 4, aOffset: 7, bOffset: 0, seed: 3 },
]

// Any order of summation in doubles stays far inside 1e-9; float32 storage, and the per-step
// rounding of kernels that accumulate in the output array, stay inside (k + 1) float32 ulps.
const FLOAT64_TOL = 1e-9
const float32Tol = (k: number) => (k + 1) * 2 ** -23

describe.each(KERNELS)('$name', ({ kernel, layout }) => {
  test('float64 matches the triple loop within 1e-9 relative', () => {
    fc.assert(fc.property(caseArb, (c) => checkAgainstTripleLoop(kernel, layout, c, Float64Array, FLOAT64_TOL)), { numRuns: 300 })
  })

  test('float32 matches the triple loop within float32 rounding', () => {
    fc.assert(fc.property(caseArb, (c) => checkAgainstTripleLoop(kernel, layout, c, Float32Array, float32Tol(c.k))), { numRuns: 150 })
  })

  test('int32 products are exact', () => {
    fc.assert(fc.property(caseArb, (c) => checkAgainstTripleLoop(kernel, layout, c, Int32Array, 0)), { numRuns: 50 })
  })

  test.each(LARGE_CASES)('large ragged shape $m×$k×$n', (c) => {
    checkAgainstTripleLoop(kernel, layout, c, Float64Array, FLOAT64_TOL)
    checkAgainstTripleLoop(kernel, layout, c, Float32Array, float32Tol(c.k))
  })

  test('offsets default to zero', () => {
    const a = Float64Array.of(1, 2, 3, 4, 5, 6)
    const b = Float64Array.of(7, 8, 9, 10, 11, 12)
    const out = new Float64Array(4)
    kernel(out, a, b, 2, 3, 2)
    const c: Case = { m: 2, k: 3, n: 2, outOffset: 0, aOffset: 0, bOffset: 0, seed: 0 }
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        let want = 0
        for (let p = 0; p < 3; p++) want += a[aIndex(layout, c, i, p)] * b[bIndex(layout, c, p, j)]
        expect(out[i * 2 + j]).toBe(want)
      }
    }
  })
})

test('the kernels agree with each other when mixing array types (float32 out, float64 and int32 in)', () => {
  const c: Case = { m: 7, k: 9, n: 11, outOffset: 2, aOffset: 1, bOffset: 3, seed: 9 }
  const next = uniform(c.seed)
  const a = filled(Float64Array, c.aOffset + c.m * c.k, next, false)
  const b = filled(Int32Array, c.bOffset + c.k * c.n, next, true)
  const results = KERNELS.filter((entry) => entry.layout === 'nn').map(({ kernel }) => {
    const out = new Float32Array(c.outOffset + c.m * c.n)
    kernel(out, a, b, c.m, c.k, c.n, c.outOffset, c.aOffset, c.bOffset)
    return Array.from(out)
  })
  for (const result of results.slice(1)) {
    result.forEach((x, i) => expect(x).toBeCloseTo(results[0][i], 4))
  }
})
