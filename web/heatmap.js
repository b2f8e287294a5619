// @ts-check
// Gate heat maps, after Karpathy, Johnson & Fei-Fei (2015), "Visualizing and Understanding Recurrent
// Networks": for one layer's gate trace, a grid per gate with a column per character of the prompt and a
// row per unit. Sigmoid gates run 0…1 (a unit that is mostly near 0 or 1 is saturated: a gate that is
// shut or wide open); tanh values and the LSTM cell state run blue (negative) to red (positive), and a
// cell-state unit that keeps its colour over many characters is a long memory.

/** @typedef {{ data: Float32Array, steps: number, units: number }} Trace one gate of one layer: [T, H] row-major */
/** @typedef {Record<string, Trace>} GateTrace */

/** What each recorded key is, how it is bounded, and how to colour it. */
export const GATES = {
  i: { name: 'input gate i', range: 'σ', kind: 'sigmoid' },
  f: { name: 'forget gate f', range: 'σ', kind: 'sigmoid' },
  g: { name: 'candidate g', range: 'tanh', kind: 'tanh' },
  o: { name: 'output gate o', range: 'σ', kind: 'sigmoid' },
  c: { name: 'cell state c', range: 'unbounded', kind: 'state' },
  r: { name: 'reset gate r', range: 'σ', kind: 'sigmoid' },
  z: { name: 'update gate z', range: 'σ', kind: 'sigmoid' },
  n: { name: 'candidate n', range: 'tanh', kind: 'tanh' },
  h: { name: 'hidden state h', range: 'tanh', kind: 'tanh' },
}
const ORDER = ['i', 'f', 'o', 'g', 'c', 'r', 'z', 'n', 'h']

// Cell sizes in CSS pixels: at least 11 × 7, larger when the prompt or the unit list is short.
const cellWidth = (/** @type {number} */ steps) => Math.max(11, Math.min(20, Math.floor(520 / Math.max(1, steps))))
const cellHeight = (/** @type {number} */ units) => (units <= 16 ? 12 : units <= 32 ? 8 : 6)
const LABEL_H = 16
const LEFT = 30

// Sequential ramp for 0…1 (light to dark blue-violet) and diverging ramp for −1…1 (blue, white, red).
const SEQUENTIAL = [[247, 251, 255], [198, 219, 239], [107, 174, 214], [33, 113, 181], [8, 48, 107]]
const DIVERGING = [[33, 102, 172], [146, 197, 222], [247, 247, 247], [244, 165, 130], [178, 24, 43]]

/** @param {number[][]} stops @param {number} t in [0, 1] */
function ramp(stops, t) {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0.5)) * (stops.length - 1)
  const k = Math.min(stops.length - 2, Math.floor(x))
  const f = x - k
  return stops[k].map((a, j) => Math.round(a + (stops[k + 1][j] - a) * f))
}

/** The colour scale of a gate: a function value → [r, g, b] and the legend's ends. */
function scaleFor(/** @type {string} */ key, /** @type {Trace} */ trace) {
  const kind = GATES[key]?.kind ?? 'tanh'
  if (kind === 'sigmoid') return { color: (/** @type {number} */ v) => ramp(SEQUENTIAL, v), lo: 0, hi: 1, stops: SEQUENTIAL }
  let bound = 1
  if (kind === 'state') {
    // the 98th percentile of |c|, so one unit with a huge memory does not wash out all the others
    const magnitudes = Float32Array.from(trace.data, Math.abs).sort()
    const q = magnitudes[Math.floor(0.98 * (magnitudes.length - 1))] ?? 0
    bound = q > 0 ? Number(q.toPrecision(2)) : 1
  }
  return { color: (/** @type {number} */ v) => ramp(DIVERGING, (v / bound + 1) / 2), lo: -bound, hi: bound, stops: DIVERGING }
}

/** How saturated unit u is over the prompt: the fraction of steps near the ends of its range. */
function saturation(/** @type {string} */ key, /** @type {Trace} */ trace, /** @type {number} */ u) {
  const kind = GATES[key]?.kind ?? 'tanh'
  let count = 0
  let sumAbs = 0
  for (let t = 0; t < trace.steps; t++) {
    const v = trace.data[t * trace.units + u]
    if (kind === 'sigmoid' ? v < 0.1 || v > 0.9 : Math.abs(v) > 0.9) count++
    sumAbs += Math.abs(v)
  }
  // the cell state is unbounded: rank by mean magnitude (long memories build up large values)
  return kind === 'state' ? sumAbs / trace.steps : count / trace.steps
}

/** The fractions of (step, unit) entries that are left-saturated (< 0.1) and right-saturated (> 0.9). */
export function saturationSummary(/** @type {Trace} */ trace) {
  let left = 0
  let right = 0
  for (const v of trace.data) {
    if (v < 0.1) left++
    else if (v > 0.9) right++
  }
  return { left: left / trace.data.length, right: right / trace.data.length }
}

/** Which units to draw: the first `count`, or the `count` most saturated of the chosen gate. */
export function chooseUnits(/** @type {GateTrace} */ layer, /** @type {'first' | 'saturated'} */ mode, /** @type {number} */ count, /** @type {string} */ rankBy) {
  const any = Object.values(layer)[0]
  const units = any ? any.units : 0
  const all = Array.from({ length: units }, (_, u) => u)
  if (mode === 'first') return all.slice(0, count)
  const key = rankBy in layer ? rankBy : Object.keys(layer)[0]
  const score = all.map((u) => saturation(key, layer[key], u))
  return all.sort((a, b) => score[b] - score[a] || a - b).slice(0, count)
}

/** How a character is shown in a column label: visible stand-ins for space and line breaks. */
const shown = (/** @type {string} */ ch) => (ch === ' ' ? '·' : ch === '\n' ? '↵' : ch === '\t' ? '→' : ch)

/**
 * Draws every gate of `layer` into `container`: a canvas per gate (characters × chosen units), a legend,
 * a saturation summary, and a tooltip on hover. `onPick(key, unit)` runs when a row is clicked.
 * @param {HTMLElement} container
 * @param {{ layer: GateTrace, characters: string[], units: number[], onPick?: (key: string, unit: number) => void, tooltip: HTMLElement }} opts
 */
export function drawHeatmaps(container, { layer, characters, units, onPick, tooltip }) {
  container.replaceChildren()
  const keys = ORDER.filter((k) => k in layer).concat(Object.keys(layer).filter((k) => !ORDER.includes(k)))
  for (const key of keys) {
    const trace = layer[key]
    const info = GATES[key] ?? { name: key, range: '', kind: 'tanh' }
    const scale = scaleFor(key, trace)
    const figure = document.createElement('figure')
    figure.className = 'gate'
    figure.dataset.gate = key
    const caption = document.createElement('figcaption')
    const title = document.createElement('strong')
    title.textContent = info.name
    caption.append(title)
    const note = document.createElement('span')
    note.className = 'muted'
    if (info.kind === 'sigmoid') {
      const { left, right } = saturationSummary(trace)
      note.textContent = ` σ · ${(100 * left).toFixed(0)}% below 0.1, ${(100 * right).toFixed(0)}% above 0.9`
    } else note.textContent = info.kind === 'state' ? ` unbounded · colours span ±${scale.hi}, beyond is clipped` : ' tanh · −1…1'
    caption.append(note, legend(scale))
    figure.append(caption)

    const steps = Math.min(trace.steps, characters.length)
    const CELL_W = cellWidth(steps)
    const CELL_H = cellHeight(units.length)
    const canvas = document.createElement('canvas')
    const width = LEFT + steps * CELL_W
    const height = LABEL_H + units.length * CELL_H
    const ratio = window.devicePixelRatio || 1
    canvas.width = Math.ceil(width * ratio)
    canvas.height = Math.ceil(height * ratio)
    canvas.style.width = `${width}px`
    canvas.style.height = `${height}px`
    const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'))
    ctx.scale(ratio, ratio)
    ctx.font = '11px ui-monospace, SFMono-Regular, Menlo, monospace'
    ctx.textAlign = 'center'
    ctx.textBaseline = 'middle'
    ctx.fillStyle = '#374151'
    for (let t = 0; t < steps; t++) ctx.fillText(shown(characters[t]), LEFT + t * CELL_W + CELL_W / 2, LABEL_H / 2)
    ctx.textAlign = 'right'
    ctx.font = '9px system-ui, sans-serif'
    units.forEach((u, row) => {
      if (units.length <= 16 || row % 4 === 0) ctx.fillText(String(u), LEFT - 4, LABEL_H + row * CELL_H + CELL_H / 2)
      for (let t = 0; t < steps; t++) {
        const [r, g, b] = scale.color(trace.data[t * trace.units + u])
        ctx.fillStyle = `rgb(${r},${g},${b})`
        ctx.fillRect(LEFT + t * CELL_W, LABEL_H + row * CELL_H, CELL_W, CELL_H)
      }
      ctx.fillStyle = '#374151'
    })

    const at = (/** @type {MouseEvent} */ event) => {
      const box = canvas.getBoundingClientRect()
      const t = Math.floor((event.clientX - box.left - LEFT) / CELL_W)
      const row = Math.floor((event.clientY - box.top - LABEL_H) / CELL_H)
      return t >= 0 && t < steps && row >= 0 && row < units.length ? { t, unit: units[row] } : null
    }
    canvas.addEventListener('mousemove', (event) => {
      const hit = at(event)
      if (hit === null) {
        tooltip.hidden = true
        return
      }
      const value = trace.data[hit.t * trace.units + hit.unit]
      tooltip.textContent = `${key} · unit ${hit.unit} · '${shown(characters[hit.t])}' (char ${hit.t}): ${value.toFixed(3)}`
      tooltip.hidden = false
      tooltip.style.left = `${event.pageX + 12}px`
      tooltip.style.top = `${event.pageY + 12}px`
    })
    canvas.addEventListener('mouseleave', () => {
      tooltip.hidden = true
    })
    canvas.addEventListener('click', (event) => {
      const hit = at(event)
      if (hit !== null) onPick?.(key, hit.unit)
    })
    const scroller = document.createElement('div')
    scroller.className = 'gate-scroll'
    scroller.append(canvas)
    figure.append(scroller)
    container.append(figure)
  }
}

/** A small colour bar with its two ends labelled. */
function legend(/** @type {{ lo: number, hi: number, stops: number[][] }} */ scale) {
  const wrap = document.createElement('span')
  wrap.className = 'legend'
  const lo = document.createElement('span')
  lo.textContent = String(scale.lo)
  const bar = document.createElement('span')
  bar.className = 'legend-bar'
  bar.style.background = `linear-gradient(to right, ${scale.stops.map(([r, g, b]) => `rgb(${r},${g},${b})`).join(', ')})`
  const hi = document.createElement('span')
  hi.textContent = String(scale.hi)
  wrap.append(lo, bar, hi)
  return wrap
}

/**
 * Karpathy's view of one unit: the prompt's characters, each on the colour of the unit's value there.
 * @param {HTMLElement} container
 */
export function drawUnitText(container, /** @type {GateTrace} */ layer, /** @type {string} */ key, /** @type {number} */ unit, /** @type {string[]} */ characters) {
  const trace = layer[key]
  const scale = scaleFor(key, trace)
  container.replaceChildren()
  const title = document.createElement('div')
  title.className = 'muted'
  title.textContent = `${GATES[key]?.name ?? key}, unit ${unit}, over the prompt:`
  const text = document.createElement('div')
  text.className = 'unit-text'
  characters.slice(0, trace.steps).forEach((ch, t) => {
    const span = document.createElement('span')
    const value = trace.data[t * trace.units + unit]
    const [r, g, b] = scale.color(value)
    span.style.background = `rgb(${r},${g},${b})`
    if ((r * 299 + g * 587 + b * 114) / 1000 < 110) span.style.color = '#fff'
    span.title = value.toFixed(3)
    span.textContent = ch === '\n' ? '↵\n' : ch
    text.append(span)
  })
  container.append(title, text)
}
