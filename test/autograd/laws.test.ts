// Laws every differentiable op obeys, table-driven: a zero upstream gradient gives exactly zero
// gradients; two backward passes accumulate exactly twice one pass; float32 agrees with float64
// (forward and gradients) within float32 tolerance.
import fc from 'fast-check'
import { Tensor, add, sub, mul, div, pow, neg, exp, log, sqrt, tanh, sigmoid, relu, abs, sign, clamp, cat, clone, expand, matmul, split, zeros } from '../../src/index.js'
import { broadcastShapesArb, float64TensorArb, shapeArb, type TensorConstraints } from '../../src/testing/index.js'
import { SMALL, valuesArb, distinctTensorArb, gradOf, leaf, oneInput, refBroadcastShape, shapeWithDimArb, type Fn } from './helpers.js'

const RUNS = 15
const shapes = shapeArb(SMALL)

interface Instance {
  inputs: Tensor[]
  fn: Fn
  /** How many float32 roundings can pile up in one output (the reduced length); 1 when omitted. */
  terms?: number
}

interface Case {
  name: string
  arb: fc.Arbitrary<Instance>
}

const pair = (fn: Fn, left: TensorConstraints = {}, right: TensorConstraints = left): fc.Arbitrary<Instance> =>
  broadcastShapesArb({ maxRank: 3, maxDim: 3 }).chain(([a, b]) => fc.tuple(valuesArb(a, left), valuesArb(b, right)).map((inputs) => ({ inputs, fn })))
const unary = (fn: Fn, c: TensorConstraints = {}): fc.Arbitrary<Instance> => oneInput(shapes, c).map((inputs) => ({ inputs, fn }))
const withDim = (make: (dim: number, keepDim: boolean) => Fn, terms: boolean, values: (s: number[]) => fc.Arbitrary<Tensor> = (s) => float64TensorArb(s)) =>
  shapeWithDimArb().chain(({ shape, dim }) =>
    fc.tuple(values(shape), fc.boolean()).map(([x, keepDim]) => ({ inputs: [x], fn: make(dim, keepDim), terms: terms ? shape.at(dim) : 1 })),
  )
const mkn = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))

const cases: Case[] = [
  { name: 'add', arb: pair((a, b) => add(a, b)) },
  { name: 'sub', arb: pair((a, b) => sub(a, b)) },
  { name: 'mul', arb: pair((a, b) => mul(a, b)) },
  { name: 'div', arb: pair((a, b) => div(a, b), {}, { minMagnitude: 0.5 }) },
  { name: 'pow (tensor exponent)', arb: pair((a, b) => pow(a, b), { min: 0.5, max: 2 }, { min: -2, max: 2 }) },
  { name: 'pow (number exponent)', arb: fc.constantFrom(2, -1, 0.5, 1.5).chain((c) => unary((x) => x.pow(c), { min: 0.5, max: 2 })) },
  { name: 'binary ops with a number', arb: unary((x) => x.add(0.5).mul(-1.5).sub(2).div(3)) },
  { name: 'neg', arb: unary(neg) },
  { name: 'exp', arb: unary(exp, { min: -3, max: 3 }) },
  { name: 'log', arb: unary(log, { min: 0.5, max: 3 }) },
  { name: 'sqrt', arb: unary(sqrt, { min: 0.5, max: 3 }) },
  { name: 'tanh', arb: unary(tanh, { min: -3, max: 3 }) },
  { name: 'sigmoid', arb: unary(sigmoid, { min: -4, max: 4 }) },
  { name: 'relu', arb: unary(relu, { minMagnitude: 1e-3 }) },
  { name: 'abs', arb: unary(abs, { minMagnitude: 1e-3 }) },
  { name: 'sign', arb: unary((x) => sign(x).mul(x), { minMagnitude: 1e-3 }) },
  { name: 'clamp', arb: unary((x) => clamp(x, -1, 1).add(clamp(x, 0.5)).add(clamp(x, null, -0.5)), { min: -3, max: 3 }) },
  { name: 'sum (all)', arb: unary((x) => x.sum()).map((i) => ({ ...i, terms: i.inputs[0].size })) },
  { name: 'sum (dim, keepDim)', arb: withDim((d, k) => (x) => x.sum(d, k), true) },
  { name: 'sum (several dims)', arb: shapeArb({ minRank: 2, maxRank: 3, maxDim: 4 }).chain((s) => oneInput(fc.constant(s)).map((inputs) => ({ inputs, fn: (x: Tensor) => x.sum([0, -1]), terms: s[0] * s[s.length - 1] }))) },
  { name: 'mean (dim, keepDim)', arb: withDim((d, k) => (x) => x.mean(d, k), true) },
  { name: 'max (all)', arb: shapes.chain((s) => distinctTensorArb(s)).map((x) => ({ inputs: [x], fn: (t: Tensor) => t.max() })) },
  { name: 'max (dim, keepDim)', arb: withDim((d, k) => (x) => x.max(d, k), false, distinctTensorArb) },
  { name: 'softmax', arb: withDim((d) => (x) => x.softmax(d), true) },
  { name: 'logSoftmax', arb: withDim((d) => (x) => x.logSoftmax(d), true) },
  { name: 'matmul (2-D)', arb: mkn.chain(([m, k, n]) => fc.tuple(float64TensorArb([m, k]), float64TensorArb([k, n])).map((inputs) => ({ inputs, fn: matmul, terms: k }))) },
  {
    name: 'matmul (batched, broadcast)',
    arb: fc.tuple(broadcastShapesArb({ maxRank: 2, maxDim: 2 }), mkn).chain(([[ba, bb], [m, k, n]]) =>
      fc.tuple(float64TensorArb([...ba, m, k]), float64TensorArb([...bb, k, n])).map((inputs) => ({ inputs, fn: matmul, terms: k })),
    ),
  },
  { name: 'matmul (vector @ matrix)', arb: mkn.chain(([, k, n]) => fc.tuple(float64TensorArb([k]), float64TensorArb([k, n])).map((inputs) => ({ inputs, fn: matmul, terms: k }))) },
  { name: 'reshape', arb: unary((x) => x.reshape(-1)) },
  { name: 'transpose', arb: oneInput(shapeArb({ ...SMALL, minRank: 2 })).map((inputs) => ({ inputs, fn: (x: Tensor) => x.transpose().transpose(0, -1) })) },
  { name: 'slice', arb: withDim((d) => (x) => x.slice(d, -1), false) },
  { name: 'cat and split', arb: withDim((d) => (x) => cat(split(x, 2, d).map((p, i) => p.mul(i + 2)).reverse(), d), false) },
  { name: 'concat (method)', arb: pair((a, b) => a.reshape(-1).concat([b.reshape(-1), a.reshape(-1)])) },
  { name: 'expand', arb: broadcastShapesArb(SMALL).chain(([a, b]) => oneInput(fc.constant(a)).map((inputs) => ({ inputs, fn: (x: Tensor) => expand(x, refBroadcastShape(a, b)) }))) },
  { name: 'unsqueeze and squeeze', arb: unary((x) => x.unsqueeze(0).unsqueeze(-1).squeeze()) },
  { name: 'clone', arb: unary(clone) },
  { name: 'to (through the other float dtype and back)', arb: unary((x) => x.to(x.dtype === 'float64' ? 'float32' : 'float64').to(x.dtype)) },
]

/** A float32-representable upstream gradient of `shape`, varied by `salt`. */
function upstream(shape: readonly number[], salt: number, dtype: 'float32' | 'float64'): Tensor {
  const n = shape.reduce((a, b) => a * b, 1)
  const values = Float32Array.from({ length: n }, (_, i) => Math.sin(salt + 1.7 * i))
  return new Tensor(dtype === 'float32' ? values : Float64Array.from(values), shape)
}

const withSalt = (arb: fc.Arbitrary<Instance>) => fc.tuple(arb, fc.integer({ min: 0, max: 1000 }))

/** float32 and float64 copies of the same (float32-rounded) values. */
function twins(inputs: Tensor[]): [Tensor[], Tensor[]] {
  const x32 = inputs.map((t) => leaf(t, 'float32'))
  return [x32, x32.map((t) => leaf(t, 'float64'))]
}

function expectWithin(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got.length).toBe(want.length)
  for (let i = 0; i < want.length; i++) {
    const bound = tol * (1 + Math.abs(want[i]))
    if (!(Math.abs(got[i] - want[i]) <= bound)) throw new Error(`${what}, element ${i}: float32 ${got[i]}, float64 ${want[i]} (bound ${bound})`)
  }
}

describe.each(cases)('$name', ({ arb }) => {
  test('a zero upstream gradient gives exactly zero gradients on every input', () => {
    fc.assert(
      fc.property(arb, ({ inputs, fn }) => {
        const xs = inputs.map((t) => leaf(t))
        const y = fn(...xs)
        y.backward(zeros([...y.shape], { dtype: 'float64' }))
        for (const x of xs) expect(gradOf(x).every((v) => v === 0)).toBe(true)
      }),
      { numRuns: RUNS },
    )
  })

  test('two backward passes accumulate exactly twice one pass', () => {
    fc.assert(
      fc.property(withSalt(arb), ([{ inputs, fn }, salt]) => {
        const xs = inputs.map((t) => leaf(t))
        const y = fn(...xs)
        y.backward(upstream(y.shape, salt, 'float64'))
        const once = xs.map(gradOf)
        y.backward(upstream(y.shape, salt, 'float64'))
        expect(xs.map(gradOf)).toEqual(once.map((g) => g.map((v) => 2 * v)))
      }),
      { numRuns: RUNS },
    )
  })

  test('float32 forward agrees with float64', () => {
    fc.assert(
      fc.property(arb, ({ inputs, fn, terms = 1 }) => {
        const [x32, x64] = twins(inputs)
        const [y32, y64] = [fn(...x32), fn(...x64)]
        expect([y32.dtype, y64.dtype]).toEqual(['float32', 'float64'])
        expect(y32.shape).toEqual(y64.shape)
        expectWithin(y32.data, y64.data, 1e-6 * terms, 'forward')
      }),
      { numRuns: RUNS },
    )
  })

  test('float32 gradients agree with float64', () => {
    fc.assert(
      fc.property(withSalt(arb), ([{ inputs, fn, terms = 1 }, salt]) => {
        const [x32, x64] = twins(inputs)
        const [y32, y64] = [fn(...x32), fn(...x64)]
        y32.backward(upstream(y32.shape, salt, 'float32'))
        y64.backward(upstream(y64.shape, salt, 'float64'))
        x32.forEach((x, i) => {
          expect(x.grad?.dtype).toBe('float32')
          // A broadcast input's gradient sums (output size / input size) terms.
          const summed = Math.max(1, y64.size / x.size) * terms
          expectWithin(gradOf(x), gradOf(x64[i]), 1e-6 * summed, `gradient of input ${i}`)
        })
      }),
      { numRuns: RUNS },
    )
  })
})
