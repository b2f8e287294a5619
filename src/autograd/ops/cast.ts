// Copies and dtype casts. A cast between float dtypes passes the gradient back, cast to the input's dtype.
import { checkDType, isFloat, type DType } from '../../tensor/dtype.js'
import { Tensor } from '../../tensor/tensor.js'
import { record } from '../engine.js'

// clone: y = x; dy/dx = I
export function clone(x: Tensor): Tensor {
  const y = new Tensor(x.data.slice(), x.shape)
  return record('clone', [x], y, (dy) => [dy])
}

// to: y = cast(x); float → int32 truncates toward zero and cuts the graph, as in PyTorch
export function to(x: Tensor, dtype: DType): Tensor {
  checkDType('to', dtype)
  if (dtype === x.dtype) return x
  const y = Tensor.zeros(x.shape, dtype)
  if (dtype === 'int32') {
    for (let i = 0; i < y.data.length; i++) y.data[i] = Math.trunc(x.data[i])
    return y
  }
  y.data.set(x.data)
  if (!isFloat(x.dtype)) return y
  return record('to', [x], y, (dy) => [to(dy, x.dtype)])
}
