// @ts-check
// The Compare panel's live training-loss chart (canvas): one line per run (cell variant × seed), smoothed,
// with the raw losses faint behind it, in its cell's colour, the colours of the report's charts. The y axis
// is log10 when the losses span a decade or more (ticks at 1, 2 and 5 × 10^k under four decades), linear
// below that, as in the report; the x axis runs over the whole step budget from the start.

/** @typedef {{ label: string, color: string }} Cell */
/** @typedef {{ id: number, cellIndex: number, seed: number, points: [number, number][], smooth: number[] }} Run */

const SMOOTHING = 0.9

/** Round tick values that cover [lo, hi] with about `count` ticks. */
function linearTicks(/** @type {number} */ lo, /** @type {number} */ hi, /** @type {number} */ count) {
  const span = hi - lo || 1
  const magnitude = 10 ** Math.floor(Math.log10(span / count))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => span / s <= count) ?? 10 * magnitude
  const out = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)))
  return out
}

/** 1, 2 and 5 × 10^k within [lo, hi] (only the decades over four or more of them). */
function logTicks(/** @type {number} */ lo, /** @type {number} */ hi) {
  const first = Math.floor(Math.log10(lo))
  const last = Math.ceil(Math.log10(hi))
  const steps = last - first >= 4 ? [1] : [1, 2, 5]
  const out = []
  for (let k = first; k <= last; k++) for (const m of steps) if (m * 10 ** k >= lo * (1 - 1e-9) && m * 10 ** k <= hi * (1 + 1e-9)) out.push(Number((m * 10 ** k).toPrecision(3)))
  return out
}

const label = (/** @type {number} */ v) => (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5) ? v.toExponential(0).replace('e+', 'e') : String(v))

export class CompareChart {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas
    /** @type {Cell[]} */
    this.cells = []
    /** @type {Map<number, Run>} */
    this.runs = new Map()
    this.steps = 0
    this.yLabel = 'training loss'
    this.pending = false
    new ResizeObserver(() => this.draw()).observe(canvas)
  }

  /** A new comparison: its cells (labels and colours), its step budget and its loss's name. */
  reset(/** @type {Cell[]} */ cells, /** @type {number} */ steps, /** @type {string} */ lossName) {
    this.cells = cells
    this.runs = new Map()
    this.steps = steps
    this.yLabel = `training loss, ${lossName}`
    this.requestDraw()
  }

  startRun(/** @type {number} */ id, /** @type {number} */ cellIndex, /** @type {number} */ seed) {
    this.runs.set(id, { id, cellIndex, seed, points: [], smooth: [] })
  }

  addPoints(/** @type {number} */ id, /** @type {[number, number][]} */ points) {
    const run = this.runs.get(id)
    if (run === undefined) return
    for (const [step, loss] of points) {
      if (!Number.isFinite(loss)) continue
      // bias-corrected exponential moving average, as the text panel's chart smooths
      const n = run.points.length + 1
      const previous = run.smooth.length > 0 ? run.smooth[run.smooth.length - 1] * (1 - SMOOTHING ** (n - 1)) : 0
      run.points.push([step, loss])
      run.smooth.push((previous * SMOOTHING + (1 - SMOOTHING) * loss) / (1 - SMOOTHING ** n))
    }
    this.requestDraw()
  }

  /** How many loss points the chart holds (the browser test reads it). */
  get pointCount() {
    let n = 0
    for (const run of this.runs.values()) n += run.points.length
    return n
  }

  requestDraw() {
    if (this.pending) return
    this.pending = true
    requestAnimationFrame(() => {
      this.pending = false
      this.draw()
    })
  }

  draw() {
    const { canvas } = this
    const ratio = window.devicePixelRatio || 1
    const width = canvas.clientWidth
    const height = canvas.clientHeight
    if (width === 0 || height === 0) return
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio)
      canvas.height = Math.round(height * ratio)
    }
    const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'))
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
    ctx.clearRect(0, 0, width, height)
    const style = getComputedStyle(canvas)
    const ink = style.getPropertyValue('--ink').trim() || '#1f2937'
    const faint = style.getPropertyValue('--faint').trim() || '#e5e7eb'
    const muted = style.getPropertyValue('--muted').trim() || '#6b7280'
    ctx.font = '12px system-ui, sans-serif'
    canvas.dataset.points = String(this.pointCount)

    const runs = [...this.runs.values()].filter((r) => r.points.length > 0)
    if (runs.length === 0) {
      ctx.fillStyle = muted
      ctx.textAlign = 'center'
      ctx.fillText(this.cells.length === 0 ? 'The training loss of every cell and seed appears here as it trains.' : 'Starting…', width / 2, height / 2)
      return
    }
    let lo = Infinity
    let hi = -Infinity
    for (const r of runs) for (const [, v] of r.points) if (v > 0) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)]
    const log = lo > 0 && hi >= 10 * lo
    const margin = 0.05 * (hi - lo || Math.abs(hi) || 1)
    const y0 = log ? lo / 1.15 : Math.max(0, lo - margin)
    const y1 = log ? hi * 1.15 : hi + margin
    const ticks = log ? logTicks(y0, y1) : linearTicks(y0, y1, 5)
    const pad = { left: 20 + 7 * Math.max(...ticks.map((t) => label(t).length)), right: 6 + ctx.measureText(String(this.steps)).width / 2, top: 12, bottom: 34 }
    const plotW = width - pad.left - pad.right
    const plotH = height - pad.top - pad.bottom
    const maxStep = Math.max(1, this.steps)
    const x = (/** @type {number} */ step) => pad.left + (step / maxStep) * plotW
    const fraction = (/** @type {number} */ v) => (log ? (Math.log10(Math.max(v, y0)) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0) || 1) : (v - y0) / (y1 - y0 || 1))
    const y = (/** @type {number} */ v) => pad.top + (1 - fraction(v)) * plotH

    ctx.lineWidth = 1
    ctx.textAlign = 'right'
    ctx.textBaseline = 'middle'
    for (const v of ticks) {
      ctx.strokeStyle = faint
      ctx.beginPath()
      ctx.moveTo(pad.left, y(v))
      ctx.lineTo(pad.left + plotW, y(v))
      ctx.stroke()
      ctx.fillStyle = muted
      ctx.fillText(label(v), pad.left - 6, y(v))
    }
    ctx.textAlign = 'center'
    ctx.textBaseline = 'top'
    for (const v of linearTicks(0, maxStep, 6)) ctx.fillText(String(v), x(v), pad.top + plotH + 6)
    ctx.fillText('step', pad.left + plotW / 2, pad.top + plotH + 20)
    ctx.save()
    ctx.translate(11, pad.top + plotH / 2)
    ctx.rotate(-Math.PI / 2)
    ctx.textBaseline = 'middle'
    ctx.fillText(`${this.yLabel}${log ? ' (log scale)' : ''}`, 0, 0)
    ctx.restore()

    ctx.save()
    ctx.beginPath()
    ctx.rect(pad.left, pad.top, plotW, plotH)
    ctx.clip()
    for (const r of runs) {
      ctx.strokeStyle = this.cells[r.cellIndex]?.color ?? ink
      ctx.globalAlpha = 0.2
      line(ctx, r.points.map(([s, v]) => [x(s), y(v)]))
      ctx.globalAlpha = 1
      ctx.lineWidth = 2
      line(ctx, r.points.map(([s], i) => [x(s), y(r.smooth[i])]))
      ctx.lineWidth = 1
    }
    ctx.restore()
    ctx.strokeStyle = ink
    ctx.strokeRect(pad.left, pad.top, plotW, plotH)

    // legend, top right: each cell's colour and the smoothed loss of its latest run
    ctx.textAlign = 'left'
    ctx.textBaseline = 'middle'
    const rows = this.cells.map((cell, i) => {
      const latest = [...this.runs.values()].filter((r) => r.cellIndex === i && r.smooth.length > 0).pop()
      const value = latest === undefined ? '…' : `${Number(latest.smooth[latest.smooth.length - 1].toPrecision(3))} (seed ${latest.seed})`
      return { cell, text: `${cell.label}  ${value}` }
    })
    const legendW = Math.max(...rows.map((r) => ctx.measureText(r.text).width)) + 34
    const lx = pad.left + plotW - legendW - 6
    const ly = pad.top + 6
    ctx.fillStyle = 'rgba(255,255,255,0.88)'
    ctx.fillRect(lx, ly, legendW, rows.length * 18 + 6)
    rows.forEach(({ cell, text }, i) => {
      ctx.fillStyle = cell.color
      ctx.fillRect(lx + 8, ly + 10 + 18 * i, 16, 3)
      ctx.fillStyle = ink
      ctx.fillText(text, lx + 28, ly + 12 + 18 * i)
    })
  }
}

/** A polyline, thinned to about one point per pixel column. @param {CanvasRenderingContext2D} ctx @param {number[][]} xy */
function line(ctx, xy) {
  const every = Math.max(1, Math.floor(xy.length / 800))
  ctx.beginPath()
  xy.forEach(([px, py], i) => {
    if (i % every !== 0 && i !== xy.length - 1) return
    if (i === 0) ctx.moveTo(px, py)
    else ctx.lineTo(px, py)
  })
  ctx.stroke()
}
