// softmax and logSoftmax, composed from primitives. Subtracting the (detached) max along dim first
// keeps exp from overflowing; it changes nothing mathematically, so no gradient flows through it.
import { normalizeDim } from '../../tensor/shape.js'
import type { Tensor } from '../../tensor/tensor.js'
import { checkTensor } from './operands.js'

// softmax: yᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m), m = max x
export function softmax(x: Tensor, dim = -1): Tensor {
  checkTensor('softmax', x)
  normalizeDim('softmax', dim, x.ndim)
  const e = x.sub(x.max(dim, true).detach()).exp()
  return e.div(e.sum(dim, true))
}

// logSoftmax: yᵢ = (xᵢ − m) − log Σⱼ exp(xⱼ − m)
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  checkTensor('logSoftmax', x)
  normalizeDim('logSoftmax', dim, x.ndim)
  const z = x.sub(x.max(dim, true).detach())
  return z.sub(z.exp().sum(dim, true).log())
}
