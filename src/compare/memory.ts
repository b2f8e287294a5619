// The memory column: the bytes a training step holds, from the buffers actually allocated. Parameters and
// their gradients are the tensors' own buffers; the optimizer state is Adam's buffers (exp_avg, exp_avg_sq)
// as its state dict lists them; the activations are every buffer the step's forward pass allocated (the
// batch, each op's output, the fused sequence op's saved gates and states), measured by measureAllocations
// around the first step's loss: all of it is held by the graph until backward runs. Backward's own scratch
// and the gradients of intermediate values, freed as backward goes, are not counted.
import type { Optimizer } from '../optim/optimizer.js'
import { bytesPerElement } from '../tensor/dtype.js'
import type { Tensor } from '../tensor/tensor.js'

export interface MemoryBytes {
  parameters: number
  gradients: number
  optimizerState: number
  activations: number
  /** The sum of the four. */
  total: number
}

/** The memory of a step of `optimizer` over `params`, after at least one step (else no gradient or state yet). */
export function stepMemory(params: readonly Tensor[], optimizer: Optimizer, activations: number): MemoryBytes {
  const bytes = (t: Tensor) => t.size * bytesPerElement(t.dtype)
  const parameters = params.reduce((n, p) => n + bytes(p), 0)
  const gradients = params.reduce((n, p) => n + (p.grad ? bytes(p.grad) : 0), 0)
  const optimizerState = Object.values(optimizer.stateDict().tensors).reduce((n, t) => n + bytes(t), 0)
  return { parameters, gradients, optimizerState, activations, total: parameters + gradients + optimizerState + activations }
}
