// Charts people can read: enough ticks for the range shown (a log axis over less than a decade turns linear,
// one over fewer than four decades gets 2 and 5 × 10^k between them), units on the axes as in the table,
// reference labels in the legend (never on a curve), one colour per cell across all charts, and x axes
// that end where the data ends.
import { copyTask } from '../../src/compare/copy.js'
import { reberTask } from '../../src/compare/reber.js'
import { buildReport, resultsTable } from '../../src/compare/report.js'
import { lineChart } from '../../src/compare/svg.js'
import { textTask } from '../../src/compare/text.js'
import { crafted, type CraftedCell } from './crafted.js'

const texts = (svg: string, cls: string) => [...svg.matchAll(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`, 'g'))].map((m) => m[1])
const ticks = (svg: string, axis: 'x' | 'y') => texts(svg, `tick-${axis}`).map(Number)
const yLabel = (svg: string) => /<text class="y-label"[^>]*>([^<]*)<\/text>/.exec(svg)?.[1]
function plotArea(svg: string) {
  const [x, y, w, h] = (/<rect class="plot-area" x="([^"]+)" y="([^"]+)" width="([^"]+)" height="([^"]+)"/.exec(svg) ?? []).slice(1).map(Number)
  return { left: x, top: y, right: x + w, bottom: y + h }
}
/** Legend entries (series and reference lines): label, colour, and the text's position. */
function legend(svg: string): { label: string; colour: string; x: number; y: number }[] {
  const swatches = [...svg.matchAll(/<line class="(?:legend|reference)-swatch" [^>]*stroke="(#[0-9A-F]{6})"/g)].map((m) => m[1])
  const labels = [...svg.matchAll(/<text class="(?:legend|reference)-label" x="([^"]+)" y="([^"]+)"[^>]*>([^<]*)<\/text>/g)]
  return labels.map((m, i) => ({ label: m[3], colour: swatches[i], x: Number(m[1]), y: Number(m[2]) }))
}

const three: CraftedCell[] = [
  { cell: 'rnn', seeds: [{ metric: 0.2 }, { metric: 0.3 }] },
  { cell: { kind: 'lstm', options: { forgetBias: 2 } }, seeds: [{ metric: 0.999, solved: true }, { metric: 0.995, solved: true }] },
  { cell: 'gru', seeds: [{ metric: 0.98 }, { metric: 0.991, solved: true }] },
]

describe('ticks', () => {
  test('a log axis over less than a decade of data becomes linear, with at least four ticks', () => {
    const svg = lineChart({ title: '', xLabel: '', yLabel: '', logY: true, series: [{ name: 'accuracy', points: [[1, 0.13], [2, 0.6], [3, 0.99]] }] })
    const y = ticks(svg, 'y')
    expect(y.length).toBeGreaterThanOrEqual(4)
    expect(y[0]).toBeLessThanOrEqual(0.13)
    expect(y[y.length - 1]).toBeGreaterThanOrEqual(0.99)
    for (let k = 2; k < y.length; k++) expect(y[k] - y[k - 1]).toBeCloseTo(y[1] - y[0], 9) // evenly spaced: linear
  })

  test('a log axis over fewer than four decades gets 2 and 5 × 10^k between the decades; more decades do not', () => {
    const few = texts(lineChart({ title: '', xLabel: '', yLabel: '', logY: true, series: [{ name: 'loss', points: [[1, 0.012], [2, 0.4]] }] }), 'tick-y')
    expect(few).toEqual(['0.01', '0.02', '0.05', '0.1', '0.2', '0.5', '1'])
    const many = texts(lineChart({ title: '', xLabel: '', yLabel: '', logY: true, series: [{ name: 'loss', points: [[1, 2e-4], [2, 3]] }] }), 'tick-y')
    expect(many).toEqual(['0.0001', '0.001', '0.01', '0.1', '1', '10'])
  })

  test('the x axis ends where the data ends, not at the next round number', () => {
    const svg = lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 's', points: [[1, 1], [20, 2], [37, 3]] }] })
    const box = plotArea(svg)
    const last = /<polyline class="series-line" points="[^"]* ([\d.]+),[\d.]+"/.exec(svg)?.[1]
    expect(Number(last)).toBeCloseTo(box.right, 2)
    expect(Math.max(...ticks(svg, 'x'))).toBeLessThanOrEqual(37)
  })
})

describe('the report charts', () => {
  const files = buildReport(crafted(three), { date: '2026-01-01', machine: 'm' })
  const charts = ['loss.svg', 'metric.svg', 'gradient-norms.svg'] as const

  test('one colour per cell, the same in every chart, bands included', () => {
    const colours = charts.map((name) => {
      const byCell = new Map<string, Set<string>>()
      for (const { label, colour } of legend(files[name])) {
        const cell = ['RNN (tanh)', 'LSTM, forget bias 2', 'GRU'].find((c) => label.startsWith(c))
        if (cell !== undefined) byCell.set(cell, (byCell.get(cell) ?? new Set()).add(colour))
      }
      return [...byCell.entries()].map(([cell, set]) => [cell, [...set]])
    })
    expect(colours[0]).toEqual([['RNN (tanh)', ['#0072B2']], ['LSTM, forget bias 2', ['#D55E00']], ['GRU', ['#009E73']]])
    expect(colours[1]).toEqual(colours[0])
    expect(colours[2]).toEqual(colours[0])
    const bands = [...files['loss.svg'].matchAll(/<polygon class="series-band" [^>]*fill="(#[0-9A-F]{6})"/g)].map((m) => m[1])
    expect(bands).toEqual(['#0072B2', '#D55E00', '#009E73']) // two seeds each: a min–max band per cell
    expect(texts(files['loss.svg'], 'subtitle')).toEqual(['lines: the median of 2 seeds; bands: their min–max'])
  })

  test('reference and threshold labels sit in the legend, apart from each other and from every curve', () => {
    const svg = files['metric.svg']
    expect(texts(svg, 'reference-label')).toEqual(['chance (1/8)', 'solved: ≥ 0.990'])
    const box = plotArea(svg)
    const entries = legend(svg)
    expect(entries).toHaveLength(5)
    for (const e of entries) expect(e.x).toBeGreaterThan(box.right) // outside the plot, where the curves are
    const ys = entries.map((e) => e.y).sort((a, b) => a - b)
    for (let k = 1; k < ys.length; k++) expect(ys[k] - ys[k - 1]).toBeGreaterThanOrEqual(14) // 12px text, no overlap
    for (const e of entries) expect(e.x + 6.5 * e.label.length).toBeLessThanOrEqual(800) // within the chart
  })

  test('the x axes end with the data: the last step, the last time step', () => {
    for (const name of charts) {
      const svg = files[name]
      const ends = [...svg.matchAll(/<polyline class="series-line" points="[^"]* ([\d.]+),[\d.]+"/g)].map((m) => Number(m[1]))
      expect({ name, end: Math.max(...ends) }).toEqual({ name, end: plotArea(svg).right })
    }
  })

  test('units on the axes, the same as in the table', () => {
    expect(yLabel(files['loss.svg'])).toBe('training loss, cross-entropy (nats)')
    expect(yLabel(files['metric.svg'])).toBe('recall accuracy')
    expect(yLabel(files['gradient-norms.svg'])).toBe('‖∂L/∂h_t‖, L in cross-entropy (nats)')
    expect(resultsTable(crafted(three)).split('\n')[0]).toContain('| final train loss, cross-entropy (nats) |')

    const reber = crafted([{ cell: 'gru', seeds: [{ metric: 0.6 }] }], { task: reberTask })
    expect(yLabel(buildReport(reber, { date: '', machine: '' })['metric.svg'])).toBe('test cross-entropy per symbol (nats)')
    expect(resultsTable(reber).split('\n')[0]).toContain('| test cross-entropy per symbol (nats) |')
    const text = crafted([{ cell: 'gru', seeds: [{ metric: 3.1 }] }], { task: textTask('the quick brown fox jumps over the lazy dog. '.repeat(20)) })
    expect(yLabel(buildReport(text, { date: '', machine: '' })['metric.svg'])).toBe('test bits per character')
    expect(resultsTable(text).split('\n')[0]).toContain('| final train loss, cross-entropy (nats) | test bits per character |')
    expect(copyTask.lossName).toBe('cross-entropy (nats)')
  })
})
