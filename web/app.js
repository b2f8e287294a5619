// @ts-check
// The demo page: reads and checks the form, talks to the worker (which does all the numerical work),
// and draws what comes back: the loss chart, samples, gradcheck results, weights files and gate maps.
// The Compare panel is compare.js, with a worker of its own.
import { LossChart } from './chart.js'
import { setupCompare } from './compare.js'
import { chooseUnits, drawHeatmaps, drawUnitText, GATES } from './heatmap.js'
import { SAMPLES, sampleText } from './texts.js'
import { WorkerClient } from './worker-client.js'

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id))

/** Shows a message in a panel's message area ('' clears it). */
function say(/** @type {string} */ id, /** @type {string} */ text, /** @type {'info' | 'ok' | 'error'} */ kind = 'info') {
  const el = $(id)
  el.textContent = text
  el.className = `message ${kind}`
  el.hidden = false
}

/** @param {unknown} error */
const messageOf = (error) => (error instanceof Error ? error.message : String(error))
const formatInt = (/** @type {number} */ n) => Math.round(n).toLocaleString('en-US')

// Anything that escapes a handler still ends up on the page, not only in the console.
window.addEventListener('error', (event) => say('global-message', `Unexpected error: ${event.message}`, 'error'))
window.addEventListener('unhandledrejection', (event) => say('global-message', `Unexpected error: ${messageOf(event.reason)}`, 'error'))

// ---------------------------------------------------------------------------------------------------
// The form: a text and sizes, each checked against a range with a message that says what is wrong.

const FIELDS = {
  hiddenSize: { label: 'Hidden size', min: 2, max: 256, integer: true },
  embeddingDim: { label: 'Embedding size', min: 2, max: 128, integer: true },
  numLayers: { label: 'Layers', min: 1, max: 3, integer: true },
  seqLength: { label: 'Sequence length', min: 2, max: 256, integer: true },
  batchSize: { label: 'Batch size', min: 1, max: 64, integer: true },
  learningRate: { label: 'Learning rate', min: 0.00001, max: 1, integer: false },
  steps: { label: 'Steps', min: 1, max: 20000, integer: true },
  temperature: { label: 'Sample temperature', min: 0.05, max: 3, integer: false },
}
const MAX_TEXT = 1_000_000
const CUSTOM = 'custom'

/** @typedef {{ text: string, cell: string, hiddenSize: number, embeddingDim: number, numLayers: number, seqLength: number, batchSize: number, learningRate: number, steps: number, temperature: number, seed: number }} Config */

/** The form's settings, or every problem with them in words. @returns {{ config?: Config, problems: string[] }} */
function readConfig() {
  const problems = []
  /** @type {Record<string, number>} */
  const values = {}
  for (const [id, { label, min, max, integer }] of Object.entries(FIELDS)) {
    const input = $(id)
    const raw = input.value.trim()
    const value = Number(raw)
    let problem = ''
    if (raw === '') problem = `${label} is empty: enter a number from ${min} to ${max}.`
    else if (!Number.isFinite(value)) problem = `${label} must be a number, got "${raw}".`
    else if (integer && !Number.isInteger(value)) problem = `${label} must be a whole number, got ${raw}.`
    else if (value < min || value > max) problem = `${label} must be from ${min} to ${max}, got ${raw}.`
    input.setAttribute('aria-invalid', String(problem !== ''))
    if (problem) problems.push(problem)
    values[id] = value
  }
  const textArea = $('text')
  const text = textArea.value
  const characters = [...text]
  let textProblem = ''
  if (text.length === 0) textProblem = 'The text is empty: pick a sample or paste some text to learn from.'
  else if (characters.length > MAX_TEXT) textProblem = `The text has ${formatInt(characters.length)} characters; this page trains on at most ${formatInt(MAX_TEXT)}.`
  else if (new Set(characters).size < 2) {
    textProblem = `The text has only one distinct character (${JSON.stringify(characters[0])}), so there is nothing to predict: use a text with at least two different characters.`
  } else if (problems.length === 0) {
    const needed = values.batchSize * (values.seqLength + 1)
    if (characters.length < needed) {
      textProblem = `The text has ${formatInt(characters.length)} characters, but batch size ${values.batchSize} × (sequence length ${values.seqLength} + 1) needs at least ${formatInt(needed)}: paste a longer text or lower the batch size or sequence length.`
    }
  }
  textArea.setAttribute('aria-invalid', String(textProblem !== ''))
  if (textProblem) problems.unshift(textProblem)
  if (problems.length > 0) return { problems }
  const cell = /** @type {HTMLInputElement} */ (document.querySelector('input[name="cell"]:checked')).value
  return { config: { text, cell, ...values, seed: 1 }, problems }
}

function describeText() {
  const characters = [...$('text').value]
  $('text-info').textContent = characters.length === 0 ? 'No text yet.' : `${formatInt(characters.length)} characters, ${new Set(characters).size} distinct`
}

// ---------------------------------------------------------------------------------------------------
// Training: the worker posts 'started', 'progress' and 'sample' events while a 'train' request runs.

const chart = new LossChart($('chart'))
/** @type {Map<number, { label: string, cell: string, first: number | null }>} */
const runs = new Map()
let training = false
let stopAll = false
let libraryReady = false

/** @param {any} event */
function onTrainerEvent(event) {
  if (event.event === 'started') {
    const run = event.run
    runs.set(run.id, { label: run.label, cell: run.cell, first: null })
    chart.addSeries(run.id, run.label, event.uniformLoss)
    addRunOption(run)
    $('stat-model').textContent = `${run.label} · ${formatInt(run.parameters)} parameters · ${run.vocabSize} characters`
    $('stat-step').textContent = `0 / ${event.steps}`
    $('stat-loss').textContent = '—'
    $('stat-loss-first').textContent = ''
    $('stat-tps').textContent = '—'
  } else if (event.event === 'progress') {
    const run = runs.get(event.run)
    chart.addPoints(event.run, event.points)
    const series = chart.series.find((s) => s.id === event.run)
    const smoothed = series?.smooth[series.smooth.length - 1]
    if (run && run.first === null && event.points.length > 0) {
      run.first = event.points[0].loss
      $('stat-loss-first').textContent = `(step 1: ${run.first.toFixed(3)})`
    }
    $('stat-step').textContent = `${event.step} / ${event.steps}`
    if (smoothed !== undefined) $('stat-loss').textContent = smoothed.toFixed(3)
    $('stat-tps').textContent = formatInt(event.tokensPerSecond)
  } else if (event.event === 'sample') {
    $('sample-text').textContent = event.text
    $('sample-step').textContent = `(${runs.get(event.run)?.label ?? ''}, step ${event.step})`
  }
}

function setTraining(/** @type {boolean} */ on) {
  training = on
  $('train').disabled = on || !libraryReady
  $('train-all').disabled = on || !libraryReady
  $('stop').disabled = !on
}

/** Trains one model per cell in `cells`, one after another, with the form's settings. */
async function train(/** @type {string[] | null} */ cells) {
  if (training) return
  const { config, problems } = readConfig()
  if (config === undefined) {
    say('train-message', problems.join('\n'), 'error')
    return
  }
  setTraining(true)
  stopAll = false
  const done = []
  try {
    for (const cell of cells ?? [config.cell]) {
      if (stopAll) break
      say('train-message', `Training ${cell.toUpperCase()}…`)
      const result = await trainer.call('train', { ...config, cell })
      const series = chart.series.find((s) => s.id === result.run.id)
      const last = series?.smooth[series.smooth.length - 1]
      done.push(`${result.run.label}: ${result.stopped ? `stopped at step ${result.step}` : `${result.step} steps`}, loss ${last?.toFixed(3) ?? '—'}, ${formatInt(result.tokensPerSecond)} tokens/s`)
      if (result.stopped) break
    }
    say('train-message', done.length > 0 ? done.join('\n') : 'Stopped.', 'ok')
  } catch (error) {
    say('train-message', [...done, `Training failed: ${messageOf(error)}`].join('\n'), 'error')
  } finally {
    setTraining(false)
  }
}

async function stop() {
  stopAll = true
  try {
    await trainer.call('stop')
  } catch (error) {
    say('train-message', `Could not stop: ${messageOf(error)}`, 'error')
  }
}

// ---------------------------------------------------------------------------------------------------
// Models for the weights and gates panels.

/** @param {{ id: number, label: string }} run */
function addRunOption(run) {
  for (const select of document.querySelectorAll('.run-select')) {
    const s = /** @type {HTMLSelectElement} */ (select)
    if (s.options.length === 1 && s.options[0].value === '') s.replaceChildren()
    const option = document.createElement('option')
    option.value = String(run.id)
    option.textContent = run.label
    s.append(option)
    s.value = String(run.id)
    s.disabled = false
  }
  $('download').disabled = false
  $('show-gates').disabled = false
  if ($('prompt').value === '') $('prompt').value = defaultPrompt()
}

function selectedRun(/** @type {string} */ selectId) {
  const value = $(selectId).value
  return value === '' ? undefined : Number(value)
}

function defaultPrompt() {
  const text = $('text').value
  const line = text.split('\n').find((/** @type {string} */ l) => l.trim().length > 20) ?? text
  return [...line].slice(0, 90).join('')
}

// ---------------------------------------------------------------------------------------------------
// gradcheck, in its own worker so it runs while a model trains.

/** @type {WorkerClient | null} */
let checker = null

async function runGradcheck() {
  const cell = /** @type {HTMLInputElement} */ (document.querySelector('input[name="cell"]:checked')).value
  const verdict = $('check-verdict')
  verdict.className = 'verdict running'
  verdict.textContent = `checking ${cell.toUpperCase()}…`
  $('check-message').textContent = ''
  $('gradcheck').disabled = true
  try {
    checker ??= new WorkerClient('worker.js', 'seqgrad.min.js', () => {}, (message) => say('check-message', message, 'error'))
    const result = await checker.call('gradcheck', { cell })
    const worst = Math.max(...result.checks.map((/** @type {any} */ c) => c.worstAbsError))
    verdict.className = `verdict ${result.passed ? 'pass' : 'fail'}`
    verdict.textContent = `${cell.toUpperCase()}: ${result.passed ? 'pass' : 'FAIL'} · worst abs error ${worst.toExponential(2)}`
    const body = $('check-table').querySelector('tbody')
    body.replaceChildren()
    for (const c of result.checks) {
      const row = document.createElement('tr')
      const cells = [
        [c.what, ''],
        [c.passed ? 'pass' : 'fail', c.passed ? 'pass' : 'fail'],
        [c.worstAbsError.toExponential(2), 'num-cell'],
        [c.worstRelError.toExponential(2), 'num-cell'],
        [formatInt(c.checked), 'num-cell'],
        [`${Math.round(c.ms)} ms`, 'num-cell'],
      ]
      for (const [text, cls] of cells) {
        const td = document.createElement('td')
        td.textContent = text
        if (cls) td.className = cls
        row.append(td)
      }
      body.append(row)
    }
    $('check-table').querySelector('caption').textContent = result.setup
    $('check-table').hidden = false
    const failed = result.checks.find((/** @type {any} */ c) => !c.passed)
    if (failed) say('check-message', failed.message ?? 'gradcheck failed', 'error')
  } catch (error) {
    verdict.className = 'verdict fail'
    verdict.textContent = 'error'
    say('check-message', `gradcheck could not run: ${messageOf(error)}`, 'error')
  } finally {
    $('gradcheck').disabled = false
  }
}

// ---------------------------------------------------------------------------------------------------
// Weights: download as safetensors, load back from a file input or a drop.

const MAX_FILE = 256 * 1024 * 1024

async function download() {
  try {
    const { bytes, filename } = await trainer.call('export', { run: selectedRun('weights-run') })
    const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }))
    const a = document.createElement('a')
    a.href = url
    a.download = filename
    document.body.append(a)
    a.click()
    a.remove()
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
    say('weights-message', `Saved ${filename} (${(bytes.byteLength / 1024).toFixed(1)} kB).`, 'ok')
  } catch (error) {
    say('weights-message', `Could not save the weights: ${messageOf(error)}`, 'error')
  }
}

async function loadFile(/** @type {File | undefined} */ file) {
  if (file === undefined) return
  try {
    if (file.size === 0) throw new Error(`${file.name} is empty (0 bytes), not a safetensors file`)
    if (file.size > MAX_FILE) throw new Error(`${file.name} is ${(file.size / 2 ** 20).toFixed(0)} MB; this page loads files up to ${MAX_FILE / 2 ** 20} MB`)
    say('weights-message', `Reading ${file.name}…`)
    const bytes = await file.arrayBuffer()
    const result = await trainer.call('import', { bytes, filename: file.name, run: selectedRun('weights-run') }, [bytes])
    if (result.created) {
      runs.set(result.run.id, { label: result.run.label, cell: result.run.cell, first: null })
      addRunOption(result.run)
      say('weights-message', `Loaded ${file.name} as ${result.run.label}: ${formatInt(result.run.parameters)} parameters, ${result.run.vocabSize} characters.`, 'ok')
    } else say('weights-message', `Loaded ${file.name} into ${result.run.label}.`, 'ok')
  } catch (error) {
    say('weights-message', messageOf(error), 'error')
  }
}

// ---------------------------------------------------------------------------------------------------
// Gates: a forward pass with recordGates, drawn as heat maps.

/** @type {{ cell: string, label: string, characters: string[], layers: Record<string, any>[] } | null} */
let lastTrace = null
const MAX_PROMPT = 200

async function showGates() {
  const prompt = $('prompt').value
  const characters = [...prompt]
  if (characters.length === 0) return say('gates-message', 'The prompt is empty: type a few characters from the training text.', 'error')
  if (characters.length > MAX_PROMPT) return say('gates-message', `The prompt has ${characters.length} characters; the heat maps show at most ${MAX_PROMPT}.`, 'error')
  $('show-gates').disabled = true
  try {
    lastTrace = await trainer.call('gates', { run: selectedRun('gates-run'), prompt })
    const layerSelect = $('layer')
    layerSelect.replaceChildren(...lastTrace.layers.map((_, k) => new Option(String(k + 1), String(k))))
    const keys = Object.keys(lastTrace.layers[0] ?? {})
    const preferred = { lstm: 'c', gru: 'z', rnn: 'h' }[lastTrace.cell] ?? keys[0]
    $('rank-by').replaceChildren(...keys.map((k) => new Option(GATES[k]?.name ?? k, k)))
    $('rank-by').value = keys.includes(preferred) ? preferred : keys[0]
    $('unit-text').replaceChildren()
    redrawGates()
    say('gates-message', `${lastTrace.label}: ${characters.length} characters, ${lastTrace.layers.length} layer${lastTrace.layers.length > 1 ? 's' : ''}.`, 'ok')
  } catch (error) {
    say('gates-message', `Could not show the gates: ${messageOf(error)}`, 'error')
  } finally {
    $('show-gates').disabled = false
  }
}

function redrawGates() {
  if (lastTrace === null) return
  const trace = lastTrace
  const layer = trace.layers[Number($('layer').value)] ?? trace.layers[0]
  const [mode, count] = $('units').value.split(':')
  const units = chooseUnits(layer, mode, Number(count), $('rank-by').value)
  drawHeatmaps($('heatmaps'), {
    layer,
    characters: trace.characters,
    units,
    tooltip: $('tooltip'),
    onPick: (key, unit) => drawUnitText($('unit-text'), layer, key, unit, trace.characters),
  })
}

// ---------------------------------------------------------------------------------------------------
// Responsiveness: a click counter and the page's frame rate, both live while the worker trains.

let clicks = 0
$('ping').addEventListener('click', () => {
  clicks++
  $('ping-count').textContent = `${clicks} click${clicks === 1 ? '' : 's'}`
})
let frames = 0
let since = performance.now()
function countFrame(/** @type {number} */ now) {
  frames++
  if (now - since >= 1000) {
    $('stat-fps').textContent = String(Math.round((frames * 1000) / (now - since)))
    frames = 0
    since = now
  }
  requestAnimationFrame(countFrame)
}
requestAnimationFrame(countFrame)

// ---------------------------------------------------------------------------------------------------
// Wiring.

const sampleSelect = $('sample')
for (const s of SAMPLES) sampleSelect.append(new Option(s.title, s.id))
sampleSelect.append(new Option('Your own text (paste below)', CUSTOM))
sampleSelect.addEventListener('change', async () => {
  try {
    $('text').value = sampleSelect.value === CUSTOM ? '' : await sampleText(sampleSelect.value)
  } catch (error) {
    $('text').value = ''
    say('train-message', `Could not make that sample: ${messageOf(error)}. Build the bundle with "npm run build:browser" and reload.`, 'error')
  }
  $('text').setAttribute('aria-invalid', 'false')
  describeText()
})
$('text').addEventListener('input', () => {
  sampleSelect.value = CUSTOM
  describeText()
})
$('text').value = await sampleText(SAMPLES[0].id)
describeText()

$('train').addEventListener('click', () => train(null))
$('train-all').addEventListener('click', () => train(['lstm', 'gru', 'rnn']))
$('stop').addEventListener('click', stop)
$('gradcheck').addEventListener('click', runGradcheck)
$('download').addEventListener('click', download)
$('file').addEventListener('change', () => {
  const input = $('file')
  loadFile(input.files?.[0]).finally(() => {
    input.value = '' // the same file can be chosen again
  })
})
const drop = $('drop')
drop.addEventListener('dragover', (/** @type {DragEvent} */ event) => {
  event.preventDefault()
  drop.classList.add('over')
})
drop.addEventListener('dragleave', () => drop.classList.remove('over'))
drop.addEventListener('drop', (/** @type {DragEvent} */ event) => {
  event.preventDefault()
  drop.classList.remove('over')
  loadFile(event.dataTransfer?.files[0])
})
// A file dropped anywhere else must not navigate away from the page.
window.addEventListener('dragover', (event) => event.preventDefault())
window.addEventListener('drop', (event) => event.preventDefault())
for (const id of ['weights-run', 'gates-run']) {
  $(id).addEventListener('change', () => {
    for (const select of document.querySelectorAll('.run-select')) /** @type {HTMLSelectElement} */ (select).value = $(id).value
  })
}
$('show-gates').addEventListener('click', showGates)
$('prompt').addEventListener('keydown', (/** @type {KeyboardEvent} */ event) => {
  if (event.key === 'Enter' && !$('show-gates').disabled) showGates()
})
for (const id of ['layer', 'units', 'rank-by']) $(id).addEventListener('change', redrawGates)

setupCompare()

const trainer = new WorkerClient('worker.js', 'seqgrad.min.js', onTrainerEvent, (message) => {
  say('train-message', message, 'error')
  setTraining(false)
})
trainer.ready.then(
  () => {
    libraryReady = true
    setTraining(false)
    $('gradcheck').disabled = false
    say('train-message', 'Ready: pick a text and a cell, then press Train.')
  },
  () => {},
)
