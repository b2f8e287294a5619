// `seqgrad compare`: trains each cell variant on the same task, data, seeds and budget, prints the results
// table and the usual advice measured against it, and writes report.md, results.json and the SVG charts to
// --out. The options, the data, the output directory and the memory the runs need at once are all checked
// before the first run trains; the runs themselves are in compare-run.ts.
import { availableParallelism } from 'node:os'
import { CELL_SPEC_HELP, CellSpecError, parseCellSpecs, type CellSpec } from '../../compare/cell-spec.js'
import { planComparison, type BudgetMatch } from '../../compare/plan.js'
import { TASK_NAMES, taskByName, type TaskName } from '../../compare/tasks.js'
import { choiceOption, integerOption, numberOption, parseCommand, sizeOption, UsageError } from '../args.js'
import { prepareDirectory } from '../files.js'
import { checkMemory, compareMemory, defaultMemoryLimit, type CompareWorkload } from '../memory.js'
import { readTextFile } from '../text.js'
import { runCompare } from './compare-run.js'

/** The defaults, as --help and the README state them (--length, --steps and --lr depend on the task, --jobs on the machine). */
export const COMPARE_DEFAULTS = { task: 'adding', cells: 'rnn,lstm,gru', hidden: 32, match: 'hidden', batch: 32, seeds: 5, seed: 0, out: 'seqgrad-report' } as const
const D = COMPARE_DEFAULTS

/** CELL_SPEC_HELP's lines after its first, indented under the option's description. */
const cellsHelp = (() => {
  const [first, ...rest] = CELL_SPEC_HELP.split('\n')
  return [first, ...rest.map((line) => `${' '.repeat(19)}${line}`)].join('\n')
})()

export const COMPARE_USAGE = `usage: seqgrad compare [--task ${D.task}|reber|copy|text] [--cells ${D.cells}] [--length T] [--hidden ${D.hidden}]
                      [--match ${D.match}|params] [--steps N] [--lr R] [--selection-steps N] [--batch ${D.batch}]
                      [--seeds ${D.seeds}] [--seed ${D.seed}] [--jobs J] [--data FILE] [--out ${D.out}] [--max-memory SIZE]

Trains each cell (a plain tanh RNN, an LSTM and a GRU, or the variants --cells names) on the same task with
the same data and step budget, on each of --seeds seeds, then prints a table (per cell: parameters, memory,
time, tokens/s, the median metric and its range over the seeds, and the verdict from the k of N seeds that
solved the task) and the usual advice on choosing a cell, measured against it; it writes DIR/report.md,
DIR/results.json (docs/results-schema.md) and SVG charts, including the gradient norm ‖∂L/∂h_t‖ over time
steps. The runs are independent and train --jobs at a time in worker threads; every number but the times
is the same whatever --jobs is.

  --task NAME        adding: sum two marked values of a long sequence; reber: embedded Reber grammar;
                     copy: recall symbols after a delay; text: character model of --data FILE (default ${D.task})
  --cells LIST       ${cellsHelp}
  --length T         sequence length (adding), delay (copy) or window (reber, text) (default: per task)
  --hidden H         hidden size of every cell that sets none (default ${D.hidden})
  --match M          hidden: every cell at its hidden size; params: hidden sizes chosen so that each cell's
                     parameter count is nearest the largest cell's at --hidden (default ${D.match})
  --steps N          training steps of every run (default: per task and length)
  --lr R             Adam's learning rate, or a comma list of them: each cell then trains with the one whose
                     --selection-steps trial runs score best on a validation split (default: per task)
  --selection-steps N  steps of each trial run of a --lr list (default: a fifth of --steps)
  --batch B          batch size (default ${D.batch})
  --seeds N          seeds every cell trains on: --seed, --seed + 1, … (default ${D.seeds})
  --seed S           the first seed; a seed sets the data and the initialisation (default ${D.seed})
  --jobs J           runs training at once, in worker threads; 1 trains in this thread
                     (default: this machine's cores, ${availableParallelism()})
  --data FILE        the text file (UTF-8) for --task text
  --out DIR          output directory (default ${D.out})
  --max-memory SIZE  refuse a configuration estimated to need more, such as 512M or 2G
                     (default: half of this machine's memory)`

const u = COMPARE_USAGE

function parseCells(raw: string | undefined, hidden: number): CellSpec[] {
  try {
    return parseCellSpecs(raw ?? D.cells, hidden)
  } catch (error) {
    if (error instanceof CellSpecError) throw new UsageError(error.message, u)
    throw error
  }
}

/** --lr: one rate, or a comma list of distinct rates to choose from. */
function parseLearningRates(raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined
  const rates = raw.split(',').map((part) => numberOption('lr', part.trim(), undefined, 0, 10, u, { above: true }) as number)
  const twice = rates.find((r, i) => rates.indexOf(r) !== i)
  if (twice !== undefined) throw new UsageError(`--lr lists ${twice} twice: '${raw}'`, u)
  return rates
}

export async function compareCommand(argv: string[], out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const { values } = parseCommand(
    argv,
    {
      task: { type: 'string' }, cells: { type: 'string' }, length: { type: 'string' }, hidden: { type: 'string' }, match: { type: 'string' },
      steps: { type: 'string' }, lr: { type: 'string' }, 'selection-steps': { type: 'string' }, batch: { type: 'string' }, seeds: { type: 'string' },
      seed: { type: 'string' }, jobs: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' }, 'max-memory': { type: 'string' },
    },
    u,
  )
  if (values.help) {
    out.write(`${u}\n`)
    return 0
  }
  const taskName = choiceOption<TaskName>('task', values.task, D.task, TASK_NAMES, u)
  if (taskName === 'text' && values.data === undefined) throw new UsageError('--task text needs --data FILE, the text to model', u)
  if (taskName !== 'text' && values.data !== undefined) throw new UsageError(`--data is the text for --task text; add --task text to model ${values.data}, or drop --data`, u)
  if (values.out === '') throw new UsageError(`--out needs a directory name, such as ${D.out}`, u)
  const hidden = integerOption('hidden', values.hidden, D.hidden, 1, 4096, u)
  const cells = parseCells(values.cells, hidden)
  const match = choiceOption<BudgetMatch>('match', values.match, D.match, ['hidden', 'params'], u)
  const batchSize = integerOption('batch', values.batch, D.batch, 1, 65536, u)
  const seeds = integerOption('seeds', values.seeds, D.seeds, 1, 1000, u)
  // a run of seed s also draws from s + 1, s + 2 and s + 3 (its test set, probe and validation split), and
  // the last run's seed is --seed + --seeds - 1: every one of them must stay a safe integer
  const maxSeed = Number.MAX_SAFE_INTEGER - 3 - (seeds - 1)
  const seed = integerOption('seed', values.seed, D.seed, 0, Number.MAX_SAFE_INTEGER, u)
  if (seed > maxSeed) throw new UsageError(`--seed must be between 0 and ${maxSeed} with --seeds ${seeds} (the last run's seed and the three after it must stay below 2^53), got ${seed}`, u)
  const jobs = integerOption('jobs', values.jobs, availableParallelism(), 1, 256, u)
  const learningRates = parseLearningRates(values.lr)
  const limit = sizeOption('max-memory', values['max-memory'], defaultMemoryLimit(), u)
  const lengthRaw = values.length
  integerOption('length', lengthRaw, 0, 2, 100000, u) // the ranges, before reading any data
  integerOption('steps', values.steps, 0, 1, 10_000_000, u)
  integerOption('selection-steps', values['selection-steps'], 0, 1, 10_000_000, u)
  if (values['selection-steps'] !== undefined && (learningRates?.length ?? 1) < 2) throw new UsageError('--selection-steps is the length of the trial runs that choose among several --lr values; give --lr a comma list, or drop --selection-steps', u)
  const text = taskName === 'text' ? readTextFile(values.data as string).text : undefined
  const task = taskByName(taskName, { text })
  const length = integerOption('length', lengthRaw, task.defaultLength, 2, 100000, u)
  const steps = integerOption('steps', values.steps, task.defaultSteps(length), 1, 10_000_000, u)
  const selectionSteps = values['selection-steps'] === undefined ? undefined : integerOption('selection-steps', values['selection-steps'], 0, 1, 10_000_000, u)
  // a trial run stands in for the final run at a lower cost: longer than it would cost more than the run it chooses for
  if (selectionSteps !== undefined && selectionSteps > steps) throw new UsageError(`--selection-steps ${selectionSteps} is more than --steps ${steps}: the trial runs that choose the lr must be at most as long as the final runs; give --selection-steps ${steps} or fewer`, u)
  const settings = { length, hidden, batchSize, seed }

  // Memory: the runs that train at once, each at its own hidden size. Checked at the sizes the command line
  // gives before planning (which builds each model to count its parameters), then at the sizes --match
  // params chose.
  const workload: CompareWorkload = { task: taskName, length, batch: batchSize, text: text === undefined ? null : { characters: text.length, vocabulary: new Set(text).size } }
  const concurrent = Math.min(jobs, cells.length * seeds * Math.max(1, learningRates?.length ?? 1))
  const memory = (sizes: { cell: CellSpec['kind']; hidden: number }[]) =>
    checkMemory(compareMemory(workload, sizes, concurrent), limit, {
      shrink: '--length, --hidden or --batch',
      ...(concurrent > 1 ? { also: `give fewer --jobs (${concurrent} runs train at once)` } : {}),
      limitSource: values['max-memory'] === undefined ? "half of this machine's memory" : `--max-memory ${values['max-memory']}`,
      usage: u,
    })
  memory(cells.map((c) => ({ cell: c.kind, hidden: c.options.hidden ?? hidden })))
  const plan = planComparison({ task, cells, settings, steps, seeds, match, ...(learningRates ? { learningRates } : {}), ...(selectionSteps === undefined ? {} : { selectionSteps }) })
  if (match === 'params') memory(plan.cells.map((c) => ({ cell: c.spec.kind, hidden: c.hiddenSize })))
  // The text task checks that the text fills the streams and windows when it builds a model: build one now,
  // so a short text is refused before --out is made (each run seeds and builds its model afresh)
  if (taskName === 'text') task.create(plan.cells[0].spec, { ...settings, hidden: plan.cells[0].hiddenSize })
  const created: string[] = []
  const dir = prepareDirectory(values.out ?? D.out, 'the output directory (--out)', created) // last: a refused run creates nothing
  return runCompare({ task, plan, jobs, dir, created, out })
}
