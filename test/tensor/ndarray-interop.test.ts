// fromNdarray / toNdarray with real scijs `ndarray` objects: contiguous, transposed, sliced, stepped,
// picked and offset views are copied element by element as `.get(...)` reads them.
import fc from 'fast-check'
import ndarray from 'ndarray'
import { Tensor, fromNdarray, tensor, toNdarray, type NdarrayLike } from '../../src/index.js'
import { expectPlainError } from '../helpers/errors.js'

type Nd = ndarray.NdArray<ndarray.Data<number>>

/** Every element of `view` in row-major order of its own shape, read with `.get(...)`. */
function readAll(view: Nd): number[] {
  const shape = view.shape
  const size = shape.reduce((p, d) => p * d, 1)
  const out: number[] = []
  for (let flat = 0; flat < size; flat++) {
    const idx = new Array<number>(shape.length)
    let rest = flat
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = rest % shape[d]
      rest = Math.floor(rest / shape[d])
    }
    out.push(view.get(...idx) as number)
  }
  return out
}

function expectCopyOf(t: Tensor, view: Nd): void {
  expect(t.shape).toEqual(view.shape)
  expect(Array.from(t.data)).toEqual(readAll(view))
}

/** 0, 1, 2, … as float64, distinct so any wrong index shows. */
function iota(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => i * 1.5 - 7)
}

describe('fromNdarray copies ndarray views', () => {
  test('contiguous 2-d and 3-d arrays', () => {
    const a = ndarray(iota(12), [3, 4])
    expectCopyOf(fromNdarray(a), a)
    expect(fromNdarray(a).dtype).toBe('float64')
    const b = ndarray(iota(24), [2, 3, 4])
    expectCopyOf(fromNdarray(b), b)
    // a hand-checked element: [1, 2, 3] is at flat 1·12 + 2·4 + 3 = 23
    expect(fromNdarray(b).data[23]).toBe(23 * 1.5 - 7)
  })

  test('transposed: .transpose(1, 0) and a 3-d permutation', () => {
    const a = ndarray(iota(12), [3, 4]).transpose(1, 0)
    expect(a.stride).toEqual([1, 4]) // really a strided view
    const t = fromNdarray(a)
    expectCopyOf(t, a)
    expect(t.shape).toEqual([4, 3])
    expect(t.toArray()).toEqual([0, 1, 2, 3].map((j) => [0, 1, 2].map((i) => (i * 4 + j) * 1.5 - 7)))
    const b = ndarray(iota(24), [2, 3, 4]).transpose(2, 0, 1)
    expectCopyOf(fromNdarray(b), b)
  })

  test('sliced with .hi / .lo (nonzero offset)', () => {
    const base = ndarray(iota(30), [5, 6])
    const view = base.hi(4, 5).lo(1, 2)
    expect(view.offset).toBe(1 * 6 + 2)
    expect(view.shape).toEqual([3, 3])
    const t = fromNdarray(view)
    expectCopyOf(t, view)
    expect(t.data[0]).toBe(base.get(1, 2))
  })

  test('stepped: .step(-1) (negative stride) and .step(2)', () => {
    const base = ndarray(iota(24), [4, 6])
    const reversed = base.step(-1)
    expect(reversed.stride[0]).toBeLessThan(0)
    expectCopyOf(fromNdarray(reversed), reversed)
    const both = base.step(-1, -1)
    expect(Array.from(fromNdarray(both).data)).toEqual(Array.from(base.data as Float64Array).reverse())
    const every2 = base.step(2, 3)
    expect(every2.shape).toEqual([2, 2])
    expectCopyOf(fromNdarray(every2), every2)
    const mixed = base.step(-2, 2)
    expectCopyOf(fromNdarray(mixed), mixed)
  })

  test('picked views: rows, columns and a 0-d pick', () => {
    const base = ndarray(iota(24), [2, 3, 4])
    const row = base.pick(1, null, 2)
    expect(row.shape).toEqual([3])
    expectCopyOf(fromNdarray(row), row)
    const plane = base.pick(null, 2)
    expect(plane.shape).toEqual([2, 4])
    expectCopyOf(fromNdarray(plane), plane)
    const scalar = base.pick(1, 2, 3)
    const t = fromNdarray(scalar)
    expect(t.shape).toEqual([])
    expect(t.item()).toBe(base.get(1, 2, 3))
  })

  test('an explicit view: nonzero offset with hand-made strides', () => {
    const data = iota(40)
    const view = ndarray(data, [3, 2], [-6, 7], 20) // rows go backwards, columns skip 7
    const t = fromNdarray(view)
    expectCopyOf(t, view)
    expect(t.toArray()).toEqual([
      [data[20], data[27]],
      [data[14], data[21]],
      [data[8], data[15]],
    ])
  })

  test('composed views (slice of a transposed, stepped array)', () => {
    const base = ndarray(iota(60), [3, 4, 5])
    const view = base.transpose(2, 0, 1).step(-1, 1, 2).hi(4, 3, 2).lo(1, 1, 0).pick(null, 1)
    expectCopyOf(fromNdarray(view), view)
  })

  test('property: random shape, random permutation, random steps and crops', () => {
    const arb = fc
      .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 })
      .chain((shape) =>
        fc.record({
          shape: fc.constant(shape),
          perm: fc.shuffledSubarray(
            shape.map((_, i) => i),
            { minLength: shape.length, maxLength: shape.length },
          ),
          steps: fc.array(fc.constantFrom(-2, -1, 1, 2, 3), { minLength: shape.length, maxLength: shape.length }),
          lo: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: shape.length, maxLength: shape.length }),
        }),
      )
    fc.assert(
      fc.property(arb, ({ shape, perm, steps, lo }) => {
        const size = shape.reduce((p, d) => p * d, 1)
        const base = ndarray(iota(size), shape)
        const cropped = base.lo(...lo.map((l, i) => Math.min(l, shape[i] - 1)))
        const view = cropped.transpose(...perm).step(...steps)
        expectCopyOf(fromNdarray(view), view)
      }),
      { numRuns: 150 },
    )
  })

  test('dtypes: typed arrays keep theirs, plain arrays become float32, and the dtype argument overrides', () => {
    expect(fromNdarray(ndarray(new Float32Array([1, 2]), [2])).dtype).toBe('float32')
    expect(fromNdarray(ndarray(new Int32Array([1, 2]), [2])).dtype).toBe('int32')
    expect(fromNdarray(ndarray(new Float64Array([1, 2]), [2])).dtype).toBe('float64')
    const plain = fromNdarray(ndarray([0.1, 2, 3, 4], [2, 2]))
    expect(plain.dtype).toBe('float32')
    expect(Array.from(plain.data)).toEqual([Math.fround(0.1), 2, 3, 4])
    const forced = fromNdarray(ndarray([0.1, 2], [2]), 'float64')
    expect(forced.dtype).toBe('float64')
    expect(Array.from(forced.data)).toEqual([0.1, 2])
  })

  test('the result is a copy: later writes to the ndarray do not reach the tensor', () => {
    const data = iota(6)
    const a = ndarray(data, [2, 3])
    const t = fromNdarray(a)
    a.set(0, 0, 1000)
    expect(t.data[0]).toBe(-7)
    expect(t.data.buffer).not.toBe(data.buffer)
  })

  test('empty views give empty tensors of the right shape', () => {
    const t = fromNdarray(ndarray(new Float64Array(0), [0, 3]))
    expect(t.shape).toEqual([0, 3])
    expect(t.size).toBe(0)
  })
})

describe('toNdarray', () => {
  test('gives a contiguous row-major view over a copy, readable by ndarray', () => {
    const t = tensor(iota(24), { shape: [2, 3, 4] })
    const o = toNdarray(t)
    expect(o.shape).toEqual([2, 3, 4])
    expect(o.stride).toEqual([12, 4, 1])
    expect(o.offset).toBe(0)
    expect(o.data).toBeInstanceOf(Float64Array)
    expect(o.data).not.toBe(t.data)
    const view = ndarray(o.data, o.shape, o.stride, o.offset)
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expect(view.get(i, j, k)).toBe(t.data[i * 12 + j * 4 + k])
    o.data[0] = 555
    expect(t.data[0]).toBe(-7)
  })

  test('keeps the dtype: float32 and int32', () => {
    expect(toNdarray(tensor([1, 2])).data).toBeInstanceOf(Float32Array)
    expect(toNdarray(tensor([1, 2], { dtype: 'int32' })).data).toBeInstanceOf(Int32Array)
  })

  test('0-d tensors', () => {
    const o = toNdarray(tensor(4.5))
    expect(o.shape).toEqual([])
    expect(o.stride).toEqual([])
    expect(ndarray(o.data, o.shape, o.stride, o.offset).get()).toBe(4.5)
  })
})

describe('round trips', () => {
  test('property: fromNdarray(toNdarray(t)) equals t; toNdarray(fromNdarray(view)) reads like the view', () => {
    const arb = fc
      .array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 })
      .chain((shape) =>
        fc.tuple(fc.constant(shape), fc.array(fc.double({ noNaN: true }), { minLength: shape.reduce((p, d) => p * d, 1), maxLength: shape.reduce((p, d) => p * d, 1) })),
      )
    fc.assert(
      fc.property(arb, ([shape, values]) => {
        const t = tensor(Float64Array.from(values), { shape })
        const back = fromNdarray(toNdarray(t))
        expect(back.shape).toEqual(shape)
        expect(back.dtype).toBe('float64')
        expect(Array.from(back.data)).toEqual(values)
        if (shape.length >= 1) {
          const view = ndarray(Float64Array.from(values), shape).step(-1)
          const o = toNdarray(fromNdarray(view))
          expect(readAll(ndarray(o.data, o.shape, o.stride, o.offset))).toEqual(readAll(view))
        }
      }),
      { numRuns: 80 },
    )
  })
})

describe('bad views', () => {

  test('a view reaching past the end of data throws a clear Error', () => {
    expectPlainError(() => fromNdarray(ndarray(new Float64Array(5), [2, 3])), /reaches outside data of length 5/)
    expectPlainError(() => fromNdarray(ndarray(new Float64Array(10), [2, 2], [2, 1], 8)), /outside data/)
  })

  test('a view reaching before the start of data throws a clear Error', () => {
    expectPlainError(() => fromNdarray(ndarray(new Float64Array(4), [3], [-1], 1)), /offset 1.*outside data/)
  })

  test('mismatched shape and stride lengths, and non-ndarray input, are clear Errors', () => {
    expectPlainError(() => fromNdarray({ data: [1, 2], shape: [2], stride: [1, 1], offset: 0 }), /stride.*differ in length/)
    expectPlainError(() => fromNdarray(null as unknown as NdarrayLike), /expected an object with data, shape, stride and offset/)
    expectPlainError(() => fromNdarray({ data: [1], shape: [1.5], stride: [1], offset: 0 }), /bad shape/)
  })

  test('toNdarray of a non-Tensor is a clear Error', () => {
    expectPlainError(() => toNdarray({} as unknown as Tensor), /expected a Tensor/)
  })
})
