// The cells a comparison trains, as `--cells` names them: a comma list of KIND[:KEY=VALUE]..., e.g.
// `rnn,irnn,lstm,lstm:forget-bias=2,gru,gru:reset-after=false`. A spec is plain data (it travels to worker
// threads and into results.json); its options hold only what differs from the kind's default, so two ways
// of writing one cell are one cell. Labels name each variant in tables and charts.
import type { CellKind } from '../models/recurrent.js'
import { parseDecimal } from '../validation/checks.js'

export interface CellOptions {
  /** RNN only: tanh is the default. */
  nonlinearity?: 'relu'
  /** RNN only: W_hh = I, biases 0, W_ih ~ N(0, 0.001²) (Le et al. 2015). */
  init?: 'identity'
  /** LSTM only: the total forget-gate bias b_if + b_hf, set as b_if = B, b_hf = 0. */
  forgetBias?: number
  /** GRU only: false is the GRU of Cho et al. 2014, n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn); true, PyTorch's, is the default. */
  resetAfter?: false
  /** This cell's hidden size, in place of the comparison's. */
  hidden?: number
}

export interface CellSpec {
  kind: CellKind
  options: CellOptions
}

/** A mistake in a `--cells` list; `part` is the entry (or key) at fault. */
export class CellSpecError extends Error {
  constructor(
    message: string,
    readonly part: string,
  ) {
    super(message)
    this.name = 'CellSpecError'
  }
}

/** What `--cells` takes, for a command's help. */
export const CELL_SPEC_HELP = `comma list of KIND[:KEY=VALUE]... (default rnn,lstm,gru):
  rnn[:nonlinearity=tanh|relu][:init=identity]   plain RNN; init=identity sets W_hh = I, biases 0
  irnn                                            rnn:nonlinearity=relu:init=identity (Le et al. 2015)
  lstm[:forget-bias=B]                            B is the total forget-gate bias b_if + b_hf at init
  gru[:reset-after=false]                         PyTorch's GRU (r ⊙ (W_hn h + b_hn)); false: Cho et al. 2014 (W_hn (r ⊙ h))
  any of them [:hidden=H]                         its own hidden size
  e.g. rnn,irnn,lstm,lstm:forget-bias=2,gru`

const KINDS = ['rnn', 'lstm', 'gru'] as const
const KEYS: Record<CellKind, readonly string[]> = { rnn: ['nonlinearity', 'init', 'hidden'], lstm: ['forget-bias', 'hidden'], gru: ['reset-after', 'hidden'] }
export const MAX_HIDDEN = 4096

/**
 * The cells of a `--cells` list, in order; throws a CellSpecError naming the first bad part. Given the run's
 * `hidden` size, an entry whose own hidden size equals it is the same cell as the entry without one.
 */
export function parseCellSpecs(text: string, hidden?: number): CellSpec[] {
  if (typeof text !== 'string' || text.trim() === '') throw new CellSpecError('--cells is empty: give a comma list such as rnn,lstm,gru', String(text))
  const entries = text.split(',').map((e) => e.trim())
  const specs = entries.map((entry, i) => {
    if (entry === '') throw new CellSpecError(`--cells has an empty entry (number ${i + 1} in '${text}')`, entry)
    return parseCellSpec(entry)
  })
  const seen = new Map<string, { entry: string; atRunHidden: boolean }>()
  specs.forEach((spec, i) => {
    const atRunHidden = spec.options.hidden !== undefined && spec.options.hidden === hidden
    const key = formatCellSpec(atRunHidden ? { kind: spec.kind, options: { ...spec.options, hidden: undefined } } : spec)
    const earlier = seen.get(key)
    if (earlier !== undefined) {
      const said = atRunHidden || earlier.atRunHidden ? `${key} at hidden size ${hidden}, the run's (--hidden)` : key
      throw new CellSpecError(`--cells names one cell twice: '${earlier.entry}' and '${entries[i]}' are both ${said}`, entries[i])
    }
    seen.set(key, { entry: entries[i], atRunHidden })
  })
  return specs
}

/** One entry: KIND[:KEY=VALUE]... */
export function parseCellSpec(entry: string): CellSpec {
  const [head, ...pairs] = entry.split(':').map((p) => p.trim())
  const irnn = head === 'irnn'
  const kind = irnn ? 'rnn' : KINDS.find((k) => k === head)
  if (kind === undefined) throw new CellSpecError(`--cells: '${head}' in '${entry}' is not a cell; expected rnn, irnn, lstm or gru`, head)
  const options: CellOptions = irnn ? { nonlinearity: 'relu', init: 'identity' } : {}
  const given = new Set<string>()
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0 || eq === pair.length - 1) throw new CellSpecError(`--cells: '${pair}' in '${entry}' is not KEY=VALUE`, pair)
    const key = pair.slice(0, eq).trim()
    const value = pair.slice(eq + 1).trim()
    if (!KEYS[kind].includes(key)) throw new CellSpecError(`--cells: ${head} has no option '${key}' (in '${entry}'); ${head} takes ${KEYS[kind].join(', ')}`, pair)
    if (given.has(key)) throw new CellSpecError(`--cells: '${key}' is given twice in '${entry}'`, pair)
    given.add(key)
    if (irnn && key !== 'hidden') throw new CellSpecError(`--cells: irnn already means rnn:nonlinearity=relu:init=identity; write rnn:KEY=VALUE... for another RNN ('${pair}' in '${entry}')`, pair)
    setOption(options, key, value, `'${pair}' in '${entry}'`)
  }
  return { kind, options }
}

function setOption(options: CellOptions, key: string, value: string, where: string): void {
  const bad = (expected: string) => new CellSpecError(`--cells: ${where}: ${key} must be ${expected}, got '${value}'`, `${key}=${value}`)
  switch (key) {
    case 'nonlinearity':
      if (value !== 'tanh' && value !== 'relu') throw bad('tanh or relu')
      if (value === 'relu') options.nonlinearity = 'relu'
      return
    case 'init':
      if (value !== 'identity' && value !== 'default') throw bad('identity or default')
      if (value === 'identity') options.init = 'identity'
      return
    case 'forget-bias': {
      const b = parseDecimal(value)
      if (!(Math.abs(b) <= 100)) throw bad('a number between -100 and 100 (the total b_if + b_hf)')
      options.forgetBias = b + 0 // never -0
      return
    }
    case 'reset-after':
      if (value !== 'true' && value !== 'false') throw bad('true or false')
      if (value === 'false') options.resetAfter = false
      return
    case 'hidden': {
      const h = /^\d+$/.test(value) ? Number(value) : NaN
      if (!(h >= 1 && h <= MAX_HIDDEN)) throw bad(`an integer from 1 to ${MAX_HIDDEN}`)
      options.hidden = h
      return
    }
  }
}

/** The spec written canonically, defaults left out: 'lstm:forget-bias=2', 'irnn', 'rnn:nonlinearity=relu'. */
export function formatCellSpec({ kind, options: o }: CellSpec): string {
  const parts: string[] = [kind]
  if (kind === 'rnn' && o.nonlinearity === 'relu' && o.init === 'identity') parts[0] = 'irnn'
  else {
    if (o.nonlinearity === 'relu') parts.push('nonlinearity=relu')
    if (o.init === 'identity') parts.push('init=identity')
  }
  if (o.forgetBias !== undefined) parts.push(`forget-bias=${o.forgetBias}`)
  if (o.resetAfter === false) parts.push('reset-after=false')
  if (o.hidden !== undefined) parts.push(`hidden=${o.hidden}`)
  return parts.join(':')
}

/** The name in tables and charts: 'RNN (tanh)', 'IRNN', 'LSTM, forget bias 2', 'GRU (Cho et al. 2014)', '…, hidden 64'. */
export function cellLabel({ kind, options: o }: CellSpec): string {
  let label: string
  if (kind === 'rnn') {
    if (o.init === 'identity') label = o.nonlinearity === 'relu' ? 'IRNN' : 'RNN (tanh), identity init'
    else label = o.nonlinearity === 'relu' ? 'RNN (ReLU)' : 'RNN (tanh)'
  } else if (kind === 'lstm') label = o.forgetBias === undefined ? 'LSTM' : `LSTM, forget bias ${o.forgetBias}`
  else label = o.resetAfter === false ? 'GRU (Cho et al. 2014)' : 'GRU'
  return o.hidden === undefined ? label : `${label}, hidden ${o.hidden}`
}

/** A kind alone as a spec with no options (what `--cells rnn,lstm,gru` gives). */
export function toCellSpec(cell: CellKind | CellSpec): CellSpec {
  return typeof cell === 'string' ? { kind: cell, options: {} } : cell
}

/** The spec is its kind's default cell (options other than hidden left at their defaults). */
export function isDefaultVariant({ options: o }: CellSpec): boolean {
  return o.nonlinearity === undefined && o.init === undefined && o.forgetBias === undefined && o.resetAfter === undefined
}
