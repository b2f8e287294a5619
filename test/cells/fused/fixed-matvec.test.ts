// fixedMatVec (kernels/fixed-matvec.ts): y = W·x by matrices fixed at creation, the products generation
// runs at every token. With float32 weights on WebAssembly SIMD (this runtime) the result equals float32
// accumulation in column order bit for bit: acc = fround(acc + fround(W[r, p]·x[p])) for p = 0 … cols−1,
// from +0, so each product is rounded to float32 before it is added (no fused multiply-add, no wider
// accumulator). Checked over row counts around the 8-row panels, 1 … 300 columns, several matrices in one
// object, x and y offsets, Float64Array x and y (x rounded to float32 on the way in), subnormal values, and
// memory that must grow. Float64 weights, and float32 ones without WebAssembly, take plain loops that
// accumulate in double: equal to a double loop bit for bit. Nothing outside y[yOffset, yOffset + rows) is
// written. The weights are documented as read at creation: later changes to their data must not be seen.
import fc from 'fast-check'
import { fixedMatVec, type FixedMatVec, type MatrixRef } from '../../../src/cells/fused/fixed-matvec.js'
import { hasSimd } from '../../../src/tensor/kernels/simd-gemm.js'
import { expectUntouchedOutside, onePlusTinies, productOfRows, SENTINEL, TINY } from '../../helpers/products.js'
import { fillRandom, uniform, type Values } from '../../helpers/random.js'
import { loadFreshWith, refusingWasm, type WasmStandIn } from '../../helpers/wasm.js'
import { useExactKernels } from '../../../src/tensor/kernels/wasm-kernels.js'

// Math's functions read once: looked up as Math.x on every call inside jest's sandbox, fround made the
// reference loops a hundred times slower.
const { abs, floor, fround } = Math

// The exact kernels (each product rounded to float32 before it is added), explicitly: what this file holds
// bit for bit, wherever jest runs. Relaxed SIMD's multiply-add is checked in test/runtimes/kernels.test.ts.
beforeAll(() => useExactKernels(true))
afterAll(() => useExactKernels(false))

type FixedMatVecModule = typeof import('../../../src/cells/fused/fixed-matvec.js')

interface Shape {
  rows: number
  cols: number
}

interface Case {
  shapes: Shape[]
  xOffset: number
  yOffset: number
  seed: number
}

const describeCase = (c: Case) => `${c.shapes.map((s) => `${s.rows}×${s.cols}`).join(', ')} xOffset=${c.xOffset} yOffset=${c.yOffset} seed=${c.seed}`

type FloatArray = Float32Array | Float64Array
type FloatArrayKind = typeof Float32Array | typeof Float64Array

/** W's rows times x from xOffset (one column), summed in column order p = 0 … cols−1 from 0 (helpers/products.ts). */
const rowsTimes = (m: MatrixRef, x: ArrayLike<number>) => productOfRows(m.data, 0, m.rows, x, m.cols, 1)
const xOf = (m: MatrixRef, x: FloatArray, xOffset: number) => x.subarray(xOffset, xOffset + m.cols)

/** Plain double loop: Σ_p W[r, p]·x[xOffset + p], p = 0 … cols−1, accumulated in double from 0. */
const doubleReference = (m: MatrixRef, x: FloatArray, xOffset: number): Float64Array => rowsTimes(m, xOf(m, x, xOffset)).dbl

/** Float32 accumulation in column order: acc = fround(acc + fround(W[r, p]·fround(x[xOffset + p]))) from 0. */
const float32Reference = (m: MatrixRef, x: FloatArray, xOffset: number): Float32Array => rowsTimes(m, Float32Array.from(xOf(m, x, xOffset))).f32

/** Σ_p |W[r, p]·x[p]|: the scale of any rounding error. */
const magnitudes = (m: MatrixRef, x: FloatArray, xOffset: number): Float64Array => rowsTimes(m, xOf(m, x, xOffset)).scale

function matrices(c: Case, Kind: FloatArrayKind, next: () => number, values: Values): MatrixRef[] {
  return c.shapes.map(({ rows, cols }) => ({ data: fillRandom(new Kind(rows * cols), next, values), rows, cols }))
}

/** One product into a y filled with SENTINEL, yOffset in and 3 past the block. */
function product(mv: FixedMatVec, index: number, m: MatrixRef, x: FloatArray, xOffset: number, yOffset: number, YKind: FloatArrayKind): FloatArray {
  const y = new YKind(yOffset + m.rows + 3).fill(SENTINEL)
  mv.times(index, x, xOffset, y, yOffset)
  return y
}

/** Throws naming the first element outside y[yOffset, yOffset + rows) that is no longer SENTINEL. */
const expectYUntouchedOutside = (y: FloatArray, yOffset: number, rows: number, what: string) => expectUntouchedOutside(y, yOffset, rows, what, { name: 'y' })

/** Throws naming the first row where y (from yOffset) and `want` differ (Object.is: −0 and +0 differ, NaN equals NaN). */
function expectExactly(y: FloatArray, yOffset: number, want: ArrayLike<number>, what: string): void {
  for (let r = 0; r < want.length; r++) {
    if (!Object.is(y[yOffset + r], want[r])) throw new Error(`${what}: row ${r} is ${y[yOffset + r]}, expected exactly ${want[r]}`)
  }
}

interface Run {
  xKind?: FloatArrayKind
  yKind?: FloatArrayKind
  weights?: FloatArrayKind
  values?: Values
  xValues?: Values
  create?: (ms: readonly MatrixRef[]) => FixedMatVec
}

/**
 * Makes the case's matrices and one x (long enough for the widest, with values before xOffset and after),
 * creates the object, runs every matrix in a shuffled order (twice for the first, so reuse is covered),
 * and hands each result to `check`.
 */
function runCase(c: Case, run: Run, check: (y: FloatArray, m: MatrixRef, x: FloatArray, what: string) => void): void {
  const next = uniform(c.seed)
  const { xKind = Float32Array, yKind = Float32Array, weights = Float32Array, values = 'mixed', xValues = values, create = fixedMatVec } = run
  const ms = matrices(c, weights, next, values)
  const widest = Math.max(...c.shapes.map((s) => s.cols))
  const x = fillRandom(new xKind(c.xOffset + widest + 2), next, xValues)
  const mv = create(ms)
  const order = ms.map((_, i) => i)
  for (let i = order.length - 1; i > 0; i--) {
    const j = floor(next() * (i + 1))
    ;[order[i], order[j]] = [order[j], order[i]]
  }
  for (const index of [...order, order[0]]) {
    const m = ms[index]
    const y = product(mv, index, m, x, c.xOffset, c.yOffset, yKind)
    const what = `${describeCase(c)} matrix ${index}`
    check(y, m, x, what)
    expectYUntouchedOutside(y, c.yOffset, m.rows, what)
  }
}

/**
 * Makes the case's matrices (of Kind, holding `values`), an object from them and an x of 40, then fills the
 * matrices' data with 3s: every product must still be `reference` of the data as they were at creation.
 * Returns the matrices as changed and as they were, and x.
 */
function checkReadAtCreation(c: Case, Kind: FloatArrayKind, values: Values, reference: (m: MatrixRef, x: FloatArray, xOffset: number) => ArrayLike<number>) {
  const next = uniform(c.seed)
  const ms = matrices(c, Kind, next, values)
  const before = ms.map((m) => ({ ...m, data: m.data.slice() }))
  const x = fillRandom(new Kind(40), next, values)
  const mv = fixedMatVec(ms)
  for (const m of ms) m.data.fill(3)
  ms.forEach((m, index) => {
    const y = product(mv, index, m, x, c.xOffset, c.yOffset, Kind)
    expectExactly(y, c.yOffset, reference(before[index], x, c.xOffset), `matrix ${index} after its data changed`)
  })
  return { ms, before, x }
}

// Rows on both sides of the 8-row panels (and a few panels), columns 1 … 300.
const rowsArb = fc.oneof(fc.integer({ min: 1, max: 17 }), fc.constantFrom(23, 24, 25, 31, 32, 33, 63, 64, 65, 127))
const colsArb = fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 300 }), fc.constantFrom(255, 256, 257, 299, 300))
const offsetArb = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 11 }))
const caseArb: fc.Arbitrary<Case> = fc.record({
  shapes: fc.array(fc.record({ rows: rowsArb, cols: colsArb }), { minLength: 1, maxLength: 4 }),
  xOffset: offsetArb,
  yOffset: offsetArb,
  seed: fc.integer(),
})

/** Cases every property run starts with: the smallest product, a ragged panel, and several matrices that make the module memory grow. */
const EXAMPLES: [Case][] = [
  { shapes: [{ rows: 1, cols: 1 }], xOffset: 0, yOffset: 0, seed: 1 },
  { shapes: [{ rows: 9, cols: 7 }], xOffset: 3, yOffset: 5, seed: 2 },
  { shapes: [{ rows: 127, cols: 300 }, { rows: 5, cols: 1 }, { rows: 64, cols: 257 }], xOffset: 1, yOffset: 2, seed: 3 },
  { shapes: [{ rows: 8, cols: 300 }, { rows: 16, cols: 299 }, { rows: 7, cols: 2 }, { rows: 33, cols: 150 }], xOffset: 11, yOffset: 0, seed: 4 },
].map((c) => [c])

test('this runtime has WebAssembly SIMD, so float32 weights take the SIMD kernel here', () => {
  expect(hasSimd()).toBe(true)
  expect(typeof (globalThis as { WebAssembly?: unknown }).WebAssembly).toBe('object')
})

describe('float32 weights on WebAssembly SIMD', () => {
  test('equal float32 accumulation in column order bit for bit (products rounded to float32 first), and write only y[yOffset, yOffset + rows)', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        runCase(c, {}, (y, m, x, what) => expectExactly(y, c.yOffset, float32Reference(m, x, c.xOffset), `${what} (float32 accumulation in column order)`))
      }),
      { numRuns: 60, examples: EXAMPLES },
    )
  })

  test('are within the float32 accumulation bound of the double result (a sanity check on the reference itself)', () => {
    // |computed − exact| ≤ (cols + 2)·2^-24·Σ|W·x| for recursive float32 summation of rounded products
    fc.assert(
      fc.property(caseArb, (c) => {
        runCase(c, {}, (y, m, x, what) => {
          const exact = doubleReference(m, x, c.xOffset)
          const scale = magnitudes(m, x, c.xOffset)
          for (let r = 0; r < m.rows; r++) {
            const err = abs(y[c.yOffset + r] - exact[r])
            if (!(err <= (m.cols + 2) * 2 ** -24 * scale[r])) throw new Error(`${what}: row ${r} = ${y[c.yOffset + r]}, double gives ${exact[r]}, Σ|W·x| = ${scale[r]}`)
          }
        })
      }),
      { numRuns: 25, examples: EXAMPLES },
    )
  })

  test('subnormal products and sums follow IEEE float32 (no flush to zero), bit for bit', () => {
    const c: Case = { shapes: [{ rows: 13, cols: 300 }, { rows: 8, cols: 41 }], xOffset: 2, yOffset: 1, seed: 77 }
    let nonzero = 0
    runCase(c, { values: 'subnormal' }, (y, m, x, what) => {
      const exact = doubleReference(m, x, c.xOffset)
      // meaningful only if every exact sum is below the smallest normal float32, and some are not zero
      expect(exact.every((s) => abs(s) < 2 ** -126)).toBe(true)
      nonzero += float32Reference(m, x, c.xOffset).filter((s) => s !== 0).length
      expectExactly(y, c.yOffset, float32Reference(m, x, c.xOffset), what)
    })
    expect(nonzero).toBeGreaterThan(0)
  })

  test('Float64Array x and y: x is rounded to float32 on the way in, y receives the float32 results', () => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom<[FloatArrayKind, FloatArrayKind]>([Float64Array, Float64Array], [Float64Array, Float32Array], [Float32Array, Float64Array]), (c, [xKind, yKind]) => {
        runCase(c, { xKind, yKind, xValues: xKind === Float64Array ? 'double' : 'mixed' }, (y, m, x, what) => {
          expectExactly(y, c.yOffset, float32Reference(m, x, c.xOffset), `${what} (x ${xKind.name}, y ${yKind.name})`)
        })
      }),
      { numRuns: 40 },
    )
  })

  test('a double x that float32 cannot hold is rounded, not truncated or read as double', () => {
    // W = [1], x = 1 + 2^-24 + 2^-40: rounds up to 1 + 2^-23 in float32 (above the halfway point); truncation gives 1
    const mv = fixedMatVec([{ data: Float32Array.of(1), rows: 1, cols: 1 }])
    const y = new Float64Array(1)
    mv.times(0, Float64Array.of(1 + 2 ** -24 + 2 ** -40), 0, y, 0)
    expect(y[0]).toBe(1 + 2 ** -23)
  })

  test('each product is rounded to float32 before it is added: no fused multiply-add, no wider accumulator', () => {
    // Row: W = [−1, 1 + 2^-12], x = [1, 1 + 2^-12]. The second product is 1 + 2^-11 + 2^-24, which float32
    // rounds (a tie, to even) to 1 + 2^-11; added to −1 that leaves 2^-11. A fused multiply-add or a double
    // accumulator keeps the 2^-24 and gives 2^-11 + 2^-24 (representable in float32).
    const a = 1 + 2 ** -12
    expect(fround(a * a)).toBe(1 + 2 ** -11)
    expect(fround(-1 + a * a)).toBe(2 ** -11 + 2 ** -24)
    for (const rows of [1, 8, 9, 20]) {
      const data = new Float32Array(rows * 2)
      for (let r = 0; r < rows; r++) data.set([-1, a], 2 * r)
      const y = new Float32Array(rows)
      fixedMatVec([{ data, rows, cols: 2 }]).times(0, Float32Array.of(1, a), 0, y, 0)
      expect(Array.from(y)).toEqual(new Array(rows).fill(2 ** -11))
    }
  })

  describe('columns are added in order p = 0 … cols−1', () => {
    // One row of ones times x = 1 and 999 copies of 2^-25 (a quarter of float32's spacing at 1): with the 1
    // first, float32 loses every 2^-25; with it last, the small terms add up to a representable 999·2^-25
    // first. Double accumulation gives 1 + 999·2^-25 either way.
    const K = 1000
    const ones = (rows: number): MatrixRef => ({ data: new Float32Array(rows * K).fill(1), rows, cols: K })
    const column = (bigFirst: boolean) => onePlusTinies(K, bigFirst)
    const doubleSum = 1 + (K - 1) * TINY

    test('the example separates float32 from double accumulation', () => {
      expect(fround(doubleSum)).not.toBe(1)
      expect(fround((K - 1) * TINY)).toBe((K - 1) * TINY)
    })

    test.each([1, 8, 13])('%i rows: the 1 first gives 1, the 1 last gives fround(1 + 999·2^-25)', (rows) => {
      const mv = fixedMatVec([ones(rows)])
      const y = new Float32Array(rows)
      mv.times(0, column(true), 0, y, 0)
      expect(Array.from(y)).toEqual(new Array(rows).fill(1))
      mv.times(0, column(false), 0, y, 0)
      expect(Array.from(y)).toEqual(new Array(rows).fill(fround(doubleSum)))
    })
  })

  test('an all-zero or −0 row sums to +0, as float32 accumulation from +0 does', () => {
    const data = Float32Array.of(-0, -0, 0, 0, 1, -1)
    const y = new Float32Array(3).fill(SENTINEL)
    fixedMatVec([{ data, rows: 3, cols: 2 }]).times(0, Float32Array.of(1, 1), 0, y, 0)
    expect(Object.is(y[0], 0)).toBe(true)
    expect(Object.is(y[1], 0)).toBe(true)
    expect(Object.is(y[2], 0)).toBe(true)
  })

  test('several objects live at once, each with its own weights, and interleaved calls do not disturb each other', () => {
    const c1: Case = { shapes: [{ rows: 40, cols: 300 }, { rows: 3, cols: 5 }], xOffset: 2, yOffset: 1, seed: 5 }
    const c2: Case = { shapes: [{ rows: 17, cols: 64 }], xOffset: 0, yOffset: 4, seed: 6 }
    const build = (c: Case) => {
      const next = uniform(c.seed)
      const ms = matrices(c, Float32Array, next, 'mixed')
      const x = fillRandom(new Float32Array(c.xOffset + 300), next, 'mixed')
      return { c, ms, x, mv: fixedMatVec(ms) }
    }
    const a = build(c1), b = build(c2)
    for (let round = 0; round < 3; round++) {
      for (const { c, ms, x, mv } of [a, b, a, b]) {
        ms.forEach((m, index) => {
          const y = product(mv, index, m, x, c.xOffset, c.yOffset, Float32Array)
          expectExactly(y, c.yOffset, float32Reference(m, x, c.xOffset), describeCase(c))
        })
      }
    }
  })

  test('the weights are read at creation: later changes to their data are not seen', () => {
    const c: Case = { shapes: [{ rows: 19, cols: 33 }, { rows: 8, cols: 4 }], xOffset: 1, yOffset: 2, seed: 8 }
    const { ms, before, x } = checkReadAtCreation(c, Float32Array, 'mixed', float32Reference)
    // and the change does matter: the new data give another product
    ms.forEach((m, index) => expect(Array.from(float32Reference(m, x, c.xOffset))).not.toEqual(Array.from(float32Reference(before[index], x, c.xOffset))))
  })
})

describe('float64 weights: plain loops accumulating in double', () => {
  test('equal a plain double loop bit for bit, whatever x and y hold', () => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom<FloatArrayKind>(Float32Array, Float64Array), fc.constantFrom<FloatArrayKind>(Float32Array, Float64Array), (c, xKind, yKind) => {
        runCase(c, { weights: Float64Array, xKind, yKind, values: 'double', xValues: xKind === Float64Array ? 'double' : 'mixed' }, (y, m, x, what) => {
          const exact = doubleReference(m, x, c.xOffset)
          // a Float32Array y holds the double sum rounded once
          expectExactly(y, c.yOffset, yKind === Float32Array ? Float32Array.from(exact) : exact, `${what} (x ${xKind.name}, y ${yKind.name})`)
        })
      }),
      { numRuns: 50, examples: EXAMPLES.map(([c]) => [c, Float64Array, Float64Array] as [Case, FloatArrayKind, FloatArrayKind]) },
    )
  })

  test('the column-order example gives 1 + 999·2^-25 exactly with the 1 first: double accumulation', () => {
    const K = 1000
    const x = onePlusTinies(K, true, Float64Array)
    const y = new Float64Array(3)
    fixedMatVec([{ data: new Float64Array(3 * K).fill(1), rows: 3, cols: K }]).times(0, x, 0, y, 0)
    expect(Array.from(y)).toEqual([1 + (K - 1) * 2 ** -25, 1 + (K - 1) * 2 ** -25, 1 + (K - 1) * 2 ** -25])
  })

  test('one float64 matrix among float32 ones puts the whole object on the double loops', () => {
    const c: Case = { shapes: [{ rows: 11, cols: 70 }, { rows: 9, cols: 30 }], xOffset: 3, yOffset: 2, seed: 9 }
    const next = uniform(c.seed)
    const ms: MatrixRef[] = [
      { data: fillRandom(new Float32Array(11 * 70), next, 'mixed'), rows: 11, cols: 70 },
      { data: fillRandom(new Float64Array(9 * 30), next, 'double'), rows: 9, cols: 30 },
    ]
    const x = fillRandom(new Float64Array(80), next, 'double')
    const mv = fixedMatVec(ms)
    ms.forEach((m, index) => {
      const y = product(mv, index, m, x, c.xOffset, c.yOffset, Float64Array)
      expectExactly(y, c.yOffset, doubleReference(m, x, c.xOffset), `matrix ${index}`)
      expectYUntouchedOutside(y, c.yOffset, m.rows, `matrix ${index}`)
    })
    // the float32 matrix really differs between the two accumulations here
    expect(Array.from(doubleReference(ms[0], x, 3))).not.toEqual(Array.from(float32Reference(ms[0], x, 3)))
  })

  test('the weights are read at creation: later changes to their data are not seen', () => {
    const c: Case = { shapes: [{ rows: 19, cols: 33 }, { rows: 8, cols: 4 }], xOffset: 1, yOffset: 2, seed: 10 }
    checkReadAtCreation(c, Float64Array, 'double', doubleReference)
  })
})

describe('empty products', () => {
  test('a matrix with no columns gives zeros (an empty sum), the others their products', () => {
    const next = uniform(11)
    const ms: MatrixRef[] = [
      { data: new Float32Array(0), rows: 5, cols: 0 },
      { data: fillRandom(new Float32Array(9 * 12), next, 'mixed'), rows: 9, cols: 12 },
    ]
    const x = fillRandom(new Float32Array(14), next, 'mixed')
    const mv = fixedMatVec(ms)
    const y0 = product(mv, 0, ms[0], x, 2, 3, Float32Array)
    expectExactly(y0, 3, [0, 0, 0, 0, 0], 'no columns')
    expectYUntouchedOutside(y0, 3, 5, 'no columns')
    const y1 = product(mv, 1, ms[1], x, 2, 1, Float32Array)
    const exact = doubleReference(ms[1], x, 2), scale = magnitudes(ms[1], x, 2)
    for (let r = 0; r < 9; r++) expect(abs(y1[1 + r] - exact[r])).toBeLessThanOrEqual(14 * 2 ** -24 * scale[r])
    expectYUntouchedOutside(y1, 1, 9, 'the other matrix')
  })

  test('a matrix with no rows writes nothing', () => {
    const mv = fixedMatVec([{ data: new Float32Array(0), rows: 0, cols: 4 }])
    const y = new Float32Array(4).fill(SENTINEL)
    mv.times(0, Float32Array.of(1, 2, 3, 4), 0, y, 2)
    expectYUntouchedOutside(y, 2, 0, 'no rows')
  })
})

describe('without WebAssembly SIMD', () => {
  /** A fresh copy of fixed-matvec.ts and an object made from `ms`, with globalThis.WebAssembly deleted or replaced meanwhile. */
  const createWithout = (standIn: WasmStandIn, ms: readonly MatrixRef[]): FixedMatVec =>
    loadFreshWith(standIn, () => (require('../../../src/cells/fused/fixed-matvec.js') as FixedMatVecModule).fixedMatVec(ms))

  test.each([
    ['deleted', 'deleted' as const],
    ['refusing to compile', refusingWasm],
  ])('WebAssembly %s: float32 weights give the double-accumulated result (rounded once into a Float32Array y)', (_, standIn) => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom<FloatArrayKind>(Float32Array, Float64Array), (c, yKind) => {
        runCase(c, { yKind, create: (ms) => createWithout(standIn, ms) }, (y, m, x, what) => {
          const exact = doubleReference(m, x, c.xOffset)
          expectExactly(y, c.yOffset, yKind === Float32Array ? Float32Array.from(exact) : exact, `${what} (y ${yKind.name})`)
        })
      }),
      { numRuns: 20, examples: EXAMPLES.map(([c]) => [c, Float64Array] as [Case, FloatArrayKind]) },
    )
  })

  test('the column-order example tells the paths apart: 1 + 999·2^-25 in double, 1 in float32 SIMD', () => {
    const K = 1000
    const ms: MatrixRef[] = [{ data: new Float32Array(9 * K).fill(1), rows: 9, cols: K }]
    const x = onePlusTinies(K)
    const plain = new Float64Array(9), simd = new Float64Array(9)
    createWithout('deleted', ms).times(0, x, 0, plain, 0)
    fixedMatVec(ms).times(0, x, 0, simd, 0)
    expect(Array.from(plain)).toEqual(new Array(9).fill(1 + (K - 1) * 2 ** -25))
    expect(Array.from(simd)).toEqual(new Array(9).fill(1))
  })

  test('the weights are read at creation here too: later changes to their data are not seen', () => {
    const next = uniform(12)
    const m: MatrixRef = { data: fillRandom(new Float32Array(10 * 6), next, 'mixed'), rows: 10, cols: 6 }
    const before = { ...m, data: m.data.slice() }
    const x = fillRandom(new Float32Array(6), next, 'mixed')
    const mv = createWithout('deleted', [m])
    m.data.fill(3)
    const y = new Float64Array(10)
    mv.times(0, x, 0, y, 0)
    expectExactly(y, 0, doubleReference(before, x, 0), 'after the data changed')
  })
})
