// Independent oracle: seqgrad's elementwise ops, broadcasting and reductions against scijs ndarray-ops
// run on ndarray views of the same data. Broadcast operands are built in ndarray as stride-0 views, so
// the oracle never goes through seqgrad's own broadcasting code. (ndarray-ops has no tanh: not checked here.)
import fc from 'fast-check'
import ndarray from 'ndarray'
import * as ops from 'ndarray-ops'
import { Tensor, add, div, exp, max, mean, mul, neg, pow, sqrt, sub, sum, tensor, abs, log } from '../../src/index.js'

type NdView = ndarray.NdArray<ndarray.Data<number>>

const RUNS = 40

// ---------- helpers (plain code, independent of seqgrad) ----------

function numel(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1)
}

function rowMajorStrides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length)
  let s = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s
    s *= shape[i]
  }
  return out
}

/** A contiguous row-major ndarray over `data`. */
function nd(data: Float64Array | Float32Array, shape: readonly number[]): NdView {
  return ndarray(data, shape.slice(), rowMajorStrides(shape), 0)
}

/** Flat index → multi-index (row-major). */
function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length)
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d]
    flat = Math.floor(flat / shape[d])
  }
  return idx
}

/**
 * The first element where `got` and `want` disagree by more than rtol·|want| + atol, or null.
 * NaN matches NaN and infinities must match exactly.
 */
function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>, rtol = 0, atol = 0): string | null {
  if (got.length !== want.length) return `length ${got.length} vs expected ${want.length}`
  for (let i = 0; i < want.length; i++) {
    const g = got[i]
    const w = want[i]
    if (Number.isNaN(w) && Number.isNaN(g)) continue
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      if (g !== w) return `element ${i}: got ${g}, expected ${w}`
      continue
    }
    if (!(Math.abs(g - w) <= rtol * Math.abs(w) + atol)) return `element ${i}: got ${g}, expected ${w} (diff ${Math.abs(g - w)})`
  }
  return null
}

function expectSameValues(got: ArrayLike<number>, want: ArrayLike<number>, rtol = 0, atol = 0): void {
  expect(firstMismatch(got, want, rtol, atol)).toBeNull()
}

// ---------- arbitraries ----------

const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })

function doubles(n: number, min: number, max: number): fc.Arbitrary<Float64Array> {
  return fc.array(fc.double({ min, max, noNaN: true }), { minLength: n, maxLength: n }).map((v) => Float64Array.from(v))
}

/** Divisors: no values so tiny that their reciprocal overflows (that edge is checked separately below). */
function divisors(n: number): fc.Arbitrary<Float64Array> {
  return fc
    .array(
      fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((v) => v === 0 || Math.abs(v) > 1e-300),
      { minLength: n, maxLength: n },
    )
    .map((v) => Float64Array.from(v))
}

const caseArb = (min: number, max: number) => shapeArb.chain((shape) => fc.tuple(fc.constant(shape), doubles(numel(shape), min, max)))
const pairArb = shapeArb.chain((shape) => fc.tuple(fc.constant(shape), doubles(numel(shape), -1e3, 1e3), doubles(numel(shape), -1e3, 1e3)))

function f64(data: Float64Array, shape: readonly number[]): Tensor {
  return tensor(data, { shape, dtype: 'float64' })
}

// ---------- elementwise, same shapes ----------

describe('elementwise binary ops equal ndarray-ops (float64)', () => {
  type Case = { name: string; seq: (a: Tensor, b: Tensor) => Tensor; oracle: (o: NdView, a: NdView, b: NdView) => unknown; rtol: number }
  const cases: Case[] = [
    { name: 'add', seq: add, oracle: ops.add, rtol: 0 },
    { name: 'sub', seq: sub, oracle: ops.sub, rtol: 0 },
    { name: 'mul', seq: mul, oracle: ops.mul, rtol: 0 },
  ]
  for (const c of cases) {
    test(`${c.name} (exact)`, () => {
      fc.assert(
        fc.property(pairArb, ([shape, a, b]) => {
          const want = new Float64Array(numel(shape))
          c.oracle(nd(want, shape), nd(a, shape), nd(b, shape))
          const got = c.seq(f64(a, shape), f64(b, shape))
          expect(got.shape).toEqual(shape)
          expect(got.dtype).toBe('float64')
          expectSameValues(got.data, want, c.rtol)
        }),
        { numRuns: RUNS },
      )
    })
  }

  test('div (≤1e-12 relative)', () => {
    const arb = shapeArb.chain((shape) => fc.tuple(fc.constant(shape), doubles(numel(shape), -1e6, 1e6), divisors(numel(shape))))
    fc.assert(
      fc.property(arb, ([shape, a, b]) => {
        const want = new Float64Array(numel(shape))
        ops.div(nd(want, shape), nd(a, shape), nd(b, shape))
        const got = div(f64(a, shape), f64(b, shape))
        expect(got.shape).toEqual(shape)
        expectSameValues(got.data, want, 1e-12, 1e-300)
      }),
      { numRuns: RUNS },
    )
  })

  test('pow (exact; NaN where the real power is undefined)', () => {
    const arb = shapeArb.chain((shape) => fc.tuple(fc.constant(shape), doubles(numel(shape), -10, 10), doubles(numel(shape), -4, 4)))
    fc.assert(
      fc.property(arb, ([shape, a, b]) => {
        const want = new Float64Array(numel(shape))
        ops.pow(nd(want, shape), nd(a, shape), nd(b, shape))
        expectSameValues(pow(f64(a, shape), f64(b, shape)).data, want)
      }),
      { numRuns: RUNS },
    )
  })

  test('ops with a scalar operand (adds, subs, muls, divs, pows)', () => {
    const arb = fc.tuple(caseArb(-1e3, 1e3), fc.double({ min: -50, max: 50, noNaN: true }).filter((s) => Math.abs(s) > 1e-3), fc.integer({ min: -3, max: 3 }))
    fc.assert(
      fc.property(arb, ([[shape, a], s, k]) => {
        const x = f64(a, shape)
        const check = (got: Tensor, oracle: (o: NdView, v: NdView, s: number) => unknown, scalar: number, rtol: number) => {
          const want = new Float64Array(numel(shape))
          oracle(nd(want, shape), nd(a, shape), scalar)
          expect(got.shape).toEqual(shape)
          expectSameValues(got.data, want, rtol, 1e-300)
        }
        check(x.add(s), ops.adds, s, 0)
        check(x.sub(s), ops.subs, s, 0)
        check(x.mul(s), ops.muls, s, 0)
        check(x.div(s), ops.divs, s, 1e-12)
        check(x.pow(k), ops.pows, k, 0)
      }),
      { numRuns: RUNS },
    )
  })
})

describe('elementwise unary ops equal ndarray-ops (float64, exact)', () => {
  type Case = { name: string; seq: (x: Tensor) => Tensor; oracle: (o: NdView, a: NdView) => unknown; min: number; max: number }
  const cases: Case[] = [
    { name: 'neg', seq: neg, oracle: ops.neg, min: -1e6, max: 1e6 },
    { name: 'abs', seq: abs, oracle: ops.abs, min: -1e6, max: 1e6 },
    { name: 'exp', seq: exp, oracle: ops.exp, min: -50, max: 50 },
    { name: 'log', seq: log, oracle: ops.log, min: 1e-12, max: 1e6 },
    { name: 'log (negative inputs give NaN)', seq: log, oracle: ops.log, min: -10, max: 10 },
    { name: 'sqrt', seq: sqrt, oracle: ops.sqrt, min: 0, max: 1e6 },
    { name: 'sqrt (negative inputs give NaN)', seq: sqrt, oracle: ops.sqrt, min: -10, max: 10 },
  ]
  for (const c of cases) {
    test(c.name, () => {
      fc.assert(
        fc.property(caseArb(c.min, c.max), ([shape, a]) => {
          const want = new Float64Array(numel(shape))
          c.oracle(nd(want, shape), nd(a, shape))
          const got = c.seq(f64(a, shape))
          expect(got.shape).toEqual(shape)
          expect(got.dtype).toBe('float64')
          expectSameValues(got.data, want)
        }),
        { numRuns: RUNS },
      )
    })
  }

  test('method forms agree with the free functions', () => {
    fc.assert(
      fc.property(caseArb(0.5, 20), ([shape, a]) => {
        const x = f64(a, shape)
        for (const [method, oracle] of [
          [x.neg(), ops.neg],
          [x.abs(), ops.abs],
          [x.exp(), ops.exp],
          [x.log(), ops.log],
          [x.sqrt(), ops.sqrt],
        ] as const) {
          const want = new Float64Array(numel(shape))
          oracle(nd(want, shape), nd(a, shape))
          expectSameValues(method.data, want)
        }
      }),
      { numRuns: 30 },
    )
  })
})

describe('float32 elementwise ops equal ndarray-ops writing into a Float32Array', () => {
  const f32Arb = shapeArb.chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: numel(shape), maxLength: numel(shape) }).map((v) => Float32Array.from(v)),
      fc
        .array(fc.float({ min: -100, max: 100, noNaN: true }).filter((v) => Math.abs(v) > 1e-30), { minLength: numel(shape), maxLength: numel(shape) })
        .map((v) => Float32Array.from(v)),
    ),
  )

  test('add, sub, mul, neg, abs, exp (exact: one rounding to float32 each)', () => {
    fc.assert(
      fc.property(f32Arb, ([shape, a, b]) => {
        const x = tensor(a, { shape })
        const y = tensor(b, { shape })
        expect(x.dtype).toBe('float32')
        const binary: [Tensor, (o: NdView, p: NdView, q: NdView) => unknown][] = [
          [x.add(y), ops.add],
          [x.sub(y), ops.sub],
          [x.mul(y), ops.mul],
        ]
        for (const [got, oracle] of binary) {
          const want = new Float32Array(numel(shape))
          oracle(nd(want, shape), nd(a, shape), nd(b, shape))
          expect(got.dtype).toBe('float32')
          expectSameValues(got.data, want)
        }
        const unary: [Tensor, (o: NdView, p: NdView) => unknown][] = [
          [x.neg(), ops.neg],
          [x.abs(), ops.abs],
          [x.exp(), ops.exp],
        ]
        for (const [got, oracle] of unary) {
          const want = new Float32Array(numel(shape))
          oracle(nd(want, shape), nd(a, shape))
          expectSameValues(got.data, want)
        }
      }),
      { numRuns: RUNS },
    )
  })

  test('div within float32 rounding (a few ulps)', () => {
    fc.assert(
      fc.property(f32Arb, ([shape, a, b]) => {
        const want = new Float32Array(numel(shape))
        ops.div(nd(want, shape), nd(a, shape), nd(b, shape))
        const got = tensor(a, { shape }).div(tensor(b, { shape }))
        expect(got.dtype).toBe('float32')
        expectSameValues(got.data, want, 4 * 2 ** -24, 1e-44)
      }),
      { numRuns: RUNS },
    )
  })
})

// A true quotient a / b is finite whenever it is representable, even when 1 / b is not.
test('div by a subnormal divisor gives the finite true quotient, not Infinity', () => {
  const a64 = Float64Array.from([1e-10, 1e-300, 1e-300, 0])
  const b64 = Float64Array.from([1e-310, 5e-324, 4e-320, 5e-324])
  const want64 = new Float64Array(4)
  ops.div(nd(want64, [4]), nd(a64, [4]), nd(b64, [4]))
  expect(want64.every(Number.isFinite)).toBe(true) // sanity: the oracle's quotients are finite
  expectSameValues(f64(a64, [4]).div(f64(b64, [4])).data, want64, 1e-12)
  expectSameValues(f64(a64, [4]).div(1e-310).data, Float64Array.from(a64, (v) => v / 1e-310), 1e-12)

  const a32 = Float32Array.from([1e-5, 1e-10])
  const b32 = Float32Array.from([1e-39, 1e-44]) // float32 subnormals
  const want32 = new Float32Array(2)
  ops.div(nd(want32, [2]), nd(a32, [2]), nd(b32, [2]))
  expect(want32.every(Number.isFinite)).toBe(true)
  expectSameValues(tensor(a32).div(tensor(b32)).data, want32, 4 * 2 ** -24)
})

// ---------- broadcasting against stride-0 views ----------

/**
 * An output shape and two operand shapes that broadcast to it: each operand may drop leading dims
 * and turn any dim into 1. Returns the broadcast shape as computed here, independently.
 */
const broadcastArb = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
  .chain((full) =>
    fc.tuple(
      fc.constant(full),
      fc.integer({ min: 0, max: full.length }),
      fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }),
      fc.integer({ min: 0, max: full.length }),
      fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }),
    ),
  )
  .map(([full, dropA, onesA, dropB, onesB]) => {
    const aShape = full.slice(dropA).map((d, i) => (onesA[dropA + i] ? 1 : d))
    const bShape = full.slice(dropB).map((d, i) => (onesB[dropB + i] ? 1 : d))
    const rank = Math.max(aShape.length, bShape.length)
    const dimOf = (s: number[], i: number) => (i < rank - s.length ? 1 : s[i - (rank - s.length)])
    const outShape = Array.from({ length: rank }, (_, i) => Math.max(dimOf(aShape, i), dimOf(bShape, i)))
    return { aShape, bShape, outShape }
  })
  // both operands are drawn as divisors, since the swapped check divides by `a` too
  .chain((c) => fc.tuple(fc.constant(c), divisors(numel(c.aShape)), divisors(numel(c.bShape))))

/** A stride-0 ndarray view that reads `data` (of `shape`) as if it had `outShape`. */
function broadcastView(data: Float64Array, shape: readonly number[], outShape: readonly number[]): NdView {
  const own = rowMajorStrides(shape)
  const lead = outShape.length - shape.length
  const stride = outShape.map((_, i) => (i < lead || shape[i - lead] === 1 ? 0 : own[i - lead]))
  return ndarray(data, outShape.slice(), stride, 0)
}

describe('broadcasting equals ndarray-ops on stride-0 views', () => {
  type Case = { name: string; seq: (a: Tensor, b: Tensor) => Tensor; oracle: (o: NdView, a: NdView, b: NdView) => unknown; rtol: number }
  const cases: Case[] = [
    { name: 'add', seq: (a, b) => a.add(b), oracle: ops.add, rtol: 0 },
    { name: 'sub', seq: (a, b) => a.sub(b), oracle: ops.sub, rtol: 0 },
    { name: 'mul', seq: (a, b) => a.mul(b), oracle: ops.mul, rtol: 0 },
    { name: 'div', seq: (a, b) => a.div(b), oracle: ops.div, rtol: 1e-12 },
  ]
  for (const c of cases) {
    test(c.name, () => {
      fc.assert(
        fc.property(broadcastArb, ([{ aShape, bShape, outShape }, a, b]) => {
          const want = new Float64Array(numel(outShape))
          c.oracle(nd(want, outShape), broadcastView(a, aShape, outShape), broadcastView(b, bShape, outShape))
          const got = c.seq(f64(a, aShape), f64(b, bShape))
          expect(got.shape).toEqual(outShape)
          expectSameValues(got.data, want, c.rtol, 1e-300)
          // and with the operands swapped
          const wantSwapped = new Float64Array(numel(outShape))
          c.oracle(nd(wantSwapped, outShape), broadcastView(b, bShape, outShape), broadcastView(a, aShape, outShape))
          const gotSwapped = c.seq(f64(b, bShape), f64(a, aShape))
          expect(gotSwapped.shape).toEqual(outShape)
          expectSameValues(gotSwapped.data, wantSwapped, c.rtol, 1e-300)
        }),
        { numRuns: RUNS },
      )
    })
  }

  test('pow', () => {
    fc.assert(
      fc.property(broadcastArb, ([{ aShape, bShape, outShape }, a, b]) => {
        const base = Float64Array.from(a, Math.abs)
        const expo = Float64Array.from(b, (v) => Math.max(-3, Math.min(3, v)))
        const want = new Float64Array(numel(outShape))
        ops.pow(nd(want, outShape), broadcastView(base, aShape, outShape), broadcastView(expo, bShape, outShape))
        const got = f64(base, aShape).pow(f64(expo, bShape))
        expect(got.shape).toEqual(outShape)
        expectSameValues(got.data, want)
      }),
      { numRuns: RUNS },
    )
  })

  test('a hand-written case: [2, 1, 3] + [4, 1] → [2, 4, 3]', () => {
    const a = Float64Array.from({ length: 6 }, (_, i) => i + 1)
    const b = Float64Array.from([10, 20, 30, 40])
    const want = new Float64Array(24)
    ops.add(nd(want, [2, 4, 3]), broadcastView(a, [2, 1, 3], [2, 4, 3]), broadcastView(b, [4, 1], [2, 4, 3]))
    expect(Array.from(want.slice(0, 6))).toEqual([11, 12, 13, 21, 22, 23]) // the oracle views mean what we think
    const got = f64(a, [2, 1, 3]).add(f64(b, [4, 1]))
    expect(got.shape).toEqual([2, 4, 3])
    expectSameValues(got.data, want)
  })
})

// ---------- reductions ----------

/** Σ|x|: the scale of the rounding error any summation order may make. */
function absSum(a: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i])
  return s
}

describe('reductions equal ndarray-ops', () => {
  test('sum over everything = ops.sum, mean = ops.sum / n, max = ops.sup', () => {
    fc.assert(
      fc.property(caseArb(-1e3, 1e3), ([shape, a]) => {
        const view = nd(a, shape)
        const x = f64(a, shape)
        const total = ops.sum(view)
        const s = sum(x)
        expect(s.shape).toEqual([])
        expect(Math.abs(s.item() - total)).toBeLessThanOrEqual(1e-12 * absSum(a))
        expect(Math.abs(x.sum().item() - total)).toBeLessThanOrEqual(1e-12 * absSum(a))
        expect(Math.abs(mean(x).item() - total / a.length)).toBeLessThanOrEqual(1e-12 * (absSum(a) / a.length))
        const m = max(x)
        expect(m.shape).toEqual([])
        expect(m.item()).toBe(ops.sup(view))
        expect(x.max().item()).toBe(ops.sup(view))
      }),
      { numRuns: RUNS },
    )
  })

  test('max over everything on float32 data equals ops.sup', () => {
    fc.assert(
      fc.property(
        shapeArb.chain((shape) => fc.tuple(fc.constant(shape), fc.array(fc.float({ noNaN: true }), { minLength: numel(shape), maxLength: numel(shape) }))),
        ([shape, values]) => {
          const a = Float32Array.from(values)
          expect(tensor(a, { shape }).max().item()).toBe(ops.sup(nd(a, shape)))
        },
      ),
      { numRuns: RUNS },
    )
  })

  /** For each output element of a reduction over `dim`, the oracle applied to the 1-d `.pick()` view. */
  function alongDim(view: NdView, shape: readonly number[], dim: number, f: (v: NdView) => number): Float64Array {
    const outShape = shape.filter((_, i) => i !== dim)
    const out = new Float64Array(numel(outShape))
    for (let flat = 0; flat < out.length; flat++) {
      const idx: (number | null)[] = unravel(flat, outShape)
      idx.splice(dim, 0, null)
      out[flat] = f(view.pick(...idx))
    }
    return out
  }

  const dimCaseArb = caseArb(-1e3, 1e3).chain(([shape, a]) => fc.tuple(fc.constant(shape), fc.constant(a), fc.integer({ min: 0, max: shape.length - 1 }), fc.boolean()))

  test('sum(dim), mean(dim), max(dim) against ops on .pick() views, with keepDim and negative dims', () => {
    fc.assert(
      fc.property(dimCaseArb, ([shape, a, dim, negative]) => {
        const view = nd(a, shape)
        const x = f64(a, shape)
        const d = negative ? dim - shape.length : dim
        const n = shape[dim]
        const reduced = shape.filter((_, i) => i !== dim)
        const kept = shape.map((s, i) => (i === dim ? 1 : s))

        const sums = alongDim(view, shape, dim, ops.sum)
        const rowScale = alongDim(view, shape, dim, (v) => {
          let s = 0
          for (let i = 0; i < v.shape[0]; i++) s += Math.abs(v.get(i))
          return s
        })
        const s = x.sum(d)
        expect(s.shape).toEqual(reduced)
        const sk = x.sum(d, true)
        expect(sk.shape).toEqual(kept)
        const m = x.mean(d)
        expect(m.shape).toEqual(reduced)
        for (let i = 0; i < sums.length; i++) {
          expect(Math.abs(s.data[i] - sums[i])).toBeLessThanOrEqual(1e-12 * rowScale[i])
          expect(Math.abs(sk.data[i] - sums[i])).toBeLessThanOrEqual(1e-12 * rowScale[i])
          expect(Math.abs(m.data[i] - sums[i] / n)).toBeLessThanOrEqual(1e-12 * (rowScale[i] / n))
        }

        const sups = alongDim(view, shape, dim, ops.sup)
        const mx = x.max(d)
        expect(mx.shape).toEqual(reduced)
        expectSameValues(mx.data, sups)
        const mxk = x.max(d, true)
        expect(mxk.shape).toEqual(kept)
        expectSameValues(mxk.data, sups)
      }),
      { numRuns: RUNS },
    )
  })

  test('sum over several dims at once against ops.sum on multi-null .pick() views', () => {
    const arb = caseArb(-1e3, 1e3).chain(([shape, a]) =>
      fc.tuple(fc.constant(shape), fc.constant(a), fc.subarray(shape.map((_, i) => i), { minLength: 1 }), fc.boolean()),
    )
    fc.assert(
      fc.property(arb, ([shape, a, dims, keepDim]) => {
        const view = nd(a, shape)
        const outShape = shape.filter((_, i) => !dims.includes(i))
        const want = new Float64Array(numel(outShape))
        for (let flat = 0; flat < want.length; flat++) {
          const idx = unravel(flat, outShape)
          const args: (number | null)[] = []
          let k = 0
          for (let i = 0; i < shape.length; i++) args.push(dims.includes(i) ? null : idx[k++])
          want[flat] = ops.sum(view.pick(...args))
        }
        const got = f64(a, shape).sum(dims, keepDim)
        expect(got.shape).toEqual(keepDim ? shape.map((s, i) => (dims.includes(i) ? 1 : s)) : outShape)
        expectSameValues(got.data, want, 0, 1e-12 * absSum(a))
      }),
      { numRuns: RUNS },
    )
  })
})
