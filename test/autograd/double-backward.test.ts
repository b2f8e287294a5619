// Double backward: every differentiable op's gradient, made with createGraph, differentiated again and
// checked by gradgradcheck (float64, central differences of the vector-Jacobian product) — each case of
// the gradcheck suite, and random shapes and values per primitive; gradgradcheck failing on a backward
// that is right to first order only; the refusal of a backward that records no graph.
import fc from 'fast-check'
import { opSpecs } from '../../src/gradcheck/op-cases.js'
import {
  Generator, Tensor, abs, add, cat, defineOp, div, exp, expand, grad, gradcheck, gradgradcheck, gradgradcheckReport, log, logSoftmax, matmul,
  max, mean, mul, neg, pow, relu, sigmoid, sign, slice, softmax, sqrt, sub, sum, tanh, tensor, transpose,
} from '../../src/index.js'
import { assertGradgradcheck, broadcastShapesArb, float64TensorArb, shapeArb, type TensorConstraints } from '../../src/testing/index.js'
import { expectPlainError } from '../helpers/errors.js'
import { distinctTensorArb, shapeWithDimArb } from './helpers.js'

const RUNS = 6
const small = { maxRank: 3, maxDim: 3 }
const f64 = (values: number[], requiresGrad = true) => tensor(values, { dtype: 'float64', requiresGrad })

/** Σ of the second derivatives of fn, v·∂²fn/∂x² summed against ones, per input: two backward passes. */
function secondDerivatives(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], v: (y: Tensor) => Tensor): number[][] {
  const y = fn(...inputs)
  const first = grad(y, inputs, { gradOutputs: v(y), createGraph: true, allowUnused: true }).filter((g): g is Tensor => g !== null)
  const joined = cat(first.map((g) => g.reshape([-1])))
  if (!joined.requiresGrad) return inputs.map((t) => new Array<number>(t.size).fill(0))
  return grad(joined.sum(), inputs, { allowUnused: true }).map((g, k) => (g === null ? new Array<number>(inputs[k].size).fill(0) : Array.from(g.data)))
}

describe('every op of the gradcheck suite passes gradgradcheck', () => {
  const specs = opSpecs().map((s) => [s.name, s] as const)
  test.each(specs)('%s', (_name, spec) => {
    const { fn, inputs, eps } = spec.build(new Generator(7))
    const report = gradgradcheckReport(fn, inputs, eps === undefined ? {} : { eps })
    expect(report.message).toBeUndefined()
    expect(report.checked).toBeGreaterThan(0)
  })

  test.each(specs)('%s: a zero gradOutputs gives zero second derivatives; two passes give the same', (_name, spec) => {
    const { fn, inputs } = spec.build(new Generator(8))
    const zero = (y: Tensor) => Tensor.zeros(y.shape, y.dtype)
    for (const d of secondDerivatives(fn, inputs, zero)) expect(d.map(Math.abs)).toEqual(d.map(() => 0))
    const ones = (y: Tensor) => Tensor.zeros(y.shape, y.dtype).add(1)
    expect(secondDerivatives(fn, inputs, ones)).toEqual(secondDerivatives(fn, inputs, ones))
  })
})

describe('random shapes and values, per primitive', () => {
  const one = (c: TensorConstraints = {}) => [float64TensorArb(shapeArb(small), c)]
  const unaryCases: [string, (x: Tensor) => Tensor, TensorConstraints][] = [
    ['neg', neg, {}],
    ['exp', exp, {}],
    ['log', log, { min: 0.5, max: 2 }],
    ['sqrt', sqrt, { min: 0.5, max: 2 }],
    ['tanh', tanh, {}],
    ['sigmoid', sigmoid, {}],
    ['relu (away from 0)', relu, { minMagnitude: 0.1 }],
    ['abs (away from 0)', abs, { minMagnitude: 0.1 }],
    ['sign (away from 0)', sign, { minMagnitude: 0.1 }],
    ['clamp [−3, 3] (inside)', (x) => x.clamp(-3, 3), {}],
    ['clamp [3, 4] (below)', (x) => x.clamp(3, 4).mul(x), {}],
  ]
  test.each(unaryCases)('%s', (_name, op, c) => assertGradgradcheck(op, one(c), { numRuns: RUNS }))

  const pair = (left: TensorConstraints = {}, right: TensorConstraints = {}) =>
    broadcastShapesArb(small).chain(([a, b]) => fc.tuple(float64TensorArb(a, left), float64TensorArb(b, right)))
  const binaryCases: [string, (a: Tensor, b: Tensor) => Tensor, TensorConstraints, TensorConstraints][] = [
    ['add', add, {}, {}],
    ['sub', sub, {}, {}],
    ['mul', mul, {}, {}],
    ['div', div, {}, { minMagnitude: 0.5 }],
    ['pow', pow, { min: 0.5, max: 2 }, {}],
  ]
  test.each(binaryCases)('%s, broadcast', (_name, op, left, right) => {
    fc.assert(fc.property(pair(left, right), ([a, b]) => gradgradcheck(op, [a, b])), { numRuns: RUNS })
  })

  test('pow by a number, the exponent 0 and 1 included', () => {
    for (const e of [0, 1, 2, 3, -1, 0.5]) assertGradgradcheck((x) => pow(x, e), one({ min: 0.5, max: 2 }), { numRuns: 3 })
  })

  test('matmul, batched and broadcast', () => {
    const dims = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom<number[]>([], [2], [2, 1]))
    const operands = dims.chain(([m, k, n, batch]) => fc.tuple(float64TensorArb([...batch, m, k]), float64TensorArb(batch.length === 2 ? [2, k, n] : [k, n])))
    fc.assert(fc.property(operands, ([a, b]) => gradgradcheck(matmul, [a, b])), { numRuns: RUNS })
  })

  test('sum, mean, softmax and logSoftmax along a dim', () => {
    const cases = shapeWithDimArb(small).chain(({ shape, dim }) => fc.tuple(fc.constant(dim), float64TensorArb(shape)))
    fc.assert(
      fc.property(cases, ([dim, x]) => {
        for (const f of [(t: Tensor) => sum(t, dim, true), (t: Tensor) => mean(t, dim), (t: Tensor) => softmax(t, dim), (t: Tensor) => logSoftmax(t, dim)]) gradgradcheck(f, [x])
        return true
      }),
      { numRuns: RUNS },
    )
  })

  test('max along a dim and over all (no ties), times x so that the second derivative is not 0', () => {
    const cases = fc.constantFrom([4], [2, 3], [3, 2, 2]).chain((shape) => fc.tuple(fc.integer({ min: 0, max: shape.length - 1 }), distinctTensorArb(shape)))
    fc.assert(
      fc.property(cases, ([dim, x]) => gradgradcheck((t) => max(t, dim, true).mul(t), [x]) && gradgradcheck((t) => max(t).mul(t), [x])),
      { numRuns: RUNS },
    )
  })

  test('transpose, slice, cat and expand, squared so that the second derivative is not 0', () => {
    const cases = fc.constantFrom([3, 4], [2, 3, 2]).chain((shape) => float64TensorArb(shape))
    fc.assert(
      fc.property(cases, (x) => {
        const square = (f: (t: Tensor) => Tensor) => (t: Tensor) => f(t).mul(f(t))
        gradgradcheck(square((t) => transpose(t, 0, -1)), [x])
        gradgradcheck(square((t) => slice(t, -1, 1)), [x])
        gradgradcheck(square((t) => cat([t, t.exp()], 0)), [x])
        gradgradcheck(square((t) => expand(t, [2, ...t.shape])), [x])
        return true
      }),
      { numRuns: RUNS },
    )
  })
})

describe('without createGraph', () => {
  const cube = (x: Tensor) => x.mul(x).mul(x)
  test('the gradients record nothing, as before', () => {
    const x = f64([0.5, -1.5])
    const [g] = grad(cube(x).sum(), [x])
    expect(g!.requiresGrad).toBe(false)
    expect(g!.gradFn).toBeNull()
  })
})

describe('gradgradcheck fails on a backward that is right to first order only', () => {
  // y = x³, whose backward is dy·3x² computed by another op, cubeGrad, whose own backward claims
  // ∂(3x²·dy)/∂x = 3x·dy instead of 6x·dy: the first derivative is right, the second is wrong.
  const cubeGrad = (slope: number) =>
    defineOp({
      name: 'cubeGrad',
      forward: (x, dy) => x.mul(x).mul(3).mul(dy),
      backward: (g, [x, dy]) => [g.mul(dy).mul(x).mul(slope), g.mul(x.mul(x).mul(3))],
    })
  const cubeWith = (slope: number) => {
    const dcube = cubeGrad(slope)
    return defineOp({ name: 'cube', forward: (x) => x.mul(x).mul(x), backward: (dy, [x]) => [dcube(x, dy)] })
  }
  const x = () => f64([0.5, -1.5, 2, 0.75])

  test('the right double backward passes, the wrong one fails naming gradgradcheck and the input', () => {
    expect(gradcheck(cubeWith(3), [x()])).toBe(true) // right to first order…
    expect(gradgradcheck(cubeWith(6), [x()])).toBe(true)
    expect(gradgradcheck(cubeWith(3), [x()], { raiseException: false })).toBe(false) // …and not to second
    expectPlainError(() => gradgradcheck(cubeWith(3), [x()]), /^gradgradcheck: second derivatives differ: Jacobian mismatch for input 0 at element \[0\].*input 1 is gradOutputs/)
  })

  test('a backward whose gradient is detached from x fails too', () => {
    const detached = defineOp({ name: 'cube', forward: (t) => t.mul(t).mul(t), backward: (dy, [t]) => [dy.mul(t.detach().mul(t.detach()).mul(3))] })
    expect(gradcheck(detached, [x()])).toBe(true)
    expect(gradgradcheck(detached, [x()], { raiseException: false })).toBe(false)
  })

  test('gradOutputs may be given; one that does not require grad is not checked', () => {
    const v = f64([1, -1, 0.5, 2], false)
    expect(gradgradcheck(cubeWith(6), [x()], { gradOutputs: v })).toBe(true)
    expect(gradgradcheck(cubeWith(3), [x()], { gradOutputs: v, raiseException: false })).toBe(false)
    expectPlainError(() => gradgradcheck(cubeWith(6), [x()], { gradOutputs: f64([1, 2]) }), /gradgradcheck: gradOutputs must be a float64 leaf tensor of fn's output shape \[4\]/)
    expectPlainError(() => gradgradcheck(cubeWith(6), [tensor([1, 2], { requiresGrad: true })]), /gradgradcheck: input 0 is float32, but gradcheck needs float64/)
  })

  test('a defineOp declared onceDifferentiable is refused under createGraph, and works without it', () => {
    const once = defineOp({ name: 'square', onceDifferentiable: true, forward: (t) => t.mul(t), backward: (dy, [t]) => [dy.mul(t).mul(2)] })
    const t = f64([1, 2])
    expect(Array.from(grad(once(t).sum(), [t])[0]!.data)).toEqual([2, 4])
    expectPlainError(() => grad(once(t).sum(), [t], { createGraph: true }), /createGraph: square has no double backward .*: defineOp was given onceDifferentiable: true/)
    expectPlainError(() => defineOp({ name: 'bad', onceDifferentiable: 1 as unknown as boolean, forward: (a) => a, backward: (dy) => [dy] }), /onceDifferentiable to be true or false, got number 1/)
  })
})
