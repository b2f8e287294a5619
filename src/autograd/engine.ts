// The tape. Each recorded result keeps a GradNode (its op's name, inputs and backward);
// `backward` orders the graph into a flat list and walks it in reverse with a plain loop,
// so graphs thousands of steps deep (BPTT) never touch the call stack. Backward runs with recording off,
// unless it is asked to create a graph: then every op's backward is itself recorded (each op builds its
// gradient from recorded ops when `createGraph` is true), so the gradients can be differentiated again.
import { formatShape, shapesEqual } from '../tensor/shape.js'
import { Tensor } from '../tensor/tensor.js'
import { checkOptionKeys, describe } from '../validation/checks.js'

/**
 * One gradient (or null) per input. With `createGraph` the gradients must be built from recorded ops
 * (recording is on), so that they can be differentiated again; without it, raw kernels are the fast path.
 */
export type BackwardFn = (gradOutput: Tensor, createGraph: boolean) => readonly (Tensor | null)[]

export interface GradNode {
  readonly name: string
  readonly inputs: readonly Tensor[]
  readonly backward: BackwardFn
  /** Set on an op whose backward cannot build a graph: what to do instead, for the error createGraph raises. */
  readonly onceDifferentiable?: string
}

let gradEnabled = true

export function isGradEnabled(): boolean {
  return gradEnabled
}

export interface BackwardOptions {
  /** Record backward itself, so the gradients it gives can be differentiated again (default false). */
  createGraph?: boolean
  /**
   * Accepted as PyTorch's retain_graph, and has no effect: seqgrad never frees a graph or its saved
   * tensors after backward (garbage collection does, once nothing holds the graph), so any graph can be
   * walked again.
   */
  retainGraph?: boolean
}

/** `options` checked: an object of createGraph and retainGraph (and `extraKeys`), those two booleans when given. */
export function checkBackwardOptions(where: string, options: unknown, extraKeys: readonly string[] = []): { createGraph: boolean } {
  if (options === undefined) return { createGraph: false }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new Error(`${where}: expected options { createGraph?, retainGraph? }, got ${describe(options)}`)
  checkOptionKeys(where, options, ['createGraph', 'retainGraph', ...extraKeys])
  const { createGraph = false, retainGraph = false } = options as BackwardOptions
  if (typeof createGraph !== 'boolean') throw new Error(`${where}: createGraph must be true or false, got ${describe(createGraph)}`)
  if (typeof retainGraph !== 'boolean') throw new Error(`${where}: retainGraph must be true or false, got ${describe(retainGraph)}`)
  return { createGraph }
}

/** Runs `fn` without recording anything on the tape. */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled
  gradEnabled = false
  try {
    return fn()
  } finally {
    gradEnabled = previous
  }
}

/** Runs `fn` with recording on, even inside noGrad (PyTorch's enable_grad). */
export function enableGrad<T>(fn: () => T): T {
  const previous = gradEnabled
  gradEnabled = true
  try {
    return fn()
  } finally {
    gradEnabled = previous
  }
}

/**
 * Attaches `backward` to `output` when recording is on and some input needs a gradient.
 * Returns `output`, so an op can end with `return record(...)`. `onceDifferentiable`, for an op whose
 * backward has no double backward, says what to do instead; createGraph then refuses the op with it.
 */
export function record(name: string, inputs: readonly Tensor[], output: Tensor, backward: BackwardFn, onceDifferentiable?: string): Tensor {
  if (!gradEnabled || !inputs.some((t) => t.requiresGrad)) return output
  output.attachGradFn(onceDifferentiable === undefined ? { name, inputs, backward } : { name, inputs, backward, onceDifferentiable })
  return output
}

/** The tensors reachable from `roots` through grad nodes, each after all of its inputs. */
function topologicalOrder(roots: readonly Tensor[]): Tensor[] {
  const order: Tensor[] = []
  const visited = new Set<Tensor>()
  for (const root of roots) {
    if (visited.has(root)) continue // already ordered, below another root
    visited.add(root)
    const stack: { tensor: Tensor; next: number }[] = [{ tensor: root, next: 0 }]
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]
      const inputs = frame.tensor.gradFn?.inputs ?? []
      if (frame.next < inputs.length) {
        const input = inputs[frame.next++]
        if (input.requiresGrad && !visited.has(input)) {
          visited.add(input)
          stack.push({ tensor: input, next: 0 })
        }
      } else {
        order.push(frame.tensor)
        stack.pop()
      }
    }
  }
  return order
}

/**
 * Accumulates d(root)/d(leaf) · gradient into `.grad` of every leaf that requires grad. With
 * `createGraph`, each `.grad` becomes (or is added to, out of place) a tensor with a graph of its own.
 */
export function runBackward(root: Tensor, gradient: Tensor, createGraph = false): void {
  propagate([root], [gradient], createGraph, (tensor, grad) => {
    if (!tensor.isLeaf) return
    if (!createGraph) tensor.accumulateGrad(grad)
    // A copy: an op's backward may hand the same tensor to several inputs, and .grad is added to in place later
    else tensor.grad = tensor.grad === null ? grad.clone() : tensor.grad.add(grad)
  })
}

/**
 * Σ gradients[r] · d(roots[r])/d(t) for each t of `wrt` (leaves or intermediate results), without touching
 * any `.grad`; null where no root depends on t. With `createGraph` the results carry graphs of their own.
 * The checks and options of torch.autograd.grad are the public `grad`'s (grad.ts).
 */
export function gradients(roots: readonly Tensor[], wrt: readonly Tensor[], gradOutputs: readonly Tensor[], createGraph = false): (Tensor | null)[] {
  const found = new Map<Tensor, Tensor>()
  const wanted = new Set(wrt)
  const walked = roots.map((r, i) => ({ r, g: gradOutputs[i] })).filter(({ r }) => r.requiresGrad)
  if (walked.length > 0) {
    const visit = (tensor: Tensor, g: Tensor) => {
      if (wanted.has(tensor)) found.set(tensor, g)
    }
    propagate(walked.map(({ r }) => r), walked.map(({ g }) => g), createGraph, visit, wanted)
  }
  // A root that records nothing is its own gradient's only holder
  roots.forEach((r, i) => {
    const previous = found.get(r)
    if (!r.requiresGrad && wanted.has(r)) found.set(r, previous === undefined ? gradOutputs[i] : previous.add(gradOutputs[i]))
  })
  return wrt.map((t) => found.get(t) ?? null)
}

/**
 * gradient · d(root)/d(t) for each t of `wrt`, without touching any `.grad`; null where root does not
 * depend on t. Like torch.autograd.grad with one output.
 */
export function grad(root: Tensor, wrt: readonly Tensor[], gradient: Tensor): (Tensor | null)[] {
  return gradients([root], wrt, [gradient])
}

/**
 * Walks the graph from the roots in reverse order, handing each tensor its complete gradient. With
 * `wanted`, only the part of the graph that leads to one of them is walked, as PyTorch does: the rest
 * (another layer's backward, one that cannot create a graph) is not run.
 */
function propagate(roots: readonly Tensor[], rootGrads: readonly Tensor[], createGraph: boolean, visit: (tensor: Tensor, grad: Tensor) => void, wanted?: ReadonlySet<Tensor>): void {
  const order = topologicalOrder(roots)
  const needed = wanted === undefined ? null : leadingTo(order, wanted)
  // Refused before anything runs, so that no .grad is left half-accumulated
  const refused = createGraph ? order.find(({ gradFn }) => gradFn?.onceDifferentiable !== undefined && (needed === null || gradFn.inputs.some((input) => needed.has(input)))) : undefined
  const node = refused?.gradFn
  if (node?.onceDifferentiable !== undefined) {
    throw new Error(`createGraph: ${node.name} has no double backward (its backward records no graph), so gradients through it cannot be differentiated again: ${node.onceDifferentiable}`)
  }
  const walk = () => {
    const grads = new Map<Tensor, Tensor>()
    roots.forEach((r, i) => {
      const previous = grads.get(r)
      grads.set(r, previous === undefined ? rootGrads[i] : previous.add(rootGrads[i]))
    })
    for (let i = order.length - 1; i >= 0; i--) {
      const tensor = order[i]
      const grad = grads.get(tensor)
      if (grad === undefined) continue
      grads.delete(tensor) // every consumer is done, so this gradient is complete; free it after use
      visit(tensor, grad)
      const node = tensor.gradFn
      if (node === null || (needed !== null && !node.inputs.some((input) => needed.has(input)))) continue
      const inputGrads = node.backward(grad, createGraph)
      if (!Array.isArray(inputGrads) || inputGrads.length !== node.inputs.length) {
        throw new Error(`${node.name}: backward must return an array of ${node.inputs.length} gradients (Tensor or null), one per input; got ${describe(inputGrads)}`)
      }
      for (let k = 0; k < inputGrads.length; k++) {
        const input = node.inputs[k]
        const inputGrad = inputGrads[k]
        if (inputGrad === null || !input.requiresGrad || (needed !== null && !needed.has(input))) continue
        checkGradient(node.name, k, input, inputGrad)
        const previous = grads.get(input)
        grads.set(input, previous === undefined ? inputGrad : previous.add(inputGrad))
      }
    }
  }
  if (createGraph) enableGrad(walk)
  else noGrad(walk)
}

/** The tensors of `order` (inputs before their consumers) from which one of `wanted` is reached. */
function leadingTo(order: readonly Tensor[], wanted: ReadonlySet<Tensor>): Set<Tensor> {
  const needed = new Set<Tensor>()
  for (const tensor of order) {
    if (wanted.has(tensor) || (tensor.gradFn?.inputs.some((input) => needed.has(input)) ?? false)) needed.add(tensor)
  }
  return needed
}

function checkGradient(opName: string, index: number, input: Tensor, grad: unknown): asserts grad is Tensor {
  if (!(grad instanceof Tensor)) throw new Error(`${opName}: backward returned ${describe(grad)} for input ${index}; expected a Tensor or null`)
  if (!shapesEqual(grad.shape, input.shape)) {
    throw new Error(`${opName}: backward returned a gradient of shape ${formatShape(grad.shape)} for input ${index} of shape ${formatShape(input.shape)}`)
  }
  if (grad.dtype !== input.dtype) {
    throw new Error(`${opName}: backward returned a ${grad.dtype} gradient for input ${index}, which is ${input.dtype}`)
  }
}
