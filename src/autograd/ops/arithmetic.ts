// Elementwise binary arithmetic with NumPy broadcasting. Either operand may be a number (the other a
// Tensor, whose dtype the number takes). A broadcast operand's gradient is summed back to its shape. sub
// and div are primitives too, not a + (−b) and a · b⁻¹: one IEEE operation gives PyTorch's exact results
// (b⁻¹ overflows for subnormal b even where a / b is finite).
import { allocate } from '../../tensor/dtype.js'
import { binaryInto, type BinaryFn } from '../../tensor/kernels/elementwise.js'
import { broadcastShapes, sizeOf } from '../../tensor/shape.js'
import { Tensor } from '../../tensor/tensor.js'
import { record } from '../engine.js'
import { asFloat, operandPair, promotePair } from './operands.js'
import { sumToShape } from './reduce.js'

type PartialGrad = (dy: Tensor, a: Tensor, b: Tensor, out: Tensor) => Tensor

/** A binary op's signature: two operands, at least one of them a Tensor (`sub(1, z)` is 1 − z). */
export interface BinaryOp {
  (a: Tensor, b: Tensor | number): Tensor
  (a: Tensor | number, b: Tensor): Tensor
}

function binaryOp(name: string, f: BinaryFn, gradA: PartialGrad, gradB: PartialGrad): BinaryOp {
  return (left: Tensor | number, right: Tensor | number): Tensor => {
    const [a, b] = promotePair(...operandPair(name, left, right))
    const shape = broadcastShapes(name, a.shape, b.shape)
    const out = new Tensor(allocate(a.dtype, sizeOf(shape)), shape)
    binaryInto(out.data, shape, a.data, a.shape, b.data, b.shape, f)
    return record(name, [a, b], out, (dy) => [
      a.requiresGrad ? sumToShape(gradA(dy, a, b, out), a.shape) : null,
      b.requiresGrad ? sumToShape(gradB(dy, a, b, out), b.shape) : null,
    ])
  }
}

// add: y = a + b; dy/da = 1, dy/db = 1
export const add = binaryOp('add', (x, y) => x + y, (dy) => dy, (dy) => dy)

// mul: y = a ⊙ b; dy/da = b, dy/db = a
export const mul = binaryOp('mul', (x, y) => x * y, (dy, _a, b) => dy.mul(b), (dy, a) => dy.mul(a))

// pow: y = a^b; dy/da = b·a^(b−1), dy/db = y·ln a (ln 0 taken as 0, so 0^b has a finite slope in b, as in PyTorch)
export const pow = binaryOp(
  'pow',
  Math.pow,
  (dy, a, b) => dy.mul(b).mul(a.pow(b.sub(1))),
  (dy, a, _b, y) => {
    const lnA = a.log()
    for (let i = 0; i < lnA.data.length; i++) if (a.data[i] === 0) lnA.data[i] = 0
    return dy.mul(y).mul(lnA)
  },
)

// sub: y = a − b; dy/da = 1, dy/db = −1
export const sub = binaryOp('sub', (x, y) => x - y, (dy) => dy, (dy) => dy.neg())

// div: y = a / b; dy/da = 1/b, dy/db = −a/b² = −y/b. Integer operands divide in float32, as in PyTorch.
const floatDiv = binaryOp('div', (x, y) => x / y, (dy, _a, b) => dy.div(b), (dy, _a, b, y) => dy.mul(y).div(b).neg())
export function div(a: Tensor, b: Tensor | number): Tensor
export function div(a: Tensor | number, b: Tensor): Tensor
export function div(a: Tensor | number, b: Tensor | number): Tensor {
  return floatDiv(...operandPair('div', a instanceof Tensor ? asFloat(a) : a, b instanceof Tensor ? asFloat(b) : b))
}
