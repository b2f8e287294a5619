// Gradient clipping, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_. Parameters whose grad is
// null are skipped. Norms are computed in double precision whatever the grads' dtype.
import { Tensor } from '../tensor/tensor.js'
import { checkOptionKeys, describe } from '../validation/checks.js'

export interface ClipGradNormOptions {
  /** Throw instead of scaling when the total norm is NaN or infinite (PyTorch's error_if_nonfinite). */
  errorIfNonfinite?: boolean
}

/**
 * Scales all gradients by one factor so that their total norm — the `normType`-norm of every gradient
 * element taken as one vector — is at most `maxNorm`: by maxNorm / (total + 1e-6) when that is below 1.
 * `normType` is any p > 0 or Infinity (max |g|). Returns the total norm before clipping.
 *
 * As in PyTorch, a non-finite total still scales unless `errorIfNonfinite`: an infinite total makes
 * the factor 0 (finite elements become 0, infinite ones NaN) and a NaN total makes every element NaN.
 */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, normType = 2, opts: ClipGradNormOptions = {}): number {
  checkOptionKeys('clipGradNorm', opts, ['errorIfNonfinite'])
  const { errorIfNonfinite = false } = opts
  const where = 'clipGradNorm'
  const grads = gradsOf(where, params)
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new Error(`${where}: maxNorm must be a number ≥ 0, got ${describe(maxNorm)}`)
  if (typeof normType !== 'number' || !(normType > 0)) throw new Error(`${where}: normType must be a number > 0 or Infinity, got ${describe(normType)}`)
  if (grads.length === 0) return 0
  // As PyTorch: the norm of the per-tensor norms (same value as one norm over everything).
  const norms = grads.map((g) => vectorNorm(g, normType))
  const total = vectorNorm(norms, normType)
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new Error(`${where}: the total norm of order ${normType} of the gradients is ${total}, so it cannot be clipped; pass { errorIfNonfinite: false } to scale by it anyway`)
  }
  const coef = Math.min(maxNorm / (total + 1e-6), 1) // NaN stays NaN, as torch.clamp keeps it
  if (!(coef >= 1)) for (const g of grads) for (let j = 0; j < g.length; j++) g[j] *= coef
  return total
}

/** Clamps every gradient element to [−clipValue, clipValue] (NaN stays NaN). */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  const where = 'clipGradValue'
  const grads = gradsOf(where, params)
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) throw new Error(`${where}: clipValue must be a number ≥ 0, got ${describe(clipValue)}`)
  for (const g of grads) {
    for (let j = 0; j < g.length; j++) {
      const x = g[j]
      if (x > clipValue) g[j] = clipValue
      else if (x < -clipValue) g[j] = -clipValue
    }
  }
}

function gradsOf(where: string, params: unknown): (Float32Array | Float64Array)[] {
  const list = params instanceof Tensor ? [params] : params !== null && typeof params === 'object' && Symbol.iterator in params ? Array.from(params as Iterable<unknown>) : null
  if (list === null) throw new Error(`${where}: params must be a Tensor or an array of Tensors, got ${describe(params)}`)
  const grads: (Float32Array | Float64Array)[] = []
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new Error(`${where}: params[${i}] must be a Tensor, got ${describe(p)}`)
    if (p.grad !== null) grads.push(p.grad.data as Float32Array | Float64Array)
  })
  return grads
}

/** ‖x‖_p; Infinity gives max |x|, and NaN anywhere gives NaN (as torch's reductions propagate it). */
function vectorNorm(x: ArrayLike<number>, p: number): number {
  let acc = 0
  if (p === Infinity) {
    for (let j = 0; j < x.length; j++) {
      const a = Math.abs(x[j])
      if (a > acc || a !== a) acc = a
    }
    return acc
  }
  if (p === 2) {
    for (let j = 0; j < x.length; j++) acc += x[j] * x[j]
    return Math.sqrt(acc)
  }
  if (p === 1) {
    for (let j = 0; j < x.length; j++) acc += Math.abs(x[j])
    return acc
  }
  for (let j = 0; j < x.length; j++) acc += Math.abs(x[j]) ** p
  return acc ** (1 / p)
}
