// clipGradNorm and clipGradValue: the laws (never above the max, one common factor, the pre-clip norm
// returned), PyTorch's edge cases (non-finite norms, null grads) and the errors.
import fc from 'fast-check'
import { Tensor } from '../../src/index.js'
import { clipGradNorm, clipGradValue } from '../../src/optim/clip.js'

function paramWithGrad(values: number[] | null, dtype: 'float64' | 'float32' = 'float64'): Tensor {
  const p = Tensor.zeros([Math.max(values?.length ?? 1, 1)], dtype)
  p.requiresGrad = true
  if (values !== null) p.grad = new Tensor(dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values))
  return p
}

/** The p-norm of all elements as one vector, computed directly. */
function referenceNorm(grads: number[][], p: number): number {
  const all = grads.flat()
  if (p === Infinity) return Math.max(0, ...all.map(Math.abs))
  return all.reduce((s, x) => s + Math.abs(x) ** p, 0) ** (1 / p)
}

const gradsArb = fc.array(fc.option(fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 6 }), { nil: null }), { minLength: 1, maxLength: 4 })
const normTypeArb = fc.constantFrom(1, 2, 3, Infinity)

test('clipGradNorm returns the pre-clip norm, never leaves a norm above maxNorm, and scales every grad by one factor in [0, 1]', () => {
  fc.assert(
    fc.property(gradsArb, fc.double({ min: 1e-3, max: 1e3, noNaN: true }), normTypeArb, (values, maxNorm, normType) => {
      const params = values.map((v) => paramWithGrad(v))
      const present = values.filter((v): v is number[] => v !== null)
      const total = clipGradNorm(params, maxNorm, normType)
      const want = referenceNorm(present, normType)
      expect(Math.abs(total - want)).toBeLessThanOrEqual(1e-12 * Math.max(want, 1))
      const after = params.filter((p) => p.grad !== null).map((p) => Array.from((p.grad as Tensor).data))
      expect(after.length).toBe(present.length)
      expect(referenceNorm(after, normType)).toBeLessThanOrEqual(maxNorm * (1 + 1e-12))
      const coef = Math.min(maxNorm / (want + 1e-6), 1)
      if (coef === 1) expect(after).toEqual(present) // not clipped: untouched, bit for bit
      present.forEach((g, i) => g.forEach((x, j) => expect(Math.abs(after[i][j] - coef * x)).toBeLessThanOrEqual(1e-12 * Math.abs(x))))
      params.forEach((p, i) => expect(p.grad === null).toBe(values[i] === null))
    }),
    { numRuns: 300 },
  )
})

test('clipGradNorm on float32 grads keeps the bound within float32 rounding, and takes a single tensor', () => {
  const p = paramWithGrad([3, 4], 'float32')
  expect(clipGradNorm(p, 1)).toBe(5)
  const g = Array.from((p.grad as Tensor).data)
  expect(Math.hypot(g[0], g[1])).toBeLessThanOrEqual(1 + 1e-6)
  expect(g[0] / g[1]).toBeCloseTo(0.75, 6)
})

test('clipGradNorm with nothing to clip returns 0, and the coefficient keeps PyTorch’s 1e-6', () => {
  expect(clipGradNorm([paramWithGrad(null)], 1)).toBe(0)
  const p = paramWithGrad([1])
  expect(clipGradNorm([p], 1)).toBe(1)
  expect((p.grad as Tensor).data[0]).toBe(1 / (1 + 1e-6)) // norm equal to the max still scales, slightly
  const q = paramWithGrad([0.5, -0.25])
  expect(clipGradNorm([q], Infinity)).toBeCloseTo(Math.hypot(0.5, 0.25), 15)
  expect(Array.from((q.grad as Tensor).data)).toEqual([0.5, -0.25])
})

test('non-finite norms: scaled anyway as PyTorch does, or an error with errorIfNonfinite', () => {
  const inf = paramWithGrad([Infinity, 2])
  const other = paramWithGrad([3])
  expect(clipGradNorm([inf, other], 1)).toBe(Infinity)
  expect(Array.from((inf.grad as Tensor).data)).toEqual([NaN, 0]) // factor 0: ∞·0 = NaN, finite → 0
  expect(Array.from((other.grad as Tensor).data)).toEqual([0])
  const nan = paramWithGrad([NaN, 1])
  expect(clipGradNorm([nan], 1, Infinity)).toBeNaN()
  expect(Array.from((nan.grad as Tensor).data)).toEqual([NaN, NaN])
  const guarded = paramWithGrad([Infinity, 1])
  expect(() => clipGradNorm([guarded], 1, 2, { errorIfNonfinite: true })).toThrow(/total norm of order 2 of the gradients is Infinity/)
  expect(Array.from((guarded.grad as Tensor).data)).toEqual([Infinity, 1])
})

test('clipGradValue clamps every element to [−v, v] and leaves the rest alone', () => {
  fc.assert(
    fc.property(gradsArb, fc.double({ min: 0, max: 10, noNaN: true }), (values, v) => {
      const params = values.map((g) => paramWithGrad(g))
      clipGradValue(params, v)
      params.forEach((p, i) => {
        const before = values[i]
        if (before === null) return expect(p.grad).toBeNull()
        const after = (p.grad as Tensor).data
        before.forEach((x, j) => expect(after[j]).toBe(x > v ? v : x < -v ? -v : x))
      })
    }),
    { numRuns: 200 },
  )
  const nan = paramWithGrad([NaN, -Infinity])
  clipGradValue(nan, 1)
  expect(Array.from((nan.grad as Tensor).data)).toEqual([NaN, -1])
})

test('clipping checks its arguments', () => {
  const p = paramWithGrad([1])
  expect(() => clipGradNorm([p], -1)).toThrow(/clipGradNorm: maxNorm must be a number ≥ 0, got number -1/)
  expect(() => clipGradNorm([p], NaN)).toThrow(/maxNorm must be a number ≥ 0, got number NaN/)
  expect(() => clipGradNorm([p], 1, 0)).toThrow(/normType must be a number > 0 or Infinity, got number 0/)
  expect(() => clipGradNorm([p], 1, '2' as unknown as number)).toThrow(/normType .* got the string "2"/)
  expect(() => clipGradNorm(5 as unknown as Tensor, 1)).toThrow(/params must be a Tensor or an array of Tensors/)
  expect(() => clipGradNorm([p, 'x' as unknown as Tensor], 1)).toThrow(/params\[1\] must be a Tensor/)
  expect(() => clipGradValue([p], -0.5)).toThrow(/clipGradValue: clipValue must be a number ≥ 0, got number -0.5/)
})
