// Checking constructor options: unknown keys (usually typos such as hidden_size) and bad values are
// errors that name the option, before anything is allocated.
import { describe } from '../tensor/shape.js'

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
