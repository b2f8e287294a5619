// @ts-check
// The Compare panel: `seqgrad compare` in the page. It reads and checks the form, asks its own worker
// (compare-worker.js, which runs the command's code from dist/seqgrad-compare.min.js) to train every cell
// variant on every seed, plots the training losses as they come, and at the end shows the results table,
// the gradient-norm and metric charts of the report, and the usual advice measured against the run.
import { CompareChart } from './compare-chart.js'
import { WorkerClient } from './worker-client.js'

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id))

/** Small budgets that finish in seconds in a browser; the task's own defaults are the command's, far larger. */
const PRESETS = {
  adding: { length: 20, hidden: 16, steps: 500 },
  copy: { length: 5, hidden: 32, steps: 1000 },
}
const FIELDS = {
  seeds: { id: 'compare-seeds', label: 'Seeds', min: 1, max: 10 },
  length: { id: 'compare-length', label: 'Length', min: 2, max: 200 },
  hidden: { id: 'compare-hidden', label: 'Hidden size', min: 1, max: 256 },
  steps: { id: 'compare-steps', label: 'Steps', min: 1, max: 20000 },
}
const CLAIM_CLASS = { supported: 'pass', 'not supported': 'fail', depends: 'warn', 'cannot test': 'muted' }
const RELIABILITY_CLASS = { solved: 'pass', unreliable: 'warn', 'not solved': 'fail' }

/** @param {unknown} error */
const messageOf = (error) => (error instanceof Error ? error.message : String(error))
const formatInt = (/** @type {number} */ n) => Math.round(n).toLocaleString('en-US')

function say(/** @type {string} */ text, /** @type {'info' | 'ok' | 'error'} */ kind = 'info') {
  const el = $('compare-message')
  el.textContent = text
  el.className = `message ${kind}`
}

/** An element with a class and text. @param {string} tag @param {string} [cls] @param {string} [text] */
function element(tag, cls, text) {
  const el = document.createElement(tag)
  if (cls) el.className = cls
  if (text !== undefined) el.textContent = text
  return el
}

/** The form's numbers, or every problem with them in words. */
function readNumbers() {
  /** @type {string[]} */
  const problems = []
  /** @type {Record<string, number>} */
  const values = {}
  for (const [key, { id, label, min, max }] of Object.entries(FIELDS)) {
    const input = $(id)
    const raw = input.value.trim()
    const value = Number(raw)
    let problem = ''
    if (raw === '') problem = `${label} is empty: enter a whole number from ${min} to ${max}.`
    else if (!Number.isFinite(value)) problem = `${label} must be a number, got "${raw}".`
    else if (!Number.isInteger(value)) problem = `${label} must be a whole number, got ${raw}.`
    else if (value < min || value > max) problem = `${label} must be from ${min} to ${max}, got ${raw}.`
    input.setAttribute('aria-invalid', String(problem !== ''))
    if (problem) problems.push(problem)
    values[key] = value
  }
  return { values, problems }
}

/** An SVG document from the library (the report's chart), as an element that scales with its box. */
function svgElement(/** @type {string} */ svg) {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml')
  const root = /** @type {SVGSVGElement} */ (document.importNode(doc.documentElement, true))
  root.removeAttribute('width')
  root.removeAttribute('height')
  return root
}

export function setupCompare() {
  const chart = new CompareChart($('compare-chart'))
  let running = false
  let ready = false
  let finished = 0
  let total = 0
  /** @type {{ label: string, color: string }[]} */
  let cells = []
  /** @type {Map<number, { cellIndex: number, seed: number }>} */
  const units = new Map()
  let specCheck = 0
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let specTimer

  let starting = false
  const INPUTS = ['compare-task', 'compare-cells', ...Object.values(FIELDS).map((f) => f.id)]

  /** While a comparison runs, its settings stay as they are and only Stop is live. */
  const setRunning = (/** @type {boolean} */ on) => {
    running = on
    $('compare-run').disabled = on || !ready
    $('compare-stop').disabled = !on
    for (const id of INPUTS) $(id).disabled = on
  }

  /** @param {any} event */
  const onEvent = (event) => {
    if (event.event === 'plan') {
      cells = event.cells
      total = event.units
      finished = 0
      units.clear()
      chart.reset(cells, event.steps, event.lossName)
      $('compare-status').textContent = `${event.task}: ${cells.length} cell${cells.length === 1 ? '' : 's'} × ${event.seeds.length} seed${event.seeds.length === 1 ? '' : 's'}, ${formatInt(event.steps)} step${event.steps === 1 ? '' : 's'} each`
    } else if (event.event === 'unit') {
      units.set(event.run, { cellIndex: event.cellIndex, seed: event.seed })
      if (event.phase === 'final') chart.startRun(event.run, event.cellIndex, event.seed)
    } else if (event.event === 'progress') {
      if (event.phase === 'final') chart.addPoints(event.run, event.points)
      const unit = units.get(event.run)
      const label = unit === undefined ? '' : `${cells[unit.cellIndex]?.label}, seed ${unit.seed}`
      $('compare-status').textContent = `Run ${finished + 1} of ${total}: ${label} · step ${formatInt(event.step)} / ${formatInt(event.steps)} · ${formatInt(event.tokensPerSecond)} tokens/s`
    } else if (event.event === 'unit-done') {
      finished++
    }
  }

  const worker = new WorkerClient('compare-worker.js', 'seqgrad-compare.min.js', onEvent, (message) => {
    say(message, 'error')
    ready = false
    setRunning(false)
  })

  /** Shows the cells a spec names, in their colours, or the parser's message. */
  async function checkSpec() {
    const ticket = ++specCheck
    const input = $('compare-cells')
    try {
      const parsed = await worker.call('cells', { cells: input.value })
      if (ticket !== specCheck) return true
      input.setAttribute('aria-invalid', 'false')
      const preview = $('compare-cells-info')
      preview.replaceChildren(
        ...parsed.flatMap((/** @type {{ label: string, spec: string, color: string }} */ c, /** @type {number} */ i) => {
          const item = element('span', 'cell-chip', c.label)
          item.style.setProperty('--chip', c.color)
          item.title = c.spec
          return i === 0 ? [item] : [document.createTextNode(' '), item]
        }),
      )
      if (!running && $('compare-message').dataset.spec === 'error') {
        say('')
        delete $('compare-message').dataset.spec
      }
      return true
    } catch (error) {
      if (ticket !== specCheck) return false
      input.setAttribute('aria-invalid', 'true')
      $('compare-cells-info').replaceChildren()
      if (!running) {
        say(messageOf(error), 'error')
        $('compare-message').dataset.spec = 'error'
      }
      return false
    }
  }

  function showResults(/** @type {any} */ result) {
    const table = $('compare-table')
    const head = element('tr')
    result.table.header.forEach((/** @type {string} */ text, /** @type {number} */ i) => head.append(element('th', result.table.align[i] === 'right' ? 'num-cell' : '', text)))
    table.querySelector('thead').replaceChildren(head)
    table.querySelector('tbody').replaceChildren(
      ...result.table.rows.map((/** @type {string[]} */ row, /** @type {number} */ r) => {
        const tr = element('tr')
        row.forEach((text, i) => {
          const last = i === row.length - 1
          const td = element('td', last ? `verdict-cell ${RELIABILITY_CLASS[/** @type {keyof RELIABILITY_CLASS} */ (result.reliability[r])]}` : result.table.align[i] === 'right' ? 'num-cell' : '', text)
          if (i === 0) {
            const swatch = element('span', 'swatch')
            swatch.style.background = cells[r]?.color ?? 'transparent'
            td.prepend(swatch)
          }
          tr.append(td)
        })
        return tr
      }),
    )
    const s = result.settings
    const seeds = s.seeds.length === 1 ? `seed ${s.seeds[0]}` : `seeds ${s.seeds[0]}–${s.seeds[s.seeds.length - 1]}`
    // StepLR drops the lr after max(1, ⌊at · steps⌋) steps: a run no longer than that keeps one lr
    const drop = Math.max(1, Math.floor(s.lrSchedule.at * s.steps)) + 1
    const schedule = drop > s.steps ? 'constant lr: the run ends before the drop' : `× ${s.lrSchedule.factor} from step ${formatInt(drop)}`
    table.querySelector('caption').textContent =
      `${result.title}: length ${s.length}, hidden ${s.hidden} unless a cell sets its own, batch ${s.batchSize}, ${formatInt(s.steps)} step${s.steps === 1 ? '' : 's'} of Adam (lr ${s.learningRates.join(', ')}, ${schedule}), gradients clipped to norm ${s.clipNorm}, ${seeds} (a seed sets the data and the initialisation). ` +
      `Medians over the seeds. ${result.verdictRule[0].toUpperCase()}${result.verdictRule.slice(1)}; a verdict counts the seeds that solved it: solved in k of N when all did, unreliable when some did, not solved when none did.`
    table.hidden = false
    $('compare-norms').replaceChildren(svgElement(result.charts.gradientNorms))
    $('compare-metric').replaceChildren(svgElement(result.charts.metric))
    $('compare-claims').replaceChildren(
      ...result.claims.map((/** @type {{ claim: string, verdict: string, evidence: string }} */ c) => {
        const li = element('li')
        li.append(element('span', `claim-verdict ${CLAIM_CLASS[/** @type {keyof CLAIM_CLASS} */ (c.verdict)] ?? ''}`, c.verdict), element('strong', '', ` ${c.claim} `), document.createTextNode(c.evidence))
        return li
      }),
    )
    $('compare-results').hidden = false
  }

  async function run() {
    if (running || starting || !ready) return
    say('') // the last run's message is not this one's
    const { values, problems } = readNumbers()
    starting = true // a second click while the list is checked must not start a second run
    let specOk = false
    try {
      specOk = await checkSpec()
    } finally {
      starting = false
    }
    if (!specOk) return // the parser's message is showing
    if (problems.length > 0) return say(problems.join('\n'), 'error')
    delete $('compare-message').dataset.spec
    setRunning(true)
    $('compare-results').hidden = true
    say('Training every cell on every seed…')
    try {
      const result = await worker.call('compare', { task: $('compare-task').value, cells: $('compare-cells').value, ...values })
      if (result.stopped) {
        say(`Stopped after ${finished} of ${total} run${total === 1 ? '' : 's'}, ${result.seconds.toFixed(1)} s: a verdict needs every seed of every cell, so there is no table.`, 'info')
      } else {
        showResults(result)
        say(`Done: ${total} run${total === 1 ? '' : 's'} in ${result.seconds.toFixed(1)} s.`, 'ok')
      }
    } catch (error) {
      say(`The comparison could not run: ${messageOf(error)}`, 'error')
    } finally {
      $('compare-status').textContent = '' // the message says how it ended
      setRunning(false)
    }
  }

  async function stop() {
    try {
      await worker.call('stop')
    } catch (error) {
      say(`Could not stop: ${messageOf(error)}`, 'error')
    }
  }

  const applyPreset = () => {
    const preset = PRESETS[/** @type {keyof PRESETS} */ ($('compare-task').value)]
    for (const key of /** @type {(keyof typeof preset)[]} */ (Object.keys(preset))) {
      $(FIELDS[key].id).value = String(preset[key])
      $(FIELDS[key].id).setAttribute('aria-invalid', 'false')
    }
  }
  $('compare-task').addEventListener('change', applyPreset)
  applyPreset()
  $('compare-run').addEventListener('click', run)
  $('compare-stop').addEventListener('click', stop)
  $('compare-cells').addEventListener('input', () => {
    clearTimeout(specTimer)
    specTimer = setTimeout(checkSpec, 200)
  })
  $('compare-cells').addEventListener('keydown', (/** @type {KeyboardEvent} */ event) => {
    if (event.key === 'Enter') run()
  })

  worker.ready.then(
    async () => {
      const info = await worker.call('help')
      $('compare-help').textContent = info.help
      $('compare-batch').textContent = `· batch ${info.batchSize}, first seed ${info.firstSeed}, the task's learning rate`
      ready = true
      setRunning(false)
      await checkSpec()
    },
    () => {},
  )
}
