// The SVG line chart of `seqgrad compare`: well-formed XML whatever the data and names, a legend naming
// every series, monotonic ticks on nice steps (decades on log axes), every drawn point inside the plot,
// thinning that keeps the extremes, and the same string for the same input.
import fc from 'fast-check'
import { lineChart, type LineChartOptions, type Series } from '../../src/compare/svg.js'

const RUNS = 150

// ---------------------------------------------------------------------------------------------
// A small XML well-formedness checker: one root element, balanced and properly nested tags, quoted
// attributes without duplicates, and no raw '<', '>' or stray '&' (nor XML-forbidden characters) in
// text or attribute values. Returns the problems found, empty when the document is well formed.

const NAME = /[A-Za-z_][\w.:-]*/y
const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9A-Fa-f]+);/y
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function matchAt(re: RegExp, s: string, at: number): string | null {
  re.lastIndex = at
  const m = re.exec(s)
  return m ? m[0] : null
}

/** Problems in character data or an attribute value (`quote` is the delimiter, if any). */
function textProblems(s: string, where: string, quote = ''): string[] {
  const problems: string[] = []
  if (FORBIDDEN.test(s)) problems.push(`${where}: a character XML forbids`)
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (c === '<' || c === '>' || (quote !== '' && c === quote)) problems.push(`${where}: raw '${c}' at ${i}`)
    if (c === '&') {
      const entity = matchAt(ENTITY, s, i)
      if (entity === null) problems.push(`${where}: a bare '&' at ${i}`)
      else i += entity.length - 1
    }
  }
  return problems
}

function wellFormednessProblems(xml: string): string[] {
  const problems: string[] = []
  const stack: string[] = []
  let roots = 0
  let i = 0
  while (i < xml.length && problems.length === 0) {
    const lt = xml.indexOf('<', i)
    const chars = xml.slice(i, lt < 0 ? xml.length : lt)
    if (stack.length === 0 && chars.trim() !== '') problems.push(`text outside the root: ${JSON.stringify(chars.slice(0, 20))}`)
    problems.push(...textProblems(chars, `text at ${i}`))
    if (lt < 0) break
    if (xml.startsWith('</', lt)) {
      const name = matchAt(NAME, xml, lt + 2)
      const end = name === null ? -1 : lt + 2 + name.length + (matchAt(/\s*/y, xml, lt + 2 + name.length) ?? '').length
      if (name === null || xml[end] !== '>') problems.push(`a malformed end tag at ${lt}`)
      else if (stack.pop() !== name) problems.push(`</${name}> at ${lt} closes nothing open`)
      i = end + 1
      continue
    }
    const name = matchAt(NAME, xml, lt + 1)
    if (name === null) {
      problems.push(`a raw '<' or malformed tag at ${lt}`)
      break
    }
    if (stack.length === 0 && roots++ > 0) problems.push(`a second root element <${name}> at ${lt}`)
    let j = lt + 1 + name.length
    const seen = new Set<string>()
    for (;;) {
      const space = matchAt(/\s*/y, xml, j) ?? ''
      j += space.length
      if (xml.startsWith('/>', j)) {
        j += 2
        break
      }
      if (xml[j] === '>') {
        stack.push(name)
        j += 1
        break
      }
      const attr = matchAt(NAME, xml, j)
      if (attr === null || space === '') {
        problems.push(`<${name}> at ${lt}: expected whitespace and an attribute at ${j}`)
        break
      }
      if (seen.has(attr)) problems.push(`<${name}> at ${lt}: attribute ${attr} twice`)
      seen.add(attr)
      j += attr.length
      const quote = xml[j + 1]
      if (xml[j] !== '=' || (quote !== '"' && quote !== "'")) {
        problems.push(`<${name}> at ${lt}: attribute ${attr} is not ="quoted"`)
        break
      }
      const close = xml.indexOf(quote, j + 2)
      if (close < 0) {
        problems.push(`<${name}> at ${lt}: attribute ${attr} is never closed`)
        break
      }
      problems.push(...textProblems(xml.slice(j + 2, close), `attribute ${attr} of <${name}> at ${lt}`, quote))
      j = close + 1
    }
    i = j
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(' > ')}`)
  if (roots === 0) problems.push('no root element')
  return problems
}

// ---------------------------------------------------------------------------------------------
// Reading the chart back.

function unescape(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e] ?? '')
}

function escapeRef(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
}

function texts(svg: string, cls: string): string[] {
  return [...svg.matchAll(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`, 'g'))].map((m) => unescape(m[1]))
}

function tickValues(svg: string, axis: 'x' | 'y'): number[] {
  return texts(svg, `tick-${axis}`).map(Number)
}

interface Box {
  left: number
  top: number
  right: number
  bottom: number
}

function plotArea(svg: string): Box {
  const m = /<rect class="plot-area" x="([^"]+)" y="([^"]+)" width="([^"]+)" height="([^"]+)"/.exec(svg)
  if (m === null) throw new Error('no plot-area rect')
  const [x, y, w, h] = m.slice(1).map(Number)
  return { left: x, top: y, right: x + w, bottom: y + h }
}

/** Every drawn series point: polyline vertices (one array per polyline) and dots (one point each). */
function drawnRuns(svg: string): [number, number][][] {
  const lines = [...svg.matchAll(/<polyline class="series-line" points="([^"]*)"/g)].map((m) => m[1].split(' ').map((p) => p.split(',').map(Number) as [number, number]))
  const dots = [...svg.matchAll(/<circle class="series-dot" cx="([^"]+)" cy="([^"]+)"/g)].map((m) => [[Number(m[1]), Number(m[2])] as [number, number]])
  return [...lines, ...dots]
}

// ---------------------------------------------------------------------------------------------
// Random charts.

const specials = ['a', 'Z', '0', ' ', '&', '<', '>', '"', "'", '&amp;', ']]>', 'é', '–', '😀', '中', '\n', '\t', '\u0001', '\uFFFF', '\uD800', '\uDC00']
const nameArb = fc.string({ unit: fc.constantFrom(...specials), maxLength: 12 })
const valueArb = fc.oneof(
  fc.double(), // NaN, ±Infinity, ±0, subnormals and the largest doubles included
  fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 5e-324, 1e-310, 1e300, -1e300, 1.7e308),
  fc.double({ min: -1e3, max: 1e3, noNaN: true }),
  fc.double({ min: 1e-12, max: 1e12, noNaN: true }),
)
const seriesArb: fc.Arbitrary<Series> = fc.record(
  { name: nameArb, points: fc.array(fc.tuple(valueArb, valueArb), { maxLength: 40 }), dashed: fc.boolean() },
  { requiredKeys: ['name', 'points'] },
)
const optionsArb: fc.Arbitrary<LineChartOptions> = fc.record(
  {
    title: nameArb,
    xLabel: nameArb,
    yLabel: nameArb,
    series: fc.array(seriesArb, { maxLength: 10 }),
    logY: fc.boolean(),
    referenceLines: fc.array(fc.record({ y: valueArb, label: nameArb }), { maxLength: 3 }),
  },
  { requiredKeys: ['title', 'xLabel', 'yLabel', 'series'] },
)
/** Monotone steps and finite, positive values, as a training curve. */
const curveArb = (minLength: number, maxLength: number) =>
  fc.array(fc.double({ min: 1e-8, max: 1e8, noNaN: true }), { minLength, maxLength }).map((ys) => ys.map((y, i) => [i, y] as const))

// ---------------------------------------------------------------------------------------------

describe('the well-formedness checker', () => {
  test('accepts well-formed documents and rejects each kind of broken one', () => {
    expect(wellFormednessProblems('<svg a="1" b=\'&amp;\'><g><text>x &lt; y &#38; z</text></g><line/></svg>\n')).toEqual([])
    for (const bad of [
      '<a><b></a></b>',
      '<a x=1/>',
      '<a x="1" x="2"/>',
      '<a x="1"y="2"/>',
      '<a x="a<b"/>',
      '<a>&</a>',
      '<a>&nbsp;</a>',
      '<a>x < y</a>',
      '<a>x > y</a>',
      '<a>\u0001</a>',
      '<a>\uD800</a>',
      '<a>',
      '<a/><b/>',
      'text<a/>',
      '',
    ]) {
      expect({ bad, problems: wellFormednessProblems(bad).length > 0 }).toEqual({ bad, problems: true })
    }
  })
})

describe('lineChart', () => {
  test('is a well-formed standalone SVG document for any names and values, log axis or not', () => {
    fc.assert(
      fc.property(optionsArb, (opts) => {
        const svg = lineChart(opts)
        expect(wellFormednessProblems(svg)).toEqual([])
        expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 720 420"')).toBe(true)
      }),
      { numRuns: RUNS },
    )
  })

  test('the legend names every series, escaped, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ name: fc.string({ unit: fc.constantFrom('a', 'b', ' ', '&', '<', '>', '"', "'", ';', 'é', '😀'), maxLength: 12 }), points: fc.array(fc.tuple(valueArb, valueArb), { maxLength: 5 }) }), { maxLength: 10 }), fc.boolean(), (series, logY) => {
        const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series, logY })
        const labels = [...svg.matchAll(/<text class="legend-label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1])
        expect(labels).toHaveLength(series.length)
        series.forEach((s, i) => expect([escapeRef(s.name), `${escapeRef(s.name)} (no data)`]).toContain(labels[i]))
      }),
      { numRuns: RUNS },
    )
  })

  test('title, axis labels and reference labels are escaped', () => {
    const svg = lineChart({ title: 'a<b & "c"', xLabel: "x'", yLabel: '<y>', series: [{ name: 'n', points: [[0, 1], [1, 2]] }], referenceLines: [{ y: 1.5, label: 'base & line' }] })
    expect(texts(svg, 'title')).toEqual(['a<b & "c"'])
    expect(svg).toContain('>a&lt;b &amp; &quot;c&quot;<')
    expect(texts(svg, 'x-label')).toEqual(["x'"])
    expect(svg).toContain('>&lt;y&gt;</text>')
    expect(texts(svg, 'reference-label')).toEqual(['base & line'])
    // Characters XML cannot carry at all become U+FFFD instead of breaking the document.
    const odd = lineChart({ title: 'a\u0000b\uD800\uFFFF😀\uDC00', xLabel: '', yLabel: '', series: [] })
    expect(texts(odd, 'title')).toEqual(['a\uFFFDb\uFFFD\uFFFD😀\uFFFD'])
    expect(wellFormednessProblems(odd)).toEqual([])
  })

  test('tick labels increase strictly, on one nice step (1, 2 or 5 × 10^k) for linear axes', () => {
    fc.assert(
      fc.property(optionsArb, (opts) => {
        const svg = lineChart(opts)
        for (const axis of ['x', 'y'] as const) {
          const ticks = tickValues(svg, axis)
          expect(ticks.length).toBeGreaterThanOrEqual(2)
          for (const t of ticks) expect(Number.isFinite(t)).toBe(true)
          for (let k = 1; k < ticks.length; k++) expect(ticks[k]).toBeGreaterThan(ticks[k - 1])
          if (axis === 'y' && opts.logY === true) continue
          const step = ticks[1] - ticks[0]
          const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9)
          expect([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-4 * m)).toBe(true)
          for (let k = 1; k < ticks.length; k++) expect(Math.abs(ticks[k] - ticks[k - 1] - step)).toBeLessThanOrEqual(step * 1e-4)
        }
      }),
      { numRuns: RUNS },
    )
  })

  test('log axis ticks: decades written 1e-6, 0.001, 1, 100; 2 and 5 × 10^k between fewer than four; linear under one decade', () => {
    fc.assert(
      fc.property(fc.array(curveArb(1, 30), { minLength: 1, maxLength: 3 }), fc.double({ min: -290, max: 290, noNaN: true }), (curves, shift) => {
        const scale = 10 ** Math.round(shift)
        const series = curves.map((points, i) => ({ name: `s${i}`, points: points.map(([x, y]) => [x, y * scale] as const) }))
        const ys = series.flatMap((s) => s.points.map(([, y]) => y))
        const labels = texts(lineChart({ title: '', xLabel: '', yLabel: '', series, logY: true }), 'tick-y')
        expect(labels.length).toBeGreaterThanOrEqual(2)
        if (Math.max(...ys) < 10 * Math.min(...ys)) {
          // Less than a decade of data: a linear axis, evenly spaced.
          const ticks = labels.map(Number)
          const step = ticks[1] - ticks[0]
          for (let k = 2; k < ticks.length; k++) expect(Math.abs(ticks[k] - ticks[k - 1] - step)).toBeLessThanOrEqual(step * 1e-6)
          return
        }
        const powers = labels.map((l) => {
          expect(l).toMatch(/^([125]e-?\d+|[125]0*|0\.0*[125])$/)
          const k = Math.floor(Math.log10(Number(l)) + 1e-9)
          const m = Math.round(Number(l) / 10 ** k)
          if (k >= -4 && k <= 5) expect(l).not.toContain('e')
          return { k, m }
        })
        const decades = powers.filter((p) => p.m === 1).map((p) => p.k)
        if (powers.some((p) => p.m !== 1)) expect(decades.length).toBeLessThan(4)
        else {
          expect(decades.length).toBeGreaterThanOrEqual(4)
          for (let j = 2; j < decades.length; j++) expect(decades[j] - decades[j - 1]).toBe(decades[1] - decades[0])
        }
        expect(labels.length).toBeGreaterThanOrEqual(4)
        expect(labels.length).toBeLessThanOrEqual(11)
      }),
      { numRuns: RUNS },
    )
    const labels = texts(lineChart({ title: '', xLabel: '', yLabel: '', logY: true, series: [{ name: 'loss', points: [[0, 50], [1, 3e-6]] }] }), 'tick-y')
    expect(labels).toEqual(['1e-6', '1e-5', '0.0001', '0.001', '0.01', '0.1', '1', '10', '100'])
  })

  test('every drawn point, reference line and tick lies inside the plot area', () => {
    fc.assert(
      fc.property(optionsArb, fc.option(fc.tuple(fc.double({ min: 1e-3, max: 1e3, noNaN: true }), fc.double({ min: 1e-3, max: 1e3, noNaN: true })).filter(([a, b]) => a !== b)), (opts, range) => {
        const fixed = range === null ? {} : { yMin: Math.min(...range), yMax: Math.max(...range) }
        const svg = lineChart({ ...opts, ...fixed })
        const box = plotArea(svg)
        const inside = ([x, y]: [number, number]) => x >= box.left - 0.01 && x <= box.right + 0.01 && y >= box.top - 0.01 && y <= box.bottom + 0.01
        for (const run of drawnRuns(svg)) for (const p of run) expect({ p, inside: inside(p) }).toEqual({ p, inside: true })
        for (const m of svg.matchAll(/<line class="reference" x1="([^"]+)" y1="([^"]+)" x2="([^"]+)" y2="([^"]+)"/g)) {
          const [x1, y1, x2, y2] = m.slice(1).map(Number)
          expect(inside([x1, y1]) && inside([x2, y2])).toBe(true)
        }
        for (const m of svg.matchAll(/<text class="tick-y" x="[^"]+" y="([^"]+)"/g)) expect(Number(m[1]) - 4).toBeGreaterThanOrEqual(box.top - 0.01)
      }),
      { numRuns: RUNS },
    )
  })

  test('the path is split at non-finite values (and at y ≤ 0 on a log axis); a lone point is a dot', () => {
    const points = [[0, 1], [1, 2], [2, NaN], [3, 3], [4, 4], [5, 5], [Infinity, 1], [7, 2], [8, -1], [9, 3]] as const
    const linear = drawnRuns(lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 's', points }] }))
    expect(linear.map((r) => r.length)).toEqual([2, 3, 3])
    const log = drawnRuns(lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 's', points }], logY: true }))
    expect(log.map((r) => r.length)).toEqual([2, 3, 1, 1]) // polylines first, then the dots at 7 and 9
    const svg = lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 's', points }], logY: true })
    expect(svg.match(/<polyline /g)).toHaveLength(2)
    expect(svg.match(/<circle class="series-dot" [^>]*r="2.5"/g)).toHaveLength(2) // a one-point polyline would be invisible
  })

  test('a single point and a flat series still render, with a padded range', () => {
    const one = lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 'one', points: [[3, 7]] }] })
    expect(drawnRuns(one)).toHaveLength(1)
    expect(tickValues(one, 'y').length).toBeGreaterThanOrEqual(2)
    expect(tickValues(one, 'x').length).toBeGreaterThanOrEqual(2)
    const flat = lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 'flat', points: [[0, 0.3], [1, 0.3], [2, 0.3]] }] })
    const yTicks = tickValues(flat, 'y')
    expect(yTicks[0]).toBeLessThan(0.3)
    expect(yTicks[yTicks.length - 1]).toBeGreaterThan(0.3)
    const [run] = drawnRuns(flat)
    const box = plotArea(flat)
    expect(run).toHaveLength(3)
    expect(run[0][1]).toBeGreaterThan(box.top) // drawn mid-plot, not on an edge
    expect(run[0][1]).toBeLessThan(box.bottom)
    const zero = tickValues(lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 'z', points: [[0, 0], [1, 0]] }] }), 'y')
    expect([zero[0], zero[zero.length - 1]]).toEqual([-1, 1])
  })

  test('no series (or no usable point) gives the axes and a "no data" note', () => {
    const empty = lineChart({ title: 'nothing', xLabel: 'x', yLabel: 'y', series: [] })
    expect(texts(empty, 'no-data')).toEqual(['no data'])
    expect(tickValues(empty, 'x').length).toBeGreaterThanOrEqual(2)
    expect(tickValues(empty, 'y').length).toBeGreaterThanOrEqual(2)
    expect(wellFormednessProblems(empty)).toEqual([])
    const dead = lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 'diverged', points: [[0, NaN], [1, Infinity]] }] })
    expect(texts(dead, 'no-data')).toEqual(['no data'])
    expect(texts(dead, 'legend-label')).toEqual(['diverged (no data)'])
    const some = lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 'ok', points: [[0, 1]] }] })
    expect(texts(some, 'no-data')).toEqual([])
  })

  test('thinning keeps the global min and max and about 1,000 points per series', () => {
    fc.assert(
      fc.property(curveArb(1001, 6000), fc.nat(), fc.nat(), (curve, a, b) => {
        const ys = curve.map(([, y]) => y)
        const [iMin, iMax] = [a % ys.length, b % ys.length]
        ys[iMin] = 1e-9 // a dip and a spike, anywhere
        ys[iMax] = iMax === iMin ? ys[iMax] : 2e8
        const lo = Math.min(...ys)
        const hi = Math.max(...ys)
        fc.pre(lo < hi)
        // With the y range fixed to the data's own, the min is drawn on the bottom edge, the max on the top.
        const svg = lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 's', points: ys.map((y, i) => [i, y] as const) }], yMin: lo, yMax: hi })
        const [run] = drawnRuns(svg)
        const box = plotArea(svg)
        expect(run.length).toBeLessThanOrEqual(1002)
        expect(Math.max(...run.map(([, y]) => y))).toBeCloseTo(box.bottom, 2)
        expect(Math.min(...run.map(([, y]) => y))).toBeCloseTo(box.top, 2)
        // The first and last points stay, so the line spans the same steps, and the x axis ends with the data.
        expect(run[0][0]).toBeCloseTo(box.left, 2)
        expect(run[run.length - 1][0]).toBeCloseTo(box.right, 2)
      }),
      { numRuns: 30 },
    )
  })

  test('thinning keeps extremes across gaps, and 5,000 points make a small file', () => {
    const ys = Array.from({ length: 5000 }, (_, i) => (i % 997 === 0 ? NaN : Math.sin(i / 40) + ((i * 7919) % 13) / 30))
    ys[1234] = 9
    ys[4321] = -9
    const svg = lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 's', points: ys.map((y, i) => [i, y] as const) }], yMin: -9, yMax: 9 })
    const runs = drawnRuns(svg)
    const box = plotArea(svg)
    expect(runs).toHaveLength(6) // NaN at 0, 997, 1994, 2991, 3988, 4985
    const all = runs.flat()
    expect(all.length).toBeLessThanOrEqual(1000 + 4 * runs.length) // rounding and both ends, per run
    expect(Math.min(...all.map(([, y]) => y))).toBeCloseTo(box.top, 2)
    expect(Math.max(...all.map(([, y]) => y))).toBeCloseTo(box.bottom, 2)
    expect(svg.length).toBeLessThan(20_000)
    // Below the limit nothing is dropped.
    expect(drawnRuns(lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 's', points: ys.slice(1, 997).map((y, i) => [i, y] as const) }] }))[0]).toHaveLength(996)
  })

  test('the same input gives the same string', () => {
    const copy = (o: LineChartOptions): LineChartOptions => ({
      ...o,
      series: o.series.map((s) => ({ ...s, points: s.points.map(([x, y]) => [x, y] as const) })),
      referenceLines: o.referenceLines?.map((r) => ({ ...r })),
    })
    fc.assert(
      fc.property(optionsArb, (opts) => {
        expect(lineChart(copy(opts))).toBe(lineChart(opts))
      }),
      { numRuns: 50 },
    )
  })

  test('coordinates carry at most 2 decimals', () => {
    const svg = lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 's', points: Array.from({ length: 50 }, (_, i) => [i / 7, Math.sqrt(i) / 3] as const) }] })
    for (const run of drawnRuns(svg)) for (const p of run) for (const c of p) expect(String(c)).toMatch(/^-?\d+(\.\d{1,2})?$/)
  })

  test('series take the Okabe–Ito colours in order; dashed series and the ninth onwards are dashed', () => {
    const series = Array.from({ length: 10 }, (_, i) => ({ name: `s${i}`, points: [[0, i], [1, i + 1]] as const, dashed: i === 1 ? true : undefined }))
    const svg = lineChart({ title: '', xLabel: '', yLabel: '', series })
    const strokes = [...svg.matchAll(/<polyline [^>]*stroke="(#[0-9A-F]{6})"( stroke-dasharray)?/g)].map((m) => [m[1], m[2] !== undefined])
    expect(strokes).toEqual([
      ['#0072B2', false], ['#D55E00', true], ['#009E73', false], ['#CC79A7', false], ['#E69F00', false],
      ['#56B4E9', false], ['#000000', false], ['#F0E442', false], ['#0072B2', true], ['#D55E00', true],
    ])
    const swatches = [...svg.matchAll(/<line class="legend-swatch" [^>]*stroke="(#[0-9A-F]{6})"/g)].map((m) => m[1])
    expect(swatches).toEqual(strokes.map(([c]) => c))
  })

  test('reference lines are drawn dashed grey at their value, named in the legend, and count in the range', () => {
    const svg = lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 's', points: [[0, 1], [1, 2]] }], referenceLines: [{ y: 10, label: 'baseline MSE' }, { y: NaN, label: 'skipped' }] })
    expect(texts(svg, 'reference-label')).toEqual(['baseline MSE'])
    expect(svg).toMatch(/<line class="reference" [^>]*stroke="#777777" stroke-dasharray="4 4"/)
    expect(svg).toMatch(/<line class="reference-swatch" [^>]*stroke="#777777" stroke-dasharray="4 4"/)
    const ticks = tickValues(svg, 'y')
    expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(10)
    const box = plotArea(svg)
    const y = Number(/<line class="reference" x1="[^"]+" y1="([^"]+)"/.exec(svg)?.[1])
    expect(y).toBeCloseTo(box.top + (1 - (10 - ticks[0]) / (ticks[ticks.length - 1] - ticks[0])) * (box.bottom - box.top), 1)
  })

  test('a fixed range is kept as given; narrower than a decade on a log axis it gets 1-2-5 ticks', () => {
    const linear = tickValues(lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 's', points: [[0, -5], [1, 50]] }], yMin: 0, yMax: 1 }), 'y')
    expect([linear[0], linear[linear.length - 1]]).toEqual([0, 1])
    expect(texts(lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 's', points: [[0, 3]] }], logY: true, yMin: 1.5, yMax: 6 }), 'tick-y')).toEqual(['2', '5'])
  })

  test('huge and tiny ranges still get distinct, readable labels', () => {
    const huge = texts(lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 's', points: [[-1e300, -1e300], [1e300, 1e300]] }] }), 'tick-y')
    expect(huge).toEqual(['-1e300', '-5e299', '0', '5e299', '1e300'])
    const tiny = tickValues(lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 's', points: [[0, 1], [1, 1 + 1e-13]] }] }), 'y')
    expect(new Set(tiny).size).toBe(tiny.length)
    expect(tiny[0]).toBeLessThan(1)
    const small = texts(lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 's', points: [[0, 1e-7], [1, 3e-7]] }] }), 'tick-y')
    expect(small).toContain('2e-7')
  })

  test('bad options are refused with what was expected and what came', () => {
    const base = { title: '', xLabel: '', yLabel: '', series: [] }
    expect(() => lineChart({ ...base, yMin: 2, yMax: 1 })).toThrow('lineChart: yMin must be below yMax, got yMin 2 and yMax 1')
    expect(() => lineChart({ ...base, logY: true, yMin: 0 })).toThrow('lineChart: yMin must be > 0 on a log axis')
    expect(() => lineChart({ ...base, yMax: NaN })).toThrow('lineChart: yMax must be a finite number')
    expect(() => lineChart({ ...base, width: 10 })).toThrow('lineChart: width must be a finite number ≥ 320, got 10')
    expect(lineChart({ ...base, width: 1000, height: 300 })).toContain('viewBox="0 0 1000 300"')
  })
})
