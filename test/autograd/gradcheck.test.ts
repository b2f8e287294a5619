// gradcheck's own contract, pinned where a changed default, a changed comparison or a dropped check would
// otherwise pass unnoticed: the default rtol, |a − n| ≤ atol + rtol·|n| holding at equality, the argument
// checks and their messages, and fast mode: PyTorch's projections (uniform [0, 1) draws scaled to unit
// length) with atol scaled by Σu·Σv, so that fast and full mode agree on what is within tolerance.
import fc from 'fast-check'
import { Tensor, defineOp, gradcheck, gradcheckReport, tensor } from '../../src/index.js'
import { expectPlainError } from '../helpers/errors.js'

const f64 = (values: number[], requiresGrad = true) => tensor(values, { dtype: 'float64', requiresGrad })

/** y = c·x elementwise, whose backward claims the slope `slope` instead of c. */
const scaledBy = (c: number, slope: number) =>
  defineOp({ name: 'scaled', forward: (x) => x.mul(c), backward: (dy) => [dy.mul(slope)] })

/**
 * y = 0 ∈ ℝ^m for any x (so the numerical Jacobian is exactly 0), whose backward claims every entry of the
 * Jacobian is `e`: the analytical Jacobian is off by e everywhere, and only a tolerance of at least e lets it pass.
 */
const offsetBy = (m: number, e: number) =>
  defineOp({
    name: 'offset',
    forward: () => Tensor.zeros([m], 'float64'),
    backward: (dy, [x]) => [Tensor.zeros(x.shape, 'float64').add(dy.sum().mul(e))],
  })

describe('the comparison', () => {
  test('rtol defaults to 1e-3: a slope 0.09 % off passes, 0.11 % off fails, atol being negligible at 1000', () => {
    const x = f64([0.5, -1.25])
    expect(gradcheck(scaledBy(1000, 1000 * (1 + 0.9e-3)), [x])).toBe(true)
    expect(gradcheck(scaledBy(1000, 1000 * (1 - 0.9e-3)), [x])).toBe(true)
    expectPlainError(() => gradcheck(scaledBy(1000, 1000 * (1 + 1.1e-3)), [x]), /analytical 1001\.1/, /numerical 1000/, /rtol 0\.001\)/)
    expect(gradcheck(scaledBy(1000, 1000 * (1 + 1.1e-3)), [x], { rtol: 2e-3 })).toBe(true)
  })

  test('atol defaults to 1e-5 and eps to 1e-6, named in the message', () => {
    const x = f64([0.25])
    expect(gradcheck(offsetBy(1, 0.9e-5), [x])).toBe(true)
    expectPlainError(() => gradcheck(offsetBy(1, 1.1e-5), [x]), /\(eps 0\.000001, atol 0\.00001, rtol 0\.001\)/)
  })

  test('|a − n| equal to atol + rtol·|n| passes; one ulp more fails (exact binary numbers: n = 2 exactly)', () => {
    // at x = 0 with eps = 2^−20 the central difference of 2x is exactly 2; atol + rtol·2 = 1/8 + 2/16 = 1/4
    const x = f64([0])
    const opts = { eps: 2 ** -20, atol: 2 ** -3, rtol: 2 ** -4 }
    const above = 2.25 + 2 ** -51 // the next double after 2.25
    expect(gradcheck(scaledBy(2, 2.25), [x], opts)).toBe(true)
    expect(gradcheck(scaledBy(2, 1.75), [x], opts)).toBe(true)
    expect(gradcheck(scaledBy(2, above), [x], { ...opts, raiseException: false })).toBe(false)
    // each tolerance alone at its boundary
    expect(gradcheck(scaledBy(2, 2.25), [x], { eps: 2 ** -20, atol: 0.25, rtol: 0 })).toBe(true)
    expect(gradcheck(scaledBy(2, above), [x], { eps: 2 ** -20, atol: 0.25, rtol: 0, raiseException: false })).toBe(false)
    expect(gradcheck(scaledBy(2, 2.25), [x], { eps: 2 ** -20, atol: 0, rtol: 0.125 })).toBe(true)
    expect(gradcheck(scaledBy(2, above), [x], { eps: 2 ** -20, atol: 0, rtol: 0.125, raiseException: false })).toBe(false)
  })
})

describe('the arguments are checked, with what came in the message', () => {
  test('fn must return a Tensor', () => {
    const x = f64([1, 2])
    expectPlainError(() => gradcheck((() => 3) as never, [x]), /gradcheck: fn must return a Tensor, got number 3/)
    expectPlainError(() => gradcheck((() => [x]) as never, [x]), /gradcheck: fn must return a Tensor, got an array of length 1/)
    expectPlainError(() => gradcheck((() => undefined) as never, [x], { fastMode: true }), /gradcheck: fn must return a Tensor, got undefined/)
  })

  test('fn must be a function, inputs a Tensor or an array of Tensors', () => {
    const x = f64([1, 2])
    expectPlainError(() => gradcheck('square' as never, [x]), /gradcheck: expected fn to be a function, got the string "square"/)
    expectPlainError(() => gradcheck((t: Tensor) => t, [x, 2] as never), /gradcheck: expected inputs to be a Tensor or an array of Tensors, got an array of length 2/)
    expectPlainError(() => gradcheck((t: Tensor) => t, { x } as never), /expected inputs to be a Tensor or an array of Tensors, got an object/)
    expect(gradcheck((t: Tensor) => t.mul(t), x)).toBe(true) // one Tensor, not in an array, is fine
  })

  test('some input must require grad, every checked one be a float64 leaf; inputs without grad are passed through unchecked', () => {
    expectPlainError(() => gradcheck((t: Tensor) => t, [f64([1], false)]), /gradcheck: no input requires grad; set requiresGrad on the inputs to check/)
    expectPlainError(() => gradcheck((t: Tensor) => t, [tensor([1], { requiresGrad: true })]), /gradcheck: input 0 is float32, but gradcheck needs float64 inputs/, /t\.to\('float64'\)/)
    const x = f64([1, 2])
    expectPlainError(() => gradcheck((a: Tensor, b: Tensor) => a.mul(b), [f64([3, 4], false), x.mul(2)]), /gradcheck: input 1 is the result of mul; pass leaf tensors/)
    const int = tensor([3, 4], { dtype: 'int32' })
    expect(gradcheck((a: Tensor, b: Tensor) => a.mul(b), [x, int])).toBe(true)
  })
})

describe('fast mode', () => {
  test('fast and full mode agree on what is within tolerance, for any seed (atol scaled by Σu·Σv, as PyTorch)', () => {
    const atol = 1e-5
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom(0.25, 0.5, 0.9, 0.99, 1.01, 1.1, 2, 4),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (n, m, k, seed) => {
          const x = tensor(Array.from({ length: n }, (_, i) => i / 3 - 1), { dtype: 'float64', requiresGrad: true })
          const fn = offsetBy(m, k * atol)
          const full = gradcheck(fn, [x], { atol, raiseException: false })
          const fast = gradcheck(fn, [x], { atol, fastMode: true, seed, raiseException: false })
          expect(full).toBe(k <= 1)
          expect(fast).toBe(full)
        },
      ),
      { numRuns: 300, seed: 4711 },
    )
  })

  test('a slope off by a relative δ passes both modes when δ < rtol and fails both when δ > rtol (all-positive W, so nothing cancels)', () => {
    const W = Tensor.zeros([6, 5], 'float64').add(tensor([[1], [2], [3], [4], [5], [6]], { dtype: 'float64' })).add(0.5)
    for (const [delta, passes] of [[0.5e-3, true], [3e-3, false]] as const) {
      const linear = defineOp({
        name: 'linearOff',
        forward: (x) => W.matmul(x),
        backward: (dy) => [W.transpose().matmul(dy).mul(1 + delta)],
      })
      const x = f64([0.1, -0.2, 0.3, 0.4, -0.5])
      expect(gradcheck(linear, [x], { raiseException: false })).toBe(passes)
      for (const seed of [0, 1, 2, 3, 4]) expect(gradcheck(linear, [x], { fastMode: true, seed, raiseException: false })).toBe(passes)
    }
  })

  test('u and v are unit vectors of non-negative entries: an offset e in every entry projects to e·Σu·Σv, between e and e·√(nm)', () => {
    const [n, m, e] = [30, 20, 1e-3]
    const x = tensor(Array.from({ length: n }, (_, i) => i / 7), { dtype: 'float64', requiresGrad: true })
    for (let seed = 0; seed < 20; seed++) {
      const { worstAbsError, passed, checked } = gradcheckReport(offsetBy(m, e), [x], { fastMode: true, seed })
      expect(passed).toBe(false)
      expect(checked).toBe(1)
      // Σu ≥ ‖u‖₂ = 1 for non-negative entries, and Σu ≤ √n ‖u‖₂ (Cauchy–Schwarz); likewise v
      expect(worstAbsError).toBeGreaterThanOrEqual(e * (1 - 1e-12))
      expect(worstAbsError).toBeLessThanOrEqual(e * Math.sqrt(n * m) * (1 + 1e-12))
    }
  })

  test('the seed picks the projections: the same seed the same report, another seed another', () => {
    const x = tensor(Array.from({ length: 10 }, (_, i) => i), { dtype: 'float64', requiresGrad: true })
    const report = (seed: number) => gradcheckReport(offsetBy(4, 1e-3), [x], { fastMode: true, seed }).worstAbsError
    expect(report(7)).toBe(report(7))
    expect(report(7)).not.toBe(report(8))
  })
})
