// int32 arithmetic is exact and wraps around as in C and PyTorch, and a number int32 cannot hold promotes
// to float32 instead of wrapping: every expected value below is PyTorch 1.13's (torch.int32 tensors).
// Dropout refuses int32 where PyTorch does.
import fc from 'fast-check'
import { Tensor, clamp, div, dropout, matmul, mul, pow, tensor } from '../../src/index.js'
import { expectPlainError } from '../helpers/errors.js'

const int32 = (values: number[] | number[][]) => tensor(values, { dtype: 'int32' })
const values = (t: Tensor) => Array.from(t.data)

/** The product modulo 2³², as a signed int32: what C, PyTorch and Math.imul give. */
const wrapped = (x: number, y: number) => Number(BigInt.asIntN(32, BigInt(x) * BigInt(y)))

describe('int32 × int32 wraps around exactly', () => {
  test('products past 2^53 keep their low 32 bits (PyTorch: [-67153019, -21, -2])', () => {
    const a = int32([123456789, -7, 2147483647])
    const b = int32([987654321, 3, 2])
    const y = a.mul(b)
    expect(y.dtype).toBe('int32')
    expect(values(y)).toEqual([-67153019, -21, -2])
    expect(values(a.add(b))).toEqual([1111111110, -4, -2147483647])
    expect(values(a.sub(b))).toEqual([-864197532, -10, 2147483645])
    expect(values(int32([-2147483648]).neg())).toEqual([-2147483648])
  })

  test('any two int32s, broadcast or not, and a number on either side: the product modulo 2³²', () => {
    const int32Arb = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
    fc.assert(
      fc.property(fc.array(int32Arb, { minLength: 1, maxLength: 6 }), int32Arb, (xs, y) => {
        const want = xs.map((x) => wrapped(x, y))
        expect(values(int32(xs).mul(int32([y])))).toEqual(want)
        expect(values(mul(y, int32(xs)))).toEqual(want)
        expect(values(int32(xs).mul(y))).toEqual(want)
      }),
      { numRuns: 300, seed: 3201 },
    )
  })

  test('matmul of int32 sums wrapped products (PyTorch: [[-134306038, -2098765440], [-1530199703, 2147483633]])', () => {
    const a = int32([[123456789, 987654321], [-2147483648, 5]])
    const b = int32([[987654321, 7], [123456789, -3]])
    const y = matmul(a, b)
    expect(y.dtype).toBe('int32')
    expect(values(y)).toEqual([-134306038, -2098765440, -1530199703, 2147483633])
    // and a taller product, which the float kernels would pack
    const rows = Array.from({ length: 9 }, (_, i) => [2147483647 - i, -1234567 * (i + 1), 65537])
    const tall = matmul(int32(rows), int32([[65536, 3], [99991, -1], [65535, 2147483647]]))
    rows.forEach((r, i) => {
      const want0 = (wrapped(r[0], 65536) + wrapped(r[1], 99991) + wrapped(r[2], 65535)) | 0
      const want1 = (wrapped(r[0], 3) + wrapped(r[1], -1) + wrapped(r[2], 2147483647)) | 0
      expect([tall.data[2 * i], tall.data[2 * i + 1]]).toEqual([want0, want1])
    })
  })
})

describe('pow of int32 is exact: squaring with wrap-around, as PyTorch', () => {
  test('int32 ** int32 (PyTorch: [689956897, -2069870691, -2147483648, 1027218017, 1, 1, -1])', () => {
    const base = int32([3, -3, 2, 7, 0, 1, -1])
    const exponent = int32([40, 41, 31, 100, 0, -5, -3])
    const y = base.pow(exponent)
    expect(y.dtype).toBe('int32')
    expect(values(y)).toEqual([689956897, -2069870691, -2147483648, 1027218017, 1, 1, -1])
    expect(values(int32([123456789]).pow(3))).toEqual([75731757])
    expect(values(pow(2, int32([3, -1, 31])))).toEqual([8, 0, -2147483648])
  })

  test('an int32 tensor to a negative integer number is refused, as in PyTorch; a fractional one promotes', () => {
    expectPlainError(() => int32([3]).pow(-1), /pow: an int32 tensor to the negative power -1 is not an integer/, /to\('float32'\)/)
    const root = int32([3]).pow(0.5)
    expect(root.dtype).toBe('float32')
    expect(root.data[0]).toBeCloseTo(Math.sqrt(3), 6)
  })
})

describe('division is true division, computed in the promoted dtype', () => {
  test('int32 ÷ float64 is float64, exact for every int32 (not rounded through float32 first)', () => {
    const x = int32([123456789, -7, 2147483647])
    const y = div(x, tensor([3], { dtype: 'float64' }))
    expect(y.dtype).toBe('float64')
    expect(values(y)).toEqual([41152263, -7 / 3, 2147483647 / 3])
    expect(values(int32([16777217]).div(tensor([1], { dtype: 'float64' })))).toEqual([16777217])
    expect(values(tensor([1], { dtype: 'float64' }).div(int32([16777217])))).toEqual([1 / 16777217])
  })

  test('int32 ÷ int32 and int32 ÷ a number are float32, as PyTorch', () => {
    const y = int32([123456789, -7, 2147483647]).div(int32([3]))
    expect(y.dtype).toBe('float32')
    expect(values(y)).toEqual([41152264, Math.fround(-7 / 3), 715827904])
    expect(int32([7]).div(2).dtype).toBe('float32')
  })
})

describe('a number int32 cannot hold promotes to float32 instead of wrapping around', () => {
  test('int32 + 1e10, × 2.5, + 2³¹, + NaN, + ∞ are float32 (PyTorch: [10123456512, 1e10, 12147483648] for + 1e10)', () => {
    const x = int32([123456789, -7, 2147483647])
    const big = x.add(1e10)
    expect(big.dtype).toBe('float32')
    expect(values(big)).toEqual([10123456512, 1e10, 12147483648])
    expect(values(x.mul(2.5))).toEqual([308641984, -17.5, 5368709120])
    expect(values(x.add(2 ** 31))).toEqual([2270940416, 2147483648, 4294967296])
    expect(values(x.sub(-(2 ** 31) - 1))).toEqual([123456789, -7, 2147483647].map((v) => Math.fround(v + 2 ** 31 + 1)))
    expect(x.add(NaN).dtype).toBe('float32')
    expect(values(x.add(Infinity))).toEqual([Infinity, Infinity, Infinity])
    expect(values(mul(1e10, int32([2])))).toEqual([2e10])
  })

  test('numbers int32 holds keep int32, the ends of its range included', () => {
    const x = int32([1, -1])
    for (const n of [0, -0, 7, 2 ** 31 - 1, -(2 ** 31)]) expect(x.add(n).dtype).toBe('int32')
    expect(values(x.add(2 ** 31 - 1))).toEqual([-(2 ** 31), 2 ** 31 - 2]) // wraps, as int32 + int32 does
  })

  test('clamp with a bound int32 cannot hold computes in float32 (PyTorch: [0.5, 1, 5]); int32 bounds keep int32', () => {
    const x = int32([0, 1, 5])
    const half = clamp(x, 0.5)
    expect(half.dtype).toBe('float32')
    expect(values(half)).toEqual([0.5, 1, 5])
    expect(values(clamp(x, null, 2.5))).toEqual([0, 1, 2.5])
    expect(clamp(x, null, 1e10).dtype).toBe('float32')
    const kept = clamp(x, 1, 3)
    expect(kept.dtype).toBe('int32')
    expect(values(kept)).toEqual([1, 1, 3])
  })
})

describe('dropout on int32', () => {
  test('training with 0 < p < 1 is refused, as PyTorch refuses it (it cannot hold x / (1 − p))', () => {
    const x = int32([1, 2, 3])
    expectPlainError(() => dropout(x, 0.5), /dropout: x is int32/, /1\/\(1 − p\) = 2/, /to\('float32'\)/)
    expectPlainError(() => dropout(x, 0.3, true), /dropout: x is int32/)
  })

  test('what PyTorch allows stays allowed: p = 0 and evaluation give x, p = 1 gives int32 zeros', () => {
    const x = int32([1, 2, 3])
    expect(dropout(x, 0)).toBe(x)
    expect(dropout(x, 0.5, false)).toBe(x)
    const dropped = dropout(x, 1)
    expect(dropped.dtype).toBe('int32')
    expect(values(dropped)).toEqual([0, 0, 0])
  })
})
