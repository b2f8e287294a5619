// @ts-check
// The demo's module worker: training, sampling, gradcheck, weights and gate traces all run here, so the
// page's thread only draws. Requests come as { id, type, payload } and are answered { id, ok, result } or
// { id, ok: false, error }; training also posts { event: 'progress' | 'sample' | 'started' } messages.
// Training runs in slices of ~40 ms and yields between them, so 'stop' and other requests get through.
import {
  Adam,
  CharTokenizer,
  GRU,
  GRUCell,
  LSTM,
  LSTMCell,
  LanguageModel,
  RNN,
  RNNCell,
  cat,
  gradcheckReport,
  loadSafetensors,
  manualSeed,
  noGrad,
  randn,
  saveSafetensors,
  Tensor,
  trainLanguageModel,
} from './dist/seqgrad.min.js'

const SLICE_MS = 40
const SAMPLE_LENGTH = 240
const CELL_NAMES = { rnn: 'RNN', lstm: 'LSTM', gru: 'GRU' }

/**
 * @typedef {{ id: number, cell: 'rnn' | 'lstm' | 'gru', label: string, model: LanguageModel, tokenizer: CharTokenizer,
 *   sizes: { embeddingDim: number, hiddenSize: number, numLayers: number } }} Run
 */

/** @type {Map<number, Run>} */
const runs = new Map()
let nextRunId = 1
let training = false
let stopRequested = false

/** @param {unknown} error */
const messageOf = (error) => (error instanceof Error ? error.message : String(error))

/** @param {Record<string, unknown>} message @param {Transferable[]} [transfer] */
const post = (message, transfer = []) => self.postMessage(message, transfer)

/** Lets queued messages (stop, gates, export) run between training slices. */
const yieldToEvents = () => new Promise((resolve) => setTimeout(resolve, 0))

/** @param {LanguageModel} model */
const parameterCount = (model) => model.parameters().reduce((n, p) => n + p.size, 0)

/** @param {Run} run */
const describeRun = (run) => ({
  id: run.id,
  cell: run.cell,
  label: run.label,
  vocabSize: run.tokenizer.vocabSize,
  parameters: parameterCount(run.model),
  ...run.sizes,
})

/** @param {number | undefined} id */
function getRun(id) {
  const run = id === undefined ? undefined : runs.get(id)
  if (run === undefined) throw new Error('there is no trained model yet: train one or load a weights file first')
  return run
}

/** A sample of generated text, starting from the text's first character on a random line. */
function sample(/** @type {Run} */ run, /** @type {number[]} */ ids, /** @type {number} */ temperature, /** @type {number} */ seed) {
  const newline = run.tokenizer.characters.indexOf('\n')
  let start = (seed * 7919) % ids.length
  if (newline >= 0) {
    const next = ids.indexOf(newline, start)
    start = next >= 0 && next + 1 < ids.length ? next + 1 : 0
  }
  const prompt = [ids[start]]
  const generated = run.model.generate({ prompt, maxTokens: SAMPLE_LENGTH, temperature, seed })
  return run.tokenizer.decode([...prompt, ...generated])
}

/**
 * @param {{ text: string, cell: 'rnn' | 'lstm' | 'gru', hiddenSize: number, embeddingDim: number, numLayers: number,
 *   seqLength: number, batchSize: number, learningRate: number, steps: number, temperature: number, seed: number }} cfg
 */
async function train(cfg) {
  if (training) throw new Error('a model is already training: stop it first')
  const tokenizer = new CharTokenizer(cfg.text)
  if (tokenizer.vocabSize < 2) throw new Error(`the text has only one distinct character (${JSON.stringify(tokenizer.characters[0])}); there is nothing to predict`)
  const ids = Array.from(tokenizer.encode(cfg.text))
  manualSeed(cfg.seed)
  const sizes = { embeddingDim: cfg.embeddingDim, hiddenSize: cfg.hiddenSize, numLayers: cfg.numLayers }
  const model = new LanguageModel({ vocabSize: tokenizer.vocabSize, cell: cfg.cell, ...sizes })
  const optimizer = new Adam(model.parameters(), { lr: cfg.learningRate })
  const id = nextRunId++
  const label = `#${id} ${CELL_NAMES[cfg.cell]} h${cfg.hiddenSize}${cfg.numLayers > 1 ? `×${cfg.numLayers}` : ''}`
  /** @type {Run} */
  const run = { id, cell: cfg.cell, label, model, tokenizer, sizes }
  runs.set(id, run)
  training = true
  stopRequested = false
  post({ event: 'started', run: describeRun(run), steps: cfg.steps, uniformLoss: Math.log(tokenizer.vocabSize) })
  const sampleEvery = Math.max(10, Math.round(cfg.steps / 15))
  /** @type {import('../src/index.js').TrainerState | undefined} */
  let state
  let tokens = 0
  let trainingMs = 0
  // tokens/s over the last few slices: recent speed, not diluted by the first (slow, JIT-warming) steps
  /** @type {{ tokens: number, ms: number }[]} */
  const recent = []
  try {
    while ((state?.step ?? 0) < cfg.steps && !stopRequested) {
      const sliceStart = performance.now()
      let sliceTokens = 0
      /** @type {{ step: number, loss: number }[]} */
      const points = []
      const result = trainLanguageModel({
        model,
        optimizer,
        train: ids,
        batchSize: cfg.batchSize,
        bptt: cfg.seqLength,
        steps: cfg.steps,
        clipNorm: 5,
        resume: state,
        onStep: (info) => {
          sliceTokens += info.tokens
          points.push({ step: info.step, loss: info.loss })
          return performance.now() - sliceStart < SLICE_MS && info.step % sampleEvery !== 0
        },
      })
      state = result.state
      const ms = performance.now() - sliceStart
      tokens += sliceTokens
      trainingMs += ms
      recent.push({ tokens: sliceTokens, ms })
      while (recent.length > 25) recent.shift()
      const recentTokens = recent.reduce((n, r) => n + r.tokens, 0)
      const recentMs = recent.reduce((n, r) => n + r.ms, 0)
      post({ event: 'progress', run: id, step: state.step, steps: cfg.steps, points, tokens, tokensPerSecond: (1000 * recentTokens) / recentMs, seconds: trainingMs / 1000 })
      if (state.step % sampleEvery === 0 || state.step === cfg.steps) {
        post({ event: 'sample', run: id, step: state.step, text: sample(run, ids, cfg.temperature, state.step) })
      }
      await yieldToEvents()
    }
  } finally {
    training = false
  }
  const step = state?.step ?? 0
  return { run: describeRun(run), step, stopped: step < cfg.steps, tokens, tokensPerSecond: trainingMs > 0 ? (1000 * tokens) / trainingMs : 0 }
}

/** One cell unrolled for T steps from a zero state: the [T, B, H] stack of its hidden states. */
function unrolled(/** @type {RNNCell | LSTMCell | GRUCell} */ cell, /** @type {Tensor} */ x) {
  const [T, B, D] = x.shape
  /** @type {Tensor[]} */
  const hs = []
  /** @type {any} */
  let state
  for (let t = 0; t < T; t++) {
    state = cell.forward(x.slice(0, t, t + 1).reshape([B, D]), state)
    hs.push(state.h.reshape([1, B, cell.hiddenSize]))
  }
  return cat(hs, 0)
}

/** gradcheck in float64 of the chosen cell's equations (unrolled) and of its fused layer (the training path). */
function gradcheckCell(/** @type {{ cell: 'rnn' | 'lstm' | 'gru' }} */ { cell }) {
  if (!(cell in CELL_NAMES)) throw new Error(`unknown cell ${JSON.stringify(cell)}`)
  const name = CELL_NAMES[cell]
  const T = 4, B = 2, D = 3, H = 4
  manualSeed(2015)
  const Cell = { rnn: RNNCell, lstm: LSTMCell, gru: GRUCell }[cell]
  const Layer = { rnn: RNN, lstm: LSTM, gru: GRU }[cell]
  const checks = []
  const cellModule = new Cell({ inputSize: D, hiddenSize: H, dtype: 'float64' })
  const layer = new Layer({ inputSize: D, hiddenSize: H, dtype: 'float64' })
  const cases = [
    { what: `${name}Cell equations, ${T} steps`, module: cellModule, fn: (/** @type {Tensor} */ x) => unrolled(cellModule, x) },
    { what: `${name} layer, fused kernel`, module: layer, fn: (/** @type {Tensor} */ x) => layer.forward(x).output },
  ]
  for (const { what, module, fn } of cases) {
    const x = randn([T, B, D], { dtype: 'float64', requiresGrad: true })
    const inputs = [x, ...module.parameters()]
    const started = performance.now()
    const report = gradcheckReport((input) => fn(input), inputs)
    checks.push({ what, ...report, ms: performance.now() - started })
  }
  return { cell, passed: checks.every((c) => c.passed), checks, setup: `float64; x of shape [${T}, ${B}, ${D}] (steps, batch, inputs), hidden size ${H}; checked with respect to x and every weight and bias` }
}

function exportWeights(/** @type {{ run: number }} */ { run: runId }) {
  const run = getRun(runId)
  const metadata = {
    format: 'seqgrad-demo-1',
    cell: run.cell,
    embedding_dim: String(run.sizes.embeddingDim),
    hidden_size: String(run.sizes.hiddenSize),
    num_layers: String(run.sizes.numLayers),
    tokenizer: JSON.stringify(run.tokenizer.toJSON()),
  }
  const bytes = saveSafetensors(run.model.stateDict(), metadata)
  const filename = `seqgrad-${run.cell}-h${run.sizes.hiddenSize}${run.sizes.numLayers > 1 ? `x${run.sizes.numLayers}` : ''}.safetensors`
  return { bytes, filename }
}

/** A positive integer from the file's metadata, or an error naming the field. */
function metaInt(/** @type {Record<string, string>} */ metadata, /** @type {string} */ key) {
  const value = Number(metadata[key])
  if (!Number.isInteger(value) || value < 1 || value > 4096) throw new Error(`the file's metadata field ${key} should be a positive integer, got ${JSON.stringify(metadata[key])}`)
  return value
}

/**
 * Loads a safetensors file: one written by this page (its metadata names the cell, sizes and vocabulary)
 * becomes a new model; any other goes into the selected model, whose loadStateDict names what differs.
 */
function importWeights(/** @type {{ bytes: ArrayBuffer, filename: string, run?: number }} */ { bytes, filename, run: runId }) {
  let contents
  try {
    contents = loadSafetensors(new Uint8Array(bytes))
  } catch (error) {
    throw new Error(`${filename} is not a safetensors file this page can read: ${messageOf(error)}`)
  }
  const { tensors, metadata } = contents
  if (metadata.format === 'seqgrad-demo-1') {
    const cell = /** @type {'rnn' | 'lstm' | 'gru'} */ (metadata.cell)
    if (!(cell in CELL_NAMES)) throw new Error(`${filename}: the metadata names an unknown cell ${JSON.stringify(metadata.cell)}`)
    const tokenizer = CharTokenizer.fromJSON(metadata.tokenizer ?? '')
    const sizes = { embeddingDim: metaInt(metadata, 'embedding_dim'), hiddenSize: metaInt(metadata, 'hidden_size'), numLayers: metaInt(metadata, 'num_layers') }
    const model = new LanguageModel({ vocabSize: tokenizer.vocabSize, cell, ...sizes })
    try {
      model.loadStateDict(tensors)
    } catch (error) {
      throw new Error(`${filename}: ${messageOf(error)}`)
    }
    const id = nextRunId++
    const run = { id, cell, label: `#${id} ${CELL_NAMES[cell]} h${sizes.hiddenSize} (loaded)`, model, tokenizer, sizes }
    runs.set(id, run)
    return { run: describeRun(run), created: true }
  }
  if (runId === undefined || !runs.has(runId)) {
    throw new Error(`${filename} has no metadata from this page (cell, sizes, vocabulary), so it can only be loaded into a model of the same shape: train one first`)
  }
  const run = getRun(runId)
  try {
    run.model.loadStateDict(tensors)
  } catch (error) {
    throw new Error(`${filename} does not fit ${run.label}: ${messageOf(error)}`)
  }
  return { run: describeRun(run), created: false }
}

/** The gates of every layer for a prompt, as plain arrays the page can draw. */
function gateTraces(/** @type {{ run: number, prompt: string }} */ { run: runId, prompt }) {
  const run = getRun(runId)
  if (typeof prompt !== 'string' || prompt.length === 0) throw new Error('the prompt is empty: type a few characters the model has seen')
  const ids = run.tokenizer.encode(prompt)
  const tokens = new Tensor(ids, [1, ids.length])
  const forward = /** @type {(tokens: Tensor, state?: unknown, opts?: { recordGates: boolean }) => { gates?: Record<string, Tensor>[] }} */ (
    run.model.forward.bind(run.model)
  )
  const wasTraining = run.model.training
  run.model.eval()
  let result
  try {
    result = noGrad(() => forward(tokens, undefined, { recordGates: true }))
  } finally {
    run.model.train(wasTraining)
  }
  if (!Array.isArray(result.gates)) {
    throw new Error('this build of seqgrad does not record gates (LanguageModel.forward with { recordGates: true }); rebuild the browser bundle from a newer seqgrad')
  }
  /** @type {ArrayBuffer[]} */
  const transfer = []
  const layers = result.gates.map((trace) => {
    /** @type {Record<string, { data: Float32Array, steps: number, units: number }>} */
    const out = {}
    for (const [key, t] of Object.entries(trace)) {
      // [B, T, H] with B = 1, batch-first like the logits
      const steps = t.shape[t.shape.length - 2]
      const units = t.shape[t.shape.length - 1]
      const data = Float32Array.from(t.data)
      transfer.push(data.buffer)
      out[key] = { data, steps, units }
    }
    return out
  })
  return { value: { cell: run.cell, label: run.label, characters: [...prompt], layers }, transfer }
}

const HANDLERS = {
  train,
  gradcheck: gradcheckCell,
  export: exportWeights,
  import: importWeights,
  gates: gateTraces,
  stop: () => {
    stopRequested = true
    return { stopping: training }
  },
  ping: () => ({ ready: true }),
}

self.addEventListener('message', async (event) => {
  const { id, type, payload } = event.data ?? {}
  const handler = HANDLERS[/** @type {keyof HANDLERS} */ (type)]
  try {
    if (handler === undefined) throw new Error(`unknown request ${JSON.stringify(type)}`)
    const result = await handler(payload ?? {})
    if (result && typeof result === 'object' && 'transfer' in result) post({ id, ok: true, result: result.value }, result.transfer)
    else if (result && typeof result === 'object' && 'bytes' in result && result.bytes instanceof Uint8Array) post({ id, ok: true, result }, [result.bytes.buffer])
    else post({ id, ok: true, result })
  } catch (error) {
    post({ id, ok: false, error: messageOf(error) })
  }
})

post({ event: 'ready' })
