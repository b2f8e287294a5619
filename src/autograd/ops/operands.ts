// Checks and conversions shared by the ops: what an operand may be, and what dtype it computes in.
import { isFloat, promoteTypes, type DType } from '../../tensor/dtype.js'
import { Tensor } from '../../tensor/tensor.js'
import { describe } from '../../validation/checks.js'

export function checkTensor(where: string, value: unknown, what = 'the input'): Tensor {
  if (!(value instanceof Tensor)) throw new Error(`${where}: expected ${what} to be a Tensor, got ${describe(value)}`)
  return value
}

/** Whether int32 holds `value` exactly: an integer in [−2³¹, 2³¹). */
export function isInt32Value(value: number): boolean {
  return Number.isInteger(value) && value >= -2147483648 && value <= 2147483647
}

/**
 * A Tensor or a number as a tensor. A number takes the other operand's dtype, as a Python scalar does
 * in PyTorch; an int32 tensor meeting a number int32 cannot hold (fractional, NaN, ±∞ or out of range,
 * such as 1e10) computes in float32, as PyTorch promotes for a Python float, instead of wrapping around.
 */
export function asOperand(where: string, value: Tensor | number, like: Tensor): Tensor {
  if (value instanceof Tensor) return value
  if (typeof value !== 'number') throw new Error(`${where}: expected a Tensor or a number, got ${describe(value)}`)
  const dtype: DType = isFloat(like.dtype) || isInt32Value(value) ? like.dtype : 'float32'
  const scalar = Tensor.zeros([], dtype)
  scalar.data[0] = value
  return scalar
}

/**
 * The two operands of a binary op as tensors: at least one must be a Tensor, and a number takes its
 * dtype (see asOperand), whichever side it is on.
 */
export function operandPair(where: string, left: Tensor | number, right: Tensor | number): [Tensor, Tensor] {
  if (left instanceof Tensor) return [left, asOperand(where, right, left)]
  if (right instanceof Tensor) return [asOperand(where, left, right), right]
  const bad = typeof left !== 'number' ? left : right
  if (typeof bad !== 'number') throw new Error(`${where}: expected a Tensor or a number, got ${describe(bad)}`)
  throw new Error(`${where}: expected at least one operand to be a Tensor, got ${describe(left)} and ${describe(right)}`)
}

/** Both operands in their promoted dtype (the casts are recorded, so gradients flow back). */
export function promotePair(a: Tensor, b: Tensor): [Tensor, Tensor] {
  const dtype = promoteTypes(a.dtype, b.dtype)
  return [a.dtype === dtype ? a : a.to(dtype), b.dtype === dtype ? b : b.to(dtype)]
}

/** `x` as a float tensor: int32 computes in float32, as PyTorch promotes integer inputs. */
export function asFloat(x: Tensor): Tensor {
  return isFloat(x.dtype) ? x : x.to('float32')
}
