// Elementwise ops: gradcheck over random (broadcast) shapes in float64, closed-form derivatives,
// forwards against plain Math, and number operands.
import fc from 'fast-check'
import { Tensor, tensor, add, sub, mul, div, pow, neg, exp, log, sqrt, tanh, sigmoid, relu, abs, clamp, sign, gradcheck } from '../../src/index.js'
import { assertGradcheck, broadcastShapesArb, float64TensorArb, shapeArb, type TensorConstraints } from '../../src/testing/index.js'
import { SMALL, awayFrom, valuesArb, broadcastSource, expectClose, gradOf, leaf, refBinary, refBroadcastShape, unravel } from './helpers.js'

const RUNS = 20
const shapes = shapeArb(SMALL)

function pairArb(left: TensorConstraints = {}, right: TensorConstraints = left): fc.Arbitrary<[Tensor, Tensor]> {
  return broadcastShapesArb({ maxRank: 3, maxDim: 3 }).chain(([sa, sb]) => fc.tuple(valuesArb(sa, left), valuesArb(sb, right)))
}

/** Backward with an all-ones upstream gradient; returns the gradient of each leaf. */
function onesGrads(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): number[][] {
  const xs = inputs.map((t) => leaf(t))
  const y = fn(...xs)
  y.backward(new Tensor(new Float64Array(y.size).fill(1), y.shape))
  return xs.map(gradOf)
}

interface BinaryCase {
  name: string
  op: (a: Tensor, b: Tensor | number) => Tensor
  f: (a: number, b: number) => number
  /** ∂f/∂a and ∂f/∂b */
  da: (a: number, b: number) => number
  db: (a: number, b: number) => number
  left?: TensorConstraints
  right?: TensorConstraints
  /** Number operands to try on the right. */
  numbers: number[]
}

const binaryCases: BinaryCase[] = [
  { name: 'add', op: add, f: (a, b) => a + b, da: () => 1, db: () => 1, numbers: [3, -0.5, 0] },
  { name: 'sub', op: sub, f: (a, b) => a - b, da: () => 1, db: () => -1, numbers: [1.5, -2, 0] },
  { name: 'mul', op: mul, f: (a, b) => a * b, da: (_a, b) => b, db: (a) => a, numbers: [-2, 0.3, 0] },
  { name: 'div', op: div, f: (a, b) => a / b, da: (_a, b) => 1 / b, db: (a, b) => -a / (b * b), right: { minMagnitude: 0.5 }, numbers: [0.7, -4, 3] },
  {
    name: 'pow',
    op: pow,
    f: Math.pow,
    da: (a, b) => b * Math.pow(a, b - 1),
    db: (a, b) => Math.pow(a, b) * Math.log(a),
    left: { min: 0.5, max: 2 },
    right: { min: -2, max: 2 },
    numbers: [2, 3, -1, 0.5, -1.5],
  },
]

describe.each(binaryCases)('$name', ({ op, f, da, db, left, right, numbers }) => {
  test('gradcheck over broadcast-compatible shape pairs (rank 0 and size-1 dims included)', () => {
    fc.assert(fc.property(pairArb(left, right), ([a, b]) => gradcheck(op, [a, b])), { numRuns: RUNS })
  })

  test('forward and gradients match the closed forms under broadcasting', () => {
    fc.assert(
      fc.property(pairArb(left, right), ([a, b]) => {
        const ref = refBinary(a, b, f)
        const y = op(a, b)
        expect(y.shape).toEqual(ref.shape)
        expect(y.dtype).toBe('float64')
        expectClose(y.data, ref.data)
        // Summing the broadcast partials back to each operand's shape, by hand.
        const [ga, gb] = onesGrads(op, [a, b])
        const ea = new Array<number>(a.size).fill(0)
        const eb = new Array<number>(b.size).fill(0)
        for (let j = 0; j < ref.data.length; j++) {
          const ia = broadcastSource(unravel(j, ref.shape), a.shape)
          const ib = broadcastSource(unravel(j, ref.shape), b.shape)
          ea[ia] += da(a.data[ia], b.data[ib])
          eb[ib] += db(a.data[ia], b.data[ib])
        }
        expectClose(ga, ea, 1e-10)
        expectClose(gb, eb, 1e-10)
      }),
      { numRuns: RUNS },
    )
  })

  test('a plain number on the right: forward, gradient and gradcheck', () => {
    const xs = float64TensorArb(shapes, left ?? {})
    fc.assert(
      fc.property(xs, fc.constantFrom(...numbers), (x, c) => {
        expectClose(op(x, c).data, Array.from(x.data, (v) => f(v, c)), 1e-12)
        expectClose(onesGrads((t) => op(t, c), [x])[0], Array.from(x.data, (v) => da(v, c)), 1e-10, 1e-12)
        return gradcheck((t) => op(t, c), [x])
      }),
      { numRuns: RUNS },
    )
  })

  test('a constant 0-d tensor on the left (the number-on-the-left form)', () => {
    const lefts = fc.constantFrom(...numbers.filter((c) => op !== pow || c > 0)) // a positive base for pow
    fc.assert(
      fc.property(float64TensorArb(shapes, right ?? {}), lefts, (x, c) => {
        const constant = tensor(c, { dtype: 'float64' })
        expectClose(op(constant, x).data, Array.from(x.data, (v) => f(c, v)), 1e-12)
        expectClose(onesGrads((t) => op(constant, t), [x])[0], Array.from(x.data, (v) => db(c, v)), 1e-10, 1e-12)
        return gradcheck((t) => op(constant, t), [x])
      }),
      { numRuns: RUNS },
    )
  })
})

interface UnaryCase {
  name: string
  op: (x: Tensor) => Tensor
  f: (x: number) => number
  d: (x: number) => number
  values?: TensorConstraints
}

const sig = (v: number) => 1 / (1 + Math.exp(-v))
const unaryCases: UnaryCase[] = [
  { name: 'neg', op: neg, f: (v) => -v, d: () => -1 },
  { name: 'exp', op: exp, f: Math.exp, d: Math.exp, values: { min: -3, max: 3 } },
  { name: 'log', op: log, f: Math.log, d: (v) => 1 / v, values: { min: 0.5, max: 3 } },
  { name: 'sqrt', op: sqrt, f: Math.sqrt, d: (v) => 0.5 / Math.sqrt(v), values: { min: 0.5, max: 3 } },
  { name: 'tanh', op: tanh, f: Math.tanh, d: (v) => 1 - Math.tanh(v) ** 2, values: { min: -3, max: 3, minMagnitude: 0.01 } },
  { name: 'sigmoid', op: sigmoid, f: sig, d: (v) => sig(v) * (1 - sig(v)), values: { min: -4, max: 4, minMagnitude: 0.01 } },
  { name: 'relu', op: relu, f: (v) => Math.max(v, 0), d: (v) => (v > 0 ? 1 : 0), values: { minMagnitude: 1e-3 } },
  { name: 'abs', op: abs, f: Math.abs, d: Math.sign, values: { minMagnitude: 1e-3 } },
  { name: 'pow(x, 2) over both signs', op: (x) => x.pow(2), f: (v) => v * v, d: (v) => 2 * v },
  { name: 'pow(x, 3) over both signs', op: (x) => x.pow(3), f: (v) => v ** 3, d: (v) => 3 * v * v },
  ...[
    { lo: -0.5, hi: null },
    { lo: null, hi: 0.25 },
    { lo: -1, hi: 1 },
    { lo: 0, hi: 1.5 },
  ].map(({ lo, hi }) => ({
    name: `clamp(${lo}, ${hi})`,
    op: (x: Tensor) => clamp(x, lo, hi),
    f: (v: number) => Math.min(Math.max(v, lo ?? -Infinity), hi ?? Infinity),
    d: (v: number) => ((lo === null || v >= lo) && (hi === null || v <= hi) ? 1 : 0),
  })),
]

/** Clamp cases keep values 0.01 away from the bounds; the others from their own constraints. */
function inputsFor(name: string, values: TensorConstraints = {}): fc.Arbitrary<Tensor> {
  const bounds = name.startsWith('clamp') ? [-0.5, 0.25, -1, 1, 0, 1.5] : []
  return shapes.chain((s) => valuesArb(s, values)).map(awayFrom(bounds, 0.01))
}

describe.each(unaryCases)('$name', ({ name, op, f, d, values }) => {
  test('gradcheck over random shapes', () => {
    assertGradcheck(op, [inputsFor(name, values)], { numRuns: RUNS })
  })

  test('forward and gradient match the closed forms', () => {
    fc.assert(
      fc.property(inputsFor(name, values), (x) => {
        const y = op(x)
        expect(y.shape).toEqual(x.shape)
        expectClose(y.data, Array.from(x.data, f), 1e-12, 1e-300)
        expectClose(onesGrads(op, [x])[0], Array.from(x.data, d), 1e-10, 1e-12)
      }),
      { numRuns: RUNS },
    )
  })
})

describe('sign', () => {
  test('forward is −1, 0 or 1 and every gradient is zero', () => {
    fc.assert(
      fc.property(float64TensorArb(shapes, { min: -3, max: 3 }), (x) => {
        sign(x).data.forEach((v, i) => expect(v === Math.sign(x.data[i])).toBe(true))
        const g = onesGrads((t) => sign(t).mul(3), [x])[0]
        expect(g.every((v) => v === 0)).toBe(true)
      }),
      { numRuns: RUNS },
    )
  })

  test('gradcheck passes away from 0 (the numerical slope is 0 too)', () => {
    assertGradcheck((t) => sign(t), [float64TensorArb(shapes, { minMagnitude: 0.01 })], { numRuns: RUNS })
  })
})

describe('kinks follow PyTorch', () => {
  test('relu and abs have slope 0 at 0; clamp has slope 1 on its bounds', () => {
    expect(onesGrads(relu, [tensor([0, -1, 2], { dtype: 'float64' })])[0]).toEqual([0, 0, 1])
    expect(onesGrads(abs, [tensor([0, -1, 2], { dtype: 'float64' })])[0]).toEqual([0, -1, 1])
    expect(onesGrads((t) => clamp(t, -1, 1), [tensor([-1, 1, -1.5, 1.5, 0], { dtype: 'float64' })])[0]).toEqual([1, 1, 0, 0, 1])
  })
})

describe('seqgrad/testing arbitraries', () => {
  test('broadcastShapesArb pairs broadcast, and include rank 0 and size-1 dims against larger ones', () => {
    const pairs = fc.sample(broadcastShapesArb({ maxRank: 3, maxDim: 3 }), { numRuns: 300, seed: 7 })
    for (const [a, b] of pairs) expect(() => refBroadcastShape(a, b)).not.toThrow()
    expect(pairs.some(([a, b]) => a.length === 0 || b.length === 0)).toBe(true)
    expect(pairs.some(([a, b]) => a.length === b.length && a.some((d, i) => d === 1 && b[i] > 1))).toBe(true)
    expect(pairs.some(([a, b]) => a.length !== b.length && a.length > 0 && b.length > 0)).toBe(true)
  })
})
