// Elementwise binary arithmetic with NumPy broadcasting. Either operand may be a number (the other a
// Tensor, whose dtype the number takes). A broadcast operand's gradient is summed back to its shape. sub
// and div are primitives too, not a + (−b) and a · b⁻¹: one IEEE operation gives PyTorch's exact results
// (b⁻¹ overflows for subnormal b even where a / b is finite). int32 arithmetic is exact and wraps around
// as in C and PyTorch: + and − are exact in double and wrap when stored, × is Math.imul, and pow
// multiplies by squaring with Math.imul.
import { allocate } from '../../tensor/dtype.js'
import { binaryInto, type BinaryFn } from '../../tensor/kernels/elementwise.js'
import { broadcastShapes, sizeOf } from '../../tensor/shape.js'
import { Tensor } from '../../tensor/tensor.js'
import { record } from '../engine.js'
import { asFloat, operandPair, promotePair } from './operands.js'
import { sumToShape } from './reduce.js'

type PartialGrad = (dy: Tensor, a: Tensor, b: Tensor, out: Tensor, createGraph: boolean) => Tensor

/** A binary op's signature: two operands, at least one of them a Tensor (`sub(1, z)` is 1 − z). */
export interface BinaryOp {
  (a: Tensor, b: Tensor | number): Tensor
  (a: Tensor | number, b: Tensor): Tensor
}

/** `f` computes in double (exact for float32 and float64); `int`, when given, is the exact int32 version. */
function binaryOp(name: string, f: BinaryFn, gradA: PartialGrad, gradB: PartialGrad, int: BinaryFn = f): BinaryOp {
  return (left: Tensor | number, right: Tensor | number): Tensor => {
    const [a, b] = promotePair(...operandPair(name, left, right))
    const shape = broadcastShapes(name, a.shape, b.shape)
    const out = new Tensor(allocate(a.dtype, sizeOf(shape)), shape)
    binaryInto(out.data, shape, a.data, a.shape, b.data, b.shape, a.dtype === 'int32' ? int : f)
    return record(name, [a, b], out, (dy, createGraph) => [
      a.requiresGrad ? sumToShape(gradA(dy, a, b, out, createGraph), a.shape) : null,
      b.requiresGrad ? sumToShape(gradB(dy, a, b, out, createGraph), b.shape) : null,
    ])
  }
}

// add: y = a + b; dy/da = 1, dy/db = 1
export const add = binaryOp('add', (x, y) => x + y, (dy) => dy, (dy) => dy)

// mul: y = a ⊙ b; dy/da = b, dy/db = a. int32: the low 32 bits of the product (Math.imul), where x * y
// in double loses them once |x·y| passes 2^53.
export const mul = binaryOp('mul', (x, y) => x * y, (dy, _a, b) => dy.mul(b), (dy, a) => dy.mul(a), Math.imul)

/** base^exp in int32 as PyTorch computes it: by squaring, wrapping; a negative exp gives 1/base truncated (0 unless base is ±1). */
function intPow(base: number, exp: number): number {
  if (exp < 0) return base === 1 ? 1 : base === -1 ? (exp & 1 ? -1 : 1) : 0
  let result = 1
  for (let e = exp; e > 0; e >>>= 1) {
    if (e & 1) result = Math.imul(result, base)
    base = Math.imul(base, base)
  }
  return result
}

/** d(i) over y's elements, where d reads a, b and y (a, b broadcast to y's shape) at element i; a constant. */
function pointwise(a: Tensor, b: Tensor, y: Tensor, d: (a: number, b: number, y: number) => number): Tensor {
  const A = a.expand(y.shape).data, B = b.expand(y.shape).data
  const factor = Tensor.zeros(y.shape, y.dtype)
  for (let i = 0; i < factor.size; i++) factor.data[i] = d(A[i], B[i], y.data[i])
  return factor
}

// pow: y = a^b; dy/da = b·a^(b−1), taken as 0 where b = 0 (0·0⁻¹ would be NaN at a = 0); dy/db = y·ln a,
// taken as 0 where a = 0 and b ≥ 0 (0^b is flat in b there). Both are PyTorch's conventions. To create a
// graph, the same rules in recorded ops: a 0/1 constant moves each excluded point to where the rule gives 0
// (b·a^(b+1−1) at b = 0, y·ln(a + 1) at a = 0).
const powOp = binaryOp(
  'pow',
  Math.pow,
  (dy, a, b, y, graph) =>
    graph
      ? dy.mul(b.mul(a.pow(b.add(pointwise(a, b, y, (_x, e) => (e === 0 ? 1 : 0))).sub(1))))
      : dy.mul(pointwise(a, b, y, (x, e) => (e === 0 ? 0 : e * Math.pow(x, e - 1)))),
  (dy, a, b, y, graph) =>
    graph
      ? dy.mul(y.mul(a.add(pointwise(a, b, y, (x, e) => (x === 0 && e >= 0 ? 1 : 0))).log()))
      : dy.mul(pointwise(a, b, y, (x, e, v) => (x === 0 && e >= 0 ? 0 : v * Math.log(x)))),
  intPow,
)
export function pow(a: Tensor, b: Tensor | number): Tensor
export function pow(a: Tensor | number, b: Tensor): Tensor
export function pow(a: Tensor | number, b: Tensor | number): Tensor {
  if (a instanceof Tensor && a.dtype === 'int32' && typeof b === 'number' && Number.isInteger(b) && b < 0) {
    throw new Error(`pow: an int32 tensor to the negative power ${b} is not an integer (PyTorch refuses it too); convert first, x.to('float32').pow(${b})`)
  }
  return powOp(...operandPair('pow', a, b))
}

// sub: y = a − b; dy/da = 1, dy/db = −1
export const sub = binaryOp('sub', (x, y) => x - y, (dy) => dy, (dy) => dy.neg())

// div: y = a / b; dy/da = 1/b, dy/db = −a/b² = −y/b. True division, as in PyTorch: the operands promote
// first (int32 ÷ float64 is float64, exact for every int32), and only two int32 operands meet in float32.
const floatDiv = binaryOp('div', (x, y) => x / y, (dy, _a, b) => dy.div(b), (dy, _a, b, y) => dy.mul(y).div(b).neg())
export function div(a: Tensor, b: Tensor | number): Tensor
export function div(a: Tensor | number, b: Tensor): Tensor
export function div(a: Tensor | number, b: Tensor | number): Tensor {
  const [x, y] = promotePair(...operandPair('div', a, b))
  return floatDiv(asFloat(x), asFloat(y))
}
