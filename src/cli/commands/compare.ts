// `seqgrad compare`: trains each cell on the same task, data, seed and budget, prints the results table and
// writes report.md, results.json and the SVG charts to --out. The options, the data, the output directory
// and the memory the largest cell needs are all checked before the first cell trains.
import { cpus } from 'node:os'
import { join } from 'node:path'
import { buildReport, resultsTable } from '../../compare/report.js'
import { runComparison } from '../../compare/runner.js'
import { TASK_NAMES, taskByName, type TaskName } from '../../compare/tasks.js'
import type { CellKind } from '../../models/recurrent.js'
import { choiceOption, integerOption, parseCommand, sizeOption, UsageError } from '../args.js'
import { prepareDirectory, writeFileAtomic } from '../files.js'
import { checkMemory, defaultMemoryLimit, estimateMemory, type MemoryEstimate } from '../memory.js'
import { progressReporter } from '../progress.js'
import { readTextFile } from '../text.js'

/** The defaults, as --help and the README state them (--length and --steps depend on the task). */
export const COMPARE_DEFAULTS = { task: 'adding', cells: 'rnn,lstm,gru', hidden: 32, batch: 32, seed: 0, out: 'seqgrad-report' } as const
const D = COMPARE_DEFAULTS

export const COMPARE_USAGE = `usage: seqgrad compare [--task ${D.task}|reber|copy|text] [--cells ${D.cells}] [--length T] [--hidden ${D.hidden}]
                      [--steps N] [--batch ${D.batch}] [--seed ${D.seed}] [--data FILE] [--out ${D.out}] [--max-memory SIZE]

Trains a plain tanh RNN, an LSTM and a GRU on the same task with the same data, seed and step budget, then
prints a table (parameters, time, tokens/s, final loss and metric, verdict) and writes DIR/report.md,
DIR/results.json and SVG charts, including the gradient norm ‖∂L/∂h_t‖ over time steps for each cell.

  --task NAME        adding: sum two marked values of a long sequence; reber: embedded Reber grammar;
                     copy: recall symbols after a delay; text: character model of --data FILE (default ${D.task})
  --cells LIST       comma-separated subset of rnn,lstm,gru (default ${D.cells})
  --length T         sequence length (adding), delay (copy) or window (reber, text) (default: per task)
  --hidden H         hidden size (default ${D.hidden})
  --steps N          training steps per cell (default: per task and length)
  --batch B          batch size (default ${D.batch})
  --seed S           seed for data and initialisation (default ${D.seed})
  --data FILE        the text file (UTF-8) for --task text
  --out DIR          output directory (default ${D.out})
  --max-memory SIZE  refuse a configuration estimated to need more, such as 512M or 2G
                     (default: half of this machine's memory)`

const CELLS: readonly CellKind[] = ['rnn', 'lstm', 'gru']

function parseCells(raw: string | undefined): CellKind[] {
  if (raw === undefined) return [...CELLS]
  const cells = raw.split(',').map((c) => c.trim())
  const unknown = cells.find((c) => !CELLS.includes(c as CellKind))
  if (unknown !== undefined || cells.length === 0) throw new UsageError(`--cells takes a comma-separated subset of rnn,lstm,gru; '${unknown ?? raw}' is not a cell`, COMPARE_USAGE)
  if (new Set(cells).size !== cells.length) throw new UsageError(`--cells names a cell twice: '${raw}'`, COMPARE_USAGE)
  return cells as CellKind[]
}

// The sizes of each task's model and passes, as src/compare/{adding,copy,reber,text}.ts build them: the
// test sets and probes (512 and 32 sequences), Reber's 16 test streams of 540 symbols, and the text task's
// held-out tenth (at most 20,000 characters) read in the training batch's streams.
const TEST = 512
const PROBE = 32

/** The largest of the cells' memory estimates for `task` at these settings. */
function compareMemory(task: TaskName, cells: CellKind[], { length, hidden, batch }: { length: number; hidden: number; batch: number }, text: { characters: number; vocabulary: number } | null): MemoryEstimate {
  const estimates = cells.map((cell) => {
    const network = { cell, hidden, layers: 1 }
    const passes = (steps: number, evaluation: { batch: number; steps: number }) => ({ train: { batch, steps }, evaluation, probe: { batch: PROBE, steps }, checkpoints: false })
    switch (task) {
      case 'adding':
        return estimateMemory({ ...network, inputSize: 2, vocabulary: 0, outputs: 1, headPerStep: false }, { ...passes(length, { batch: TEST, steps: length }), dataBytes: 0 })
      case 'copy':
        return estimateMemory({ ...network, inputSize: 10, vocabulary: 0, outputs: 8, headPerStep: true }, { ...passes(length + 11, { batch: TEST, steps: length + 11 }), dataBytes: 0 })
      case 'reber':
        return estimateMemory({ ...network, inputSize: 8, vocabulary: 7, outputs: 7, headPerStep: true }, { ...passes(length, { batch: 16, steps: 540 }), dataBytes: 0 })
      case 'text': {
        const { characters, vocabulary } = text as { characters: number; vocabulary: number }
        const held = Math.min(20_000, Math.ceil(characters / 10))
        const evaluation = { batch: Math.max(1, Math.min(batch, Math.floor(held / (length + 1)))), steps: length }
        return estimateMemory({ ...network, inputSize: 16, vocabulary, outputs: vocabulary, headPerStep: true }, { ...passes(length, evaluation), dataBytes: 10 * characters })
      }
    }
  })
  return estimates.reduce((a, b) => (b.bytes > a.bytes ? b : a))
}

export function compareCommand(argv: string[], out: NodeJS.WriteStream = process.stdout): void {
  const { values } = parseCommand(
    argv,
    {
      task: { type: 'string' }, cells: { type: 'string' }, length: { type: 'string' }, hidden: { type: 'string' }, steps: { type: 'string' },
      batch: { type: 'string' }, seed: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' }, 'max-memory': { type: 'string' },
    },
    COMPARE_USAGE,
  )
  if (values.help) {
    out.write(`${COMPARE_USAGE}\n`)
    return
  }
  const u = COMPARE_USAGE
  const taskName = choiceOption<TaskName>('task', values.task, D.task, TASK_NAMES, u)
  if (taskName === 'text' && values.data === undefined) throw new UsageError('--task text needs --data FILE, the text to model', u)
  if (taskName !== 'text' && values.data !== undefined) throw new UsageError(`--data is the text for --task text; add --task text to model ${values.data}, or drop --data`, u)
  const cells = parseCells(values.cells)
  const hidden = integerOption('hidden', values.hidden, D.hidden, 1, 4096, u)
  const batchSize = integerOption('batch', values.batch, D.batch, 1, 65536, u)
  const seed = integerOption('seed', values.seed, D.seed, 0, Number.MAX_SAFE_INTEGER, u)
  const limit = sizeOption('max-memory', values['max-memory'], defaultMemoryLimit(), u)
  const lengthRaw = values.length
  integerOption('length', lengthRaw, 0, 2, 100000, u) // the ranges, before reading any data
  integerOption('steps', values.steps, 0, 1, 10_000_000, u)
  const text = taskName === 'text' ? readTextFile(values.data as string).text : undefined
  const task = taskByName(taskName, { text })
  const length = integerOption('length', lengthRaw, task.defaultLength, 2, 100000, u)
  const steps = integerOption('steps', values.steps, task.defaultSteps(length), 1, 10_000_000, u)
  const settings = { length, hidden, batchSize, seed }
  const textShape = text === undefined ? null : { characters: text.length, vocabulary: new Set(text).size }
  const estimate = compareMemory(taskName, cells, { length, hidden, batch: batchSize }, textShape)
  checkMemory(estimate, limit, {
    shrink: '--length, --hidden or --batch',
    limitSource: values['max-memory'] === undefined ? "half of this machine's memory" : `--max-memory ${values['max-memory']}`,
    usage: u,
  })
  // The text task checks that the text fills the streams and windows when it builds a model: build one now,
  // so a short text is refused before --out is made (the runner seeds and builds every cell afresh)
  if (taskName === 'text') task.create(cells[0], settings)
  const dir = prepareDirectory(values.out ?? D.out, 'the output directory (--out)') // last: a refused run creates nothing

  out.write(`${task.title}: ${cells.join(', ')}, length ${length}, hidden ${hidden}, batch ${batchSize}, ${steps} steps each, seed ${seed}\n`)
  const result = runComparison({ task, cells, settings, steps, onProgress: progressReporter(out) })
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}`
  const files = buildReport(result, { date: new Date().toISOString().slice(0, 10), machine })
  for (const [name, content] of Object.entries(files)) writeFileAtomic(join(dir, name), content)
  out.write(`\n${resultsTable(result)}\n\n${task.verdictRule}.\nReport: ${join(dir, 'report.md')} (with results.json, loss.svg, metric.svg, gradient-norms.svg)\n`)
}
