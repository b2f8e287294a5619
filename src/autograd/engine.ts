// The tape. Each recorded result keeps a GradNode (its op's name, inputs and backward);
// `backward` orders the graph into a flat list and walks it in reverse with a plain loop,
// so graphs thousands of steps deep (BPTT) never touch the call stack.
import { formatShape, shapesEqual } from '../tensor/shape.js'
import { Tensor } from '../tensor/tensor.js'
import { describe } from '../validation/checks.js'

export type BackwardFn = (gradOutput: Tensor) => readonly (Tensor | null)[]

export interface GradNode {
  readonly name: string
  readonly inputs: readonly Tensor[]
  readonly backward: BackwardFn
}

let gradEnabled = true

export function isGradEnabled(): boolean {
  return gradEnabled
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

/**
 * Attaches `backward` to `output` when recording is on and some input needs a gradient.
 * Returns `output`, so an op can end with `return record(...)`.
 */
export function record(name: string, inputs: readonly Tensor[], output: Tensor, backward: BackwardFn): Tensor {
  if (!gradEnabled || !inputs.some((t) => t.requiresGrad)) return output
  output.attachGradFn({ name, inputs, backward })
  return output
}

/** The tensors reachable from `root` through grad nodes, each after all of its inputs. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = []
  const visited = new Set<Tensor>([root])
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
  return order
}

/** Accumulates d(root)/d(leaf) · gradient into `.grad` of every leaf that requires grad. */
export function runBackward(root: Tensor, gradient: Tensor): void {
  propagate(root, gradient, (tensor, grad) => {
    if (tensor.isLeaf) tensor.accumulateGrad(grad)
  })
}

/**
 * gradient · d(root)/d(t) for each t of `wrt` (leaves or intermediate results), without touching
 * any `.grad`; null where root does not depend on t. Like torch.autograd.grad.
 */
export function grad(root: Tensor, wrt: readonly Tensor[], gradient: Tensor): (Tensor | null)[] {
  const found = new Map<Tensor, Tensor>()
  const wanted = new Set(wrt)
  if (root.requiresGrad) {
    propagate(root, gradient, (tensor, g) => {
      if (wanted.has(tensor)) found.set(tensor, g)
    })
  } else if (wanted.has(root)) {
    found.set(root, gradient)
  }
  return wrt.map((t) => found.get(t) ?? null)
}

/** Walks the graph from root in reverse order, handing each tensor its complete gradient. */
function propagate(root: Tensor, gradient: Tensor, visit: (tensor: Tensor, grad: Tensor) => void): void {
  const grads = new Map<Tensor, Tensor>([[root, gradient]])
  const order = topologicalOrder(root)
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const tensor = order[i]
      const grad = grads.get(tensor)
      if (grad === undefined) continue
      grads.delete(tensor) // every consumer is done, so this gradient is complete; free it after use
      visit(tensor, grad)
      const node = tensor.gradFn
      if (node === null) continue
      const inputGrads = node.backward(grad)
      if (!Array.isArray(inputGrads) || inputGrads.length !== node.inputs.length) {
        throw new Error(`${node.name}: backward must return an array of ${node.inputs.length} gradients (Tensor or null), one per input; got ${describe(inputGrads)}`)
      }
      for (let k = 0; k < inputGrads.length; k++) {
        const input = node.inputs[k]
        const inputGrad = inputGrads[k]
        if (inputGrad === null || !input.requiresGrad) continue
        checkGradient(node.name, k, input, inputGrad)
        const previous = grads.get(input)
        grads.set(input, previous === undefined ? inputGrad : previous.add(inputGrad))
      }
    }
  })
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
