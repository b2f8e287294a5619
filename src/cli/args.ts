// Argument parsing helpers on top of node's util.parseArgs: a UsageError (exit code 2) for anything the
// user typed wrong, and number parsing that names the option, the value and the allowed range.
import { parseArgs, type ParseArgsConfig } from 'node:util'

/** A mistake in the command line: the CLI prints it with a usage line and exits with code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message)
  }
}

type Options = Record<string, { type: 'string' | 'boolean'; short?: string }>

/** The parsed values: strings for string options, booleans for flags, undefined when absent. */
export type ParsedValues<O extends Options> = { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string } & { help?: boolean }

/** parseArgs with --help, strict checking, and errors turned into UsageErrors. */
export function parseCommand<O extends Options>(argv: string[], options: O, usage: string): { values: ParsedValues<O> } {
  try {
    const config: ParseArgsConfig = { args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }
    return { values: parseArgs(config).values as ParsedValues<O> }
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0], usage)
  }
}

/** An integer option in [min, max], or its default when absent. */
export function integerOption(name: string, raw: string | undefined, fallback: number, min: number, max: number, usage: string): number {
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) throw new UsageError(`--${name} must be an integer, got '${raw}'`, usage)
  if (value < min || value > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${value}`, usage)
  return value
}

/** A number option in [min, max] (inclusive), or its default when absent. */
export function numberOption(name: string, raw: string | undefined, fallback: number | undefined, min: number, max: number, usage: string): number | undefined {
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${name} must be a number, got '${raw}'`, usage)
  if (value < min || value > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${value}`, usage)
  return value
}

/** One of a fixed set of words. */
export function choiceOption<T extends string>(name: string, raw: string | undefined, fallback: T, choices: readonly T[], usage: string): T {
  if (raw === undefined) return fallback
  if (!choices.includes(raw as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${raw}'`, usage)
  return raw as T
}
