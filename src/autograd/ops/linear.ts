// linear: y = x Wᵀ + b over the last dim of x, as PyTorch's F.linear (W is [out, in]).
import type { Tensor } from '../../tensor/tensor.js'
import { formatShape } from '../../tensor/shape.js'
import { checkTensor } from './operands.js'

export function linear(x: Tensor, W: Tensor, b: Tensor | null = null): Tensor {
  checkTensor('linear', x)
  checkTensor('linear', W, 'the weight')
  if (W.ndim !== 2 || x.ndim === 0 || x.shape[x.ndim - 1] !== W.shape[1]) {
    throw new Error(`linear: input of shape ${formatShape(x.shape)} does not fit weight of shape ${formatShape(W.shape)} (expected [..., ${W.shape[1] ?? '?'}])`)
  }
  const y = x.matmul(W.transpose())
  return b === null ? y : y.add(b)
}
