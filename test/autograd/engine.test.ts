// The tape itself: deep graphs, accumulation, noGrad/detach, shared inputs, grad(), error messages,
// defineOp, and gradcheck's own behaviour (failures, float32 inputs, fast mode).
import fc from 'fast-check'
import { Tensor, tensor, defineOp, gradcheck, grad, isGradEnabled, manualSeed, matmul, noGrad, randn } from '../../src/index.js'
import { assertGradcheck, float64TensorArb, shapeArb } from '../../src/testing/index.js'
import { SMALL, expectClose, gradOf, leaf } from './helpers.js'

const f64 = (data: number | number[] | number[][], requiresGrad = true) => tensor(data, { dtype: 'float64', requiresGrad })

describe('deep graphs', () => {
  test('a 10,000-step affine chain backpropagates without overflowing the stack', () => {
    const x = f64(0.5)
    let y = x
    for (let i = 0; i < 10_000; i++) y = y.mul(1.0001).add(0.0001)
    y.backward()
    // y = aⁿx + b(aⁿ − 1)/(a − 1) with a = 1.0001, b = 0.0001, so dy/dx = aⁿ.
    const an = Math.pow(1.0001, 10_000)
    expect(y.item()).toBeCloseTo(an * 0.5 + (an - 1), 9)
    expectClose(gradOf(x), [an], 1e-9)
  })

  test('a 10,000-step tanh chain gives the product of the local slopes', () => {
    const x = f64([0.7, -1.3])
    let y = x
    const slopes = [1, 1]
    const h = [0.7, -1.3]
    for (let i = 0; i < 10_000; i++) {
      y = y.tanh()
      for (let j = 0; j < 2; j++) {
        h[j] = Math.tanh(h[j])
        slopes[j] *= 1 - h[j] * h[j]
      }
    }
    y.sum().backward()
    expectClose(gradOf(x), slopes, 1e-9)
  })
})

describe('accumulation and graph structure', () => {
  test('gradients accumulate across separate backward calls until zeroed', () => {
    const x = f64([0.5, -2, 3])
    x.mul(3).sum().backward()
    x.mul(x).sum().backward()
    expect(gradOf(x)).toEqual([3 + 2 * 0.5, 3 - 4, 3 + 6])
    x.grad = null
    x.mul(x).sum().backward()
    expect(gradOf(x)).toEqual([1, -4, 6])
  })

  test('diamonds: a tensor used twice gets both contributions exactly', () => {
    fc.assert(
      fc.property(float64TensorArb(shapeArb(SMALL)), (t) => {
        const [a, b, c] = [leaf(t), leaf(t), leaf(t)]
        a.mul(a).sum().backward()
        expect(gradOf(a)).toEqual(Array.from(t.data, (v) => 2 * v))
        b.add(b).sum().backward()
        expect(gradOf(b)).toEqual(Array.from(t.data, () => 2))
        const h = c.mul(2) // y = h + h² → dy/dc = 2 + 8c
        h.add(h.mul(h)).sum().backward()
        expectClose(gradOf(c), Array.from(t.data, (v) => 2 + 8 * v), 1e-14, 1e-14)
      }),
      { numRuns: 20 },
    )
  })

  test('backward fills leaves only; leaves without requiresGrad get nothing', () => {
    const x = f64([1, 2])
    const w = f64([3, 4], false)
    const h = x.mul(w)
    h.sum().backward()
    expect(gradOf(x)).toEqual([3, 4])
    expect(h.grad).toBeNull()
    expect(w.grad).toBeNull()
  })

  test('noGrad records nothing, nests, and restores recording even when fn throws', () => {
    const x = f64([1, 2])
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false)
      expect(noGrad(() => isGradEnabled())).toBe(false)
      return x.mul(x).exp()
    })
    expect(isGradEnabled()).toBe(true)
    expect(y.requiresGrad).toBe(false)
    expect(y.gradFn).toBeNull()
    expect(() => noGrad(() => { throw new Error('boom') })).toThrow('boom')
    expect(isGradEnabled()).toBe(true)
    expect(x.mul(x).gradFn?.name).toBe('mul')
  })

  test('detach cuts the graph', () => {
    const x = f64([0.5, -1.5])
    const d = x.mul(x).detach()
    expect(d.requiresGrad).toBe(false)
    expect(d.gradFn).toBeNull()
    d.mul(x).sum().backward() // d is a constant here: the gradient is d, not 3x²
    expect(gradOf(x)).toEqual([0.25, 2.25])
  })

  test('grad() returns gradients (also of intermediates) without touching .grad', () => {
    const x = f64([1, -2, 0.5])
    const unrelated = f64([7])
    const h = x.mul(x)
    const y = h.mul(3).sum()
    const [gx, gh, gu] = grad(y, [x, h, unrelated], { gradOutputs: f64(1, false), allowUnused: true })
    expect(Array.from(gx?.data ?? [])).toEqual([6, -12, 3])
    expect(Array.from(gh?.data ?? [])).toEqual([3, 3, 3])
    expect(gu).toBeNull()
    expect(x.grad).toBeNull()
    expect(h.grad).toBeNull()
  })
})

describe('backward errors', () => {
  test('a non-scalar without a gradient throws naming the shape', () => {
    const y = f64([[1, 2, 3], [4, 5, 6]]).mul(2)
    expect(() => y.backward()).toThrow(/\[2, 3\]/)
  })

  test('a wrongly shaped gradient throws naming both shapes', () => {
    const y = f64([[1, 2, 3], [4, 5, 6]]).mul(2)
    expect(() => y.backward(f64([1, 2, 3], false))).toThrow(/\[2, 3\].*\[3\]/)
  })

  test('a tensor that does not require grad cannot go backward', () => {
    expect(() => f64([1, 2], false).sum().backward()).toThrow(Error)
  })
})

const cube = defineOp({
  name: 'cube',
  forward: (x) => {
    expect(isGradEnabled()).toBe(false) // forward runs unrecorded
    return x.mul(x).mul(x)
  },
  backward: (dy, [x]) => [dy.mul(x.mul(x).mul(3))],
})

/** a ⊙ b, with a backward for b that is wrong only at flat element `bad`. */
const wrongAt = (bad: number) =>
  defineOp({
    name: 'mulWrongAt',
    forward: (a, b) => a.mul(b),
    backward: (dy, [a, b]) => {
      const db = dy.mul(a)
      db.data[bad] *= 1.5
      return [dy.mul(b), db]
    },
  })

describe('defineOp and gradcheck', () => {
  test('a correct custom op passes gradcheck and is recorded under its name', () => {
    assertGradcheck(cube, [float64TensorArb(shapeArb(SMALL))], { numRuns: 20 })
    expect(cube(f64([2])).gradFn?.name).toBe('cube')
  })

  test("assertGradcheck fails on a wrong backward, carrying gradcheck's message", () => {
    let thrown: unknown = null
    try {
      assertGradcheck(wrongAt(0), [float64TensorArb([2], { minMagnitude: 0.5 }), float64TensorArb([2])], { numRuns: 5 })
    } catch (e) {
      thrown = e
    }
    expect(thrown).toBeInstanceOf(Error)
    // fast-check 4 attaches the predicate's error as `cause` rather than in the message.
    const { message, cause } = thrown as Error
    expect(`${message}\n${cause instanceof Error ? cause.message : ''}`).toMatch(/input 1 at element \[0\]/)
  })

  test('a wrong backward makes gradcheck throw naming the input, the element and both values', () => {
    const a = f64([[1, 2, 3], [4, 5, 2.5]])
    const b = f64([[1, 1, 1], [1, 1, 1]])
    const run = () => gradcheck(wrongAt(5), [a, b])
    expect(run).toThrow(/input 1/)
    expect(run).toThrow(/element \[1, 2\]/)
    expect(run).toThrow(/3\.75/) // analytical: 1.5 · 2.5
    expect(run).toThrow(/2\.(5|49999)/) // numerical ≈ 2.5
    expect(gradcheck(wrongAt(5), [a, b], { raiseException: false })).toBe(false)
    expect(gradcheck(wrongAt(5), [a, b.detach()], { raiseException: false })).toBe(true) // input 1 unchecked
  })

  test('a backward returning a gradient of the wrong shape throws naming the op', () => {
    const bad = defineOp({ name: 'badShape', forward: (x) => x.mul(2), backward: (dy) => [dy.sum()] })
    const x = f64([1, 2, 3])
    expect(() => bad(x).sum().backward()).toThrow(/badShape/)
    expect(() => gradcheck(bad, [x])).toThrow(/badShape/)
  })

  test('gradcheck refuses float32 inputs, saying float64 is needed', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    expect(() => gradcheck((t) => t.mul(t), [x])).toThrow(/float64/)
  })

  test('fastMode passes a correct 40×30 matmul and catches a wrong backward', () => {
    manualSeed(3)
    const a = randn([40, 30], { dtype: 'float64', requiresGrad: true })
    const b = randn([30, 20], { dtype: 'float64', requiresGrad: true })
    expect(gradcheck(matmul, [a, b], { fastMode: true })).toBe(true)
    expect(gradcheck((x, y) => cube(matmul(x, y).mul(0.2)), [a, b], { fastMode: true, seed: 11 })).toBe(true)
    const wrong = defineOp({
      name: 'matmulWrong',
      forward: (x, y) => matmul(x, y),
      backward: (dy, [x, y]) => [matmul(dy, y.transpose()), matmul(x.transpose(), dy).mul(2)],
    })
    expect(gradcheck(wrong, [a, b], { fastMode: true, raiseException: false })).toBe(false)
    expect(() => gradcheck(wrong, [a, b], { fastMode: true })).toThrow(/input 1/)
    expect(() => gradcheck(wrong, [a, b.detach()], { fastMode: true })).not.toThrow()
  })
})

test('a leaf can be its own output: gradcheck of the identity', () => {
  expect(gradcheck((t: Tensor) => t, [f64([1, 2])])).toBe(true)
})
