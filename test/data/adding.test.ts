// The adding problem's generator: two markers, one in each half; the target is the sum of the marked values.
import fc from 'fast-check'
import { Generator } from '../../src/index.js'
import { ADDING_BASELINE_MSE, addingBatch } from '../../src/data/index.js'

test('exactly two markers, one in each half, and the target sums the marked values', () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 60 }), fc.integer({ min: 1, max: 5 }), fc.nat(), (T, B, seed) => {
      const { x, target, markers } = addingBatch(B, T, new Generator(seed), 'float64')
      expect(x.shape).toEqual([B, T, 2])
      for (let b = 0; b < B; b++) {
        const marked: number[] = []
        for (let t = 0; t < T; t++) {
          const value = x.data[(b * T + t) * 2]
          const marker = x.data[(b * T + t) * 2 + 1]
          expect(value >= 0 && value < 1).toBe(true)
          expect(marker === 0 || marker === 1).toBe(true)
          if (marker === 1) marked.push(t)
        }
        expect(marked).toEqual(markers[b])
        expect(marked[0]).toBeLessThan(Math.floor(T / 2))
        expect(marked[1]).toBeGreaterThanOrEqual(Math.floor(T / 2))
        expect(target.data[b]).toBe(x.data[(b * T + marked[0]) * 2] + x.data[(b * T + marked[1]) * 2])
      }
    }),
    { numRuns: 100 },
  )
})

test('predicting 1 scores the baseline 1/6, and the same seed repeats', () => {
  const { target } = addingBatch(20000, 10, new Generator(1), 'float64')
  let mse = 0
  for (const v of target.data) mse += (v - 1) ** 2
  expect(Math.abs(mse / 20000 - ADDING_BASELINE_MSE)).toBeLessThan(0.005)
  expect(Array.from(addingBatch(3, 8, new Generator(4)).x.data)).toEqual(Array.from(addingBatch(3, 8, new Generator(4)).x.data))
  expect(() => addingBatch(3, 1)).toThrow(/length must be an integer ≥ 2/)
})
