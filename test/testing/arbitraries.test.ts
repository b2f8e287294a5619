// The seqgrad/testing entry point: its arbitraries keep their promises, and assertGradcheck fails loudly.
import fc from 'fast-check'
import { broadcastShapes, defineOp } from '../../src/index.js'
import { assertGradcheck, broadcastShapesArb, float64TensorArb, shapeArb } from '../../src/testing/index.js'

test('shapeArb respects rank and dim bounds', () => {
  fc.assert(
    fc.property(shapeArb({ minRank: 1, maxRank: 4, minDim: 2, maxDim: 5 }), (shape) => {
      expect(shape.length).toBeGreaterThanOrEqual(1)
      expect(shape.length).toBeLessThanOrEqual(4)
      for (const d of shape) expect(d >= 2 && d <= 5).toBe(true)
    }),
  )
})

test('broadcastShapesArb gives pairs that broadcast, and sometimes differ', () => {
  let differing = 0
  fc.assert(
    fc.property(broadcastShapesArb({ maxRank: 4 }), ([a, b]) => {
      expect(() => broadcastShapes('test', a, b)).not.toThrow()
      if (a.join() !== b.join()) differing++
    }),
    { numRuns: 200 },
  )
  expect(differing).toBeGreaterThan(20)
})

test('float64TensorArb gives float64 leaves of the shape, in range, away from zero when asked', () => {
  fc.assert(
    fc.property(float64TensorArb(shapeArb(), { min: -3, max: 3, minMagnitude: 0.5 }), (t) => {
      expect(t.dtype).toBe('float64')
      expect(t.requiresGrad).toBe(true)
      expect(t.size).toBe(t.shape.reduce((a, b) => a * b, 1))
      for (const v of t.data) expect(Math.abs(v) >= 0.5 && Math.abs(v) <= 3).toBe(true)
    }),
  )
})

test('assertGradcheck passes a correct op and throws for a wrong backward', () => {
  const square = (wrongBy: number) =>
    defineOp({ name: 'square', forward: (x) => x.mul(x), backward: (dy, [x]) => [dy.mul(x).mul(2 + wrongBy)] })
  const inputs = [float64TensorArb([2, 3])]
  expect(() => assertGradcheck(square(0), inputs, { numRuns: 10 })).not.toThrow()
  expect(() => assertGradcheck(square(0.5), inputs, { numRuns: 10 })).toThrow(/Jacobian mismatch for input 0/)
})
