// A number as the left operand of the binary free functions (sub(1, z) is 1 − z) and Tensor.rsub: the
// same values as with the number made a tensor of the other operand's dtype, gradients to the tensor
// operand, and errors when neither operand is a tensor.
import fc from 'fast-check'
import { add, div, gradcheck, GRUCell, manualSeed, mul, pow, randn, sub, tensor, Tensor, type BinaryOp } from '../../src/index.js'
import { float64TensorArb, shapeArb } from '../../src/testing/index.js'
import { expectPlainError } from '../helpers/errors.js'
import { gradOf, SMALL } from './helpers.js'

const OPS: Record<'add' | 'sub' | 'mul' | 'div' | 'pow', BinaryOp> = { add, sub, mul, div, pow }
const NAMES = Object.keys(OPS) as (keyof typeof OPS)[]

/** Values as their bit patterns would compare: NaN equals NaN, and -0 differs from 0. */
const same = (a: Tensor, b: Tensor) => {
  expect(a.dtype).toBe(b.dtype)
  expect(a.shape).toEqual(b.shape)
  const bits = (t: Tensor) => Array.from(t.data, (v) => (Object.is(v, -0) ? '-0' : String(v)))
  expect(bits(a)).toEqual(bits(b))
}

const numberArb = fc.oneof(fc.integer({ min: -4, max: 4 }), fc.double({ min: -4, max: 4, noNaN: true }), fc.constantFrom(0.5, 1, 2, -0))

test('op(number, x) equals op(the number as a 0-d tensor of x\'s dtype, x), bit for bit, for every op and float dtype', () => {
  fc.assert(
    fc.property(fc.constantFrom(...NAMES), float64TensorArb(shapeArb(SMALL), { requiresGrad: false }), numberArb, fc.boolean(), (name, x64, c, single) => {
      const op = OPS[name]
      const x = single ? x64.to('float32') : x64
      same(op(c, x), op(tensor(c, { dtype: x.dtype }), x))
    }),
    { numRuns: 200 },
  )
})

test('with an int32 tensor the number follows the same rule as on the right: an integer stays int32, a fraction makes float32; div is float', () => {
  const x = tensor([1, -2, 3], { dtype: 'int32' })
  same(sub(10, x), tensor([9, 12, 7], { dtype: 'int32' }))
  same(add(0.5, x), tensor([1.5, -1.5, 3.5]))
  same(mul(2, x), x.mul(2))
  same(pow(2, x), tensor(2, { dtype: 'int32' }).pow(x))
  same(div(1, x), tensor([1, -0.5, 1 / 3]))
  expect(sub(10, x).dtype).toBe(x.rsub(10).dtype)
})

test('a number-left result is the tensor-left op on the same arithmetic, and tensors broadcast either way round', () => {
  const z = randn([3, 4], { dtype: 'float64' })
  same(sub(1, z), z.neg().add(1)) // 1 − z and (−z) + 1 are the same IEEE operation
  same(add(2, z), z.add(2))
  same(mul(3, z), z.mul(3))
  const column = tensor([[1], [2], [3]], { dtype: 'float64' })
  same(sub(column, z), z.rsub(column)) // [3, 1] − [3, 4] broadcasts to [3, 4]
  expect(sub(column, z).shape).toEqual([3, 4])
})

test('gradients flow to the tensor operand: gradcheck of op(number, x) in float64', () => {
  const away = (t: Tensor) => {
    const moved = new Tensor(Float64Array.from(t.data, (v) => (Math.abs(v) < 0.2 ? (v < 0 ? -0.2 : 0.2) : v)), t.shape)
    moved.requiresGrad = true
    return moved
  }
  fc.assert(
    fc.property(fc.constantFrom(...NAMES), float64TensorArb(shapeArb(SMALL)), fc.double({ min: 0.5, max: 3, noNaN: true }), (name, x, c) => {
      const op = OPS[name]
      return gradcheck((t) => op(c, t), [name === 'div' ? away(x) : x])
    }),
    { numRuns: 60 },
  )
  const x = tensor([0.3, -1.2, 2], { dtype: 'float64', requiresGrad: true })
  sub(1, x).sum().backward()
  expect(gradOf(x)).toEqual([-1, -1, -1])
  x.grad = null
  div(2, x).sum().backward()
  expect(gradOf(x)).toEqual([0.3, -1.2, 2].map((v) => -(2 / v) / v)) // d(2/x)/dx = −y/x
})

test('Tensor.rsub(other) is other − this, as torch.rsub, with gradients to both tensors', () => {
  const z = tensor([0.25, 0.75, -1], { dtype: 'float64', requiresGrad: true })
  same(z.rsub(1), tensor([0.75, 0.25, 2], { dtype: 'float64' }))
  const y = tensor([[1], [2]], { dtype: 'float64', requiresGrad: true })
  same(z.rsub(y), y.sub(z))
  expect(gradcheck((a, b) => a.rsub(b), [z, y])).toBe(true)
  expect(gradcheck((a) => a.rsub(3), [z])).toBe(true)
})

test('the GRU cell computes (1 − z) ⊙ n + z ⊙ h: its h\' from recorded gates is bit for bit what it returns', () => {
  manualSeed(12)
  for (const dtype of ['float32', 'float64'] as const) {
    const cell = new GRUCell({ inputSize: 3, hiddenSize: 5, dtype })
    const h = randn([2, 5], { dtype })
    const { h: next, gates } = cell.forward(randn([2, 3], { dtype }), { h }, { recordGates: true })
    same(next, sub(1, gates.z).mul(gates.n).add(gates.z.mul(h)))
    same(next, gates.z.neg().add(1).mul(gates.n).add(gates.z.mul(h)))
  }
})

test('errors: two numbers, or an operand that is neither a Tensor nor a number, say so and name the op', () => {
  const x = tensor([1, 2])
  for (const name of NAMES) {
    const op = OPS[name] as (a: unknown, b: unknown) => Tensor
    expectPlainError(() => op(1, 2), new RegExp(`^${name}: `), /at least one operand to be a Tensor/, /number 1 and number 2/)
    expectPlainError(() => op('1', x), new RegExp(`^${name}: `), /Tensor or a number/, /"1"/)
    expectPlainError(() => op(x, null), new RegExp(`^${name}: `), /Tensor or a number/, /null/)
    expectPlainError(() => op(undefined, 3), new RegExp(`^${name}: `), /Tensor or a number/, /undefined/)
  }
  expectPlainError(() => x.rsub('2' as unknown as number), /^sub: /, /Tensor or a number/, /"2"/)
  // and the types say it first: at least one operand must be a Tensor
  // @ts-expect-error two numbers are not a binary op's operands
  expect(() => sub(1, 2)).toThrow()
})
