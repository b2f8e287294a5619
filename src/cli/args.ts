// Argument parsing helpers on top of node's util.parseArgs: a UsageError (exit code 2) for anything the
// user typed wrong, and number parsing that names the option, the value and the allowed range.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { parseDecimal } from '../validation/checks.js'

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

const NEGATIVE_NUMBER = /^-(\d|\.\d)/

/**
 * `--steps -1` as `--steps=-1`: parseArgs reads a value that starts with '-' as an option and calls the
 * option ambiguous, when the user plainly meant a (wrong) number that deserves the range message.
 */
function joinNegativeNumbers(argv: string[], options: Options): string[] {
  const joined: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : null
    const next = argv[i + 1]
    if (name !== null && options[name]?.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      joined.push(`${arg}=${next}`)
      i++
    } else joined.push(arg)
  }
  return joined
}

/** parseArgs with --help, strict checking, and errors turned into UsageErrors. */
export function parseCommand<O extends Options>(argv: string[], options: O, usage: string): { values: ParsedValues<O> } {
  try {
    const all = { ...options, help: { type: 'boolean', short: 'h' } } as const
    const config: ParseArgsConfig = { args: joinNegativeNumbers(argv, all), options: all, strict: true, allowPositionals: false }
    return { values: parseArgs(config).values as ParsedValues<O> }
  } catch (error) {
    throw new UsageError(parseErrorMessage(error), usage)
  }
}

/** parseArgs's first sentence, without its advice about '--' (no command takes positional arguments). */
function parseErrorMessage(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]
  const unknown = /^Unknown option '([^']+)'/.exec(message)
  if (unknown) return `unknown option '${unknown[1]}'`
  const positional = /^Unexpected argument '([^']*)'/.exec(message)
  if (positional) return `unexpected argument '${positional[1]}': options take the form --name VALUE`
  const missing = /^Option '(-\w, )?(--[\w-]+) <value>' argument missing/.exec(message)
  if (missing) return `${missing[2]} needs a value`
  const notBoolean = /^Option '(-\w, )?(--[\w-]+)' does not take an argument/.exec(message)
  if (notBoolean) return `${notBoolean[2]} takes no value`
  return message
}

/** An integer option in [min, max], or its default when absent. */
export function integerOption(name: string, raw: string | undefined, fallback: number, min: number, max: number, usage: string): number {
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) throw new UsageError(`--${name} must be an integer, got '${raw}'`, usage)
  if (value < min || value > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${value}`, usage)
  return value
}

/** A number option in [min, max] (inclusive; `above` makes min exclusive), or its default when absent. */
export function numberOption(
  name: string,
  raw: string | undefined,
  fallback: number | undefined,
  min: number,
  max: number,
  usage: string,
  { above = false }: { above?: boolean } = {},
): number | undefined {
  if (raw === undefined) return fallback
  const value = parseDecimal(raw.trim())
  if (!Number.isFinite(value)) throw new UsageError(`--${name} must be a decimal number, got '${raw}'`, usage)
  if ((above ? value <= min : value < min) || value > max) {
    throw new UsageError(`--${name} must be ${above ? `greater than ${min} and at most ${max}` : `between ${min} and ${max}`}, got ${value}`, usage)
  }
  return value
}

/** One of a fixed set of words. */
export function choiceOption<T extends string>(name: string, raw: string | undefined, fallback: T, choices: readonly T[], usage: string): T {
  if (raw === undefined) return fallback
  if (!choices.includes(raw as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${raw}'`, usage)
  return raw as T
}

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }

/** A size in bytes such as 512M, 2G or 1.5G (binary units; a bare number is bytes), or `fallback`. */
export function sizeOption(name: string, raw: string | undefined, fallback: number, usage: string): number {
  if (raw === undefined) return fallback
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(raw.trim())
  const bytes = match ? Number(match[1]) * UNITS[match[2].toUpperCase()] : NaN
  if (!(bytes >= 1)) throw new UsageError(`--${name} must be a size such as 512M or 2G, got '${raw}'`, usage)
  return Math.floor(bytes)
}
