// Checking what callers pass in, before anything is allocated or changed: unknown option keys (usually
// typos such as hidden_size) and bad values are errors that name the caller, the option and what came.
// Every layer of seqgrad uses these; this module imports nothing, so any layer may.

export function checkOptionKeys(where: string, opts: unknown, allowed: readonly string[]): void {
  if (opts === null || typeof opts !== 'object') throw new Error(`${where}: expected an options object, got ${describe(opts)}`)
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

/** A probability p with 0 ≤ p < 1 (dropout). */
export function checkDropout(where: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) throw new Error(`${where}: dropout must be a number in [0, 1), got ${describe(value)}`)
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
