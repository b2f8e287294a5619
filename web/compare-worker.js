// @ts-check
// The Compare panel's module worker: `seqgrad compare` in the browser, with the same code the command runs
// (seqgrad/compare, bundled as dist/seqgrad-compare.min.js). It plans the comparison, trains every unit (one
// cell variant on one seed) with startUnit, one step at a time in slices of ~40 ms so that Stop gets
// through, and summarizes. Requests are { id, type, payload }, answered { id, ok, result | error }; a run
// also posts { event: 'plan' } and { event: 'unit' | 'progress' | 'unit-done', run } messages (run: the
// unit's id; `id` belongs to the answers), progress at most every 100 ms.
import {
  CELL_SPEC_HELP,
  PALETTE,
  assessClaims,
  cellLabel,
  chooseLearningRates,
  comparisonCharts,
  formatCellSpec,
  parseCellSpecs,
  planComparison,
  planSelectionUnits,
  planUnits,
  resultsTableData,
  startUnit,
  summarize,
  taskByName,
} from './dist/seqgrad-compare.min.js'

const SLICE_MS = 40
const PROGRESS_MS = 100
/** The page's tasks: the two whose data is generated (reber and text are the command's). */
const TASKS = ['adding', 'copy']
/** As the command: batch 32, the first seed 0. */
const BATCH = 32
const FIRST_SEED = 0

let running = false
let stopRequested = false

/** @param {unknown} error */
const messageOf = (error) => (error instanceof Error ? error.message : String(error))

/** @param {Record<string, unknown>} message */
const post = (message) => self.postMessage(message)

/** Lets queued messages (stop, a spec check) run between slices. */
const yieldToEvents = () => new Promise((resolve) => setTimeout(resolve, 0))

/** The cells a spec names, with their labels, or the parser's error. @param {{ cells: string }} payload */
function describeCells({ cells }) {
  return parseCellSpecs(cells).map((spec, i) => ({ label: cellLabel(spec), spec: formatCellSpec(spec), color: PALETTE[i % PALETTE.length] }))
}

/**
 * Runs `units` one after another, each a step at a time, posting progress; the results, or null when stopped.
 * @param {import('../src/compare/index.js').RunUnit[]} units
 * @param {import('../src/compare/index.js').Task} task
 */
async function runUnits(units, task) {
  /** @type {import('../src/compare/index.js').UnitResult[]} */
  const results = []
  for (const unit of units) {
    if (stopRequested) return null
    /** @type {[number, number][]} */
    let points = []
    let tokensPerSecond = 0
    const runner = startUnit(unit, {
      task,
      progressEvents: Math.max(1, unit.steps), // every step's loss, posted in batches below
      onProgress: (e) => {
        points.push([e.step, e.loss])
        tokensPerSecond = e.tokensPerSecond
      },
    })
    post({ event: 'unit', run: unit.id, phase: unit.phase, cellIndex: unit.cellIndex, seed: unit.settings.seed, steps: unit.steps })
    let posted = performance.now()
    while (!runner.done) {
      const began = performance.now()
      while (runner.step() && performance.now() - began < SLICE_MS);
      if (runner.done || performance.now() - posted >= PROGRESS_MS) {
        post({ event: 'progress', run: unit.id, phase: unit.phase, cellIndex: unit.cellIndex, step: runner.stepsRun, steps: unit.steps, points, tokensPerSecond })
        points = []
        posted = performance.now()
      }
      await yieldToEvents()
      if (stopRequested) return null
    }
    const result = runner.result()
    results.push(result)
    post({ event: 'unit-done', run: unit.id, phase: unit.phase, cellIndex: unit.cellIndex, seed: result.seed, metric: result.metric, solved: result.solved, divergedAt: result.divergedAt, trainSeconds: result.trainSeconds })
  }
  return results
}

/**
 * The comparison: plan, units, summary; the table, the charts and the claims, as the report has them.
 * @param {{ task: string, cells: string, seeds: number, length: number, hidden: number, steps: number }} cfg
 */
async function compare(cfg) {
  if (running) throw new Error('a comparison is already running: stop it first')
  if (!TASKS.includes(cfg.task)) throw new Error(`the page compares on ${TASKS.join(' or ')}, not ${JSON.stringify(cfg.task)}`)
  running = true
  stopRequested = false
  const started = performance.now()
  try {
    const task = taskByName(/** @type {'adding' | 'copy'} */ (cfg.task))
    const plan = planComparison({ task, cells: parseCellSpecs(cfg.cells, cfg.hidden), settings: { length: cfg.length, hidden: cfg.hidden, batchSize: BATCH, seed: FIRST_SEED }, steps: cfg.steps, seeds: cfg.seeds })
    const selection = planSelectionUnits(plan) // none with the task's one learning rate
    const total = selection.length + plan.cells.length * plan.seeds.length
    post({
      event: 'plan',
      task: task.title,
      lossName: task.lossName,
      steps: plan.steps,
      seeds: plan.seeds,
      units: total,
      cells: plan.cells.map((c, i) => ({ label: c.label, hiddenSize: c.hiddenSize, parameters: c.parameters, color: PALETTE[i % PALETTE.length] })),
    })
    const selected = await runUnits(selection, task)
    if (selected === null) return { stopped: true, seconds: (performance.now() - started) / 1000 }
    const choices = selection.length === 0 ? [] : chooseLearningRates(plan, task, selected)
    const units = planUnits(plan, choices.length === 0 ? undefined : choices)
    const results = await runUnits(units, task)
    if (results === null) return { stopped: true, seconds: (performance.now() - started) / 1000 }
    const result = summarize(plan, task, units, results, choices)
    const charts = comparisonCharts(result)
    return {
      stopped: false,
      seconds: (performance.now() - started) / 1000,
      title: result.title,
      verdictRule: result.verdictRule,
      settings: { ...result.settings },
      table: resultsTableData(result),
      reliability: result.cells.map((c) => c.reliability),
      charts: { gradientNorms: charts['gradient-norms.svg'], metric: charts['metric.svg'] },
      claims: assessClaims(result),
    }
  } finally {
    running = false
  }
}

const HANDLERS = {
  compare,
  cells: describeCells,
  help: () => ({ help: CELL_SPEC_HELP, tasks: TASKS, batchSize: BATCH, firstSeed: FIRST_SEED }),
  stop: () => {
    stopRequested = true
    return { stopping: running }
  },
}

self.addEventListener('message', async (event) => {
  const { id, type, payload } = event.data ?? {}
  const handler = HANDLERS[/** @type {keyof HANDLERS} */ (type)]
  try {
    if (handler === undefined) throw new Error(`unknown request ${JSON.stringify(type)}`)
    post({ id, ok: true, result: await handler(payload ?? {}) })
  } catch (error) {
    post({ id, ok: false, error: messageOf(error) })
  }
})

post({ event: 'ready' })
