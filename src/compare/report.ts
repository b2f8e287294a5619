// The comparison's report: a markdown summary (the results table, per-seed numbers, the charts, and the
// usual advice measured against this run), results.json (docs/results-schema.md) and the SVG charts.
import { CLAIMS_INTRO, claimsSection } from './claims.js'
import { counted, formatBytes, formatInteger as integer, formatNumber } from './format.js'
import { median } from './plan.js'
import { comparisonCharts, withUnit, type ChartFiles } from './report-charts.js'
import { resultsJson, stringifyResults } from './results-json.js'
import type { CellSummary, ComparisonResult, LrSchedule } from './summary.js'
import { checkOptionKeys } from '../validation/checks.js'

export { claimsSummary } from './claims.js'
export { formatNumber } from './format.js'

export interface ReportFiles extends ChartFiles {
  'report.md': string
  'results.json': string
}

const diverged = (c: CellSummary) => c.seeds.filter((s) => s.divergedAt !== null).length

/** The verdict with how many seeds diverged, if any. */
const verdictText = (c: CellSummary) => (diverged(c) > 0 ? `${c.verdict} (${diverged(c)} diverged)` : c.verdict)

/** The results table as plain data: a header, the alignment of each column, and one row of text per cell. */
export interface ResultsTableData {
  header: string[]
  align: ('left' | 'right')[]
  rows: string[][]
}

/** The results table's cells, one row per cell: medians over seeds, the metric's range, the verdict from k of N. */
export function resultsTableData(result: ComparisonResult): ResultsTableData {
  const several = (result.cells[0]?.seeds.length ?? 1) > 1
  const rows = result.cells.map((c) => [
    c.label,
    String(c.hiddenSize),
    integer(c.parameters),
    formatBytes(c.memoryBytes),
    String(c.lr),
    `${c.trainSeconds.toFixed(1)} s`,
    integer(c.tokensPerSecond),
    c.finalLoss === null ? '—' : formatNumber(c.finalLoss.median),
    c.metric === null ? '—' : formatNumber(c.metric.median),
    ...(several ? [c.metric === null ? '—' : `${formatNumber(c.metric.min)} – ${formatNumber(c.metric.max)}`] : []),
    verdictText(c),
  ])
  const metric = withUnit(result.metricName, result.metricUnit)
  const header = ['cell', 'hidden', 'parameters', 'memory', 'lr', 'train time', 'tokens/s', `final train loss, ${result.lossName}`, several ? `${metric}, median` : metric, ...(several ? ['range'] : []), 'verdict']
  const align = header.map((_, i): 'left' | 'right' => (i === 0 || i === header.length - 1 ? 'left' : 'right'))
  return { header, align, rows }
}

/** The results as a markdown table (resultsTableData's cells). */
export function resultsTable(result: ComparisonResult): string {
  const { header, align, rows } = resultsTableData(result)
  const rule = align.map((a) => (a === 'left' ? '---' : '---:'))
  return [header, rule, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n')
}

/** Every seed's numbers, one row per cell and seed. */
function seedTable(result: ComparisonResult): string[] {
  const rows = result.cells.flatMap((c) =>
    c.seeds.map((s) => `| ${c.label} | ${s.seed} | ${s.metric === null ? `diverged at step ${s.divergedAt}` : formatNumber(s.metric)} | ${s.finalLoss === null ? '—' : formatNumber(s.finalLoss)} | ${s.solvedAt === null ? '—' : integer(s.solvedAt)} | ${s.trainSeconds.toFixed(1)} s |`),
  )
  return [`| cell | seed | ${result.metricName} | final train loss | solved at step | train time |`, '|---|---:|---:|---:|---:|---:|', ...rows]
}

/** The first step at the dropped lr (StepLR drops after max(1, ⌊at · steps⌋) steps), or null when the run ends first. */
export function lrDropStep(schedule: LrSchedule, steps: number): number | null {
  const step = Math.max(1, Math.floor(schedule.at * steps)) + 1
  return step > steps ? null : step
}

/** What the settings and columns mean, in sentences. */
function settingsText(result: ComparisonResult): string {
  const s = result.settings
  const seeds = s.seeds.length === 1 ? `seed ${s.seeds[0]}` : `${s.seeds.length} seeds (${s.seeds[0]}–${s.seeds[s.seeds.length - 1]}); a seed sets both the data and the initialisation, and every cell trains on the same seeds`
  const budget = s.match === 'params' ? `hidden sizes chosen so that each cell's parameter count is within a few percent of the largest cell's at hidden size ${s.hidden} (--match params)` : `hidden size ${s.hidden} unless a cell sets its own`
  const lr = s.learningRates.length === 1 ? `lr ${s.learningRates[0]}` : `the lr of each cell chosen among ${s.learningRates.join(', ')} by the median ${onValidation(result.metricName)} of ${s.selectionSteps}-step runs, scored on a validation split, never the test set`
  const drop = lrDropStep(s.lrSchedule, s.steps)
  const schedule = drop === null ? 'constant lr: the run ends before the drop' : `× ${s.lrSchedule.factor} from step ${integer(drop)}`
  return `Task settings: length ${s.length}, batch ${s.batchSize}, ${counted(s.steps, 'step')} of Adam (${lr}, ${schedule}), gradients clipped to norm ${s.clipNorm}, ${seeds}; ${budget}. ${capitalize(result.verdictRule)}; a cell's verdict counts its seeds that solved the task: solved in k of N when all did, unreliable when some did, not solved when none did.`
}

const capitalize = (s: string) => s[0].toUpperCase() + s.slice(1)

/** The metric's name on the validation split: 'test MSE' → 'validation MSE'. */
const onValidation = (name: string) => `validation ${name.replace(/^test /, '')}`

/** Notes on the columns and on the variants in this run. */
function notes(result: ComparisonResult): string[] {
  const lines = [
    "- memory: the bytes a training step holds — parameters, their gradients, Adam's two moment buffers, and the activations the forward pass allocates and keeps for backward (counted from the buffers allocated in the first step; backward's transient scratch is not counted).",
  ]
  if (result.cells.some((c) => c.options.forgetBias !== undefined)) lines.push('- forget bias B: the total b_if + b_hf of the LSTM\'s forget gate at initialisation (b_if = B, b_hf = 0); the other biases keep their default initialisation.')
  if (result.cells.some((c) => c.options.resetAfter === false)) lines.push("- GRU (Cho et al. 2014): the reset gate acts on h before W_hn, n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn), where PyTorch's GRU has r ⊙ (W_hn h + b_hn); the same parameters.")
  if (result.cells.some((c) => c.options.init === 'identity')) lines.push('- identity init (the IRNN of Le et al. 2015 with ReLU): W_hh = I, both biases 0, W_ih drawn from N(0, 0.001²).')
  const chosen = result.cells.filter((c) => c.lrSelection.length > 0)
  for (const c of chosen) lines.push(`- ${c.label}: lr ${c.lr} chosen; ${onValidation(result.metricName)} by lr: ${c.lrSelection.map((s) => `${s.lr} → ${s.validationMetric === null ? 'diverged' : formatNumber(s.validationMetric)}`).join(', ')}.`)
  return lines
}

/** A detail's value: counts (a vocabulary size) as integers, the rest (an accuracy of 1 too) to three digits. */
const detailValue = (v: number) => (Number.isInteger(v) && Math.abs(v) > 1 ? integer(v) : formatNumber(v))

/**
 * The task's further numbers (medians over seeds), when it has any: those the same for every cell and seed
 * (a baseline, the vocabulary size) once, the rest per cell.
 */
function detailLines(result: ComparisonResult): string[] {
  const seeds = result.cells.flatMap((c) => c.seeds)
  const keys = [...new Set(seeds.flatMap((s) => Object.keys(s.details)))]
  const shared = keys.filter((key) => seeds.every((s) => s.details[key] === seeds[0].details[key]))
  const own = keys.filter((key) => !shared.includes(key))
  const lines = [
    ...(shared.length > 0 ? [`- every cell: ${shared.map((key) => `${key} ${detailValue(seeds[0].details[key])}`).join(', ')}`] : []),
    ...result.cells
      .filter((c) => c.seeds.some((s) => own.some((key) => s.details[key] !== undefined)))
      .map((c) => {
        const mine = own.filter((key) => c.seeds.some((s) => s.details[key] !== undefined))
        const medianOf = (key: string) => median(c.seeds.map((s) => s.details[key]).filter((v) => v !== undefined))
        return `- ${c.label}: ${mine.map((key) => `${key} ${detailValue(medianOf(key))}`).join(', ')}`
      }),
  ]
  return lines.length === 0 ? [] : [...lines, '']
}

/** How much the gradient shrinks from the last step back to the first, per cell (medians over seeds). */
function vanishingSummary(result: ComparisonResult): string[] {
  const ratio = (norms: number[]) => norms[0] / norms[norms.length - 1]
  const medianRatio = (pick: (s: CellSummary['seeds'][number]) => number[]) => (c: CellSummary) => median(c.seeds.map(pick).filter((n) => n.length > 0).map(ratio))
  return result.cells.map((c) => `- ${c.label}: ‖∂L/∂h₀‖ / ‖∂L/∂h_T‖ = ${formatNumber(medianRatio((s) => s.gradientNorms.end)(c))} at the end of training (${formatNumber(medianRatio((s) => s.gradientNorms.start)(c))} at the start).`)
}

export function buildReport(result: ComparisonResult, opts: { date: string; machine: string }): ReportFiles {
  checkOptionKeys('buildReport', opts, ['date', 'machine'])
  const { date, machine } = opts
  const task = result.title
  const several = (result.cells[0]?.seeds.length ?? 1) > 1
  const report = [
    `# seqgrad compare: ${task}`,
    '',
    `${date} on ${machine}. ${settingsText(result)}`,
    '',
    resultsTable(result),
    '',
    ...notes(result),
    '',
    ...detailLines(result),
    ...(several ? ['## Per seed', '', ...seedTable(result), ''] : []),
    '## Loss',
    '',
    '![training loss](loss.svg)',
    '',
    `![${result.metricName}](metric.svg)`,
    '',
    '## Gradients over time',
    '',
    "The gradient of the last step's loss with respect to each earlier hidden state h_t. A plain tanh RNN multiplies it by W_hhᵀ·diag(1 − h²) at every step back, so it shrinks geometrically: the start of the sequence barely learns. The LSTM's additive cell path (c' = f ⊙ c + i ⊙ g) and the GRU's interpolation (h' = (1 − z) ⊙ n + z ⊙ h) let it pass through nearly unchanged when the gates say so.",
    '',
    '![gradient norms](gradient-norms.svg)',
    '',
    ...vanishingSummary(result),
    '',
    '## The usual advice, measured',
    '',
    CLAIMS_INTRO,
    '',
    ...claimsSection(result),
    '',
  ]
  return { 'report.md': report.join('\n'), 'results.json': stringifyResults(resultsJson(result, { date, machine })), ...comparisonCharts(result) }
}
