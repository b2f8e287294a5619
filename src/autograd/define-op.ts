// defineOp: how a user adds a differentiable op with a hand-written gradient.
import { Tensor } from '../tensor/tensor.js'
import { checkOptionKeys, describe } from '../validation/checks.js'
import { noGrad, record } from './engine.js'
import { checkTensor } from './ops/operands.js'

export interface OpDefinition {
  /** Names the op in error messages and in `gradFn.name`. */
  name: string
  /** Computes the result; nothing inside it is recorded. */
  forward: (...inputs: Tensor[]) => Tensor
  /** One gradient (or null) per input, given the gradient of the output. */
  backward: (gradOutput: Tensor, inputs: readonly Tensor[], output: Tensor) => readonly (Tensor | null)[]
  /**
   * backward runs with recording on when a gradient is made with createGraph, so one written in tensor ops
   * can be differentiated again. Set this (PyTorch's once_differentiable) when it cannot, because it reads
   * raw data: createGraph then refuses the op instead of giving wrong second derivatives.
   */
  onceDifferentiable?: boolean
}

/** A differentiable function of tensors whose gradient is `definition.backward`. */
export function defineOp(definition: OpDefinition): (...inputs: Tensor[]) => Tensor {
  const { name, forward, backward, onceDifferentiable = false } = definition ?? {}
  if (typeof name !== 'string' || name === '') throw new Error(`defineOp: expected a non-empty string name, got ${describe(name)}`)
  checkOptionKeys(`defineOp(${name})`, definition, ['name', 'forward', 'backward', 'onceDifferentiable'])
  if (typeof forward !== 'function') throw new Error(`defineOp(${name}): expected forward to be a function, got ${describe(forward)}`)
  if (typeof backward !== 'function') throw new Error(`defineOp(${name}): expected backward to be a function, got ${describe(backward)}`)
  if (typeof onceDifferentiable !== 'boolean') throw new Error(`defineOp(${name}): expected onceDifferentiable to be true or false, got ${describe(onceDifferentiable)}`)
  const refusal = onceDifferentiable ? 'defineOp was given onceDifferentiable: true; write its backward in tensor ops, without that flag, to differentiate it twice' : undefined
  return (...inputs: Tensor[]): Tensor => {
    inputs.forEach((t, i) => checkTensor(name, t, `input ${i}`))
    const result = noGrad(() => forward(...inputs))
    if (!(result instanceof Tensor)) throw new Error(`${name}: forward must return a Tensor, got ${describe(result)}`)
    // A fresh tensor over the same data, so the op never rewires a tensor forward returned as-is.
    const output = new Tensor(result.data, result.shape)
    return record(name, inputs, output, (dy) => backward(dy, inputs, output), refusal)
  }
}
