// Creating tensors: tensor() from numbers, nested and typed arrays; constants, ranges and random
// draws; requiresGrad; toArray/item; reshape sharing data; casts with `to`.
import fc from 'fast-check'
import { Tensor, arange, full, ones, rand, randn, tensor, zeros, type DType, type NestedArray } from '../../src/index.js'

const DTYPES: DType[] = ['float32', 'float64', 'int32']

function arrayTypeOf(dtype: DType): Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor {
  return dtype === 'float32' ? Float32Array : dtype === 'float64' ? Float64Array : Int32Array
}

/** A nested array of `shape` whose element at flat index i is f(i), built without seqgrad. */
function nested(shape: readonly number[], f: (i: number) => number): NestedArray {
  let next = 0
  const build = (d: number): NestedArray => (d === shape.length ? f(next++) : Array.from({ length: shape[d] }, () => build(d + 1)))
  return build(0)
}

const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 })
const numel = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1)

describe('tensor() from numbers and nested arrays', () => {
  test('a number is a 0-d float32 tensor', () => {
    const t = tensor(3.5)
    expect(t).toBeInstanceOf(Tensor)
    expect(t.shape).toEqual([])
    expect(t.size).toBe(1)
    expect(t.dtype).toBe('float32')
    expect(t.data).toBeInstanceOf(Float32Array)
    expect(t.item()).toBe(3.5)
    expect(t.toArray()).toBe(3.5)
  })

  test('float32 by default rounds values to float32', () => {
    const t = tensor([0.1, 1 / 3])
    expect(t.dtype).toBe('float32')
    expect(Array.from(t.data)).toEqual([Math.fround(0.1), Math.fround(1 / 3)])
  })

  test('nested arrays: shape inference and row-major element order', () => {
    const t = tensor([
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [
        [7, 8],
        [9, 10],
        [11, 12],
      ],
    ])
    expect(t.shape).toEqual([2, 3, 2])
    expect(t.size).toBe(12)
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
  })

  test('property: any rectangular nested array round-trips through toArray with its shape', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer({ min: -1000, max: 1000 }), (shape, base) => {
        const src = nested(shape, (i) => base + i * 0.5) // exact in float32 and float64
        // Nesting cannot show dims after a 0 ([0, 3] is just []), so inference stops there, as in NumPy.
        const zero = shape.indexOf(0)
        const inferred = zero < 0 ? shape : shape.slice(0, zero + 1)
        for (const dtype of ['float32', 'float64'] as const) {
          const t = tensor(src, { dtype })
          expect(t.shape).toEqual(inferred)
          expect(t.size).toBe(numel(shape))
          expect(t.dtype).toBe(dtype)
          expect(t.toArray()).toEqual(src)
          for (let i = 0; i < t.size; i++) expect(t.data[i]).toBe(base + i * 0.5)
        }
      }),
      { numRuns: 80 },
    )
  })

  test('empty arrays: [] is [0], [[]] is [1, 0], [[], [], []] is [3, 0]', () => {
    expect(tensor([]).shape).toEqual([0])
    expect(tensor([]).size).toBe(0)
    expect(tensor([]).dtype).toBe('float32')
    expect(tensor([[]]).shape).toEqual([1, 0])
    expect(tensor([[], [], []]).shape).toEqual([3, 0])
    expect(tensor([[[]], [[]]]).shape).toEqual([2, 1, 0])
    expect(tensor([[], []]).toArray()).toEqual([[], []])
  })

  test('opts.shape reshapes the nested data', () => {
    const t = tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] })
    expect(t.shape).toEqual([2, 3])
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ])
  })

  test('dtype override: float64 keeps doubles, int32 keeps integers', () => {
    const d = tensor([0.1, -2.5e300], { dtype: 'float64' })
    expect(d.data).toBeInstanceOf(Float64Array)
    expect(Array.from(d.data)).toEqual([0.1, -2.5e300])
    const i = tensor([[1, -2], [3, 2147483647]], { dtype: 'int32' })
    expect(i.dtype).toBe('int32')
    expect(i.data).toBeInstanceOf(Int32Array)
    expect(i.toArray()).toEqual([[1, -2], [3, 2147483647]])
  })

  test('the nested source is copied: mutating it later does not change the tensor', () => {
    const src = [
      [1, 2],
      [3, 4],
    ]
    const t = tensor(src)
    src[0][0] = 100
    src[1] = [7, 7]
    expect(t.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ])
  })
})

describe('tensor() from typed arrays', () => {
  test('dtype follows the array type; 1-d unless opts.shape says otherwise', () => {
    const cases: [Float32Array | Float64Array | Int32Array, DType][] = [
      [Float32Array.from([1, 2, 3, 4, 5, 6]), 'float32'],
      [Float64Array.from([1, 2, 3, 4, 5, 6]), 'float64'],
      [Int32Array.from([1, 2, 3, 4, 5, 6]), 'int32'],
    ]
    for (const [arr, dtype] of cases) {
      const flat = tensor(arr)
      expect(flat.dtype).toBe(dtype)
      expect(flat.shape).toEqual([6])
      const shaped = tensor(arr, { shape: [3, 2] })
      expect(shaped.shape).toEqual([3, 2])
      expect(shaped.dtype).toBe(dtype)
      expect(shaped.toArray()).toEqual([
        [1, 2],
        [3, 4],
        [5, 6],
      ])
      expect(tensor(arr, { shape: [1, 6, 1] }).shape).toEqual([1, 6, 1])
    }
  })

  test('the typed array is copied, not wrapped', () => {
    const src = Float64Array.from([1, 2, 3, 4])
    const t = tensor(src, { shape: [2, 2] })
    expect(t.data).not.toBe(src)
    src[0] = 99
    expect(t.data[0]).toBe(1)
    t.data[1] = -5
    expect(src[1]).toBe(2)
  })

  test('opts.dtype converts: Float64Array → float32 rounds, Float32Array → float64 is exact, int32 → float', () => {
    const d = Float64Array.from([0.1, 1e-50, 3])
    const f = tensor(d, { dtype: 'float32' })
    expect(f.data).toBeInstanceOf(Float32Array)
    expect(Array.from(f.data)).toEqual(Array.from(d, Math.fround))
    const f32 = Float32Array.from([0.1, -7.25])
    expect(Array.from(tensor(f32, { dtype: 'float64' }).data)).toEqual([Math.fround(0.1), -7.25])
    const ints = tensor(Int32Array.from([-3, 4]), { dtype: 'float64' })
    expect(ints.dtype).toBe('float64')
    expect(Array.from(ints.data)).toEqual([-3, 4])
    const back = tensor(Float64Array.from([2, -8]), { dtype: 'int32' })
    expect(back.data).toBeInstanceOf(Int32Array)
    expect(Array.from(back.data)).toEqual([2, -8])
  })
})

describe('constants and ranges', () => {
  test('zeros / ones / full: shape, dtype and every value', () => {
    fc.assert(
      fc.property(shapeArb, fc.constantFrom(...DTYPES), fc.integer({ min: -100, max: 100 }), (shape, dtype, value) => {
        const made: [Tensor, number][] = [
          [zeros(shape, { dtype }), 0],
          [ones(shape, { dtype }), 1],
          [full(shape, value, { dtype }), value],
        ]
        for (const [t, v] of made) {
          expect(t.shape).toEqual(shape)
          expect(t.dtype).toBe(dtype)
          expect(t.data).toBeInstanceOf(arrayTypeOf(dtype))
          expect(t.size).toBe(numel(shape))
          expect(t.data.every((x) => x === v)).toBe(true)
        }
      }),
      { numRuns: 50 },
    )
  })

  test('defaults are float32; 0-d shapes hold one element', () => {
    expect(zeros([2]).dtype).toBe('float32')
    expect(ones([]).shape).toEqual([])
    expect(ones([]).item()).toBe(1)
    expect(full([2, 2], 0.1).data[0]).toBe(Math.fround(0.1))
  })

  test('the shape argument is copied', () => {
    const shape = [2, 3]
    const t = zeros(shape)
    shape[0] = 9
    expect(t.shape).toEqual([2, 3])
  })

  test('arange(n) is 0 … n − 1 in the chosen dtype', () => {
    for (const n of [0, 1, 7]) {
      const t = arange(n)
      expect(t.dtype).toBe('float32')
      expect(t.shape).toEqual([n])
      expect(Array.from(t.data)).toEqual(Array.from({ length: n }, (_, i) => i))
    }
    const i = arange(5, { dtype: 'int32' })
    expect(i.data).toBeInstanceOf(Int32Array)
    expect(Array.from(i.data)).toEqual([0, 1, 2, 3, 4])
    expect(arange(3, { dtype: 'float64' }).dtype).toBe('float64')
  })

  test('rand / randn: shape and float dtype', () => {
    for (const shape of [[], [0], [3], [2, 3, 4]]) {
      for (const f of [rand, randn]) {
        const a = f(shape)
        expect(a.shape).toEqual(shape)
        expect(a.dtype).toBe('float32')
        expect(a.size).toBe(numel(shape))
        const b = f(shape, { dtype: 'float64' })
        expect(b.dtype).toBe('float64')
        expect(b.data).toBeInstanceOf(Float64Array)
        expect(b.data.every(Number.isFinite)).toBe(true)
      }
    }
  })
})

describe('requiresGrad', () => {
  test('defaults to false; the option sets it on every creator', () => {
    expect(tensor([1, 2]).requiresGrad).toBe(false)
    expect(tensor([1, 2], { requiresGrad: true }).requiresGrad).toBe(true)
    expect(tensor(Float64Array.from([1]), { requiresGrad: true }).requiresGrad).toBe(true)
    expect(zeros([2], { requiresGrad: true }).requiresGrad).toBe(true)
    expect(ones([2], { requiresGrad: true }).requiresGrad).toBe(true)
    expect(full([2], 3, { requiresGrad: true }).requiresGrad).toBe(true)
    expect(arange(3, { requiresGrad: true }).requiresGrad).toBe(true)
    expect(rand([2], { requiresGrad: true }).requiresGrad).toBe(true)
    expect(randn([2], { dtype: 'float64', requiresGrad: true }).requiresGrad).toBe(true)
    expect(zeros([2]).grad).toBeNull()
  })

  test('created tensors are leaves, and a requiresGrad leaf receives a gradient', () => {
    const x = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true })
    expect(x.isLeaf).toBe(true)
    x.mul(x).sum().backward()
    expect(Array.from(x.grad?.data ?? [])).toEqual([2, 4, 6])
  })

  test('int32 tensors refuse requiresGrad, in the option and the setter', () => {
    expect(() => tensor([1, 2], { dtype: 'int32', requiresGrad: true })).toThrow(/int32/)
    expect(() => zeros([2], { dtype: 'int32', requiresGrad: true })).toThrow(/float/)
    expect(() => arange(3, { dtype: 'int32', requiresGrad: true })).toThrow(Error)
    const t = tensor(Int32Array.from([1]))
    expect(() => {
      t.requiresGrad = true
    }).toThrow(/only float tensors/)
    expect(t.requiresGrad).toBe(false)
    t.requiresGrad = false // turning it off is fine
    expect(t.requiresGrad).toBe(false)
  })

  test('random creators only make float tensors', () => {
    expect(() => rand([2], { dtype: 'int32' as 'float32' })).toThrow(/float dtype/)
    expect(() => randn([2], { dtype: 'int32' as 'float32' })).toThrow(/float dtype/)
  })
})

describe('toArray / item', () => {
  test('item on every one-element shape', () => {
    for (const shape of [[], [1], [1, 1], [1, 1, 1]]) {
      const t = tensor(Float64Array.from([-2.75]), { shape })
      expect(t.item()).toBe(-2.75)
    }
  })

  test('property: toArray then tensor gives the same values and shape (float64 exact, float32 rounded)', () => {
    const arb = fc
      .array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 })
      .chain((shape) => fc.tuple(fc.constant(shape), fc.array(fc.double({ noNaN: true }), { minLength: numel(shape), maxLength: numel(shape) })))
    fc.assert(
      fc.property(arb, ([shape, values]) => {
        const t = tensor(Float64Array.from(values), { shape })
        const arr = t.toArray()
        expect(arr).toEqual(nested(shape, (i) => values[i]))
        const back = tensor(arr, { dtype: 'float64' })
        expect(back.shape).toEqual(shape)
        expect(Array.from(back.data)).toEqual(values)
        const single = tensor(arr)
        expect(Array.from(single.data)).toEqual(values.map(Math.fround))
      }),
      { numRuns: 80 },
    )
  })

  test('int32 toArray gives plain integers', () => {
    expect(tensor([[5, -6]], { dtype: 'int32' }).toArray()).toEqual([[5, -6]])
  })
})

describe('reshape shares data (tensors are contiguous)', () => {
  test('the reshaped tensor views the same buffer', () => {
    const x = tensor([1, 2, 3, 4, 5, 6], { dtype: 'float64' })
    const y = x.reshape([2, 3])
    expect(y.shape).toEqual([2, 3])
    expect(y.data).toBe(x.data)
    x.data[4] = 50
    expect(y.toArray()).toEqual([
      [1, 2, 3],
      [4, 50, 6],
    ])
    y.data[0] = -1
    expect(x.data[0]).toBe(-1)
    expect(x.shape).toEqual([6]) // the original keeps its shape
  })

  test('-1 is inferred, and the argument-list form works', () => {
    const x = arange(24)
    expect(x.reshape([2, -1, 4]).shape).toEqual([2, 3, 4])
    expect(x.reshape(4, -1).shape).toEqual([4, 6])
    expect(x.reshape(-1).shape).toEqual([24])
    expect(Array.from(x.reshape(2, 3, 4).data)).toEqual(Array.from({ length: 24 }, (_, i) => i))
  })
})

describe('to(dtype)', () => {
  test('float → int32 truncates toward zero', () => {
    const x = tensor([-2.9, -1.5, -0.5, 0, 0.5, 1.5, 2.9, 7], { dtype: 'float64' })
    const y = x.to('int32')
    expect(y.dtype).toBe('int32')
    expect(y.data).toBeInstanceOf(Int32Array)
    expect(Array.from(y.data)).toEqual([-2, -1, 0, 0, 0, 1, 2, 7])
  })

  test('property: float64 → int32 equals Math.trunc for values in int32 range', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -2e9, max: 2e9, noNaN: true }), { minLength: 1, maxLength: 20 }), (values) => {
        const got = tensor(Float64Array.from(values)).to('int32')
        expect(Array.from(got.data)).toEqual(values.map((v) => Math.trunc(v) + 0)) // + 0 turns -0 into 0
      }),
    )
  })

  test('float64 → float32 rounds; float32 → float64 is exact; int32 → float keeps values', () => {
    const d = tensor([0.1, 1 / 3, 1e40], { dtype: 'float64' })
    const f = d.to('float32')
    expect(f.dtype).toBe('float32')
    expect(Array.from(f.data)).toEqual([Math.fround(0.1), Math.fround(1 / 3), Infinity])
    const back = f.to('float64')
    expect(back.dtype).toBe('float64')
    expect(Array.from(back.data)).toEqual([Math.fround(0.1), Math.fround(1 / 3), Infinity])
    expect(Array.from(tensor([3, -4], { dtype: 'int32' }).to('float32').data)).toEqual([3, -4])
  })

  test('to() copies: the result does not share the source buffer', () => {
    const x = tensor([1.5, 2.5], { dtype: 'float64' })
    const y = x.to('float32')
    expect(y.data).not.toBe(x.data)
    x.data[0] = 9
    expect(y.data[0]).toBe(1.5)
  })

  test('a float cast passes the gradient back in the source dtype', () => {
    const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true })
    x.to('float32').mul(3).sum().backward()
    expect(x.grad?.dtype).toBe('float64')
    expect(Array.from(x.grad?.data ?? [])).toEqual([3, 3])
  })
})
