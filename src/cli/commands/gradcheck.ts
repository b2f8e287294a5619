// `seqgrad gradcheck`: the library's own gradient checks — every op, cell, layer, model and loss in float64
// against central finite differences — as a pass/fail table with the worst errors. Exit code 1 on a failure.
import { runGradcheckSuite } from '../../gradcheck/suite.js'
import { integerOption, parseCommand } from '../args.js'

/** The defaults, as --help and the README state them. */
export const GRADCHECK_DEFAULTS = { seed: 0 } as const

export const GRADCHECK_USAGE = `usage: seqgrad gradcheck [--full] [--seed ${GRADCHECK_DEFAULTS.seed}] [--only TEXT]

Runs gradcheck (float64, central differences, atol 1e-5, rtol 1e-3) over every differentiable op, cell,
layer, model and loss, and prints a table with each case's worst absolute and relative error.

  --full       compare whole Jacobians everywhere (default: random projections vᵀJu for the large cases)
  --seed S     seed of the random inputs (default ${GRADCHECK_DEFAULTS.seed})
  --only TEXT  run only the cases whose group or name contains TEXT (default: all)`

const format = (v: number) => (Number.isFinite(v) ? v.toExponential(1) : String(v))

export function gradcheckCommand(argv: string[]): number {
  const { values } = parseCommand(argv, { full: { type: 'boolean' }, seed: { type: 'string' }, only: { type: 'string' } }, GRADCHECK_USAGE)
  if (values.help) {
    process.stdout.write(`${GRADCHECK_USAGE}\n`)
    return 0
  }
  const seed = integerOption('seed', values.seed, GRADCHECK_DEFAULTS.seed, 0, Number.MAX_SAFE_INTEGER, GRADCHECK_USAGE)
  const only = values.only
  process.stdout.write(`${'group'.padEnd(7)} ${'case'.padEnd(52)} ${'result'.padEnd(6)} ${'worst abs'.padStart(9)} ${'worst rel'.padStart(9)} ${'ms'.padStart(7)}\n`)
  const summary = runGradcheckSuite({
    seed,
    fast: !values.full,
    filter: only === undefined ? undefined : (c) => c.group.includes(only) || c.name.includes(only),
    onResult: (c, o, ms) => {
      const line = `${c.group.padEnd(7)} ${c.name.padEnd(52)} ${(o.passed ? 'pass' : 'FAIL').padEnd(6)} ${format(o.worstAbsError).padStart(9)} ${format(o.worstRelError).padStart(9)} ${ms.toFixed(0).padStart(7)}`
      process.stdout.write(`${line}\n${o.passed || o.message === undefined ? '' : `        ${o.message}\n`}`)
    },
  })
  process.stdout.write(`\n${summary.cases - summary.failed} of ${summary.cases} cases pass\n`)
  if (summary.cases === 0) throw new Error(`no case matches --only ${only}`)
  return summary.failed > 0 ? 1 : 0
}
