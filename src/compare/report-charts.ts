// The report's three charts, each cell in one colour across all of them (its place in --cells): the
// training loss and the task's metric during training, and ‖∂L/∂h_t‖ over time steps before and after
// training. With several seeds a line is the median over seeds and its shaded band the min–max.
import { median } from './plan.js'
import { formatNumber } from './format.js'
import type { CellSummary, ComparisonResult } from './summary.js'
import { lineChart, type Series } from './svg.js'
import type { BandPoint } from './svg-paths.js'

export interface ChartFiles {
  'loss.svg': string
  'metric.svg': string
  'gradient-norms.svg': string
}

/** The median and min–max over curves, at each x that any curve has (curves cut short by a divergence count where they reach). */
export function seedBand(curves: readonly (readonly (readonly [number, number])[])[]): { points: [number, number][]; band: BandPoint[] } {
  const byX = new Map<number, number[]>()
  for (const curve of curves) for (const [x, y] of curve) byX.set(x, [...(byX.get(x) ?? []), y])
  const xs = [...byX.keys()].sort((a, b) => a - b)
  return {
    points: xs.map((x) => [x, median(byX.get(x) as number[])]),
    band: xs.map((x) => [x, Math.min(...(byX.get(x) as number[])), Math.max(...(byX.get(x) as number[]))]),
  }
}

/** A cell's median line (with its band when it has several seeds). */
function cellSeries(c: CellSummary, colorIndex: number, curves: (readonly (readonly [number, number])[])[], name = c.label, dashed = false): Series {
  const { points, band } = seedBand(curves)
  return { name, points, colorIndex, ...(dashed ? { dashed } : {}), ...(c.seeds.length > 1 && !dashed ? { band } : {}) }
}

/** The axis label of a quantity with its unit: 'test cross-entropy per symbol (nats)' ('test bits per character' says it already). */
export const withUnit = (name: string, unit?: string) => (unit === undefined || name.includes(unit) ? name : `${name} (${unit})`)

const SYMBOL = { '<': '<', '<=': '≤', '>=': '≥' } as const

export function comparisonCharts(result: ComparisonResult): ChartFiles {
  const n = result.cells[0]?.seeds.length ?? 1
  const subtitle = n > 1 ? `lines: the median of ${n} seeds; bands: their min–max` : undefined
  const common = { width: 800, ...(subtitle ? { subtitle } : {}), logY: true }
  const task = result.title
  const { threshold } = result
  const references = [
    ...(result.baseline ? [{ y: result.baseline.value, label: result.baseline.label }] : []),
    ...(threshold.quantity === result.metricName ? [{ y: threshold.value, label: `solved: ${SYMBOL[threshold.comparison]} ${formatNumber(threshold.value)}` }] : []),
  ]
  const loss = result.cells.map((c, i) => cellSeries(c, i, c.seeds.map((s) => s.trainLoss.map((v, k) => [k + 1, v] as const))))
  const metric = result.cells.map((c, i) => cellSeries(c, i, c.seeds.map((s) => s.metricCurve)))
  const norms = result.cells.flatMap((c, i) => [
    cellSeries(c, i, c.seeds.map((s) => s.gradientNorms.end.map((v, t) => [t, v] as const)), `${c.label}, trained`),
    cellSeries(c, i, c.seeds.map((s) => s.gradientNorms.start.map((v, t) => [t, v] as const)), `${c.label}, untrained`, true),
  ])
  return {
    'loss.svg': lineChart({ ...common, title: `${task}: training loss`, xLabel: 'step', yLabel: `training loss, ${result.lossName}`, series: loss }),
    'metric.svg': lineChart({ ...common, title: `${task}: ${result.metricName}`, xLabel: 'step', yLabel: withUnit(result.metricName, result.metricUnit), series: metric, referenceLines: references }),
    'gradient-norms.svg': lineChart({ ...common, title: `${task}: ‖∂L/∂h_t‖ over time steps`, xLabel: 'time step t (L: the last step\'s loss)', yLabel: `‖∂L/∂h_t‖, L in ${result.lossName}`, series: norms }),
  }
}
