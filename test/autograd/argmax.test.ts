// argmax as a tensor op: int32 indices of the first maximum, along a dim or over the flattened tensor,
// against a plain-loop oracle on random tensors full of ties, NaN and infinities; never on the tape.
import fc from 'fast-check'
import { argmax, tensor, Tensor, zeros, type DType } from '../../src/index.js'
import { shapeArb } from '../../src/testing/index.js'
import { expectPlainError } from '../helpers/errors.js'

/** The first index of the largest value, where a NaN beats everything (the first NaN wins), as in PyTorch. */
function firstMax(values: readonly number[]): number {
  let best = 0
  for (let i = 1; i < values.length; i++) {
    if (Number.isNaN(values[best])) break
    if (Number.isNaN(values[i]) || values[i] > values[best]) best = i
  }
  return best
}

/** argmax of a row-major array of `shape` along `dim` (or of everything), by walking multi-indices. */
function refArgmax(data: readonly number[], shape: readonly number[], dim: number | undefined, keepDim: boolean): { shape: number[]; data: number[] } {
  if (dim === undefined) return { shape: keepDim ? shape.map(() => 1) : [], data: [firstMax(data)] }
  const rank = shape.length
  const d = dim < 0 ? dim + rank : dim
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1))
  const outShape = shape.filter((_, i) => i !== d)
  const outSize = outShape.reduce((a, b) => a * b, 1)
  const out: number[] = []
  for (let k = 0; k < outSize; k++) {
    // the multi-index of output element k, with the reduced dim left out
    const index: number[] = []
    let rest = k
    for (let i = outShape.length - 1; i >= 0; i--) {
      index.unshift(rest % outShape[i])
      rest = Math.floor(rest / outShape[i])
    }
    index.splice(d, 0, 0)
    const line = Array.from({ length: shape[d] }, (_, s) => data[index.reduce((at, v, i) => at + (i === d ? s : v) * strides[i], 0)])
    out.push(firstMax(line))
  }
  return { shape: keepDim ? shape.map((n, i) => (i === d ? 1 : n)) : outShape, data: out }
}

/** Values with many ties: small integers, ±0, ±Infinity, and (for float dtypes) NaN now and then. */
const valueArb = (dtype: DType) =>
  dtype === 'int32'
    ? fc.integer({ min: -3, max: 3 })
    : fc.oneof(
        { arbitrary: fc.integer({ min: -3, max: 3 }), weight: 12 },
        { arbitrary: fc.constantFrom(-0, Infinity, -Infinity, 0.5, -2.25), weight: 3 },
        { arbitrary: fc.constant(Number.NaN), weight: 1 },
      )

const arrayOf = (dtype: DType, values: number[]) => (dtype === 'int32' ? Int32Array.from(values) : dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values))

/** A tensor of a random shape (rank 0 to 3) and dtype, its values, a dim (maybe negative, maybe absent) and keepDim. */
const caseArb = fc
  .tuple(fc.constantFrom<DType>('float32', 'float64', 'int32'), shapeArb({ minRank: 0, maxRank: 3, maxDim: 4 }))
  .chain(([dtype, shape]) => {
    const size = shape.reduce((a, b) => a * b, 1)
    const dim = shape.length === 0 ? fc.constant(undefined) : fc.option(fc.integer({ min: -shape.length, max: shape.length - 1 }), { nil: undefined })
    return fc.record({ dtype: fc.constant(dtype), shape: fc.constant(shape), values: fc.array(valueArb(dtype), { minLength: size, maxLength: size }), dim, keepDim: fc.boolean() })
  })

test('argmax equals a plain-loop oracle: along any dim (negative too) or flattened, keepDim both ways, every dtype', () => {
  fc.assert(
    fc.property(caseArb, ({ dtype, shape, values, dim, keepDim }) => {
      const x = tensor(arrayOf(dtype, values), { shape })
      // the oracle reads the values as the tensor holds them (float32 rounding included)
      const want = refArgmax(Array.from(x.data), shape, dim, keepDim)
      for (const got of [argmax(x, dim, keepDim), x.argmax(dim, keepDim)]) {
        expect(got.dtype).toBe('int32')
        expect(got.shape).toEqual(want.shape)
        expect(Array.from(got.data)).toEqual(want.data)
      }
    }),
    { numRuns: 300 },
  )
})

test('ties go to the first index; NaN counts as the maximum (the first NaN); -0 and 0 tie', () => {
  expect(tensor([1, 3, 3, 2]).argmax().item()).toBe(1)
  expect(tensor([[5, 5], [5, 5]]).argmax().item()).toBe(0)
  expect(tensor([[1, 9, 9], [9, 1, 9]]).argmax(1).toArray()).toEqual([1, 0])
  expect(tensor([[1, 9, 9], [9, 1, 9]]).argmax(0).toArray()).toEqual([1, 0, 0])
  expect(tensor([1, NaN, 7, NaN]).argmax().item()).toBe(1)
  expect(tensor([NaN, 7]).argmax().item()).toBe(0)
  expect(tensor([[0, NaN], [Infinity, 2]], { dtype: 'float64' }).argmax(1).toArray()).toEqual([1, 0])
  expect(tensor([-Infinity, -Infinity]).argmax().item()).toBe(0)
  expect(tensor([-0, 0]).argmax().item()).toBe(0)
  expect(tensor([0, -0]).argmax().item()).toBe(0)
  expect(tensor([-7, -2, -2], { dtype: 'int32' }).argmax().item()).toBe(1)
})

test('shapes: 0-d without a dim (keepDim keeps every dim as 1), the dim dropped or kept as 1, a 0-d input', () => {
  const x = zeros([2, 3, 4])
  expect(x.argmax().shape).toEqual([])
  expect(x.argmax(undefined, true).shape).toEqual([1, 1, 1])
  expect(x.argmax(1).shape).toEqual([2, 4])
  expect(x.argmax(-1, true).shape).toEqual([2, 3, 1])
  expect(x.argmax(0, true).shape).toEqual([1, 3, 4])
  // a 0-d tensor has one element and, as in PyTorch, dim 0 or -1 to reduce: the answer is 0, 0-d
  for (const dim of [undefined, 0, -1]) for (const keepDim of [false, true]) expect(tensor(4.5).argmax(dim, keepDim).shape).toEqual([])
  expect(tensor(4.5).argmax(0).item()).toBe(0)
  // reducing a non-empty dim of a tensor with an empty one gives an empty result, not an error
  expect(zeros([0, 3]).argmax(1).shape).toEqual([0])
  expect(zeros([0, 3]).argmax(1, true).shape).toEqual([0, 1])
})

test('argmax is not differentiable: the result is int32, never requires grad, and records nothing', () => {
  const x = tensor([[0.5, 2, -1], [3, 1, 0]], { dtype: 'float64', requiresGrad: true })
  const y = x.mul(2)
  for (const indices of [x.argmax(), x.argmax(1), argmax(y, 0, true)]) {
    expect(indices.dtype).toBe('int32')
    expect(indices.requiresGrad).toBe(false)
    expect(indices.isLeaf).toBe(true)
  }
  expect(x.argmax(1).toArray()).toEqual([1, 0])
})

test('errors: a dim out of range or not an integer, an empty reduction, a non-tensor', () => {
  expectPlainError(() => zeros([2, 3]).argmax(2), /^argmax: /, /dim 2 is out of range for a 2-d tensor/, /\[-2, 1\]/)
  expectPlainError(() => zeros([2, 3]).argmax(-3), /^argmax: /, /dim -3/)
  expectPlainError(() => zeros([2, 3]).argmax(0.5), /^argmax: /, /dim 0\.5/)
  expectPlainError(() => tensor(1).argmax(1), /^argmax: /, /dim 1 is out of range/)
  expectPlainError(() => zeros([0]).argmax(), /^argmax: /, /empty/, /\[0\]/, /no maximum/)
  expectPlainError(() => zeros([2, 0, 3]).argmax(), /^argmax: /, /empty/, /\[2, 0, 3\]/)
  expectPlainError(() => zeros([2, 0, 3]).argmax(1), /^argmax: /, /dim 1 of shape \[2, 0, 3\] has size 0/)
  expectPlainError(() => zeros([2, 0, 3]).argmax(-2, true), /^argmax: /, /dim -2 of shape \[2, 0, 3\] has size 0/)
  expectPlainError(() => argmax([1, 2] as unknown as Tensor), /^argmax: /, /Tensor/, /the array \[1, 2\]/)
})
