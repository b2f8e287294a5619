// The checks only optimizers need; the general ones are in src/validation. Each returns the value or
// throws an Error that names the caller, the option and what came.
import { isFloat } from '../tensor/dtype.js'
import { Tensor } from '../tensor/tensor.js'
import { describe, inRange } from '../validation/checks.js'

/** Betas [β1, β2], each in [0, 1). */
export function checkBetas(where: string, value: unknown): [number, number] {
  if (!Array.isArray(value) || value.length !== 2) throw new Error(`${where}: betas must be an array [beta1, beta2], got ${describe(value)}`)
  return [inRange(where, 'betas[0]', value[0], 0, 1), inRange(where, 'betas[1]', value[1], 0, 1)]
}

/** The tensors an optimizer updates: a non-empty list of distinct float leaves that require grad. */
export function checkParams(where: string, params: unknown): Tensor[] {
  if (params instanceof Tensor || params === null || typeof params !== 'object' || !(Symbol.iterator in params)) {
    throw new Error(`${where}: params must be an array of Tensors (e.g. model.parameters()), got ${params instanceof Tensor ? 'a single Tensor; wrap it in an array' : describe(params)}`)
  }
  const list = Array.from(params as Iterable<unknown>)
  if (list.length === 0) throw new Error(`${where}: params is empty; pass the tensors to optimize, e.g. model.parameters()`)
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new Error(`${where}: params[${i}] must be a Tensor, got ${describe(p)}`)
    if (!isFloat(p.dtype)) throw new Error(`${where}: params[${i}] is ${p.dtype}; only float tensors can be optimized`)
    if (!p.isLeaf) throw new Error(`${where}: params[${i}] is not a leaf (it comes from ${p.gradFn?.name}); optimize the tensors the graph starts from`)
    if (!p.requiresGrad) throw new Error(`${where}: params[${i}] does not require grad; set requiresGrad = true on it first`)
    const first = list.indexOf(p)
    if (first !== i) throw new Error(`${where}: params[${i}] is the same tensor as params[${first}]; each parameter may appear only once`)
  })
  return list as Tensor[]
}
