// dropout: y = x ⊙ m / (1 − p), m ~ Bernoulli(1 − p) drawn from the seeded generator; in evaluation
// mode (or with p = 0) y = x. The mask is a constant, so the gradient is dy ⊙ m / (1 − p). An int32
// tensor cannot hold x / (1 − p), so training dropout with 0 < p < 1 refuses it, as PyTorch does (p = 1
// gives zeros, p = 0 and evaluation give x, there as here).
import type { DType } from '../../tensor/dtype.js'
import { defaultGenerator, type Generator } from '../../tensor/random.js'
import { Tensor } from '../../tensor/tensor.js'
import { describe } from '../../validation/checks.js'
import { checkTensor } from './operands.js'

export function dropout(x: Tensor, p: number, training = true, generator: Generator = defaultGenerator): Tensor {
  checkTensor('dropout', x)
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`dropout: p must be a number in [0, 1], got ${describe(p)}`)
  if (!training || p === 0) return x
  if (x.dtype === 'int32' && p < 1) {
    throw new Error(`dropout: x is int32, but dropout scales what it keeps by 1/(1 − p) = ${1 / (1 - p)}, which needs a float tensor; convert it first, x.to('float32')`)
  }
  return x.mul(dropoutMask(x.shape, p, x.dtype, generator))
}

/**
 * The scaled mask dropout multiplies by: each element 0 with probability p, else 1/(1 − p), drawn in
 * row-major order (one uniform each). The recurrent layers draw their per-sequence masks with it.
 */
export function dropoutMask(shape: readonly number[], p: number, dtype: DType, generator: Generator = defaultGenerator): Tensor {
  const mask = Tensor.zeros(shape, dtype)
  const keep = p === 1 ? 0 : 1 / (1 - p)
  for (let i = 0; i < mask.size; i++) mask.data[i] = generator.uniform53() < p ? 0 : keep
  return mask
}
