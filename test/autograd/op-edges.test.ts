// Behaviour at the edges of the ops that random properties rarely reach: pow's gradients at base 0, sign
// at 0, transposes of dims that are not neighbours, and the default dims of softmax, logSoftmax, split and
// transpose. Expected values are PyTorch 1.13's; properties run with fixed seeds.
import fc from 'fast-check'
import { Tensor, logSoftmax, pow, sign, softmax, split, tensor, transpose } from '../../src/index.js'
import { float64TensorArb } from '../../src/testing/index.js'
import { ravel, unravel } from './helpers.js'

const f64 = (values: number[] | number, requiresGrad = true) => tensor(values, { dtype: 'float64', requiresGrad })
const values = (t: Tensor | null) => Array.from(t?.data ?? [])

describe('pow at base 0', () => {
  test('both gradients follow PyTorch, with 0, not NaN, where 0^b is flat in b (b ≥ 0) or b = 0', () => {
    const a = f64([0, 0, 0, 0, 0, 2, -2, 0])
    const b = f64([2, 0, -1, 3, 0.5, 0.5, 2, -2.5])
    const y = pow(a, b)
    y.sum().backward()
    expect(values(y)).toEqual([0, 1, Infinity, 0, 0, Math.SQRT2, 4, Infinity])
    // PyTorch: [0, 0, -inf, 0, inf, 0.35355339059327373, -4, -inf] and [0, 0, -inf, 0, 0, 0.9802581434685472, nan, -inf]
    expect(values(a.grad)).toEqual([0, 0, -Infinity, 0, Infinity, 0.5 * 2 ** -0.5, -4, -Infinity])
    const db = values(b.grad)
    expect(db.slice(0, 5)).toEqual([0, 0, -Infinity, 0, 0])
    expect(db[5]).toBeCloseTo(0.9802581434685472, 15)
    expect(db[6]).toBeNaN()
    expect(db[7]).toBe(-Infinity)
  })

  test('broadcast operands sum those gradients (PyTorch: 0.9122964932433699 for a scalar exponent 2 over [0, 1.5, 0])', () => {
    const a = f64([0, 1.5, 0])
    const b = f64(2)
    pow(a, b).sum().backward()
    expect(values(a.grad)).toEqual([0, 3, 0])
    expect(b.grad?.item()).toBeCloseTo(2.25 * Math.log(1.5), 15)
    const base = f64(0)
    const exponents = f64([2, 0, 1])
    pow(base, exponents).sum().backward()
    expect(base.grad?.item()).toBe(1) // 2·0¹ + 0 (b = 0) + 1·0⁰
    expect(values(exponents.grad)).toEqual([0, 0, 0])
  })

  test('x.pow(2) and x.pow(3) at x = 0 have slope 0 (b ≠ 0 there, so b·0^(b−1) = 0)', () => {
    for (const e of [2, 3]) {
      const x = f64([0, -0])
      x.pow(e).sum().backward()
      expect(values(x.grad).map((v) => v === 0)).toEqual([true, true])
    }
  })
})

describe('sign at 0', () => {
  test('sign(±0) is 0 for float and int tensors, and its gradient is 0 everywhere', () => {
    const x = f64([0, -0, 2, -3, 1e-300, -1e-300])
    const y = sign(x)
    expect(values(y).map((v) => v === 0)).toEqual([true, true, false, false, false, false])
    expect(values(y).slice(2)).toEqual([1, -1, 1, -1])
    y.mul(5).sum().backward()
    expect(values(x.grad)).toEqual([0, 0, 0, 0, 0, 0])
    expect(values(sign(tensor([0, -5, 7], { dtype: 'int32' })))).toEqual([0, -1, 1]) // PyTorch: [0, -1, 1]
    expect(sign(tensor([0, -5, 7], { dtype: 'int32' })).dtype).toBe('int32')
    expect(values(tensor([0, 0.5]).sign())).toEqual([0, 1])
  })
})

describe('transpose of dims that are not neighbours', () => {
  /** x with dims p and q swapped, by index arithmetic alone. */
  function reference(x: Tensor, p: number, q: number): { shape: number[]; data: number[] } {
    const shape = x.shape.slice()
    ;[shape[p], shape[q]] = [shape[q], shape[p]]
    const data = Array.from({ length: x.size }, (_, i) => {
      const index = unravel(i, shape)
      ;[index[p], index[q]] = [index[q], index[p]]
      return x.data[ravel(index, x.shape)]
    })
    return { shape, data }
  }

  test('[2, 3, 4, 5] with dims 0 and 2, 1 and 3, 0 and 3: every element where index arithmetic puts it', () => {
    const x = tensor(Array.from({ length: 120 }, (_, i) => i), { shape: [2, 3, 4, 5], dtype: 'float64' })
    for (const [p, q] of [[0, 2], [2, 0], [1, 3], [0, 3], [-4, -1], [-1, 1]]) {
      const y = x.transpose(p, q)
      const want = reference(x, (p + 4) % 4, (q + 4) % 4)
      expect(y.shape).toEqual(want.shape)
      expect(values(y)).toEqual(want.data)
    }
    // a concrete element: x[1, 2, 3, 4] = 119 is y[3, 2, 1, 4] after swapping dims 0 and 2
    expect(x.transpose(0, 2).data[ravel([3, 2, 1, 4], [4, 3, 2, 5])]).toBe(119)
  })

  test('a seeded property over rank 3–5 shapes and every pair of dims, forward and gradient', () => {
    const cases = fc
      .array(fc.integer({ min: 1, max: 4 }), { minLength: 3, maxLength: 5 })
      .chain((shape) =>
        fc.tuple(
          float64TensorArb(shape, { min: -4, max: 4 }),
          fc.integer({ min: 0, max: shape.length - 1 }),
          fc.integer({ min: 0, max: shape.length - 1 }),
          fc.boolean(),
        ),
      )
    let nonAdjacent = 0
    fc.assert(
      fc.property(cases, ([t, p, q, negative]) => {
        if (Math.abs(p - q) > 1) nonAdjacent++
        const x = new Tensor(Float64Array.from(t.data), t.shape)
        x.requiresGrad = true
        const y = transpose(x, negative ? p - x.ndim : p, q)
        const want = reference(x, p, q)
        expect(y.shape).toEqual(want.shape)
        expect(values(y)).toEqual(want.data)
        // d/dx Σ w ⊙ transpose(x) is w transposed back: weights 1, 2, 3 … in y's layout
        const w = tensor(Array.from({ length: y.size }, (_, i) => i + 1), { shape: [...y.shape], dtype: 'float64' })
        y.mul(w).sum().backward()
        expect(values(x.grad)).toEqual(reference(w, p, q).data)
      }),
      { numRuns: 400, seed: 20261 },
    )
    expect(nonAdjacent).toBeGreaterThan(100)
  })
})

describe('default dims', () => {
  const x = tensor([[1, 2, 3], [4, 6, 9]], { dtype: 'float64' })

  test('softmax() and logSoftmax() are along the last dim, as method and as free function', () => {
    const last = values(x.logSoftmax(1))
    expect(values(x.logSoftmax())).toEqual(last)
    expect(values(logSoftmax(x))).toEqual(last)
    expect(values(x.logSoftmax())).not.toEqual(values(x.logSoftmax(0)))
    expect(values(x.softmax())).toEqual(values(x.softmax(-1)))
    expect(values(softmax(x))).toEqual(values(x.softmax(1)))
    const rows = values(x.softmax())
    expect(rows[0] + rows[1] + rows[2]).toBeCloseTo(1, 15)
  })

  test('split(size) is along dim 0, as method and as free function', () => {
    const y = tensor(Array.from({ length: 12 }, (_, i) => i), { shape: [4, 3] })
    expect(y.split(2).map((p) => p.shape)).toEqual([[2, 3], [2, 3]])
    expect(split(y, 3).map((p) => p.shape)).toEqual([[3, 3], [1, 3]])
    expect(values(split(y, [1, 3])[0])).toEqual([0, 1, 2])
  })

  test('transpose() swaps the last two dims, as method and as free function; a vector or a scalar is itself', () => {
    const z = tensor(Array.from({ length: 24 }, (_, i) => i), { shape: [2, 3, 4] })
    for (const t of [z.transpose(), transpose(z)]) {
      expect(t.shape).toEqual([2, 4, 3])
      expect(values(t)).toEqual(values(z.transpose(1, 2)))
    }
    expect(transpose(tensor([1, 2, 3])).shape).toEqual([3])
    expect(tensor(5).transpose().shape).toEqual([])
  })
})
