// grad: gradients of outputs with respect to chosen tensors, returned rather than accumulated into .grad,
// as torch.autograd.grad; with createGraph they carry graphs of their own and can be differentiated again.
import { formatShape, shapesEqual } from '../tensor/shape.js'
import { Tensor } from '../tensor/tensor.js'
import { describe } from '../validation/checks.js'
import { checkBackwardOptions, gradients, type BackwardOptions } from './engine.js'

export interface GradOptions extends BackwardOptions {
  /**
   * The gradient of each output (a vector-Jacobian product's vector): one per output, null meaning ones,
   * which only a one-element output may leave implicit.
   */
  gradOutputs?: Tensor | readonly (Tensor | null)[] | null
  /** Give null for an input the outputs do not depend on, instead of throwing (PyTorch's allow_unused). */
  allowUnused?: boolean
}

function tensorList(what: string, value: unknown): Tensor[] {
  const list = value instanceof Tensor ? [value] : Array.isArray(value) ? [...(value as unknown[])] : null
  if (list === null || list.length === 0 || !list.every((t) => t instanceof Tensor)) {
    throw new Error(`grad: expected ${what} to be a Tensor or a non-empty array of Tensors, got ${describe(value)}`)
  }
  return list as Tensor[]
}

/** The gradient of each output, checked against it; ones where it may be implicit. */
function gradOutputsFor(outputs: readonly Tensor[], given: GradOptions['gradOutputs']): Tensor[] {
  const list: readonly unknown[] = given === undefined || given === null ? outputs.map(() => null) : given instanceof Tensor ? [given] : Array.isArray(given) ? given : [given]
  if (list.length !== outputs.length) throw new Error(`grad: expected one gradOutput per output, got ${list.length} for ${outputs.length} outputs`)
  return outputs.map((output, i) => {
    const g = list[i]
    if (g === null) {
      if (output.size !== 1) throw new Error(`grad: a gradient can be created implicitly only for scalar outputs; output ${i} has shape ${formatShape(output.shape)}, so pass gradOutputs`)
      const ones = Tensor.zeros(output.shape, output.dtype)
      ones.data[0] = 1
      return ones
    }
    if (!(g instanceof Tensor)) throw new Error(`grad: gradOutputs[${i}] must be a Tensor or null, got ${describe(g)}`)
    if (!shapesEqual(g.shape, output.shape)) throw new Error(`grad: mismatch in shape: gradOutputs[${i}] has shape ${formatShape(g.shape)} and output ${i} has shape ${formatShape(output.shape)}`)
    return g.dtype === output.dtype ? g : g.to(output.dtype)
  })
}

/**
 * Σ over outputs of gradOutputs[i] · d(outputs[i])/d(t), for each t of `inputs` (leaves or intermediate
 * results that require grad); nothing is added to any `.grad`. The third argument may be the gradOutputs
 * themselves, as PyTorch takes them positionally. With `createGraph` the results are recorded, so a
 * Hessian-vector product is grad of (grad · v). An input the outputs do not depend on is an error unless
 * `allowUnused`, which gives null for it. `retainGraph` is accepted and changes nothing: graphs are never freed.
 */
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], options?: (GradOptions & { allowUnused?: false }) | Tensor | readonly (Tensor | null)[]): Tensor[]
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], options: GradOptions): (Tensor | null)[]
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], options: GradOptions | Tensor | readonly (Tensor | null)[] = {}): (Tensor | null)[] {
  const outs = tensorList('outputs', outputs)
  const wrt = tensorList('inputs', inputs)
  const opts: GradOptions = options instanceof Tensor || Array.isArray(options) ? { gradOutputs: options as Tensor | readonly (Tensor | null)[] } : (options as GradOptions)
  const { createGraph } = checkBackwardOptions('grad', opts, ['gradOutputs', 'allowUnused'])
  const { allowUnused = false } = opts
  if (typeof allowUnused !== 'boolean') throw new Error(`grad: allowUnused must be true or false, got ${describe(allowUnused)}`)
  outs.forEach((t, i) => {
    if (!t.requiresGrad) throw new Error(`grad: output ${i} does not require grad and has no grad_fn; set requiresGrad on the tensors it is computed from`)
  })
  wrt.forEach((t, i) => {
    if (!t.requiresGrad) throw new Error(`grad: input ${i} does not require grad, so no output can be differentiated with respect to it`)
  })
  const result = gradients(outs, wrt, gradOutputsFor(outs, opts.gradOutputs), createGraph)
  const unused = result.indexOf(null)
  if (unused >= 0 && !allowUnused) {
    throw new Error(`grad: input ${unused} appears not to have been used in the graph of the outputs; pass allowUnused: true to get null for it`)
  }
  return result
}
