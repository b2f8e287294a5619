// Checks for optimizer and schedule options. Each returns the value or throws an Error that names the
// caller, the option and what came, so `new Adam(ps, { lr: -1 })` says `Adam: lr must be … got number -1`.
import { checkBoolean, checkOneOf, checkOptionKeys } from '../models/options.js'
import { isFloat } from '../tensor/dtype.js'
import { describe } from '../tensor/shape.js'
import { Tensor } from '../tensor/tensor.js'

export { checkBoolean, checkOneOf, checkOptionKeys }

/** A finite number ≥ 0 (NaN, Infinity and negatives are errors). */
export function nonNegative(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${where}: ${name} must be a finite number ≥ 0, got ${describe(value)}`)
  }
  return value
}

/** Any finite number. */
export function finite(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${where}: ${name} must be a finite number, got ${describe(value)}`)
  return value
}

/** A finite number with lo ≤ value < hi. */
export function inRange(where: string, name: string, value: unknown, lo: number, hi: number): number {
  if (typeof value !== 'number' || !(value >= lo && value < hi)) throw new Error(`${where}: ${name} must be a number in [${lo}, ${hi}), got ${describe(value)}`)
  return value
}

/** An integer ≥ min. */
export function integerAtLeast(where: string, name: string, value: unknown, min: number): number {
  if (!Number.isInteger(value) || (value as number) < min) throw new Error(`${where}: ${name} must be an integer ≥ ${min}, got ${describe(value)}`)
  return value as number
}

/** Betas [β1, β2], each in [0, 1). */
export function checkBetas(where: string, value: unknown): [number, number] {
  if (!Array.isArray(value) || value.length !== 2) throw new Error(`${where}: betas must be an array [beta1, beta2], got ${describe(value)}`)
  return [inRange(where, 'betas[0]', value[0], 0, 1), inRange(where, 'betas[1]', value[1], 0, 1)]
}

/** Options with defaults filled in, after rejecting unknown keys (with a camelCase hint for snake_case). */
export function withDefaults<T extends object>(where: string, opts: unknown, defaults: T, extraKeys: readonly string[] = []): T {
  if (opts === undefined) opts = {}
  checkOptionKeys(where, opts, [...Object.keys(defaults), ...extraKeys])
  const out = { ...defaults }
  for (const [key, value] of Object.entries(opts as object)) if (value !== undefined) (out as Record<string, unknown>)[key] = value
  return out
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** JSON has no Infinity or NaN: such numbers travel as the strings 'Infinity', '-Infinity', 'NaN'. */
export function encodeNumber(x: number): number | string {
  return Number.isFinite(x) ? x : String(x)
}

export function decodeNumber(where: string, name: string, value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (value === 'Infinity' || value === '-Infinity' || value === 'NaN') return Number(value)
  throw new Error(`${where}: ${name} must be a finite number or 'Infinity', '-Infinity', 'NaN', got ${describe(value)}`)
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
