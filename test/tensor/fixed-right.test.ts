// withFixedRight (kernels/matmul.ts): many products a·B by one right operand B (the recurrent weight at every
// time step), B packed once into the SIMD module's memory when everything is float32 and SIMD exists.
// Checked: float32 accumulation in k order bit for bit on the SIMD path (every m, the 1–3 row products the
// plain entry points send to the scalar kernel included), agreement with matmulInto / matmulTransBInto,
// the scalar double results for float64 and mixed operands, writes confined to the output block, scopes
// that refuse to nest and are released even when the body throws, plain products run inside a scope, and
// the fallback without WebAssembly.
import fc from 'fast-check'
import { matmulInto, matmulTransBInto, withFixedRight, type TimesFixed } from '../../src/tensor/kernels/matmul.js'
import { hasSimd } from '../../src/tensor/kernels/simd-gemm.js'
import type { TypedArray } from '../../src/tensor/dtype.js'
import { expectUntouchedOutside, expectWithinFloat32Bound, onePlusTinies, productOfRows, SENTINEL } from '../helpers/products.js'
import { uniform } from '../helpers/random.js'
import { loadFreshWith, withoutWasm, type WasmStandIn } from '../helpers/wasm.js'
import { useExactKernels } from '../../src/tensor/kernels/wasm-kernels.js'

type MatmulModule = typeof import('../../src/tensor/kernels/matmul.js')
type SimdModule = typeof import('../../src/tensor/kernels/simd-gemm.js')
type WithFixedRight = MatmulModule['withFixedRight']

// Math's functions read once: looked up as Math.x on every call inside jest's sandbox, the reference
// loops ran about a hundred times slower.
const { floor, fround } = Math

// The exact kernels (each product rounded to float32 before it is added), explicitly: what this file holds
// bit for bit, wherever jest runs. Relaxed SIMD's multiply-add is checked in test/runtimes/kernels.test.ts.
beforeAll(() => useExactKernels(true))
afterAll(() => useExactKernels(false))

type Dtype = 'f32' | 'f64'

/**
 * Values of varied magnitude (2^-8…2^9, so the terms of one sum differ in size and cancel) with some ±0;
 * float64 ones carry a full 53-bit mantissa, so their products round.
 */
function randomArray(dtype: Dtype, size: number, next: () => number): Float32Array | Float64Array {
  const x = dtype === 'f32' ? new Float32Array(size) : new Float64Array(size)
  for (let i = 0; i < size; i++) {
    const r = next()
    if (r < 0.03) x[i] = 0
    else if (r < 0.05) x[i] = -0
    else x[i] = (next() < 0.5 ? -1 : 1) * (1 + next() + next() * 2 ** -30) * 2 ** (floor(next() * 17) - 8)
  }
  return x
}

const newArray = (dtype: Dtype, size: number) => (dtype === 'f32' ? new Float32Array(size) : new Float64Array(size))

/** One product out[m×n] (at outOffset) = a[m×k] (from aOffset) · B. */
interface Product {
  m: number
  aOffset: number
  outOffset: number
  seed: number
}

/** B is b[k×n], or with `transposed` the transpose of b[n×k]; several products by it in one scope. */
interface Case {
  k: number
  n: number
  transposed: boolean
  bSeed: number
  products: Product[]
}

const describeCase = (c: Case) => `k=${c.k} n=${c.n}${c.transposed ? ' transposed' : ''} bSeed=${c.bSeed}`
const describeProduct = (p: Product) => `m=${p.m} aOffset=${p.aOffset} outOffset=${p.outOffset} seed=${p.seed}`

/** b holds k·n values from index 0 (withFixedRight takes no offset), and 3 more after them that must not be read. */
const makeB = (c: Case, dtype: Dtype) => randomArray(dtype, c.k * c.n + 3, uniform(c.bSeed))

/** B's columns as contiguous double rows (cols[j·k + p] = B(p, j)), read through the layout's index formula. */
function columnsOf(b: ArrayLike<number>, c: Case): Float64Array {
  const cols = new Float64Array(c.n * c.k)
  for (let j = 0; j < c.n; j++) for (let p = 0; p < c.k; p++) cols[j * c.k + p] = b[c.transposed ? j * c.k + p : p * c.n + j]
  return cols
}

/** One product's operands: a with random values before aOffset and after the block, out filled with SENTINEL. */
interface Run {
  p: Product
  a: Float32Array | Float64Array
  out: Float32Array | Float64Array
}

function prepare(c: Case, aType: Dtype, outType: Dtype): Run[] {
  return c.products.map((p) => ({
    p,
    a: randomArray(aType, p.aOffset + p.m * c.k + 2, uniform(p.seed)),
    out: newArray(outType, p.outOffset + p.m * c.n + 4).fill(SENTINEL),
  }))
}

/** Runs every product of the case in one scope, then the first one again (it must come out the same). */
function runScope(fixed: WithFixedRight, b: TypedArray, c: Case, runs: Run[]): TypedArray {
  let again: TypedArray | undefined
  fixed(b, c.k, c.n, c.transposed, (times) => {
    for (const { p, a, out } of runs) times(out, p.outOffset, a, p.aOffset, p.m)
    const first = runs[0]
    again = first.out.slice().fill(SENTINEL)
    times(again, first.p.outOffset, first.a, first.p.aOffset, first.p.m)
  })
  return again!
}

/** Throws unless out's m×n block at outOffset holds exactly `want` (Object.is: bits of zeros too) and everything else is SENTINEL. */
function expectBlock(out: ArrayLike<number>, outOffset: number, want: ArrayLike<number>, n: number, what: string): void {
  for (let e = 0; e < want.length; e++) {
    if (!Object.is(out[outOffset + e], want[e])) throw new Error(`${what}: out(${floor(e / n)}, ${e % n}) = ${out[outOffset + e]}, expected ${want[e]}`)
  }
  expectUntouchedOutside(out, outOffset, want.length, what)
}

/** The plain entry point for the same operands: matmulInto for b[k×n], matmulTransBInto for b[n×k]. */
function plainProduct(matmul: Pick<MatmulModule, 'matmulInto' | 'matmulTransBInto'>, b: TypedArray, c: Case, run: Run): TypedArray {
  const out = run.out.slice().fill(SENTINEL)
  const entry = c.transposed ? matmul.matmulTransBInto : matmul.matmulInto
  entry(out, run.a, b, run.p.m, c.k, c.n, run.p.outOffset, run.p.aOffset, 0)
  return out
}

const sameBits = (x: TypedArray, y: TypedArray) => x.length === y.length && x.every((v, i) => Object.is(v, y[i]))

// ---------------------------------------------------------------------------------------------
// Shapes: m of 1–3 (rows the plain entry points give the scalar kernel), around the 4-row tiles and the
// MC = 128 row block; k around the KC = 256 deep block and at odd values; n around the 8-column panels
// and the NC = 512 column block. The work of one case is capped so a run stays a few milliseconds.

const mArb = fc.oneof(fc.constantFrom(1, 2, 3), fc.integer({ min: 4, max: 13 }), fc.constantFrom(127, 128, 129, 131, 133, 257))
const kArb = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(255, 256, 257, 300, 333, 513, 517))
const nArb = fc.oneof(fc.integer({ min: 1, max: 41 }), fc.constantFrom(511, 512, 513, 515, 519, 1031))
const offsetArb = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 13 }))
const productArb = fc.record({ m: mArb, aOffset: offsetArb, outOffset: offsetArb, seed: fc.integer() })
const MAX_WORK = 2_000_000
const caseArb: fc.Arbitrary<Case> = fc
  .record({ k: kArb, n: nArb, transposed: fc.boolean(), bSeed: fc.integer(), products: fc.array(productArb, { minLength: 1, maxLength: 4 }) })
  .filter((c) => c.products.reduce((w, p) => w + p.m * c.k * c.n, 0) <= MAX_WORK)

const product = (m: number, aOffset: number, outOffset: number, seed: number): Product => ({ m, aOffset, outOffset, seed })
/** Cases every property run starts with: m = 1, 2, 3 and > 128, k > 256 and odd, n > 512 and not a multiple of 8, both layouts. */
const EXAMPLES: [Case][] = [
  { k: 1, n: 1, transposed: false, bSeed: 1, products: [product(1, 0, 0, 1)] },
  { k: 300, n: 519, transposed: false, bSeed: 2, products: [product(1, 3, 1, 2), product(2, 0, 5, 3), product(3, 7, 0, 4)] },
  { k: 517, n: 13, transposed: true, bSeed: 3, products: [product(131, 2, 3, 5), product(3, 0, 0, 6), product(4, 1, 2, 7)] },
  { k: 333, n: 1031, transposed: true, bSeed: 4, products: [product(2, 1, 4, 8), product(5, 0, 0, 9)] },
  { k: 257, n: 515, transposed: false, bSeed: 5, products: [product(9, 4, 0, 10), product(1, 0, 2, 11)] },
  { k: 7, n: 9, transposed: true, bSeed: 6, products: [product(257, 3, 1, 12), product(3, 2, 2, 13)] },
].map((c) => [c])

/** Runs the float32 case on withFixedRight and checks it element by element. */
function checkFloat32Case(c: Case): void {
  const b = makeB(c, 'f32')
  const runs = prepare(c, 'f32', 'f32')
  const again = runScope(withFixedRight, b, c, runs)
  const cols = columnsOf(b, c)
  runs.forEach((run, index) => {
    const { p, a, out } = run
    const what = `${describeCase(c)} product ${index} (${describeProduct(p)})`
    const ref = productOfRows(a, p.aOffset, p.m, cols, c.k, c.n)
    // the SIMD kernel: float32 products added in k order, across the 256-deep blocks too
    expectBlock(out, p.outOffset, ref.f32, c.n, `${what}, against float32 accumulation in k order`)
    expectWithinFloat32Bound(out, p.outOffset, ref, c.k, c.n, what)
    if (index === 0 && !sameBits(again, out)) throw new Error(`${what}: the same product run again in the scope differs`)
    // the plain entry point: the same kernel from 4 rows up, so the same bits; below 4 rows the scalar kernel,
    // double accumulation in k order rounded once, so the two agree only within the float32 bound
    const plain = plainProduct({ matmulInto, matmulTransBInto }, b, c, run)
    if (p.m >= 4) {
      if (!sameBits(plain, out)) throw new Error(`${what}: withFixedRight and the plain entry point differ`)
    } else {
      expectBlock(plain, p.outOffset, Float32Array.from(ref.dbl), c.n, `${what}, plain entry point against double accumulation`)
    }
  })
}

test('this runtime has WebAssembly SIMD, so B is packed and the SIMD kernel runs', () => {
  expect(hasSimd()).toBe(true)
})

describe('float32 operands on the SIMD path', () => {
  test('each product equals float32 accumulation in k order bit for bit, agrees with the plain entry point, and writes only its block', () => {
    fc.assert(fc.property(caseArb, checkFloat32Case), { numRuns: 40, examples: EXAMPLES })
  })

  test('float32 accumulation for every m, 1 row included: 1 then 999 terms of 2^-25 sum to exactly 1', () => {
    // in float32, 1 + 2^-25 rounds back to 1; in double (the plain entry points' 1–3 row kernel) it does not
    const k = 1000
    const b = onePlusTinies(k)
    for (const m of [1, 2, 3, 4, 9]) {
      const a = new Float32Array(m * k).fill(1)
      const out = new Float32Array(m)
      withFixedRight(b, k, 1, false, (times) => times(out, 0, a, 0, m))
      expect(Array.from(out)).toEqual(new Array(m).fill(1))
      const plain = new Float32Array(m)
      matmulInto(plain, a, b, m, k, 1)
      expect(Array.from(plain)).toEqual(new Array(m).fill(m < 4 ? fround(1 + 999 * 2 ** -25) : 1))
    }
  })

  test('k = 0 writes zeros and m = 0 writes nothing', () => {
    const b = new Float32Array(0)
    const out = new Float32Array(2 + 3 * 5 + 2).fill(SENTINEL)
    withFixedRight(b, 0, 5, false, (times) => times(out, 2, new Float32Array(0), 0, 3))
    expectBlock(out, 2, new Float32Array(15), 5, 'k = 0')
    const b2 = randomArray('f32', 4 * 6, uniform(3))
    const untouched = new Float32Array(10).fill(SENTINEL)
    withFixedRight(b2, 4, 6, true, (times) => times(untouched, 3, new Float32Array(4), 0, 0))
    expectBlock(untouched, 0, [], 6, 'm = 0')
  })

  test('plain products inside a scope, one of them growing the module memory, leave the packed B intact', () => {
    const c: Case = { k: 300, n: 37, transposed: true, bSeed: 21, products: [product(5, 1, 2, 22), product(2, 0, 0, 23)] }
    const b = makeB(c, 'f32') as Float32Array
    const cols = columnsOf(b, c)
    const runs = prepare(c, 'f32', 'f32')
    // 2000 × 3 · 3 × 600: its C rows alone are 2000 × 512 floats, more than any product here has needed
    const big = { m: 2000, k: 3, n: 600 }
    const bigA = randomArray('f32', big.m * big.k, uniform(24))
    const bigB = randomArray('f32', big.k * big.n, uniform(25))
    const bigOut = new Float32Array(big.m * big.n)
    withFixedRight(b, c.k, c.n, c.transposed, (times) => {
      const [first, second] = runs
      times(first.out, first.p.outOffset, first.a, first.p.aOffset, first.p.m)
      matmulInto(bigOut, bigA, bigB, big.m, big.k, big.n)
      times(second.out, second.p.outOffset, second.a, second.p.aOffset, second.p.m)
    })
    for (const { p, a, out } of runs) {
      expectBlock(out, p.outOffset, productOfRows(a, p.aOffset, p.m, cols, c.k, c.n).f32, c.n, describeProduct(p))
    }
    const bigCase: Case = { k: big.k, n: big.n, transposed: false, bSeed: 0, products: [] }
    expectBlock(bigOut, 0, productOfRows(bigA, 0, big.m, columnsOf(bigB, bigCase), big.k, big.n).f32, big.n, 'the plain product inside the scope')
  })
})

describe('scopes', () => {
  const c: Case = { k: 19, n: 11, transposed: false, bSeed: 31, products: [product(6, 2, 1, 32)] }

  /** Runs the case's product with `times` and checks it against float32 accumulation in k order. */
  function productIsExact(times: TimesFixed, b: Float32Array, what: string): void {
    const [run] = prepare(c, 'f32', 'f32')
    times(run.out, run.p.outOffset, run.a, run.p.aOffset, run.p.m)
    expectBlock(run.out, run.p.outOffset, productOfRows(run.a, run.p.aOffset, run.p.m, columnsOf(b, c), c.k, c.n).f32, c.n, what)
  }

  test('a nested withFixedRight throws a clear error without running its body, and the outer scope still works', () => {
    const b = makeB(c, 'f32') as Float32Array
    const other = randomArray('f32', 8 * 5, uniform(33))
    let innerRan = false
    let outerFinished = false
    withFixedRight(b, c.k, c.n, c.transposed, (times) => {
      productIsExact(times, b, 'before the nested call')
      expect(() => withFixedRight(other, 8, 5, true, () => { innerRan = true })).toThrow(/nest/)
      expect(() => withFixedRight(b, c.k, c.n, c.transposed, () => { innerRan = true })).toThrow(/nest/)
      productIsExact(times, b, 'after the nested call')
      outerFinished = true
    })
    expect(innerRan).toBe(false)
    expect(outerFinished).toBe(true)
    // released at the end: a new scope, with another operand, works
    const c2: Case = { k: 8, n: 5, transposed: true, bSeed: 0, products: [product(3, 1, 1, 34)] }
    const [run] = prepare(c2, 'f32', 'f32')
    withFixedRight(other, 8, 5, true, (times) => times(run.out, 1, run.a, 1, 3))
    expectBlock(run.out, 1, productOfRows(run.a, 1, 3, columnsOf(other, c2), 8, 5).f32, 5, 'a scope after the nested one')
  })

  test('a body that throws releases the scope: the error comes out and a later scope works', () => {
    const b = makeB(c, 'f32') as Float32Array
    const boom = new Error('body failed')
    expect(() =>
      withFixedRight(b, c.k, c.n, c.transposed, (times) => {
        productIsExact(times, b, 'before throwing')
        throw boom
      }),
    ).toThrow(boom)
    let ran = false
    withFixedRight(b, c.k, c.n, c.transposed, (times) => {
      productIsExact(times, b, 'in the scope after the throwing one')
      ran = true
    })
    expect(ran).toBe(true)
  })

  test('the body runs exactly once, and `times` may go unused', () => {
    let calls = 0
    withFixedRight(makeB(c, 'f32'), c.k, c.n, c.transposed, () => { calls++ })
    withFixedRight(makeB(c, 'f64'), c.k, c.n, c.transposed, () => { calls++ })
    expect(calls).toBe(2)
  })
})

// ---------------------------------------------------------------------------------------------

/**
 * Any operand not float32 sends the product to the scalar kernel: double accumulation in k order (products
 * of doubles rounded to double), stored once, so exactly the reference's double sum (rounded to float32 for
 * a float32 output) and exactly what the plain entry point gives.
 */
function checkScalarCase(fixed: WithFixedRight, matmul: Pick<MatmulModule, 'matmulInto' | 'matmulTransBInto'>, c: Case, bType: Dtype, aType: Dtype, outType: Dtype): void {
  const b = makeB(c, bType)
  const runs = prepare(c, aType, outType)
  const again = runScope(fixed, b, c, runs)
  const cols = columnsOf(b, c)
  runs.forEach((run, index) => {
    const { p, a, out } = run
    const what = `b ${bType}, a ${aType}, out ${outType}: ${describeCase(c)} product ${index} (${describeProduct(p)})`
    const ref = productOfRows(a, p.aOffset, p.m, cols, c.k, c.n)
    const want = outType === 'f32' ? Float32Array.from(ref.dbl) : ref.dbl
    expectBlock(out, p.outOffset, want, c.n, `${what}, against double accumulation in k order`)
    if (index === 0 && !sameBits(again, out)) throw new Error(`${what}: the same product run again in the scope differs`)
    if (!sameBits(plainProduct(matmul, b, c, run), out)) throw new Error(`${what}: withFixedRight and the plain entry point differ`)
  })
}

describe('float64 and mixed operands', () => {
  test('float64 throughout: the scalar double result, bit for bit, as matmulInto / matmulTransBInto', () => {
    fc.assert(fc.property(caseArb, (c) => checkScalarCase(withFixedRight, { matmulInto, matmulTransBInto }, c, 'f64', 'f64', 'f64')), {
      numRuns: 25,
      examples: EXAMPLES,
    })
  })

  const MIXED: [Dtype, Dtype, Dtype][] = [
    ['f32', 'f32', 'f64'],
    ['f32', 'f64', 'f32'],
    ['f32', 'f64', 'f64'],
    ['f64', 'f32', 'f32'],
    ['f64', 'f64', 'f32'],
  ]
  test.each(MIXED)('b %s, a %s, out %s: falls back to the scalar double result', (bType, aType, outType) => {
    fc.assert(fc.property(caseArb, (c) => checkScalarCase(withFixedRight, { matmulInto, matmulTransBInto }, c, bType, aType, outType)), {
      numRuns: 8,
      examples: EXAMPLES.slice(0, 4),
    })
  })

  test('float32 and float64 products mixed in one float32 scope each take their own path', () => {
    const c: Case = { k: 260, n: 21, transposed: true, bSeed: 41, products: [product(3, 1, 0, 42)] }
    const b = makeB(c, 'f32')
    const cols = columnsOf(b, c)
    const [f32Run] = prepare(c, 'f32', 'f32')
    const [f64Run] = prepare(c, 'f64', 'f64')
    withFixedRight(b, c.k, c.n, c.transposed, (times) => {
      times(f64Run.out, f64Run.p.outOffset, f64Run.a, f64Run.p.aOffset, 3)
      times(f32Run.out, f32Run.p.outOffset, f32Run.a, f32Run.p.aOffset, 3)
    })
    expectBlock(f32Run.out, 0, productOfRows(f32Run.a, 1, 3, cols, c.k, c.n).f32, c.n, 'float32 product')
    expectBlock(f64Run.out, 0, productOfRows(f64Run.a, 1, 3, cols, c.k, c.n).dbl, c.n, 'float64 product')
  })
})

// ---------------------------------------------------------------------------------------------
// Without WebAssembly, or where compiling the kernel fails: fresh copies of matmul.ts and simd-gemm.ts are
// loaded with the global WebAssembly removed or replaced while simd-gemm first tries to compile (it caches
// the outcome), as in simd-fallback.test.ts.

function loadWith(standIn: WasmStandIn): { matmul: MatmulModule; simdAtLoad: boolean } {
  return loadFreshWith(standIn, () => {
    const matmul = require('../../src/tensor/kernels/matmul.js') as MatmulModule
    const simd = require('../../src/tensor/kernels/simd-gemm.js') as SimdModule
    return { matmul, simdAtLoad: simd.hasSimd() }
  })
}

describe.each(withoutWasm('kernel'))('%s', (_label, standIn) => {
  test('float32 products are the scalar double results, bit for bit, as the plain entry points', () => {
    const { matmul, simdAtLoad } = loadWith(standIn)
    expect(simdAtLoad).toBe(false)
    fc.assert(fc.property(caseArb, (c) => checkScalarCase(matmul.withFixedRight, matmul, c, 'f32', 'f32', 'f32')), { numRuns: 15, examples: EXAMPLES })
    // double accumulation for every m: 1 then 999 terms of 2^-25 keep the small terms
    const k = 1000
    const b = onePlusTinies(k)
    const out = new Float32Array(5)
    matmul.withFixedRight(b, k, 1, false, (times) => times(out, 0, new Float32Array(5 * k).fill(1), 0, 5))
    expect(Array.from(out)).toEqual(new Array(5).fill(fround(1 + 999 * 2 ** -25)))
  })

  test('a body that throws still lets the error out, and later scopes work', () => {
    const { matmul } = loadWith(standIn)
    const c: Case = { k: 9, n: 10, transposed: true, bSeed: 51, products: [product(4, 0, 1, 52)] }
    expect(() => matmul.withFixedRight(makeB(c, 'f32'), c.k, c.n, c.transposed, () => { throw new Error('body failed') })).toThrow('body failed')
    checkScalarCase(matmul.withFixedRight, matmul, c, 'f32', 'f32', 'f32')
  })
})
