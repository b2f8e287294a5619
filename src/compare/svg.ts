// A dependency-free SVG line chart for the `seqgrad compare` report: nice axes (linear or log10; a log
// axis over less than a decade of data turns linear), an x axis that ends where the data ends, a legend in
// a colour-blind-friendly palette that also names the reference lines (so no label sits on a curve),
// shaded bands (a min–max over seeds) behind their lines, gaps where the data has holes, and paths thinned
// so that a 100,000-step loss curve still makes a small file. The same input always gives the same string.
import { MAX_MAGNITUDE, escapeXml, makeAxis, num, type Axis } from './svg-axis.js'
import { runsOf, thin, thinBand, type BandPoint, type Point } from './svg-paths.js'
import { checkOptionKeys } from '../validation/checks.js'

export interface Series {
  name: string
  /** [x, y] pairs in drawing order; non-finite ones (and y ≤ 0 on a log axis) leave a gap. */
  points: readonly (readonly [number, number])[]
  dashed?: boolean
  /** Palette slot, so related series (one cell before and after training) share a colour; default: its position. */
  colorIndex?: number
  /** [x, low, high] slices of a band drawn shaded behind the line in its colour (the min–max over seeds, say). */
  band?: readonly BandPoint[]
}

export interface LineChartOptions {
  title: string
  /** A second, smaller line under the title (what the lines and bands are, say). */
  subtitle?: string
  xLabel: string
  yLabel: string
  series: readonly Series[]
  /** log10 y axis, for losses and gradient norms that span decades. */
  logY?: boolean
  /** Default 720. */
  width?: number
  /** Default 420. */
  height?: number
  /** Fixed y range; values outside it are drawn at its edge. */
  yMin?: number
  yMax?: number
  /** Horizontal lines such as a baseline MSE, drawn grey, each with its own dash, and named in the legend. */
  referenceLines?: readonly { y: number; label: string }[]
}

/** Okabe & Ito's colour-blind-safe palette, ordered so the first colours stand out most on white. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442']
/** One dash per reference line, so the legend tells them apart. */
const REFERENCE_DASHES = ['4 4', '1 3', '8 3 2 3', '12 4']
/** Rough width of one 12px sans-serif character, for layout only. */
const CHAR = 6.5

/** A complete standalone SVG document (no XML declaration, so it can also be inlined in HTML). */
export function lineChart(opts: LineChartOptions): string {
  checkOptionKeys('lineChart', opts, ['title', 'subtitle', 'xLabel', 'yLabel', 'series', 'logY', 'width', 'height', 'yMin', 'yMax', 'referenceLines'])
  const width = checkSize('width', opts.width ?? 720, 320)
  const height = checkSize('height', opts.height ?? 420, 200)
  const logY = opts.logY === true
  const { yMin, yMax } = checkRange(opts, logY)
  const usableX = (x: number) => Number.isFinite(x) && Math.abs(x) <= MAX_MAGNITUDE
  const usableY = (y: number) => usableX(y) && (!logY || y >= 1 / MAX_MAGNITUDE)

  const runs = opts.series.map((s) => thin(runsOf(s.points, (p: Point) => usableX(p[0]) && usableY(p[1]))))
  const bands = opts.series.map((s) => thinBand(runsOf(s.band ?? [], (b: BandPoint) => usableX(b[0]) && usableY(b[1]) && usableY(b[2]))))
  const refs = (opts.referenceLines ?? []).filter((r) => usableY(r.y))
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity]
  for (const [x, y] of runs.flat(2)) [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)]
  for (const [x, lo, hi] of bands.flat(2)) [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, lo), Math.max(y1, hi)]
  for (const { y } of refs) [y0, y1] = [Math.min(y0, y), Math.max(y1, y)]

  // Less than a decade of data reads better on a linear axis: a log one would show one or two ticks.
  const log = logY && (yMin !== undefined || yMax !== undefined || !(y0 <= y1 && y1 < 10 * y0))
  // Layout: the y tick labels set the left margin, the longest legend entry the legend's width.
  const yAxis = makeAxis({ min: y0, max: y1, log, target: log ? 9 : 6, fixedMin: yMin, fixedMax: yMax })
  const left = Math.min(width * 0.3, 44 + CHAR * Math.max(1, ...yAxis.ticks.map((t) => t.label.length)))
  const names = opts.series.map((s, i) => (runs[i].length === 0 ? `${s.name} (no data)` : s.name))
  const entries = [...names, ...refs.map((r) => r.label)]
  const legend = entries.length === 0 ? 0 : Math.min(width * 0.4, 48 + CHAR * Math.max(...entries.map((n) => n.length)))
  const plot = { left, top: opts.subtitle ? 60 : 44, right: width - 16 - legend, bottom: height - 52 }
  // The x axis ends at the last x of the data, not at the next round number.
  const xEnd = x1 > x0 ? x1 : undefined
  let xAxis = makeAxis({ min: x0, max: x1, log: false, target: 8, fixedMax: xEnd })
  for (const target of [6, 4, 2]) {
    const labelWidth = CHAR * (2 + Math.max(1, ...xAxis.ticks.map((t) => t.label.length)))
    if (labelWidth * xAxis.ticks.length <= plot.right - plot.left) break
    xAxis = makeAxis({ min: x0, max: x1, log: false, target, fixedMax: xEnd })
  }
  const sx = (x: number) => project(x, xAxis, plot.left, plot.right)
  const sy = (y: number) => project(log ? Math.log10(y) : y, yAxis, plot.bottom, plot.top)

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${num(width)} ${num(height)}" width="${num(width)}" height="${num(height)}" font-family="sans-serif" font-size="12">`,
    `<rect width="${num(width)}" height="${num(height)}" fill="#ffffff"/>`,
    text('title', width / 2, 26, opts.title, 'text-anchor="middle" font-size="15" font-weight="bold"'),
    ...(opts.subtitle ? [text('subtitle', width / 2, 44, opts.subtitle, 'text-anchor="middle" fill="#555555"')] : []),
  ]
  for (const { at: t, label } of yAxis.ticks) {
    const y = num(project(t, yAxis, plot.bottom, plot.top))
    out.push(`<line x1="${num(plot.left)}" y1="${y}" x2="${num(plot.right)}" y2="${y}" stroke="#e6e6e6"/>`)
    out.push(text('tick-y', plot.left - 6, Number(y) + 4, label, 'text-anchor="end"'))
  }
  for (const { at: t, label } of xAxis.ticks) {
    const x = num(project(t, xAxis, plot.left, plot.right))
    out.push(`<line x1="${x}" y1="${num(plot.top)}" x2="${x}" y2="${num(plot.bottom)}" stroke="#e6e6e6"/>`)
    out.push(text('tick-x', Number(x), plot.bottom + 18, label, 'text-anchor="middle"'))
  }
  out.push(
    `<rect class="plot-area" x="${num(plot.left)}" y="${num(plot.top)}" width="${num(plot.right - plot.left)}" height="${num(plot.bottom - plot.top)}" fill="none" stroke="#333333"/>`,
    text('x-label', (plot.left + plot.right) / 2, height - 12, opts.xLabel, 'text-anchor="middle"'),
    `<text class="y-label" transform="translate(16 ${num((plot.top + plot.bottom) / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(opts.yLabel)}</text>`,
  )
  refs.forEach(({ y }, i) => {
    const py = num(sy(y))
    out.push(`<line class="reference" x1="${num(plot.left)}" y1="${py}" x2="${num(plot.right)}" y2="${py}" stroke="#777777" stroke-dasharray="${referenceDash(i)}"/>`)
  })
  opts.series.forEach((s, i) => {
    for (const band of bands[i]) {
      const edge = [...band.map(([x, , hi]) => `${num(sx(x))},${num(sy(hi))}`), ...[...band].reverse().map(([x, lo]) => `${num(sx(x))},${num(sy(lo))}`)]
      out.push(`<polygon class="series-band" points="${edge.join(' ')}" fill="${colour(s, i)}" fill-opacity="0.18" stroke="none"/>`)
    }
  })
  opts.series.forEach((s, i) => {
    const style = `stroke="${colour(s, i)}"${dashed(s, i) ? ' stroke-dasharray="7 4"' : ''}`
    for (const run of runs[i]) {
      if (run.length === 1) out.push(`<circle class="series-dot" cx="${num(sx(run[0][0]))}" cy="${num(sy(run[0][1]))}" r="2.5" fill="${colour(s, i)}"/>`)
      else out.push(`<polyline class="series-line" points="${run.map(([x, y]) => `${num(sx(x))},${num(sy(y))}`).join(' ')}" fill="none" ${style} stroke-width="1.75" stroke-linejoin="round"/>`)
    }
  })
  if (runs.every((r) => r.length === 0)) {
    out.push(text('no-data', (plot.left + plot.right) / 2, (plot.top + plot.bottom) / 2, 'no data', 'text-anchor="middle" fill="#888888"'))
  }
  const lx = plot.right + 14
  opts.series.forEach((s, i) => {
    const y = plot.top + 10 + 18 * i
    out.push(`<line class="legend-swatch" x1="${num(lx)}" y1="${num(y)}" x2="${num(lx + 22)}" y2="${num(y)}" stroke="${colour(s, i)}"${dashed(s, i) ? ' stroke-dasharray="7 4"' : ''} stroke-width="3"/>`)
    out.push(text('legend-label', lx + 28, y + 4, names[i], ''))
  })
  refs.forEach(({ label }, i) => {
    const y = plot.top + 10 + 18 * (names.length + i) + (names.length > 0 ? 8 : 0)
    out.push(`<line class="reference-swatch" x1="${num(lx)}" y1="${num(y)}" x2="${num(lx + 22)}" y2="${num(y)}" stroke="#777777" stroke-dasharray="${referenceDash(i)}" stroke-width="2"/>`)
    out.push(text('reference-label', lx + 28, y + 4, label, 'fill="#555555"'))
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}

function text(cls: string, x: number, y: number, content: string, attrs: string): string {
  return `<text class="${cls}" x="${num(x)}" y="${num(y)}"${attrs ? ' ' + attrs : ''}>${escapeXml(content)}</text>`
}

function colour(s: Series, i: number): string {
  return PALETTE[(s.colorIndex ?? i) % PALETTE.length]
}

function referenceDash(i: number): string {
  return REFERENCE_DASHES[i % REFERENCE_DASHES.length]
}

/** Past the palette's eight colours, the second round is dashed so no two series look alike. */
function dashed(s: Series, i: number): boolean {
  return s.dashed ?? i >= PALETTE.length
}

/** Axis value → pixel, clamped to the plot so a fixed range never draws outside it. */
function project(t: number, axis: Axis, from: number, to: number): number {
  const f = Math.min(1, Math.max(0, (t - axis.lo) / (axis.hi - axis.lo)))
  return from + f * (to - from)
}

function checkSize(name: string, v: number, min: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new Error(`lineChart: ${name} must be a finite number ≥ ${min}, got ${String(v)}`)
  return v
}

function checkRange({ yMin, yMax }: LineChartOptions, logY: boolean): { yMin?: number; yMax?: number } {
  for (const [name, v] of [['yMin', yMin], ['yMax', yMax]] as const) {
    if (v === undefined) continue
    if (typeof v !== 'number' || !(Math.abs(v) <= MAX_MAGNITUDE)) throw new Error(`lineChart: ${name} must be a finite number of magnitude ≤ ${MAX_MAGNITUDE}, got ${String(v)}`)
    if (logY && !(v >= 1 / MAX_MAGNITUDE)) throw new Error(`lineChart: ${name} must be > 0 on a log axis (at least ${1 / MAX_MAGNITUDE}), got ${v}`)
  }
  if (yMin !== undefined && yMax !== undefined && !(yMin < yMax)) throw new Error(`lineChart: yMin must be below yMax, got yMin ${yMin} and yMax ${yMax}`)
  return { yMin, yMax }
}
