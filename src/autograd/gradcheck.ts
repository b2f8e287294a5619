// gradcheck: the analytical Jacobian (from backward) against central finite differences, as PyTorch's
// torch.autograd.gradcheck. Inputs are perturbed in place, so `fn` may also close over them.
import { Generator } from '../tensor/random.js'
import { stridesOf, type Shape } from '../tensor/shape.js'
import { Tensor } from '../tensor/tensor.js'
import { checkOptionKeys, describe } from '../validation/checks.js'
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
  /**
   * Compare one random projection vᵀJu per input instead of whole Jacobians: for large inputs. u and v
   * are PyTorch's: uniform [0, 1) draws scaled to unit length, and atol is scaled by Σu·Σv (the projection
   * of a Jacobian whose every entry is atol), so that fast and full mode agree on what is within tolerance.
   */
  fastMode?: boolean
  /** Seed of the projections in fast mode (a private generator: the global one is left alone). */
  seed?: number
}

export const GRADCHECK_KEYS: readonly string[] = ['eps', 'atol', 'rtol', 'raiseException', 'fastMode', 'seed']

type Fn = (...inputs: Tensor[]) => Tensor

function evaluate(fn: Fn, inputs: readonly Tensor[]): Tensor {
  const output = fn(...inputs)
  if (!(output instanceof Tensor)) throw new Error(`gradcheck: fn must return a Tensor, got ${describe(output)}`)
  return output
}

/** f(x) as float64 numbers, recording nothing. */
function values(fn: Fn, inputs: readonly Tensor[]): Float64Array {
  return Float64Array.from(noGrad(() => evaluate(fn, inputs)).data)
}

function indexOf(flat: number, shape: Shape): string {
  return `[${stridesOf(shape).map((stride, d) => Math.floor(flat / stride) % shape[d]).join(', ')}]`
}

/** (f(x + eps·u) − f(x − eps·u)) / 2eps, perturbing `input`'s data in place and restoring it exactly. */
function directional(fn: Fn, inputs: readonly Tensor[], input: Tensor, u: ArrayLike<number>, eps: number): Float64Array {
  const x = input.data
  const original = Float64Array.from(x)
  try {
    for (let e = 0; e < u.length; e++) if (u[e] !== 0) x[e] = original[e] + eps * u[e]
    const plus = values(fn, inputs)
    for (let e = 0; e < u.length; e++) if (u[e] !== 0) x[e] = original[e] - eps * u[e]
    const minus = values(fn, inputs)
    return plus.map((p, j) => (p - minus[j]) / (2 * eps))
  } finally {
    x.set(original)
  }
}

/** A random unit vector with entries in [0, 1), as PyTorch's fast gradcheck draws them (rand, then / ‖·‖). */
function unitVector(generator: Generator, size: number): Float64Array {
  const v = new Float64Array(size)
  generator.fillUniform(v)
  let squares = 0
  for (const x of v) squares += x * x
  const norm = Math.sqrt(squares) || 1
  return v.map((x) => x / norm)
}

const sumOf = (v: ArrayLike<number>): number => {
  let total = 0
  for (let i = 0; i < v.length; i++) total += v[i]
  return total
}

/** gradcheck's findings: the verdict, the first mismatch in words, and how close the worst entry came. */
export interface GradcheckReport {
  passed: boolean
  /** The first entry (or, in fast mode, projection) outside atol + rtol·|numerical| (atol·Σu·Σv in fast mode), described. */
  message?: string
  worstAbsError: number
  /** |a − n| / max(|n|, atol): relative to the numerical value, floored so near-zero entries do not blow up. */
  worstRelError: number
  /** Jacobian entries (or projections) compared. */
  checked: number
}

/** Checks the arguments as gradcheck does and returns the inputs it will perturb, with their positions. */
export function checkedInputs(fn: unknown, inputs: unknown, where = 'gradcheck'): { list: Tensor[]; checked: { t: Tensor; i: number }[] } {
  if (typeof fn !== 'function') throw new Error(`${where}: expected fn to be a function, got ${describe(fn)}`)
  const list = inputs instanceof Tensor ? [inputs] : Array.isArray(inputs) ? [...(inputs as unknown[])] : null
  if (list === null || !list.every((t) => t instanceof Tensor)) throw new Error(`${where}: expected inputs to be a Tensor or an array of Tensors, got ${describe(inputs)}`)
  const tensors = list as Tensor[]
  const checked = tensors.map((t, i) => ({ t, i })).filter(({ t }) => t.requiresGrad)
  if (checked.length === 0) throw new Error(`${where}: no input requires grad; set requiresGrad on the inputs to check`)
  for (const { t, i } of checked) {
    if (t.dtype !== 'float64') throw new Error(`${where}: input ${i} is ${t.dtype}, but gradcheck needs float64 inputs (finite differences in float32 are too coarse); pass t.to('float64')`)
    if (!t.isLeaf) throw new Error(`${where}: input ${i} is the result of ${t.gradFn?.name}; pass leaf tensors (use detach() and set requiresGrad)`)
  }
  return { list: tensors, checked }
}

/**
 * Compares the analytical Jacobian of `fn` (rows from backward with one-hot upstream gradients, all
 * inputs at once) with the numerical one (central differences, one column per input element), or in fast
 * mode one random projection vᵀJu per input, and reports the verdict with the worst errors.
 */
export function gradcheckReport(fn: Fn, inputs: Tensor | readonly Tensor[], opts: GradcheckOptions = {}): GradcheckReport {
  checkOptionKeys('gradcheck', opts, GRADCHECK_KEYS)
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, fastMode = false, seed = 0 } = opts
  const { list, checked } = checkedInputs(fn, inputs)
  const output = evaluate(fn, list)
  let worstAbsError = 0
  let worstRelError = 0
  let count = 0
  let message: string | undefined
  /** Checks |a − n| ≤ tolerance + rtol·|n|; `tolerance` is atol, scaled in fast mode. */
  const compare = (analytical: number, numerical: number, tolerance: number, describeEntry: () => string) => {
    const absError = Math.abs(analytical - numerical)
    const relError = absError / Math.max(Math.abs(numerical), tolerance)
    // NaN is as bad as it gets (Math.max would drop it, or keep it and hide every later number).
    worstAbsError = Number.isNaN(absError) ? Infinity : Math.max(worstAbsError, absError)
    worstRelError = Number.isNaN(relError) ? Infinity : Math.max(worstRelError, relError)
    count++
    if (message === undefined && !(absError <= tolerance + rtol * Math.abs(numerical))) message = `${describeEntry()}: analytical ${analytical}, numerical ${numerical}`
  }
  if (fastMode) {
    const generator = new Generator(seed)
    for (const { t, i } of checked) {
      const u = unitVector(generator, t.size)
      const v = new Tensor(unitVector(generator, output.size), output.shape).to(output.dtype)
      const g = output.requiresGrad ? grad(output, [t], v)[0] : null
      let analytical = 0
      if (g !== null) for (let e = 0; e < u.length; e++) analytical += g.data[e] * u[e]
      const numerical = directional(fn, list, t, u, eps).reduce((acc, d, j) => acc + d * v.data[j], 0)
      // vᵀ(atol·1)u: the bound each entry gets in full mode, projected as the entries are (PyTorch's _adjusted_atol)
      const tolerance = atol * sumOf(u) * sumOf(v.data)
      compare(analytical, numerical, tolerance, () => `the projection vᵀJu for input ${i} differs (run with fastMode: false to find the element)`)
    }
  } else {
    // Row j of the analytical Jacobian for every input at once: one backward pass with the j-th unit vector.
    const rows: Float64Array[][] = checked.map(() => [])
    const unit = Tensor.zeros(output.shape, output.dtype)
    for (let j = 0; j < output.size; j++) {
      unit.data.fill(0)
      unit.data[j] = 1
      const grads = output.requiresGrad ? grad(output, checked.map(({ t }) => t), unit) : checked.map(() => null)
      grads.forEach((g, k) => rows[k].push(g === null ? new Float64Array(checked[k].t.size) : Float64Array.from(g.data)))
    }
    checked.forEach(({ t, i }, k) => {
      const oneHot = new Float64Array(t.size)
      for (let e = 0; e < t.size; e++) {
        oneHot.fill(0)
        oneHot[e] = 1
        const column = directional(fn, list, t, oneHot, eps)
        for (let j = 0; j < output.size; j++) {
          compare(rows[k][j][e], column[j], atol, () => `Jacobian mismatch for input ${i} at element ${indexOf(e, t.shape)} (flat ${e}), output element ${indexOf(j, output.shape)} (flat ${j})`)
        }
      }
    })
  }
  const report = { passed: message === undefined, worstAbsError, worstRelError, checked: count }
  return message === undefined ? report : { ...report, message: `gradcheck: ${message} (eps ${eps}, atol ${atol}, rtol ${rtol})` }
}

/**
 * true when the analytical and numerical Jacobians of `fn` agree (|a − n| ≤ atol + rtol·|n|) for
 * every input that requires grad; otherwise throws naming the input, the elements and both values
 * (or returns false when `raiseException` is false).
 */
export function gradcheck(fn: Fn, inputs: Tensor | readonly Tensor[], opts: GradcheckOptions = {}): boolean {
  const report = gradcheckReport(fn, inputs, opts)
  if (report.passed) return true
  if (opts.raiseException ?? true) throw new Error(report.message)
  return false
}
