// A dependency-free SVG line chart for the `seqgrad compare` report: nice axes (linear or log10), a
// legend in a colour-blind-friendly palette, gaps where the data has holes, and paths thinned so that
// a 100,000-step loss curve still makes a small file. The same input always gives the same string.
import { MAX_MAGNITUDE, escapeXml, makeAxis, num, type Axis } from './svg-axis.js'

export interface Series {
  name: string
  /** [x, y] pairs in drawing order; non-finite ones (and y ≤ 0 on a log axis) leave a gap. */
  points: readonly (readonly [number, number])[]
  dashed?: boolean
  /** Palette slot, so related series (one cell before and after training) share a colour; default: its position. */
  colorIndex?: number
}

export interface LineChartOptions {
  title: string
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
  /** Horizontal lines such as a baseline MSE, drawn dashed grey with their label. */
  referenceLines?: readonly { y: number; label: string }[]
}

type Point = readonly [number, number]

/** Okabe & Ito's colour-blind-safe palette, ordered so the first colours stand out most on white. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442']
/** About how many points a series keeps at most: the min and max of each bucket of neighbours. */
const MAX_POINTS = 1000
/** Rough width of one 12px sans-serif character, for layout only. */
const CHAR = 6.5

/** A complete standalone SVG document (no XML declaration, so it can also be inlined in HTML). */
export function lineChart(opts: LineChartOptions): string {
  const width = checkSize('width', opts.width ?? 720, 320)
  const height = checkSize('height', opts.height ?? 420, 200)
  const logY = opts.logY === true
  const { yMin, yMax } = checkRange(opts, logY)
  const usableX = (x: number) => Number.isFinite(x) && Math.abs(x) <= MAX_MAGNITUDE
  const usableY = (y: number) => usableX(y) && (!logY || y >= 1 / MAX_MAGNITUDE)

  const runs = opts.series.map((s) => thin(runsOf(s.points, usableX, usableY)))
  const refs = (opts.referenceLines ?? []).filter((r) => usableY(r.y))
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity]
  for (const [x, y] of runs.flat(2)) [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)]
  for (const { y } of refs) [y0, y1] = [Math.min(y0, y), Math.max(y1, y)]

  // Layout: the y tick labels set the left margin, the longest series name the legend's width.
  const yAxis = makeAxis({ min: y0, max: y1, log: logY, target: logY ? 9 : 6, fixedMin: yMin, fixedMax: yMax })
  const left = Math.min(width * 0.3, 44 + CHAR * Math.max(1, ...yAxis.ticks.map((t) => t.label.length)))
  const names = opts.series.map((s, i) => (runs[i].length === 0 ? `${s.name} (no data)` : s.name))
  const legend = names.length === 0 ? 0 : Math.min(width * 0.3, 48 + CHAR * Math.max(...names.map((n) => n.length)))
  const plot = { left, top: 44, right: width - 16 - legend, bottom: height - 52 }
  let xAxis = makeAxis({ min: x0, max: x1, log: false, target: 8 })
  for (const target of [6, 4, 2]) {
    const labelWidth = CHAR * (2 + Math.max(1, ...xAxis.ticks.map((t) => t.label.length)))
    if (labelWidth * xAxis.ticks.length <= plot.right - plot.left) break
    xAxis = makeAxis({ min: x0, max: x1, log: false, target })
  }
  const sx = (x: number) => project(x, xAxis, plot.left, plot.right)
  const sy = (y: number) => project(logY ? Math.log10(y) : y, yAxis, plot.bottom, plot.top)

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${num(width)} ${num(height)}" width="${num(width)}" height="${num(height)}" font-family="sans-serif" font-size="12">`,
    `<rect width="${num(width)}" height="${num(height)}" fill="#ffffff"/>`,
    text('title', width / 2, 26, opts.title, 'text-anchor="middle" font-size="15" font-weight="bold"'),
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
  for (const { y, label } of refs) {
    const py = num(sy(y))
    out.push(`<line class="reference" x1="${num(plot.left)}" y1="${py}" x2="${num(plot.right)}" y2="${py}" stroke="#888888" stroke-dasharray="4 4"/>`)
    out.push(text('reference-label', plot.right - 4, Number(py) - 4, label, 'text-anchor="end" fill="#666666"'))
  }
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
  opts.series.forEach((s, i) => {
    const y = plot.top + 10 + 18 * i
    const lx = plot.right + 14
    out.push(`<line class="legend-swatch" x1="${num(lx)}" y1="${num(y)}" x2="${num(lx + 22)}" y2="${num(y)}" stroke="${colour(s, i)}"${dashed(s, i) ? ' stroke-dasharray="7 4"' : ''} stroke-width="3"/>`)
    out.push(text('legend-label', lx + 28, y + 4, names[i], ''))
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

/** Past the palette's eight colours, the second round is dashed so no two series look alike. */
function dashed(s: Series, i: number): boolean {
  return s.dashed ?? i >= PALETTE.length
}

/** Axis value → pixel, clamped to the plot so a fixed range never draws outside it. */
function project(t: number, axis: Axis, from: number, to: number): number {
  const f = Math.min(1, Math.max(0, (t - axis.lo) / (axis.hi - axis.lo)))
  return from + f * (to - from)
}

/** The unbroken runs of usable points: an unusable point ends one run and the next starts after it. */
function runsOf(points: readonly Point[], usableX: (x: number) => boolean, usableY: (y: number) => boolean): Point[][] {
  const runs: Point[][] = []
  let run: Point[] = []
  for (const p of points) {
    if (usableX(p[0]) && usableY(p[1])) run.push(p)
    else if (run.length > 0) {
      runs.push(run)
      run = []
    }
  }
  if (run.length > 0) runs.push(run)
  return runs
}

/** Keeps each run's ends and the min and max of every bucket of neighbours, so spikes survive. */
function thin(runs: Point[][]): Point[][] {
  const total = runs.reduce((n, r) => n + r.length, 0)
  if (total <= MAX_POINTS) return runs
  const bucket = Math.ceil(total / (MAX_POINTS / 2))
  return runs.map((run) => {
    const keep = [0]
    for (let start = 0; start < run.length; start += bucket) {
      let [lo, hi] = [start, start]
      for (let j = start + 1; j < Math.min(start + bucket, run.length); j++) {
        if (run[j][1] < run[lo][1]) lo = j
        if (run[j][1] > run[hi][1]) hi = j
      }
      for (const j of [Math.min(lo, hi), Math.max(lo, hi)]) if (j > keep[keep.length - 1]) keep.push(j)
    }
    if (run.length - 1 > keep[keep.length - 1]) keep.push(run.length - 1)
    return keep.map((j) => run[j])
  })
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
