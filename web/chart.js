// @ts-check
// The live loss chart: one line per trained model (step → loss, smoothed), drawn on a canvas at the
// screen's pixel density, with axes, a legend and a dashed line at ln V (the loss of a uniform guess).

/** @typedef {{ id: number, label: string, color: string, points: { step: number, loss: number }[], smooth: number[], uniform: number }} Series */

const PALETTE = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#db2777', '#0891b2', '#ca8a04', '#4b5563']
const SMOOTHING = 0.9

/** Round tick values that cover [lo, hi] with about `count` ticks. */
function ticks(lo, hi, count) {
  const span = hi - lo || 1
  const raw = span / count
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => span / s <= count) ?? 10 * magnitude
  const out = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)))
  return out
}

export class LossChart {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas
    /** @type {Series[]} */
    this.series = []
    this.pending = false
    new ResizeObserver(() => this.draw()).observe(canvas)
  }

  /** Starts a line for a new model and returns its colour. */
  addSeries(/** @type {number} */ id, /** @type {string} */ label, /** @type {number} */ uniform) {
    const color = PALETTE[this.series.length % PALETTE.length]
    this.series.push({ id, label, color, points: [], smooth: [], uniform })
    this.requestDraw()
    return color
  }

  addPoints(/** @type {number} */ id, /** @type {{ step: number, loss: number }[]} */ points) {
    const s = this.series.find((x) => x.id === id)
    if (s === undefined) return
    for (const p of points) {
      // bias-corrected exponential moving average, as TensorBoard smooths
      const n = s.points.length + 1
      const previous = s.smooth.length > 0 ? s.smooth[s.smooth.length - 1] * (1 - SMOOTHING ** (n - 1)) : 0
      s.points.push(p)
      s.smooth.push((previous * SMOOTHING + (1 - SMOOTHING) * p.loss) / (1 - SMOOTHING ** n))
    }
    this.requestDraw()
  }

  clear() {
    this.series = []
    this.requestDraw()
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
    ctx.font = '12px system-ui, sans-serif'
    const pad = { left: 46, right: 12, top: 12, bottom: 34 }
    const plotW = width - pad.left - pad.right
    const plotH = height - pad.top - pad.bottom

    const all = this.series.flatMap((s) => s.points)
    if (all.length === 0) {
      ctx.fillStyle = '#6b7280'
      ctx.textAlign = 'center'
      ctx.fillText('The loss of each model appears here as it trains.', width / 2, height / 2)
      return
    }
    const maxStep = Math.max(10, ...all.map((p) => p.step))
    const losses = all.map((p) => p.loss).concat(this.series.map((s) => s.uniform))
    const yMin = Math.max(0, Math.min(...losses) * 0.9)
    const yMax = Math.max(...losses) * 1.05
    const x = (/** @type {number} */ step) => pad.left + (step / maxStep) * plotW
    const y = (/** @type {number} */ loss) => pad.top + (1 - (loss - yMin) / (yMax - yMin || 1)) * plotH

    ctx.strokeStyle = faint
    ctx.fillStyle = '#6b7280'
    ctx.lineWidth = 1
    ctx.textAlign = 'right'
    ctx.textBaseline = 'middle'
    for (const v of ticks(yMin, yMax, 5)) {
      ctx.beginPath()
      ctx.moveTo(pad.left, y(v))
      ctx.lineTo(pad.left + plotW, y(v))
      ctx.stroke()
      ctx.fillText(String(v), pad.left - 6, y(v))
    }
    ctx.textAlign = 'center'
    ctx.textBaseline = 'top'
    for (const v of ticks(0, maxStep, 6)) ctx.fillText(String(v), x(v), pad.top + plotH + 6)
    ctx.fillText('step', pad.left + plotW / 2, pad.top + plotH + 20)
    ctx.save()
    ctx.translate(12, pad.top + plotH / 2)
    ctx.rotate(-Math.PI / 2)
    ctx.textBaseline = 'middle'
    ctx.fillText('loss (nats/char)', 0, 0)
    ctx.restore()

    ctx.save()
    ctx.beginPath()
    ctx.rect(pad.left, pad.top, plotW, plotH)
    ctx.clip()
    for (const s of this.series) {
      ctx.strokeStyle = s.color
      ctx.setLineDash([4, 4])
      ctx.globalAlpha = 0.5
      ctx.beginPath()
      ctx.moveTo(pad.left, y(s.uniform))
      ctx.lineTo(pad.left + plotW, y(s.uniform))
      ctx.stroke()
      ctx.setLineDash([])
      // raw losses faint, the smoothed line on top
      ctx.globalAlpha = 0.25
      this.line(ctx, s.points.map((p) => [x(p.step), y(p.loss)]))
      ctx.globalAlpha = 1
      ctx.lineWidth = 2
      this.line(ctx, s.points.map((p, i) => [x(p.step), y(s.smooth[i])]))
      ctx.lineWidth = 1
    }
    ctx.restore()

    ctx.strokeStyle = ink
    ctx.strokeRect(pad.left, pad.top, plotW, plotH)
    // legend, top right
    ctx.textAlign = 'left'
    ctx.textBaseline = 'middle'
    const rows = this.series.map((s) => ({ s, text: `${s.label}  ${s.smooth[s.smooth.length - 1]?.toFixed(3) ?? '…'}` }))
    const legendW = Math.max(...rows.map((r) => ctx.measureText(r.text).width)) + 34
    const lx = pad.left + plotW - legendW - 6
    let ly = pad.top + 8
    ctx.fillStyle = 'rgba(255,255,255,0.85)'
    ctx.fillRect(lx, ly - 2, legendW, rows.length * 18 + 18)
    for (const { s, text } of rows) {
      ctx.fillStyle = s.color
      ctx.fillRect(lx + 8, ly + 6, 16, 3)
      ctx.fillStyle = ink
      ctx.fillText(text, lx + 28, ly + 8)
      ly += 18
    }
    ctx.fillStyle = '#6b7280'
    ctx.setLineDash([4, 4])
    ctx.strokeStyle = '#6b7280'
    ctx.beginPath()
    ctx.moveTo(lx + 8, ly + 8)
    ctx.lineTo(lx + 24, ly + 8)
    ctx.stroke()
    ctx.setLineDash([])
    ctx.fillText('ln V: a uniform guess', lx + 28, ly + 8)
  }

  /** @param {CanvasRenderingContext2D} ctx @param {number[][]} xy */
  line(ctx, xy) {
    // thin out to about one point per pixel column
    const every = Math.max(1, Math.floor(xy.length / 800))
    ctx.beginPath()
    xy.forEach(([px, py], i) => {
      if (i % every !== 0 && i !== xy.length - 1) return
      if (i === 0) ctx.moveTo(px, py)
      else ctx.lineTo(px, py)
    })
    ctx.stroke()
  }
}
