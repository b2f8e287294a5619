// assertGradgradcheck: passes a backward whose own graph is right, and fails loudly, with the case to
// replay, on one that is right to first order only.
import { defineOp, type Tensor } from '../../src/index.js'
import { assertGradcheck, assertGradgradcheck, float64TensorArb } from '../../src/testing/index.js'

// y = x², whose backward is dy·2x; `detached` computes it from a copy of x that records nothing, so the
// first derivative is right and the second (2, through x) is lost.
const square = (detached: boolean) =>
  defineOp({ name: 'square', forward: (x) => x.mul(x), backward: (dy, [x]) => [dy.mul((detached ? x.detach() : x).mul(2))] })
const inputs = [float64TensorArb([2, 3])]

test('assertGradgradcheck passes a twice-differentiable backward', () => {
  expect(() => assertGradgradcheck(square(false), inputs, { numRuns: 10 })).not.toThrow()
})

test('it throws for a backward that is right to first order only, naming the mismatch and the replay seed', () => {
  expect(() => assertGradcheck(square(true), inputs, { numRuns: 10 })).not.toThrow()
  let message = ''
  try {
    assertGradgradcheck(square(true), inputs, { numRuns: 10, fcSeed: 42 })
  } catch (e) {
    message = (e as Error).message
  }
  expect(message).toMatch(/^assertGradgradcheck failed after \d+ run\(s\): gradgradcheck: second derivatives differ: Jacobian mismatch for input 0/)
  expect(message).toMatch(/counterexample:\n {2}input 0: shape \[2, 3\] values/)
  expect(message).toMatch(/replay with \{ fcSeed: 42 \}/)
})

test('a function of several inputs, with gradOutputs of its own', () => {
  const fn = (a: Tensor, b: Tensor) => a.mul(b).tanh()
  expect(() => assertGradgradcheck(fn, [float64TensorArb([3]), float64TensorArb([3])], { numRuns: 5, seed: 3 })).not.toThrow()
})
