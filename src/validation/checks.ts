// Checking what callers pass in, before anything is allocated or changed: unknown option keys (usually
// typos such as hidden_size) and bad values are errors that name the caller, the option and what came.
// Every layer of seqgrad uses these; this module imports nothing, so any layer may.

export function checkOptionKeys(where: string, opts: unknown, allowed: readonly string[]): void {
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts) || ArrayBuffer.isView(opts)) {
    throw new Error(`${where}: expected an options object, got ${describe(opts)}; its options are ${allowed.join(', ')}`)
  }
  for (const key of Object.keys(opts)) {
    if (!allowed.includes(key)) {
      const camel = key.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase())
      const hint = allowed.includes(camel) ? ` (did you mean ${camel}?)` : ''
      throw new Error(`${where}: unknown option '${key}'${hint}; expected one of ${allowed.join(', ')}`)
    }
  }
}

export function checkBoolean(where: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new Error(`${where}: ${name} must be true or false, got ${describe(value)}`)
  return value
}

export function checkOneOf<T extends string>(where: string, name: string, value: unknown, choices: readonly T[]): T {
  if (!choices.includes(value as T)) throw new Error(`${where}: ${name} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${describe(value)}`)
  return value as T
}

/** A probability p with 0 ≤ p < 1 (dropout, or the option `name`). */
export function checkDropout(where: string, value: unknown, name = 'dropout'): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) throw new Error(`${where}: ${name} must be a number in [0, 1), got ${describe(value)}`)
  return value
}

/** A short description of any value, for error messages. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value)
  if (Array.isArray(value)) return value.length <= 8 && value.every((v) => typeof v === 'number') ? `the array [${value.join(', ')}]` : `an array of length ${value.length}`
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`
  return `${typeof value} ${String(value)}`
}

/** A positive integer option, or an error naming the option and what came. */
export function checkPositiveInt(where: string, name: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) <= 0) throw new Error(`${where}: ${name} must be a positive integer, got ${describe(value)}`)
  return value as number
}

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

/** A number written in decimal ('0.01', '-2', '1e-3', '.5'), or NaN for anything else: Number() would also take '0x10', '0b1', ' ', 'Infinity'. */
export function parseDecimal(text: string): number {
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : NaN
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

/**
 * A plain object — `{}`, a JSON object, or `Object.create(null)` — to read as a record of named values.
 * Arrays, Maps, typed arrays and class instances (a Tensor, a Date) are not: reading their own keys as
 * names would silently find none, or the wrong ones.
 */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === null || Object.getPrototypeOf(proto) === null // Object.prototype, of whichever realm
}

/** What a record was expected to be, and what came instead (with a hint for a Map). */
export function describeNonRecord(value: unknown): string {
  return value instanceof Map ? `${describe(value)}; pass a plain object, e.g. Object.fromEntries(map)` : describe(value)
}

/** An integer ≥ min that is also safe (at most 2^53 − 1), as counts read from files must be. */
export function safeIntegerAtLeast(where: string, name: string, value: unknown, min: number): number {
  if (!Number.isInteger(value) || (value as number) < min) throw new Error(`${where}: ${name} must be an integer ≥ ${min}, got ${describe(value)}`)
  if (!Number.isSafeInteger(value)) throw new Error(`${where}: ${name} must be an integer ≥ ${min} no larger than 2^53 − 1, got ${describe(value)}`)
  return value as number
}

/** The row-major index [i0, i1, …] of flat element `flat` in an array of `shape`. */
export function unravelIndex(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length)
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = flat % shape[d]
    flat = Math.floor(flat / shape[d])
  }
  return index
}

/** The index of the first NaN or ±Infinity in `data`, or -1 when every value is finite. */
export function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i
  return -1
}

/** Element `flat` of an array of `shape`, for messages: "element 5 ([1, 2])". */
export function describeElement(flat: number, shape: readonly number[]): string {
  return shape.length > 1 ? `element ${flat} ([${unravelIndex(flat, shape).join(', ')}])` : `element ${flat}`
}

/** Throws, naming `name` and its first NaN or ±Infinity; `hint` ends the message (how to accept such values, where a caller can). */
export function checkFiniteValues(where: string, name: string, data: ArrayLike<number>, shape: readonly number[], hint = ''): void {
  const i = firstNonFinite(data)
  if (i >= 0) throw new Error(`${where}: ${name}: ${describeElement(i, shape)} is ${data[i]}${hint}`)
}

/** Throws, naming `name` and its first value below zero (−Infinity included; NaN is not below zero); `why` ends the message. */
export function checkNonNegativeValues(where: string, name: string, data: ArrayLike<number>, shape: readonly number[], why = ''): void {
  for (let i = 0; i < data.length; i++) if (data[i] < 0) throw new Error(`${where}: ${name}: ${describeElement(i, shape)} is ${data[i]}${why}`)
}
