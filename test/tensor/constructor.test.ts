// new Tensor(data, shape) takes the dtype from the array, so the array must be one a dtype names:
// Float32Array, Float64Array or Int32Array. Anything else (a Uint8Array, a Node Buffer, an Int16Array, a
// plain array) was taken for float32 and computed on as if it were one; it is now refused, naming what came.
import { Tensor } from '../../src/index.js'
import { expectPlainError } from '../helpers/errors.js'

test('the three typed arrays make float32, float64 and int32 tensors, sharing the array', () => {
  const cases: [Float32Array | Float64Array | Int32Array, string][] = [
    [new Float32Array([1, 2]), 'float32'],
    [new Float64Array([1, 2]), 'float64'],
    [new Int32Array([1, 2]), 'int32'],
  ]
  for (const [data, dtype] of cases) {
    const t = new Tensor(data, [2, 1])
    expect(t.dtype).toBe(dtype)
    expect(t.data).toBe(data)
    expect(t.shape).toEqual([2, 1])
  }
  expect(new Tensor(new Float32Array(0), [3, 0]).shape).toEqual([3, 0])
})

test.each([
  ['Uint8Array', new Uint8Array([1, 2, 255])],
  ['Uint8ClampedArray', new Uint8ClampedArray(3)],
  ['Int16Array', new Int16Array(3)],
  ['Uint32Array', new Uint32Array(3)],
  ['BigInt64Array', new BigInt64Array(3)],
  ['Buffer', Buffer.from([1, 2, 3])],
])('%s: not float32 (nor any dtype), refused, naming it and the three that are', (name, data) => {
  expectPlainError(
    () => new Tensor(data as never),
    new RegExp(`Tensor: expected the data to be a Float32Array, Float64Array or Int32Array \\(float32, float64, int32\\), got a ${name === 'Buffer' ? '(Buffer|Uint8Array)' : name}`),
  )
})

test('a plain array, a DataView or nothing is refused too', () => {
  expectPlainError(() => new Tensor([1, 2, 3] as never), /expected the data to be a Float32Array.*got the array \[1, 2, 3\]/)
  expectPlainError(() => new Tensor(new DataView(new ArrayBuffer(8)) as never), /got a DataView/)
  expectPlainError(() => new Tensor(undefined as never, [1]), /got undefined/)
})

test('the shape must be non-negative integers whose product is the length', () => {
  expectPlainError(() => new Tensor(new Float32Array(2), [-1, -2]), /Tensor: a shape must be an array of non-negative integers; got the array \[-1, -2\]/)
  expectPlainError(() => new Tensor(new Float32Array(2), [2.5]), /non-negative integers; got the array \[2.5\]/)
  expectPlainError(() => new Tensor(new Float32Array(2), 2 as never), /non-negative integers; got number 2/)
  expectPlainError(() => new Tensor(new Float32Array(2), [3]), /Tensor: data has 2 elements but shape \[3\] needs 3/)
})
