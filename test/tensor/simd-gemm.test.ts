// The float32 WebAssembly SIMD matmul path (kernels/simd-gemm.ts, built by kernels/wasm-emit.ts) through
// matmulInto, matmulTransBInto and matmulTransAInto: agreement with a float64 triple loop across the
// packing blocks (KC = 256 deep, MC = 128 rows, NC = 512 columns) and the 4×8 tile edges, offsets, both
// packing branches of each operand, row-major A read unpacked (tilesRows) where it fits the A block, exact small-integer products, bit-for-bit determinism when the
// module memory is reused or grown, and float32 accumulation in k order (as PyTorch's CPU kernels do).
// The wasm writer gets its own small modules, run and checked through their memory.
// The scalar fallback (no WebAssembly) is in simd-fallback.test.ts.
import fc from 'fast-check'
import { matmulInto, matmulTransAInto, matmulTransBInto } from '../../src/tensor/kernels/matmul.js'
import { hasSimd, simdGemm } from '../../src/tensor/kernels/simd-gemm.js'
import { encodeModule, FunctionBuilder, I32, V128 } from '../../src/tensor/kernels/wasm-emit.js'
import {
  aIndex, bIndex, entriesOf, expectUntouchedOutside, expectWithinFloat32Bound, onePlusTinies, productReference, SENTINEL, TINY,
  type Dims, type Layout,
} from '../helpers/products.js'
import { randomFloat32, uniform, type Values } from '../helpers/random.js'
import { loadFresh } from '../helpers/wasm.js'
import { useExactKernels } from '../../src/tensor/kernels/wasm-kernels.js'

// Math's functions read once: looked up as Math.x on every call inside jest's sandbox, fround made the
// reference loops a hundred times slower.
const { abs, floor, fround, imul, min } = Math

// The exact kernels (each product rounded to float32 before it is added), explicitly: what this file holds
// bit for bit, wherever jest runs. Relaxed SIMD's multiply-add is checked in test/runtimes/kernels.test.ts.
beforeAll(() => useExactKernels(true))
afterAll(() => useExactKernels(false))

const ENTRIES = entriesOf({ matmulInto, matmulTransBInto, matmulTransAInto })

interface Case extends Dims {
  seed: number
}

interface Operands {
  a: Float32Array
  b: Float32Array
}

/** Random operands (any layout: the arrays hold m·k and k·n values), with random values before the offsets and after the blocks. */
function operands(c: Case, values: Values): Operands {
  const next = uniform(c.seed)
  return {
    a: randomFloat32(c.aOffset + c.m * c.k + 3, next, values),
    b: randomFloat32(c.bOffset + c.k * c.n + 3, next, values),
  }
}

/** Plain loops over A and B read through the layout's index formulas; nothing from the library. */
const reference = (layout: Layout, c: Case, { a, b }: Operands) => productReference(layout, c, a, b)

/** Runs the entry point (of `entries`, by default this file's copy of matmul.ts) into an output array filled with SENTINEL, `outOffset` in and 5 past the end. */
function run(layout: Layout, c: Case, ops: Operands, entries = ENTRIES): Float32Array {
  const out = new Float32Array(c.outOffset + c.m * c.n + 5).fill(SENTINEL)
  entries.find((e) => e.layout === layout)!.entry(out, ops.a, ops.b, c.m, c.k, c.n, c.outOffset, c.aOffset, c.bOffset)
  return out
}

const describeCase = (layout: Layout, c: Case) =>
  `${layout} m=${c.m} k=${c.k} n=${c.n} offsets out=${c.outOffset} a=${c.aOffset} b=${c.bOffset} seed=${c.seed}`

/** Agreement with the float64 sum within float32 accumulation's bound (see float32Bound), and nothing written outside the block. */
function checkWithinFloat32Bound(layout: Layout, c: Case, values: Values = 'mixed'): void {
  const ops = operands(c, values)
  const out = run(layout, c, ops)
  expectWithinFloat32Bound(out, c.outOffset, reference(layout, c, ops), c.k, c.n, describeCase(layout, c))
  expectUntouchedOutside(out, c.outOffset, c.m * c.n, describeCase(layout, c))
}

const bits = (x: Float32Array) => new Uint32Array(x.buffer, x.byteOffset, x.length)

/** Index of the first element whose float32 bits differ, or -1. */
function firstBitDifference(x: Float32Array, y: Float32Array): number {
  if (x.length !== y.length) return min(x.length, y.length)
  const bx = bits(x), by = bits(y)
  for (let i = 0; i < bx.length; i++) if (bx[i] !== by[i]) return i
  return -1
}

function checkFloat32Accumulation(layout: Layout, c: Case, values: Values = 'mixed'): void {
  const ops = operands(c, values)
  const out = run(layout, c, ops)
  const ref = reference(layout, c, ops)
  const got = out.subarray(c.outOffset, c.outOffset + c.m * c.n)
  const e = firstBitDifference(got, ref.f32)
  if (e >= 0) {
    throw new Error(`${describeCase(layout, c)}: out(${floor(e / c.n)}, ${e % c.n}) = ${got[e]}, float32 accumulation in k order gives ${ref.f32[e]}`)
  }
  expectUntouchedOutside(out, c.outOffset, c.m * c.n, describeCase(layout, c))
}

// Dimensions: small ones (tile edges at multiples of 4 rows and 8 columns) or ones around the blocks:
// MC = 128 rows (also 256, two full blocks), KC = 256 deep, NC = 512 columns. Products are capped so a
// run stays a few milliseconds; the cap still admits two large dimensions with a small third.
const mArb = fc.oneof(fc.integer({ min: 4, max: 13 }), fc.constantFrom(127, 128, 129, 130, 131, 132, 133, 135, 256, 259))
const kArb = fc.oneof(fc.integer({ min: 1, max: 24 }), fc.constantFrom(255, 256, 257, 258, 300, 511, 512, 513, 515))
const nArb = fc.oneof(fc.integer({ min: 1, max: 25 }), fc.constantFrom(511, 512, 513, 515, 519, 520, 527, 1024, 1025, 1031))
const offsetArb = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 13 }))
const MAX_WORK = 1_500_000
const caseArb: fc.Arbitrary<Case> = fc
  .record({ m: mArb, k: kArb, n: nArb, outOffset: offsetArb, aOffset: offsetArb, bOffset: offsetArb, seed: fc.integer() })
  .filter((c) => c.m * c.k * c.n <= MAX_WORK)

/** Shapes every property run starts with: the smallest product, and each block boundary crossed. */
const EXAMPLES: [Case][] = [
  { m: 4, k: 1, n: 1, outOffset: 0, aOffset: 0, bOffset: 0, seed: 1 },
  { m: 4, k: 1, n: 1, outOffset: 3, aOffset: 5, bOffset: 2, seed: 2 },
  { m: 131, k: 257, n: 9, outOffset: 2, aOffset: 1, bOffset: 3, seed: 3 },
  { m: 7, k: 256, n: 1031, outOffset: 1, aOffset: 0, bOffset: 4, seed: 4 },
  { m: 5, k: 513, n: 519, outOffset: 0, aOffset: 7, bOffset: 0, seed: 5 },
  { m: 259, k: 3, n: 515, outOffset: 6, aOffset: 2, bOffset: 9, seed: 6 },
].map((c) => [c])

test('this runtime has WebAssembly SIMD, so the tests below exercise the SIMD kernel', () => {
  expect(hasSimd()).toBe(true)
})

describe.each(ENTRIES)('$name on float32', ({ layout }) => {
  test('agrees with a float64 triple loop within the float32 accumulation bound, and writes only its block', () => {
    fc.assert(fc.property(caseArb, (c) => checkWithinFloat32Bound(layout, c)), { numRuns: 40, examples: EXAMPLES })
  })

  test('equals float32 accumulation in k order bit for bit (products rounded to float32, no fused multiply-add)', () => {
    fc.assert(fc.property(caseArb, (c) => checkFloat32Accumulation(layout, c)), { numRuns: 30, examples: EXAMPLES })
  })

  test('small-integer operands give the exact integer product', () => {
    // |A(i,p)|, |B(p,j)| ≤ 8, so every partial sum is an integer of magnitude ≤ 64·k < 2^24: exact in float32
    const intCase = fc
      .record({
        m: fc.oneof(fc.integer({ min: 4, max: 40 }), fc.constantFrom(129, 130, 132)),
        k: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constantFrom(255, 256, 257, 300)),
        n: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(513, 520)),
        outOffset: offsetArb,
        aOffset: offsetArb,
        bOffset: offsetArb,
        seed: fc.integer(),
      })
      .filter((c) => c.m * c.k * c.n <= 400_000)
    fc.assert(
      fc.property(intCase, (c) => {
        const ops = operands(c, 'small-int')
        const out = run(layout, c, ops)
        for (let i = 0; i < c.m; i++) {
          for (let j = 0; j < c.n; j++) {
            let want = 0
            for (let p = 0; p < c.k; p++) want += ops.a[aIndex(layout, c, i, p)] * ops.b[bIndex(layout, c, p, j)]
            const got = out[c.outOffset + i * c.n + j]
            if (got !== want) throw new Error(`${describeCase(layout, c)}: out(${i}, ${j}) = ${got}, the integer product is ${want}`)
          }
        }
        expectUntouchedOutside(out, c.outOffset, c.m * c.n, describeCase(layout, c))
      }),
      { numRuns: 25 },
    )
  })

  test('the same call twice gives identical bits', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const ops = operands(c, 'mixed')
        const first = run(layout, c, ops)
        const second = run(layout, c, ops)
        expect(firstBitDifference(first, second)).toBe(-1)
      }),
      { numRuns: 15 },
    )
  })

  test('subnormal products and sums follow IEEE float32 (no flush to zero)', () => {
    const c: Case = { m: 9, k: 300, n: 11, outOffset: 1, aOffset: 2, bOffset: 3, seed: 77 }
    const ops = operands(c, 'subnormal')
    const ref = reference(layout, c, ops)
    // the case is meaningful only if the exact sums are below the smallest normal float32 and not all zero
    expect(ref.dbl.every((s) => abs(s) < 2 ** -126)).toBe(true)
    expect(ref.f32.some((s) => s !== 0)).toBe(true)
    checkFloat32Accumulation(layout, c, 'subnormal')
    checkWithinFloat32Bound(layout, c, 'subnormal')
  })
})

// Shapes chosen for one code path each in simd-gemm.ts (packA, packB, the k blocks and the copy out),
// checked both bit for bit against float32 accumulation and against float64 within the bound.
const BRANCH_CASES: { why: string; layout: Layout; c: Case }[] = [
  // packA, transposed branch (row stride 1, block rows a multiple of 4): both MC blocks (128 + 4 rows)
  { why: 'A transposed, 132 rows (blocks of 128 and 4): transposed packing of A for both blocks', layout: 'transA', c: { m: 132, k: 260, n: 9, outOffset: 3, aOffset: 5, bOffset: 1, seed: 11 } },
  { why: 'A transposed, 4 rows, k over two blocks: transposed packing of A', layout: 'transA', c: { m: 4, k: 513, n: 17, outOffset: 0, aOffset: 2, bOffset: 0, seed: 12 } },
  { why: 'A transposed, 128 rows exactly: one full MC block, transposed packing', layout: 'transA', c: { m: 128, k: 20, n: 8, outOffset: 1, aOffset: 0, bOffset: 3, seed: 13 } },
  // packA, general branch with transposed A (rows not a multiple of 4: zero-padded last panel)
  { why: 'A transposed, 6 rows: general packing of A with a padded panel', layout: 'transA', c: { m: 6, k: 5, n: 8, outOffset: 2, aOffset: 1, bOffset: 4, seed: 14 } },
  { why: 'A transposed, 130 rows: transposed packing for 128 rows, general for the last 2', layout: 'transA', c: { m: 130, k: 257, n: 13, outOffset: 0, aOffset: 3, bOffset: 2, seed: 15 } },
  { why: 'A transposed, 135 rows, k 300: general packing in the second block, accumulating over k blocks', layout: 'transA', c: { m: 135, k: 300, n: 5, outOffset: 4, aOffset: 0, bOffset: 0, seed: 16 } },
  // row-major A that fits the A block (4-row-rounded m times k ≤ 128 × 256): copied as it lies, read by tilesRows
  { why: 'row-major A, 7 rows: one copy, tilesRows reading past the 7th row', layout: 'nn', c: { m: 7, k: 33, n: 16, outOffset: 1, aOffset: 2, bOffset: 3, seed: 17 } },
  { why: 'row-major A with k = 1: tilesRows with a one-float row', layout: 'nn', c: { m: 8, k: 1, n: 24, outOffset: 2, aOffset: 1, bOffset: 1, seed: 18 } },
  { why: 'row-major A, 32 rows of 512 (the LSTM-128 backward product): tilesRows over two k blocks', layout: 'nn', c: { m: 32, k: 512, n: 40, outOffset: 3, aOffset: 1, bOffset: 2, seed: 27 } },
  { why: 'row-major A, 259 rows of 5: more rows than one MC block, still one copy', layout: 'transB', c: { m: 259, k: 5, n: 17, outOffset: 0, aOffset: 4, bOffset: 1, seed: 28 } },
  { why: 'row-major A, 301 rows of 256 (k ≤ KC, too large for the A block): copied and read MC rows at a time', layout: 'nn', c: { m: 301, k: 256, n: 9, outOffset: 2, aOffset: 3, bOffset: 0, seed: 31 } },
  { why: 'row-major A, 133 rows of 65 across two NC blocks: MC rows at a time, copied again per column block', layout: 'transB', c: { m: 133, k: 65, n: 530, outOffset: 1, aOffset: 0, bOffset: 2, seed: 32 } },
  // packA, general branch with row-major A too large for the A block and k > KC
  { why: 'row-major A, 9 rows of 3,700 (over the A block): general packing, padded panel, 15 k blocks', layout: 'nn', c: { m: 9, k: 3700, n: 9, outOffset: 1, aOffset: 2, bOffset: 0, seed: 29 } },
  { why: 'row-major A, 129 rows of 257: general packing in both MC blocks', layout: 'transB', c: { m: 129, k: 257, n: 12, outOffset: 2, aOffset: 0, bOffset: 3, seed: 30 } },
  { why: 'B transposed with k = 1 (column stride 1): contiguous packing of B', layout: 'transB', c: { m: 12, k: 1, n: 16, outOffset: 0, aOffset: 3, bOffset: 2, seed: 19 } },
  // packB: contiguous 8-column panels, ragged last panel, and transposed B column by column
  { why: 'row-major B, 16 columns: contiguous B panels only', layout: 'nn', c: { m: 5, k: 40, n: 16, outOffset: 0, aOffset: 0, bOffset: 1, seed: 20 } },
  { why: 'row-major B, 13 columns: one contiguous panel and a ragged one', layout: 'nn', c: { m: 9, k: 40, n: 13, outOffset: 3, aOffset: 1, bOffset: 0, seed: 21 } },
  { why: 'transposed B, 16 columns: column-by-column B panels', layout: 'transB', c: { m: 6, k: 258, n: 16, outOffset: 1, aOffset: 2, bOffset: 5, seed: 22 } },
  // copy out: contiguous (n a multiple of 8, at most 512), row by row (ragged n, or n over NC)
  { why: 'n = 512: one full NC block copied out in one piece', layout: 'nn', c: { m: 6, k: 9, n: 512, outOffset: 5, aOffset: 0, bOffset: 2, seed: 23 } },
  { why: 'n = 1024: two full NC blocks copied row by row', layout: 'transB', c: { m: 5, k: 7, n: 1024, outOffset: 2, aOffset: 1, bOffset: 0, seed: 24 } },
  { why: 'n = 1031, k = 257: three NC blocks, the last ragged, each accumulating over two k blocks', layout: 'transA', c: { m: 4, k: 257, n: 1031, outOffset: 1, aOffset: 4, bOffset: 3, seed: 25 } },
  { why: 'k = 768: three full KC blocks', layout: 'nn', c: { m: 10, k: 768, n: 12, outOffset: 0, aOffset: 1, bOffset: 1, seed: 26 } },
]

describe('each packing and copying path', () => {
  test.each(BRANCH_CASES)('$why', ({ layout, c }) => {
    checkFloat32Accumulation(layout, c)
    checkWithinFloat32Bound(layout, c)
  })
})

describe('float32 accumulation', () => {
  // C(i, j) = Σ_p A(i,p)·B(p,j) with every A entry 1 and one B column holding 1 and k−1 copies of 2^-25 (a
  // quarter of float32's spacing at 1): in float64 the sum is 1 + (k−1)·2^-25, which float32 can tell from 1;
  // in float32 adding 2^-25 to 1 rounds back to 1, while the small terms summed first reach a representable
  // (k−1)·2^-25 before meeting the 1.
  const K = 1000
  const column = (bigFirst: boolean) => onePlusTinies(K, bigFirst)
  function product(m: number, col: Float32Array, Kind: typeof Float32Array | typeof Float64Array = Float32Array): Float32Array | Float64Array {
    const a = new Kind(m * K).fill(1)
    const b = Kind.from(col) // k×1
    const out = new Kind(m)
    matmulInto(out, a, b, m, K, 1)
    return out
  }
  const float64Sum = 1 + (K - 1) * TINY

  test('the example separates float32 from float64 accumulation', () => {
    expect(fround(float64Sum)).not.toBe(1)
    expect(fround((K - 1) * TINY)).toBe((K - 1) * TINY)
  })

  test('with the 1 first, every later 2^-25 is lost, as in float32 summation in k order (across all four k blocks)', () => {
    const out = product(4, column(true))
    expect(Array.from(out)).toEqual([1, 1, 1, 1])
  })

  test('with the 1 last, the small terms add up first: k order, not reversed or pairwise', () => {
    const out = product(5, column(false))
    expect(Array.from(out)).toEqual(new Array(5).fill(fround(float64Sum)))
  })

  test('fewer than 4 rows and float64 operands keep the double-accumulating scalar kernel', () => {
    expect(Array.from(product(3, column(true)))).toEqual([fround(float64Sum), fround(float64Sum), fround(float64Sum)])
    expect(Array.from(product(4, column(true), Float64Array))).toEqual([float64Sum, float64Sum, float64Sum, float64Sum])
  })
})

describe('reuse of the module memory', () => {
  const TARGETS: { layout: Layout; c: Case }[] = [
    { layout: 'nn', c: { m: 9, k: 300, n: 21, outOffset: 2, aOffset: 1, bOffset: 3, seed: 31 } },
    { layout: 'transA', c: { m: 132, k: 257, n: 10, outOffset: 0, aOffset: 2, bOffset: 1, seed: 32 } },
    { layout: 'transB', c: { m: 6, k: 40, n: 530, outOffset: 1, aOffset: 0, bOffset: 4, seed: 33 } },
  ]
  type Modules = { matmul: typeof import('../../src/tensor/kernels/matmul.js'); simd: typeof import('../../src/tensor/kernels/simd-gemm.js') }

  /** A fresh copy of matmul.ts and simd-gemm.ts: its own compiled kernel and a new, zeroed module memory. */
  const freshModules = (): Modules =>
    loadFresh(() => ({
      exact: (require('../../src/tensor/kernels/wasm-kernels.js') as typeof import('../../src/tensor/kernels/wasm-kernels.js')).useExactKernels(true),
      matmul: require('../../src/tensor/kernels/matmul.js') as Modules['matmul'],
      simd: require('../../src/tensor/kernels/simd-gemm.js') as Modules['simd'],
    }))

  const runWith = (matmul: Modules['matmul'], layout: Layout, c: Case): Float32Array => run(layout, c, operands(c, 'mixed'), entriesOf(matmul))

  test.each(TARGETS)('$layout $c.m×$c.k×$c.n after larger and smaller products equals a first call on a fresh module', ({ layout, c }) => {
    const fresh = freshModules()
    expect(fresh.simd.hasSimd()).toBe(true)
    const first = runWith(fresh.matmul, layout, c)
    // a larger product grows the memory and leaves other values in the packed blocks and C tiles
    const larger: Case = { m: 261, k: 515, n: 531, outOffset: 0, aOffset: 0, bOffset: 0, seed: 99 }
    runWith(fresh.matmul, 'nn', { ...larger, k: 20 })
    runWith(fresh.matmul, 'transA', { ...larger, n: 9 })
    expect(firstBitDifference(runWith(fresh.matmul, layout, c), first)).toBe(-1)
    runWith(fresh.matmul, 'transB', { m: 4, k: 3, n: 2, outOffset: 0, aOffset: 0, bOffset: 0, seed: 98 })
    expect(firstBitDifference(runWith(fresh.matmul, layout, c), first)).toBe(-1)
    // and the module shared with the rest of this file, whatever ran before, agrees too
    expect(firstBitDifference(run(layout, c, operands(c, 'mixed')), first)).toBe(-1)
  })
})

describe('simdGemm called directly', () => {
  test('general strides (neither operand contiguous) give the product', () => {
    // A(i, p) = a[1 + 3i + 50p], B(p, j) = b[2 + 7p + 2j]: strides the matmul entry points never use
    const m = 13, k = 260, n = 11
    const next = uniform(5)
    const a = randomFloat32(1 + 3 * (m - 1) + 50 * (k - 1) + 1, next)
    const b = randomFloat32(2 + 7 * (k - 1) + 2 * (n - 1) + 1, next)
    const out = new Float32Array(m * n + 4).fill(SENTINEL)
    expect(simdGemm(out, 2, m, k, n, a, 1, 3, 50, b, 2, 7, 2)).toBe(true)
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0
        for (let p = 0; p < k; p++) acc = fround(acc + fround(a[1 + 3 * i + 50 * p] * b[2 + 7 * p + 2 * j]))
        expect(Object.is(out[2 + i * n + j], acc)).toBe(true)
      }
    }
    expect([out[0], out[1], out[m * n + 2], out[m * n + 3]]).toEqual([SENTINEL, SENTINEL, SENTINEL, SENTINEL])
  })

  test('row-major A with a row stride other than k (rows copied one by one for tilesRows) gives float32 accumulation in k order', () => {
    // A(i, p) = a[3 + 301i + p]: 6 rows of 290 with gaps between them, B(p, j) = b[p·9 + j]
    const m = 6, k = 290, n = 9
    const next = uniform(6)
    const a = randomFloat32(3 + 301 * m, next)
    const b = randomFloat32(k * n, next)
    const out = new Float32Array(m * n + 2).fill(SENTINEL)
    expect(simdGemm(out, 1, m, k, n, a, 3, 301, 1, b, 0, n, 1)).toBe(true)
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0
        for (let p = 0; p < k; p++) acc = fround(acc + fround(a[3 + 301 * i + p] * b[p * n + j]))
        expect(Object.is(out[1 + i * n + j], acc)).toBe(true)
      }
    }
    expect([out[0], out[m * n + 1]]).toEqual([SENTINEL, SENTINEL])
  })

  test('k = 0 writes zeros, not values left in the module memory by an earlier product', () => {
    const a = new Float32Array(64).fill(1)
    const b = new Float32Array(64).fill(2)
    const before = new Float32Array(16)
    expect(simdGemm(before, 0, 4, 4, 4, a, 0, 4, 1, b, 0, 4, 1)).toBe(true)
    expect(Array.from(before)).toEqual(new Array(16).fill(8))
    const out = new Float32Array(16).fill(SENTINEL)
    simdGemm(out, 0, 4, 0, 4, a, 0, 0, 1, b, 0, 4, 1)
    expect(Array.from(out)).toEqual(new Array(16).fill(0))
  })
})

// ---------------------------------------------------------------------------------------------
// wasm-emit.ts: small modules built with FunctionBuilder, validated, instantiated and run; results are
// read back from the exported memory.

interface WasmApi {
  validate(bytes: Uint8Array): boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object) => { exports: Record<string, unknown> }
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

function instantiate(functions: Record<string, FunctionBuilder>, pages = 1): { memory: { buffer: ArrayBuffer }; fns: Record<string, (...args: number[]) => void> } {
  const bytes = encodeModule(functions, pages)
  expect(wasmApi.validate(bytes)).toBe(true)
  const { exports } = new wasmApi.Instance(new wasmApi.Module(bytes))
  return { memory: exports.memory as { buffer: ArrayBuffer }, fns: exports as Record<string, (...args: number[]) => void> }
}

/** Stores f32 memory[0] (set by the caller) at f32 slot `slot`: a flag the test reads back. */
const mark = (f: FunctionBuilder, slot: number) => f.i32(4 * slot).i32(0).f32Load(0).f32Store(0)

describe('wasm-emit', () => {
  test('a module validates, exports its functions and a memory of the requested pages (1 and 130, a two-byte LEB128)', () => {
    for (const pages of [1, 130]) {
      const { memory, fns } = instantiate({ nothing: new FunctionBuilder([]), other: new FunctionBuilder([I32, V128]) }, pages)
      expect(memory.buffer.byteLength).toBe(pages * 65536)
      expect(typeof fns.nothing).toBe('function')
      expect(typeof fns.other).toBe('function')
    }
  })

  test('encodeModule output is rejected when corrupted (validate is a real check)', () => {
    const bytes = encodeModule({ f: new FunctionBuilder([I32]) }, 1)
    expect(wasmApi.validate(bytes)).toBe(true)
    expect(wasmApi.validate(bytes.subarray(0, bytes.length - 1))).toBe(false)
  })

  // Signed LEB128 boundaries: one byte holds −64…63, two bytes −8192…8191, and so on up to the i32 limits.
  const CONSTANTS = [0, 1, -1, 63, 64, -64, -65, 127, 128, -128, -129, 8191, 8192, -8192, -8193, 2 ** 20, -(2 ** 20) - 1, 2 ** 27, -(2 ** 27) - 1, 2 ** 31 - 1, -(2 ** 31)]

  test('i32 constants at the LEB128 boundaries encode to their values', () => {
    // check(x0, x1, …): marks slot i + 1 when x_i ≠ the i-th constant
    const f = new FunctionBuilder(CONSTANTS.map(() => I32))
    CONSTANTS.forEach((value, i) => f.get(i).i32(value).i32Ne().ifElse(() => mark(f, i + 1), () => {}))
    const { memory, fns } = instantiate({ check: f })
    const view = new Float32Array(memory.buffer)
    view[0] = 1
    fns.check(...CONSTANTS)
    expect(Array.from(view.subarray(1, CONSTANTS.length + 1))).toEqual(CONSTANTS.map(() => 0))
    // the same constants against values one off (wrapping at the i32 limits): every slot marked
    fns.check(...CONSTANTS.map((x) => (x + 1) | 0))
    expect(Array.from(view.subarray(1, CONSTANTS.length + 1))).toEqual(CONSTANTS.map(() => 1))
  })

  test('i32Sub, i32Mul, i32Add and addTo with negative deltas compute the i32 results', () => {
    // f(x, y, want): marks slot 1 unless (x − y)·3 + 7 − 2 = want, in wrapping i32 arithmetic
    const f = new FunctionBuilder([I32, I32, I32])
    const t = f.local(I32)
    f.get(0).get(1).i32Sub().i32(3).i32Mul().i32(7).i32Add().set(t)
    f.addTo(t, -2)
    f.get(t).get(2).i32Ne().ifElse(() => mark(f, 1), () => {})
    const { memory, fns } = instantiate({ f })
    const view = new Float32Array(memory.buffer)
    view[0] = 1
    for (const [x, y] of [[10, 3], [3, 10], [-5, 2 ** 30], [2 ** 31 - 1, -1]]) {
      view[1] = 0
      fns.f(x, y, (imul((x - y) | 0, 3) + 5) | 0)
      expect(view[1]).toBe(0)
      fns.f(x, y, (imul((x - y) | 0, 3) + 6) | 0)
      expect(view[1]).toBe(1)
    }
  })

  test('i32LtU compares unsigned: −1 is the largest', () => {
    const f = new FunctionBuilder([I32, I32])
    f.get(0).get(1).i32LtU().ifElse(() => mark(f, 1), () => mark(f, 2))
    const { memory, fns } = instantiate({ lt: f })
    const view = new Float32Array(memory.buffer)
    view[0] = 1
    const lessThan = (x: number, y: number) => {
      view[1] = 0
      view[2] = 0
      fns.lt(x, y)
      expect(view[1] + view[2]).toBe(1)
      return view[1] === 1
    }
    expect(lessThan(5, -1)).toBe(true)
    expect(lessThan(-1, 5)).toBe(false)
    expect(lessThan(3, 4)).toBe(true)
    expect(lessThan(4, 4)).toBe(false)
    expect(lessThan(2 ** 31 - 1, -(2 ** 31))).toBe(true)
  })

  test('local indices past 127 (two-byte LEB128) and runs of locals of both types', () => {
    // 1 parameter, then 130 i32 locals, 1 v128, 2 i32: the v128 is local 131, the last i32 local 133
    const f = new FunctionBuilder([I32])
    const ints = Array.from({ length: 130 }, () => f.local(I32))
    const vector = f.local(V128)
    const tail = [f.local(I32), f.local(I32)]
    expect([ints[0], ints[129], vector, tail[0], tail[1]]).toEqual([1, 130, 131, 132, 133])
    // local 130 = x + 5; local 133 = local 130 · 2; marks slot 1 unless local 133 = 2x + 10
    f.get(0).i32(5).i32Add().set(ints[129])
    f.get(ints[129]).i32(2).i32Mul().set(tail[1])
    f.v128Zero().set(vector)
    f.get(tail[1]).get(0).get(0).i32Add().i32(10).i32Add().i32Ne().ifElse(() => mark(f, 1), () => {})
    // the zero vector stored at byte 32: overwrites the test's junk there
    f.i32(32).get(vector).v128Store(0)
    const { memory, fns } = instantiate({ f })
    const view = new Float32Array(memory.buffer)
    view[0] = 1
    view.fill(5, 8, 12)
    fns.f(1234)
    expect(view[1]).toBe(0)
    expect(Array.from(view.subarray(8, 12))).toEqual([0, 0, 0, 0])
  })

  test('f32x4 mul/add, load32 splat, lane extraction and f32 load/store with offsets past 127', () => {
    // f(src, dst): v = load(src) · splat(src + 16) + load(src + 144); store v at dst;
    //              f32 at dst + 200 = lane 2 of v + f32 at src + 160
    const f = new FunctionBuilder([I32, I32])
    const v = f.local(V128)
    f.get(0).v128Load(0).get(0).v128Load32Splat(16).f32x4Mul().get(0).v128Load(144).f32x4Add().set(v)
    f.get(1).get(v).v128Store(0)
    f.get(1).get(v).f32x4ExtractLane(2).get(0).f32Load(160).f32Add().f32Store(200)
    const { memory, fns } = instantiate({ f })
    const view = new Float32Array(memory.buffer)
    const src = 1024, dst = 4096 // bytes
    const x = [1.1, -2.5, 3.3, 1e-3].map(fround)
    const s = fround(0.7)
    const y = [0.25, 1e7, -3.3, 5].map(fround)
    const z = fround(-0.125)
    view.set(x, src / 4)
    view[src / 4 + 4] = s
    view.set(y, (src + 144) / 4)
    view[(src + 160) / 4] = z
    fns.f(src, dst)
    const want = x.map((xi, i) => fround(fround(xi * s) + y[i]))
    expect(Array.from(view.subarray(dst / 4, dst / 4 + 4))).toEqual(want)
    expect(view[(dst + 200) / 4]).toBe(fround(want[2] + z))
  })

  test('a loop with brIf sums vectors in order, and a block is left by brIf', () => {
    // sum(count, src, dst): acc = Σ of `count` f32x4 vectors from src, in order, stored at dst;
    // then, in a block: leave it if count ≠ 1, else mark slot 1
    const f = new FunctionBuilder([I32, I32, I32])
    const acc = f.local(V128), p = f.local(I32), at = f.local(I32)
    f.v128Zero().set(acc)
    f.get(0).set(p)
    f.get(1).set(at)
    f.loop(() => {
      f.get(acc).get(at).v128Load(0).f32x4Add().set(acc)
      f.addTo(at, 16).addTo(p, -1)
      f.get(p).brIf(0)
    })
    f.get(2).get(acc).v128Store(0)
    f.block(() => {
      f.get(0).i32(1).i32Ne().brIf(0)
      mark(f, 1)
    })
    const { memory, fns } = instantiate({ sum: f })
    const view = new Float32Array(memory.buffer)
    view[0] = 1
    const count = 300, src = 256, dst = 16 // bytes
    const next = uniform(3)
    const data = randomFloat32(4 * count, next)
    view.set(data, src / 4)
    fns.sum(count, src, dst)
    const want = [0, 1, 2, 3].map((lane) => {
      let s = 0
      for (let q = 0; q < count; q++) s = fround(s + data[4 * q + lane])
      return s
    })
    expect(Array.from(view.subarray(dst / 4, dst / 4 + 4))).toEqual(want)
    expect(view[1]).toBe(0)
    view.set(data.subarray(0, 4), src / 4)
    fns.sum(1, src, dst)
    expect(Array.from(view.subarray(dst / 4, dst / 4 + 4))).toEqual(Array.from(data.subarray(0, 4)))
    expect(view[1]).toBe(1)
  })

  test('a code section over 127 bytes (multi-byte section and body sizes) validates and runs', () => {
    // 100 stores of constant slots: a body of several hundred bytes
    const f = new FunctionBuilder([])
    for (let i = 1; i <= 100; i++) mark(f, i)
    const { memory, fns } = instantiate({ many: f, also: new FunctionBuilder([I32]) })
    const view = new Float32Array(memory.buffer)
    view[0] = 3.5
    fns.many()
    expect(Array.from(view.subarray(1, 101))).toEqual(new Array(100).fill(3.5))
    expect(view[101]).toBe(0)
  })
})
