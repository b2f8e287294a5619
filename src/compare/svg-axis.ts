// Axis arithmetic and text helpers for the SVG charts of `seqgrad compare`: nice linear ticks
// (1, 2, 5 × 10^k), decade ticks on log10 axes (with 2 and 5 × 10^k between them when there are fewer than
// four decades), tick labels short enough to read, XML escaping.

/** Values beyond this magnitude (or below its inverse, on a log axis) are skipped: an axis padded and
 *  rounded around them could overflow a double. */
export const MAX_MAGNITUDE = 1e300

/** Narrower linear ranges are padded: their ticks would be subnormal or not distinct. */
const TINY_SPAN = 1e-250

export interface Tick {
  /** Position in axis space: the value itself, or its log10 on a log axis. */
  at: number
  label: string
}

export interface Axis {
  /** Domain in axis space. */
  lo: number
  hi: number
  log: boolean
  ticks: Tick[]
}

export interface AxisRequest {
  /** Data range (min > max when there is no data). */
  min: number
  max: number
  log: boolean
  /** About how many ticks to aim for. */
  target: number
  /** Fixed ends, already checked (finite, positive on a log axis, min below max). */
  fixedMin?: number
  fixedMax?: number
}

/** An axis covering the data (padded when it is a single value), ends rounded to ticks unless fixed. */
export function makeAxis({ min, max, log, target, fixedMin, fixedMax }: AxisRequest): Axis {
  const toAxis = log ? Math.log10 : (v: number) => v
  const empty = !(min <= max)
  let lo = fixedMin !== undefined ? toAxis(fixedMin) : empty ? 0 : toAxis(min)
  let hi = fixedMax !== undefined ? toAxis(fixedMax) : empty ? 1 : toAxis(max)
  const size = Math.max(Math.abs(lo), Math.abs(hi))
  if (!(hi - lo > (log ? 1e-9 : Math.max(size * 1e-9, TINY_SPAN)))) {
    // A flat series still gets an axis: a decade either side on log, ±10% (or ±1 around 0) on linear.
    const pad = log ? 1 : size === 0 ? 1 : Math.max(size * 0.1, TINY_SPAN)
    if (fixedMin !== undefined) hi = lo + pad
    else if (fixedMax !== undefined) lo = hi - pad
    else [lo, hi] = [(lo + hi) / 2 - pad, (lo + hi) / 2 + pad]
  }
  return log ? logAxis(lo, hi, target, fixedMin === undefined, fixedMax === undefined) : linearAxis(lo, hi, target, fixedMin === undefined, fixedMax === undefined)
}

function linearAxis(lo: number, hi: number, target: number, freeLo: boolean, freeHi: boolean): Axis {
  const { step, exp } = niceStep((hi - lo) / target)
  if (freeLo) lo = Math.floor(lo / step) * step
  if (freeHi) hi = Math.ceil(hi / step) * step
  const ticks: Tick[] = []
  // Ticks are i·step for integer i, so 0 is exactly 0 and labels never read "-0" or "1e-17".
  for (let i = Math.ceil(lo / step - 1e-9); i <= Math.floor(hi / step + 1e-9); i++) {
    const at = i * step
    ticks.push({ at, label: formatLinear(at, exp) })
  }
  return { lo, hi, log: false, ticks }
}

/** A log axis with fewer decade ticks than this gets 2 and 5 × 10^k ticks between them. */
const MIN_DECADE_TICKS = 4

function logAxis(lo: number, hi: number, target: number, freeLo: boolean, freeHi: boolean): Axis {
  // Label every stride-th decade (stride 1, 2, 5, 10, 20, …) so that a range of 40 decades still gets
  // about `target` ticks; data within ±1e300 then never puts a tick past a double's range.
  const stride = Math.max(1, niceStep((hi - lo) / target).step)
  if (freeLo) lo = Math.floor(Math.floor(lo) / stride) * stride
  if (freeHi) hi = Math.ceil(Math.ceil(hi) / stride) * stride
  const ticks: Tick[] = []
  for (let k = Math.ceil(lo - 1e-9); k <= Math.floor(hi + 1e-9); k++) {
    if (k % stride === 0) ticks.push({ at: k, label: formatPower(1, k) })
  }
  if (ticks.length < MIN_DECADE_TICKS) {
    // Too few decades to read values from (or a fixed range narrower than one): 1, 2, 5 × 10^k.
    ticks.length = 0
    for (let k = Math.floor(lo); k <= Math.ceil(hi); k++) {
      for (const m of [1, 2, 5]) {
        const at = k + Math.log10(m)
        if (at >= lo - 1e-9 && at <= hi + 1e-9) ticks.push({ at, label: formatPower(m, k) })
      }
    }
  }
  return { lo, hi, log: true, ticks }
}

/** The smallest 1, 2 or 5 × 10^exp at least `raw`. */
export function niceStep(raw: number): { step: number; exp: number } {
  let exp = Math.floor(Math.log10(raw))
  const m = raw / 10 ** exp
  let mantissa = m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10
  if (mantissa === 10) [mantissa, exp] = [1, exp + 1]
  return { step: mantissa * 10 ** exp, exp }
}

/** A multiple of a step of 10^exp resolution, with just the digits that step needs. */
function formatLinear(v: number, exp: number): string {
  if (exp >= -4 && exp < 6) return v.toFixed(Math.max(0, -exp))
  if (v === 0) return '0'
  const digits = Math.min(20, Math.max(0, exponentOf(v) - exp))
  return compactExponential(v.toExponential(digits))
}

/** m × 10^k as people write it: 0.001, 1, 100, 500000, then 1e-6, 2e7. */
function formatPower(m: number, k: number): string {
  if (k >= -4 && k <= 5) return (m * 10 ** k).toFixed(Math.max(0, -k))
  return `${m}e${k}`
}

function exponentOf(v: number): number {
  return Number(v.toExponential().split('e')[1])
}

/** "1.50e+300" → "1.5e300" */
function compactExponential(s: string): string {
  const [mantissa, exponent] = s.split('e')
  const trimmed = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa
  return `${trimmed}e${Number(exponent)}`
}

/** A coordinate with at most 2 decimals (no trailing zeros, never "-0"). */
export function num(v: number): string {
  return String(Math.round(v * 100) / 100 + 0)
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }

/** Text safe in XML content and attributes; characters XML 1.0 forbids (controls, lone surrogates)
 *  become U+FFFD rather than making the document unreadable. */
export function escapeXml(text: string): string {
  return text
    .replace(/[&<>"']/g, (c) => ENTITIES[c])
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
}
