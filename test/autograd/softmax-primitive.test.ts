// softmax and logSoftmax are primitives (one kernel each way) for speed. These tests hold them to the
// composition they replaced (max, sub, exp, sum, log, div; written out below), to gradcheck, to their
// own float64 results in float32, and to the laws every differentiable op obeys.
import fc from 'fast-check'
import { Tensor, gradcheck, logSoftmax, softmax, tensor, zeros } from '../../src/index.js'
import { float64TensorArb, shapeArb, type ShapeConstraints } from '../../src/testing/index.js'
import { gradOf, leaf, shapeWithDimArb } from './helpers.js'

type Op = (x: Tensor, dim: number) => Tensor

// The composition, as src/autograd/ops/softmax.ts had it: subtracting the detached max keeps exp finite.
function composedSoftmax(x: Tensor, dim: number): Tensor {
  const e = x.sub(x.max(dim, true).detach()).exp()
  return e.div(e.sum(dim, true))
}

function composedLogSoftmax(x: Tensor, dim: number): Tensor {
  const z = x.sub(x.max(dim, true).detach())
  return z.sub(z.exp().sum(dim, true).log())
}

const pairs: { name: string; primitive: Op; composed: Op }[] = [
  { name: 'softmax', primitive: softmax, composed: composedSoftmax },
  { name: 'logSoftmax', primitive: logSoftmax, composed: composedLogSoftmax },
]

/** Evenly spread over [min, max] (fc.double crowds values near 0). */
const spread = (min: number, max: number) => fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((u) => min + ((max - min) * u) / (2 ** 32 - 1))

interface Case {
  shape: number[]
  dim: number
  x: Float64Array
  dy: Float64Array
}

/**
 * Shapes with a dim (either sign), values mostly moderate, some of magnitude up to 1e4, some −∞ and
 * (when `wild`) a few +∞ and NaN; sometimes one whole row along dim is −∞. dy is float32-representable.
 */
function casesArb(wild: boolean, c: ShapeConstraints = { maxRank: 3, maxDim: 6 }): fc.Arbitrary<Case> {
  const entry = fc.oneof(
    { arbitrary: spread(-3, 3), weight: 20 },
    { arbitrary: spread(-1e4, 1e4), weight: 8 },
    { arbitrary: fc.constant(-Infinity), weight: 3 },
    ...(wild ? [{ arbitrary: fc.constant(Infinity), weight: 1 }, { arbitrary: fc.constant(NaN), weight: 1 }] : []),
  )
  return shapeWithDimArb(c).chain(({ shape, dim }) => {
    const n = shape.reduce((a, b) => a * b, 1)
    return fc
      .record({
        values: fc.array(entry, { minLength: n, maxLength: n }),
        dy: fc.array(spread(-2, 2), { minLength: n, maxLength: n }),
        deadRow: fc.option(fc.nat(), { nil: null }),
      })
      .map(({ values, dy, deadRow }) => {
        const x = Float64Array.from(values)
        if (deadRow !== null) {
          const { size, inner, rows } = layout(shape, dim)
          const r = deadRow % rows
          const start = Math.floor(r / inner) * size * inner + (r % inner)
          for (let s = 0; s < size; s++) x[start + s * inner] = -Infinity
        }
        return { shape, dim, x, dy: Float64Array.from(dy, Math.fround) }
      })
  })
}

function layout(shape: readonly number[], dim: number): { size: number; inner: number; rows: number } {
  const d = dim < 0 ? dim + shape.length : dim
  const size = shape[d]
  const inner = shape.slice(d + 1).reduce((a, b) => a * b, 1)
  return { size, inner, rows: shape.reduce((a, b) => a * b, 1) / size }
}

/** For each element, Σ f(i) over the row along dim that holds it. */
function rowSums(shape: readonly number[], dim: number, f: (i: number) => number): Float64Array {
  const { size, inner, rows } = layout(shape, dim)
  const out = new Float64Array(rows * size)
  for (let r = 0; r < rows; r++) {
    const start = Math.floor(r / inner) * size * inner + (r % inner)
    let total = 0
    for (let s = 0; s < size; s++) total += f(start + s * inner)
    for (let s = 0; s < size; s++) out[start + s * inner] = total
  }
  return out
}

/** y = op(x) and dL/dx for upstream dy, on a fresh leaf of the given dtype. */
function run(op: Op, c: Case, dtype: 'float32' | 'float64' = 'float64'): { y: Tensor; dx: number[] } {
  const x = leaf(new Tensor(c.x, c.shape), dtype)
  const y = op(x, c.dim)
  y.backward(new Tensor(dtype === 'float64' ? c.dy.slice() : Float32Array.from(c.dy), c.shape))
  return { y, dx: gradOf(x) }
}

/** NaN where expected is NaN, the same infinity where it is infinite, else within tol(i). */
function expectMatch(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: (i: number) => number, what: string): void {
  expect(actual.length).toBe(expected.length)
  for (let i = 0; i < expected.length; i++) {
    const [a, e] = [actual[i], expected[i]]
    const ok = Number.isNaN(e) ? Number.isNaN(a) : Number.isFinite(e) ? Math.abs(a - e) <= tol(i) : a === e
    if (!ok) throw new Error(`${what}, element ${i}: got ${a}, expected ${e} (tolerance ${tol(i)})`)
  }
}

const within = (rel: number) => (expected: ArrayLike<number>) => (i: number) => rel + rel * Math.abs(expected[i])

describe.each(pairs)('$name as a primitive', ({ name, primitive, composed }) => {
  test('gradcheck in float64 on random shapes and dims (negative dims too)', () => {
    const cases = shapeWithDimArb({ maxRank: 3, maxDim: 5 }).chain(({ shape, dim }) => fc.tuple(float64TensorArb(shape, { min: -4, max: 4 }), fc.constant(dim)))
    fc.assert(
      fc.property(cases, ([x, dim]) => gradcheck((t) => primitive(t, dim), [x], { raiseException: true })),
      { numRuns: 40 },
    )
  })

  test('equals the composition within 1e-12 in float64 (values and gradients), big values and −∞ rows included', () => {
    fc.assert(
      fc.property(casesArb(false), (c) => {
        const fast = run(primitive, c)
        const slow = run(composed, c)
        expect(fast.y.shape).toEqual(slow.y.shape)
        expect(fast.y.dtype).toBe('float64')
        expectMatch(fast.y.data, slow.y.data, within(1e-12)(slow.y.data), `${name} values`)
        expectMatch(fast.dx, slow.dx, within(1e-12)(slow.dx), `${name} gradient`)
      }),
      { numRuns: 150 },
    )
  })

  test('matches the composition where a row holds +∞ or NaN: the whole row is NaN, values and gradients', () => {
    fc.assert(
      fc.property(casesArb(true), (c) => {
        const [fast, slow] = [run(primitive, c), run(composed, c)]
        expectMatch(fast.y.data, slow.y.data, within(1e-12)(slow.y.data), `${name} values`)
        expectMatch(fast.dx, slow.dx, within(1e-12)(slow.dx), `${name} gradient`)
      }),
      { numRuns: 100 },
    )
    for (const row of [[-Infinity, -Infinity], [-Infinity], [Infinity, 0], [Infinity, -Infinity], [NaN, 0], [1, NaN, -Infinity]]) {
      const c: Case = { shape: [row.length], dim: -1, x: Float64Array.from(row), dy: Float64Array.from(row, (_, i) => i + 1) }
      const { y, dx } = run(primitive, c)
      expect(Array.from(y.data).every(Number.isNaN)).toBe(true)
      expect(dx.every(Number.isNaN)).toBe(true)
    }
  })

  test('size-1 dims and wide rows (65 classes) equal the composition', () => {
    const narrow = shapeArb({ minRank: 1, maxRank: 3, maxDim: 3 }).chain((s) => fc.integer({ min: 0, max: s.length - 1 }).map((d) => ({ shape: s.map((v, i) => (i === d ? 1 : v)), dim: d - s.length })))
    const wide = fc.integer({ min: 1, max: 6 }).map((rows) => ({ shape: [rows, 65], dim: 1 }))
    const cases = fc.oneof(narrow, wide).chain(({ shape, dim }) => {
      const n = shape.reduce((a, b) => a * b, 1)
      return fc.tuple(fc.array(spread(-20, 20), { minLength: n, maxLength: n }), fc.array(spread(-1, 1), { minLength: n, maxLength: n })).map(([x, dy]): Case => ({ shape, dim, x: Float64Array.from(x), dy: Float64Array.from(dy, Math.fround) }))
    })
    fc.assert(
      fc.property(cases, (c) => {
        const [fast, slow] = [run(primitive, c), run(composed, c)]
        expectMatch(fast.y.data, slow.y.data, within(1e-12)(slow.y.data), `${name} values`)
        expectMatch(fast.dx, slow.dx, within(1e-12)(slow.dx), `${name} gradient`)
      }),
      { numRuns: 60 },
    )
  })

  test('a zero upstream gradient gives exactly zero; two backward passes give the same result', () => {
    const cases = shapeWithDimArb().chain(({ shape, dim }) => fc.tuple(float64TensorArb(shape, { min: -5, max: 5 }), fc.constant(dim)))
    fc.assert(
      fc.property(cases, ([t, dim]) => {
        const x = leaf(t)
        primitive(x, dim).backward(zeros([...x.shape], { dtype: 'float64' }))
        expect(gradOf(x).every((v) => v === 0)).toBe(true)

        const dy = new Tensor(Float64Array.from({ length: t.size }, (_, i) => Math.sin(1 + 1.7 * i)), t.shape)
        const z = leaf(t)
        const y = primitive(z, dim)
        y.backward(dy)
        const once = gradOf(z)
        y.backward(dy)
        expect(gradOf(z)).toEqual(once.map((v) => 2 * v))
        const again = leaf(t)
        primitive(again, dim).backward(dy)
        expect(gradOf(again)).toEqual(once)
      }),
      { numRuns: 40 },
    )
  })
})

describe('float32 is float64 up to float32 rounding', () => {
  const u = 2 ** -24 // float32 unit roundoff
  const tiny = 2 ** -148 // a float32 subnormal or two, for results that underflow

  test('logSoftmax: values and gradients', () => {
    fc.assert(
      fc.property(casesArb(false), (c) => {
        const f32 = { ...c, x: Float64Array.from(c.x, Math.fround) }
        const [lo, hi] = [run(logSoftmax, f32, 'float32'), run(logSoftmax, f32)]
        expect(lo.y.dtype).toBe('float32')
        expectMatch(lo.y.data, hi.y.data, (i) => 2 * u * Math.abs(hi.y.data[i]) + tiny, 'logSoftmax values')
        // dx = dy − exp(y)·Σdy: y is rounded by ≤ u·|y|, which moves exp(y) by ≤ u·|y|·exp(y) ≤ u/e.
        const g = rowSums(c.shape, c.dim, (i) => Math.abs(c.dy[i]))
        expectMatch(lo.dx, hi.dx, (i) => 4 * u * (Math.abs(hi.dx[i]) + g[i]) + tiny, 'logSoftmax gradient')
      }),
      { numRuns: 150 },
    )
  })

  test('softmax: values and gradients', () => {
    fc.assert(
      fc.property(casesArb(false), (c) => {
        const f32 = { ...c, x: Float64Array.from(c.x, Math.fround) }
        const [lo, hi] = [run(softmax, f32, 'float32'), run(softmax, f32)]
        const y = hi.y.data
        expect(lo.y.dtype).toBe('float32')
        expectMatch(lo.y.data, y, (i) => 4 * u * Math.abs(y[i]) + tiny, 'softmax values')
        // dx = y ⊙ (dy − Σ dy ⊙ y): each y carries ≤ 2u relative error into the product and the sum.
        const g = rowSums(c.shape, c.dim, (i) => Math.abs(c.dy[i] * y[i]))
        expectMatch(lo.dx, hi.dx, (i) => 8 * u * Math.abs(y[i]) * (Math.abs(c.dy[i]) + g[i]) + tiny, 'softmax gradient')
      }),
      { numRuns: 150 },
    )
  })
})

describe('edges', () => {
  test('an empty tensor gives an empty result of the same shape, as in PyTorch', () => {
    for (const op of [softmax, logSoftmax]) {
      expect(op(zeros([0, 3]), -1).shape).toEqual([0, 3])
      expect(op(zeros([2, 0]), -1).shape).toEqual([2, 0])
      expect(op(zeros([2, 0, 3]), 0).shape).toEqual([2, 0, 3])
    }
  })

  test('int32 input computes in float32, as before', () => {
    const x = tensor([[1, 2, 3], [4, 4, 0]], { dtype: 'int32' })
    for (const { primitive, composed } of pairs) {
      const [fast, slow] = [primitive(x, 1), composed(x, 1)]
      expect(fast.dtype).toBe('float32')
      expectMatch(fast.data, slow.data, (i) => 2 ** -22 * (1 + Math.abs(slow.data[i])), 'int32 input')
    }
  })
})
