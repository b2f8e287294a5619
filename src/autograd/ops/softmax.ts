// softmax and logSoftmax: primitives for speed (a language model's loss runs them over every row of
// logits each step; the composition max, sub, exp, sum, log made several full-size temporaries each
// way). test/autograd/softmax-primitive.test.ts holds both equal to that composition.
// Each saves its output y: the backward of either needs only y (softmax = y, or exp(y) for logSoftmax).
import { logSoftmaxBackwardInto, logSoftmaxInto, softmaxBackwardInto, softmaxInto } from '../../tensor/kernels/softmax.js'
import type { TypedArray } from '../../tensor/dtype.js'
import { normalizeDim, splitAtDim } from '../../tensor/shape.js'
import { Tensor } from '../../tensor/tensor.js'
import { record } from '../engine.js'
import { asFloat, checkTensor } from './operands.js'

type Kernel = (out: TypedArray, x: TypedArray, outer: number, size: number, inner: number) => void
type BackwardKernel = (dx: TypedArray, dy: TypedArray, y: TypedArray, outer: number, size: number, inner: number) => void
/** The backward in recorded ops, for a gradient that will be differentiated again (createGraph). */
type RecordedBackward = (dy: Tensor, y: Tensor, dim: number) => Tensor

function alongDim(name: string, forward: Kernel, backward: BackwardKernel, recorded: RecordedBackward) {
  return (input: Tensor, dim: number): Tensor => {
    checkTensor(name, input)
    const d = normalizeDim(name, dim, input.ndim)
    const x = asFloat(input)
    const { outer, size, inner } = splitAtDim(x.shape, d)
    const y = Tensor.zeros(x.shape, x.dtype)
    forward(y.data, x.data, outer, size, inner)
    // A kernel, not Tensor ops, as exp, tanh and sigmoid do, unless the gradient needs a graph: Tensor ops
    // would otherwise buy no double backward, only temporaries.
    return record(name, [x], y, (dy, createGraph) => {
      if (createGraph) return [recorded(dy, y, d)]
      const dx = Tensor.zeros(x.shape, x.dtype)
      backward(dx.data, dy.data, y.data, outer, size, inner)
      return [dx]
    })
  }
}

const softmaxAlong = alongDim('softmax', softmaxInto, softmaxBackwardInto, (dy, y, d) => y.mul(dy.sub(dy.mul(y).sum(d, true))))
const logSoftmaxAlong = alongDim('logSoftmax', logSoftmaxInto, logSoftmaxBackwardInto, (dy, y, d) => dy.sub(y.exp().mul(dy.sum(d, true))))

// softmax: yᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m), m = max x; dx = y ⊙ (dy − Σ dy ⊙ y)
export function softmax(x: Tensor, dim = -1): Tensor {
  return softmaxAlong(x, dim)
}

// logSoftmax: yᵢ = (xᵢ − m) − log Σⱼ exp(xⱼ − m); dx = dy − exp(y) · Σ dy
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  return logSoftmaxAlong(x, dim)
}
