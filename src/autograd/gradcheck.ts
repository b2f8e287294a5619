// gradcheck: the analytical Jacobian (from backward) against central finite differences, as PyTorch's
// torch.autograd.gradcheck. Inputs are perturbed in place, so `fn` may also close over them.
import { Generator } from '../tensor/random.js'
import { describe, stridesOf, type Shape } from '../tensor/shape.js'
import { Tensor } from '../tensor/tensor.js'
import { grad, noGrad } from './engine.js'

export interface GradcheckOptions {
  /** Finite-difference step. */
  eps?: number
  /** Absolute tolerance. */
  atol?: number
  /** Relative tolerance, against the numerical value. */
  rtol?: number
  /** Throw on a mismatch (true) or return false (false). */
  raiseException?: boolean
  /** Compare one random projection vᵀJu per input instead of whole Jacobians: for large inputs. */
  fastMode?: boolean
  /** Seed of the projections in fast mode (a private generator: the global one is left alone). */
  seed?: number
}

type Fn = (...inputs: Tensor[]) => Tensor

function evaluate(fn: Fn, inputs: Tensor[]): Tensor {
  const output = fn(...inputs)
  if (!(output instanceof Tensor)) throw new Error(`gradcheck: fn must return a Tensor, got ${describe(output)}`)
  return output
}

/** f(x) as float64 numbers, recording nothing. */
function values(fn: Fn, inputs: Tensor[]): Float64Array {
  return Float64Array.from(noGrad(() => evaluate(fn, inputs)).data)
}

function indexOf(flat: number, shape: Shape): string {
  return `[${stridesOf(shape).map((stride, d) => Math.floor(flat / stride) % shape[d]).join(', ')}]`
}

/** gradient · J for one input: the vector–Jacobian product (zeros where the output does not depend on it). */
function vjp(output: Tensor, input: Tensor, gradient: Tensor): Float64Array {
  const g = output.requiresGrad ? grad(output, [input], gradient)[0] : null
  return g === null ? new Float64Array(input.size) : Float64Array.from(g.data)
}

/** (f(x + eps·u) − f(x − eps·u)) / 2eps, perturbing `input`'s data in place and restoring it. */
function directional(fn: Fn, inputs: Tensor[], input: Tensor, u: ArrayLike<number>, eps: number): Float64Array {
  const x = input.data
  const original = Float64Array.from(x)
  for (let e = 0; e < u.length; e++) if (u[e] !== 0) x[e] = original[e] + eps * u[e]
  const plus = values(fn, inputs)
  for (let e = 0; e < u.length; e++) if (u[e] !== 0) x[e] = original[e] - eps * u[e]
  const minus = values(fn, inputs)
  x.set(original)
  return plus.map((p, j) => (p - minus[j]) / (2 * eps))
}

function unitVector(generator: Generator, size: number): Float64Array {
  const v = new Float64Array(size)
  generator.fillNormal(v)
  let squares = 0
  for (const x of v) squares += x * x
  const norm = Math.sqrt(squares) || 1
  return v.map((x) => x / norm)
}

/**
 * true when the analytical and numerical Jacobians of `fn` agree (|a − n| ≤ atol + rtol·|n|) for
 * every input that requires grad; otherwise throws naming the input, the elements and both values
 * (or returns false when `raiseException` is false).
 */
export function gradcheck(fn: Fn, inputs: Tensor | readonly Tensor[], opts: GradcheckOptions = {}): boolean {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, raiseException = true, fastMode = false, seed = 0 } = opts
  if (typeof fn !== 'function') throw new Error(`gradcheck: expected fn to be a function, got ${describe(fn)}`)
  const list = inputs instanceof Tensor ? [inputs] : Array.isArray(inputs) ? [...inputs] : null
  if (list === null || !list.every((t) => t instanceof Tensor)) throw new Error(`gradcheck: expected inputs to be a Tensor or an array of Tensors, got ${describe(inputs)}`)
  const checked = list.map((t, i) => ({ t, i })).filter(({ t }) => t.requiresGrad)
  if (checked.length === 0) throw new Error('gradcheck: no input requires grad; set requiresGrad on the inputs to check')
  for (const { t, i } of checked) {
    if (t.dtype !== 'float64') throw new Error(`gradcheck: input ${i} is ${t.dtype}, but gradcheck needs float64 inputs (finite differences in float32 are too coarse); pass t.to('float64')`)
    if (!t.isLeaf) throw new Error(`gradcheck: input ${i} is the result of ${t.gradFn?.name}; pass leaf tensors (use detach() and set requiresGrad)`)
  }
  const output = evaluate(fn, list)
  const close = (a: number, n: number) => Math.abs(a - n) <= atol + rtol * Math.abs(n)
  const fail = (message: string): boolean => {
    if (raiseException) throw new Error(`gradcheck: ${message} (eps ${eps}, atol ${atol}, rtol ${rtol})`)
    return false
  }

  if (fastMode) {
    const generator = new Generator(seed)
    for (const { t, i } of checked) {
      const u = unitVector(generator, t.size)
      const v = new Tensor(unitVector(generator, output.size), output.shape).to(output.dtype)
      const analytical = vjp(output, t, v).reduce((acc, g, e) => acc + g * u[e], 0)
      const numerical = directional(fn, list, t, u, eps).reduce((acc, d, j) => acc + d * v.data[j], 0)
      if (!close(analytical, numerical)) {
        return fail(`the projection vᵀJu for input ${i} differs: analytical ${analytical}, numerical ${numerical}; run with fastMode: false to find the element`)
      }
    }
    return true
  }

  for (const { t, i } of checked) {
    // Row j of the analytical Jacobian is the VJP with the j-th unit vector.
    const rows: Float64Array[] = []
    const unit = Tensor.empty(output.shape, output.dtype)
    for (let j = 0; j < output.size; j++) {
      unit.data.fill(0)
      unit.data[j] = 1
      rows.push(vjp(output, t, unit))
    }
    const oneHot = new Float64Array(t.size)
    for (let e = 0; e < t.size; e++) {
      oneHot.fill(0)
      oneHot[e] = 1
      const column = directional(fn, list, t, oneHot, eps)
      for (let j = 0; j < output.size; j++) {
        if (!close(rows[j][e], column[j])) {
          return fail(
            `Jacobian mismatch for input ${i} at element ${indexOf(e, t.shape)} (flat ${e}), output element ${indexOf(j, output.shape)} (flat ${j}): analytical ${rows[j][e]}, numerical ${column[j]}`,
          )
        }
      }
    }
  }
  return true
}
