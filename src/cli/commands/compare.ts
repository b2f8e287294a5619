// `seqgrad compare`: trains each cell on the same task, data, seed and budget, prints the results table and
// writes report.md, results.json and the SVG charts to --out.
import { accessSync, constants, mkdirSync, readFileSync, statSync } from 'node:fs'
import { cpus } from 'node:os'
import { join, resolve } from 'node:path'
import { buildReport, resultsTable } from '../../compare/report.js'
import { runComparison } from '../../compare/runner.js'
import { TASK_NAMES, taskByName, type TaskName } from '../../compare/tasks.js'
import type { CellKind } from '../../models/recurrent.js'
import { choiceOption, integerOption, parseCommand, UsageError } from '../args.js'
import { writeFileAtomic } from '../files.js'
import { progressReporter } from '../progress.js'

export const COMPARE_USAGE = `usage: seqgrad compare [--task adding|reber|copy|text] [--cells rnn,lstm,gru] [--length T] [--hidden H]
                      [--steps N] [--batch B] [--seed S] [--data FILE] [--out DIR]

Trains a plain tanh RNN, an LSTM and a GRU on the same task with the same data, seed and step budget, then
prints a table (parameters, time, tokens/s, final loss and metric, verdict) and writes DIR/report.md,
DIR/results.json and SVG charts, including the gradient norm ‖∂L/∂h_t‖ over time steps for each cell.

  --task     adding (default): sum two marked values of a long sequence; reber: embedded Reber grammar;
             copy: recall symbols after a delay; text: character model of --data FILE
  --cells    comma-separated subset of rnn,lstm,gru (default all three)
  --length   sequence length (adding), delay (copy) or window (reber, text); default per task
  --hidden   hidden size (default 32)
  --steps    training steps per cell (default per task and length)
  --batch    batch size (default 32)
  --seed     seed for data and initialisation (default 0)
  --data     the text file for --task text
  --out      output directory (default seqgrad-report)`

const CELLS: readonly CellKind[] = ['rnn', 'lstm', 'gru']

function parseCells(raw: string | undefined): CellKind[] {
  if (raw === undefined) return [...CELLS]
  const cells = raw.split(',').map((c) => c.trim())
  const unknown = cells.find((c) => !CELLS.includes(c as CellKind))
  if (unknown !== undefined || cells.length === 0) throw new UsageError(`--cells takes a comma-separated subset of rnn,lstm,gru; '${unknown ?? raw}' is not a cell`, COMPARE_USAGE)
  if (new Set(cells).size !== cells.length) throw new UsageError(`--cells names a cell twice: '${raw}'`, COMPARE_USAGE)
  return cells as CellKind[]
}

function readText(path: string | undefined): string {
  if (path === undefined) throw new UsageError('--task text needs --data FILE, the text to model', COMPARE_USAGE)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new Error(`cannot read --data ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`)
  }
  if (text.length === 0) throw new Error(`--data ${path} is empty`)
  return text
}

/** Creates the output directory (if needed) and checks that it can be written, before any training. */
function prepareOutput(dir: string): string {
  const path = resolve(dir)
  try {
    mkdirSync(path, { recursive: true })
    if (!statSync(path).isDirectory()) throw new Error('not a directory')
    accessSync(path, constants.W_OK)
  } catch (error) {
    throw new Error(`cannot write to the output directory ${path}: ${(error as Error).message}`)
  }
  return path
}

export function compareCommand(argv: string[], out: NodeJS.WriteStream = process.stdout): void {
  const { values } = parseCommand(
    argv,
    {
      task: { type: 'string' },
      cells: { type: 'string' },
      length: { type: 'string' },
      hidden: { type: 'string' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      seed: { type: 'string' },
      data: { type: 'string' },
      out: { type: 'string' },
    },
    COMPARE_USAGE,
  )
  if (values.help) {
    out.write(`${COMPARE_USAGE}\n`)
    return
  }
  const taskName = choiceOption<TaskName>('task', values.task, 'adding', TASK_NAMES, COMPARE_USAGE)
  const cells = parseCells(values.cells)
  const text = taskName === 'text' ? readText(values.data) : undefined
  const task = taskByName(taskName, { text })
  const length = integerOption('length', values.length, task.defaultLength, 2, 100000, COMPARE_USAGE)
  const settings = {
    length,
    hidden: integerOption('hidden', values.hidden, 32, 1, 4096, COMPARE_USAGE),
    batchSize: integerOption('batch', values.batch, 32, 1, 65536, COMPARE_USAGE),
    seed: integerOption('seed', values.seed, 0, 0, Number.MAX_SAFE_INTEGER, COMPARE_USAGE),
  }
  const steps = integerOption('steps', values.steps, task.defaultSteps(length), 1, 10_000_000, COMPARE_USAGE)
  const dir = prepareOutput((values.out) ?? 'seqgrad-report')

  out.write(`${task.title}: ${cells.join(', ')}, length ${length}, hidden ${settings.hidden}, batch ${settings.batchSize}, ${steps} steps each, seed ${settings.seed}\n`)
  const result = runComparison({ task, cells, settings, steps, onProgress: progressReporter(out) })
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}`
  const files = buildReport(result, { date: new Date().toISOString().slice(0, 10), machine })
  for (const [name, content] of Object.entries(files)) writeFileAtomic(join(dir, name), content)
  out.write(`\n${resultsTable(result)}\n\n${task.verdictRule}.\nReport: ${join(dir, 'report.md')} (with results.json, loss.svg, metric.svg, gradient-norms.svg)\n`)
}
