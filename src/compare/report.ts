// The comparison's report: a markdown summary with the results table, the JSON of every number, and the
// SVG charts (training loss, the task's metric over training, and the gradient norms over time steps).
import type { ComparisonResult } from './runner.js'
import { lineChart, type Series } from './svg.js'

const CELL_NAMES: Record<string, string> = { rnn: 'RNN (tanh)', lstm: 'LSTM', gru: 'GRU' }

export interface ReportFiles {
  'report.md': string
  'results.json': string
  'loss.svg': string
  'metric.svg': string
  'gradient-norms.svg': string
}

const name = (cell: string) => CELL_NAMES[cell] ?? cell

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v)
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(2)
  return v.toPrecision(3)
}

/** The results as a markdown table, one row per cell. */
export function resultsTable(result: ComparisonResult): string {
  const rows = result.cells.map((c) =>
    [name(c.cell), c.parameters.toLocaleString('en-US'), `${c.seconds.toFixed(1)} s`, Math.round(c.tokensPerSecond).toLocaleString('en-US'), formatNumber(c.finalTrainLoss), formatNumber(c.final.metric), c.final.solved ? 'solved' : 'not solved'].join(' | '),
  )
  return [`| cell | parameters | train time | tokens/s | final train loss | ${result.metricName} | verdict |`, '|---|---:|---:|---:|---:|---:|---|', ...rows.map((r) => `| ${r} |`)].join('\n')
}

/** How much the gradient shrinks from the last step back to the first, per cell, at the end of training. */
function vanishingSummary(result: ComparisonResult): string[] {
  return result.cells.map((c) => {
    const norms = c.gradientNorms.end
    const ratio = norms[0] / norms[norms.length - 1]
    return `- ${name(c.cell)}: ‖∂L/∂h₀‖ / ‖∂L/∂h_T‖ = ${formatNumber(ratio)} at the end of training (${formatNumber(c.gradientNorms.start[0] / c.gradientNorms.start[c.gradientNorms.start.length - 1])} at the start).`
  })
}

export function buildReport(result: ComparisonResult, { date, machine }: { date: string; machine: string }): ReportFiles {
  const s = result.settings
  const lossSeries: Series[] = result.cells.map((c) => ({ name: name(c.cell), points: c.trainLoss }))
  const metricSeries: Series[] = result.cells.map((c) => ({ name: name(c.cell), points: c.metricCurve }))
  const gradientSeries: Series[] = result.cells.flatMap((c, i) => [
    { name: `${name(c.cell)}, end of training`, points: c.gradientNorms.end.map((v, t) => [t, v] as const), colorIndex: i },
    { name: `${name(c.cell)}, start`, points: c.gradientNorms.start.map((v, t) => [t, v] as const), dashed: true, colorIndex: i },
  ])
  const task = result.title
  const files: ReportFiles = {
    'report.md': '',
    'results.json': JSON.stringify({ date, machine, ...result }, null, 1),
    'loss.svg': lineChart({ title: `${task}: training loss`, xLabel: 'step', yLabel: 'loss', series: lossSeries, logY: true }),
    'metric.svg': lineChart({
      title: `${task}: ${result.metricName} during training`,
      xLabel: 'step',
      yLabel: result.metricName,
      series: metricSeries,
      logY: true,
      referenceLines: result.baseline ? [{ y: result.baseline.value, label: result.baseline.label }] : [],
    }),
    'gradient-norms.svg': lineChart({ title: `${task}: ‖∂L/∂h_t‖ over time steps (loss at the last step)`, xLabel: 'time step t', yLabel: '‖∂L/∂h_t‖', series: gradientSeries, logY: true }),
  }
  files['report.md'] = [
    `# seqgrad compare: ${task}`,
    '',
    `${date} on ${machine}. Task settings: length ${s.length}, hidden size ${s.hidden}, batch ${s.batchSize}, ${s.steps} steps of Adam (lr ${s.learningRate}), gradients clipped to norm ${s.clipNorm}, seed ${s.seed}. Every cell trains on the same batches from the same seed; ${result.verdictRule}.`,
    '',
    resultsTable(result),
    '',
    ...detailLines(result),
    '## Loss',
    '',
    '![training loss](loss.svg)',
    '',
    `![${result.metricName}](metric.svg)`,
    '',
    '## Gradients over time',
    '',
    'The gradient of the last step\'s loss with respect to each earlier hidden state h_t. A plain tanh RNN multiplies it by W_hhᵀ·diag(1 − h²) at every step back, so it shrinks geometrically: the start of the sequence barely learns. The LSTM\'s additive cell path (c\' = f ⊙ c + i ⊙ g) and the GRU\'s interpolation (h\' = (1 − z) ⊙ n + z ⊙ h) let it pass through nearly unchanged when the gates say so.',
    '',
    '![gradient norms](gradient-norms.svg)',
    '',
    ...vanishingSummary(result),
    '',
  ].join('\n')
  return files
}

/** The task's further numbers per cell (long-range accuracy, optimum, baseline …), when it has any. */
function detailLines(result: ComparisonResult): string[] {
  const lines = result.cells
    .filter((c) => Object.keys(c.final.details).length > 0)
    .map((c) => `- ${name(c.cell)}: ${Object.entries(c.final.details).map(([key, value]) => `${key} ${formatNumber(value)}`).join(', ')}`)
  return lines.length === 0 ? [] : [...lines, '']
}

