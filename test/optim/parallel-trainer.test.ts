// Data-parallel training (trainLanguageModel({ workers })): bit for bit repeatable for a worker count, equal
// to one thread within float32 rounding (losses, parameters, the carried state, through a short last window
// and a new pass), resumable, falling back to one thread with a notice where workers or SharedArrayBuffer
// are missing, and failing with a clear error (never a hang) on bad options and dead workers.
// The workers run the built worker script: `npm run build` first.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { Adam, LanguageModel, manualSeed, TrainingWorkers, trainLanguageModel, type TrainResult, type TrainLanguageModelOptions, type WorkerLike } from '../../src/index.js'
import { asWorkerLike, nodeTrainingWorkers } from '../../src/cli/train-workers.js'
import { Generator } from '../../src/tensor/random.js'

const script = join(__dirname, '../../dist/esm/cli/train-worker.js')
beforeAll(() => {
  if (!existsSync(script)) throw new Error('dist/ is missing: run `npm run build` (npm ci runs it)')
})

const gen = new Generator(5)
// 6 streams of 30 tokens: windows of 8, 8, 8 and 5 steps, so 10 steps cross a short window and a new pass
const ids = Int32Array.from({ length: 180 }, () => gen.randint(11))

type Config = { cell?: 'lstm' | 'gru' | 'rnn'; numLayers?: number; dropout?: number; recurrentDropout?: number; inputDropout?: number; dtype?: 'float32' | 'float64' }
function setup(config: Config = {}, lr = 0.02): TrainLanguageModelOptions {
  manualSeed(3)
  const model = new LanguageModel({ vocabSize: 11, embeddingDim: 5, hiddenSize: 7, cell: 'lstm', ...config })
  return { model, optimizer: new Adam(model.parameters(), { lr }), train: ids, batchSize: 6, bptt: 8, steps: 10, clipNorm: 1 }
}
const weights = (opts: TrainLanguageModelOptions) => opts.model.parameters().flatMap((p) => Array.from(p.data))
const hidden = (r: TrainResult) => [...Array.from(r.state.hidden?.h.data ?? []), ...Array.from(r.state.hidden?.c?.data ?? [])]

let pools: TrainingWorkers[] = []
const pool = (count: number) => {
  const p = nodeTrainingWorkers(count, script)
  pools.push(p)
  return p
}
afterEach(() => {
  for (const p of pools) p.close()
  pools = []
})

function expectClose(a: number[], b: number[], tolerance: number) {
  expect(a.length).toBe(b.length)
  const worst = Math.max(...a.map((x, i) => Math.abs(x - b[i])))
  expect(worst).toBeLessThan(tolerance)
}

test('two workers repeat bit for bit, and equal one thread within float32 rounding', async () => {
  const one = setup()
  const single = trainLanguageModel(one)
  const workers = pool(2)
  const runs = []
  for (let i = 0; i < 2; i++) {
    const opts = setup()
    const result = await trainLanguageModel({ ...opts, workers })
    runs.push({ losses: result.history.map((h) => h.loss), weights: weights(opts), hidden: hidden(result), result })
  }
  expect(runs[0].losses).toEqual(runs[1].losses)
  expect(runs[0].weights).toEqual(runs[1].weights)
  expect(runs[0].hidden).toEqual(runs[1].hidden)
  expect(runs[0].result.threads).toBe(2)
  expect(runs[0].result.notice).toBeUndefined()
  // the mean over all B·T tokens, the short window's included
  expect(single.history.map((h) => h.tokens)).toEqual(runs[0].result.history.map((h) => h.tokens))
  expect(single.history[3].tokens).toBe(6 * 5)
  expectClose(runs[0].losses, single.history.map((h) => h.loss), 1e-5)
  expectClose(runs[0].weights, weights(one), 1e-5)
  expectClose(runs[0].hidden, hidden(single), 1e-5)
  expect(runs[0].result.state).toMatchObject({ step: 10, window: single.state.window })
  expect(runs[0].result.state.hidden?.h.shape).toEqual([1, 6, 7])
})

test.each([
  ['gru, 2 layers, 4 workers (rows 2, 2, 1, 1)', { cell: 'gru', numLayers: 2 } as Config, 4, 1e-5],
  ['rnn, 3 workers', { cell: 'rnn' } as Config, 3, 1e-5],
  ['float64 lstm, 2 layers, 2 workers: to float64 rounding', { numLayers: 2, dtype: 'float64' } as Config, 2, 1e-12],
])('%s: equal to one thread within rounding', async (_, config, count, tolerance) => {
  const one = setup(config)
  const single = trainLanguageModel(one)
  const opts = setup(config)
  const result = await trainLanguageModel({ ...opts, workers: pool(count) })
  expect(result.threads).toBe(count)
  expectClose(result.history.map((h) => h.loss), single.history.map((h) => h.loss), tolerance)
  expectClose(weights(opts), weights(one), tolerance)
  expectClose(hidden(result), hidden(single), tolerance)
  expect(result.state.hidden?.h.dtype).toBe(config.dtype ?? 'float32')
})

test('a frozen parameter stays as it was, as in one thread', async () => {
  const one = setup()
  one.model.embedding.weight.requiresGrad = false
  const before = Array.from(one.model.embedding.weight.data)
  trainLanguageModel(one)
  const opts = setup()
  opts.model.embedding.weight.requiresGrad = false
  await trainLanguageModel({ ...opts, workers: pool(2) })
  expect(Array.from(opts.model.embedding.weight.data)).toEqual(before)
  expect(opts.model.embedding.weight.grad).toBeNull()
  expectClose(weights(opts), weights(one), 1e-5)
})

test('resumed in parts with the same workers equals one run, and a parallel state resumes in one thread', async () => {
  const workers = pool(2)
  const whole = setup()
  const straight = await trainLanguageModel({ ...whole, workers })
  const parts = setup()
  const first = await trainLanguageModel({ ...parts, steps: 6, workers })
  const rest = await trainLanguageModel({ ...parts, resume: first.state, workers })
  expect(rest.history.map((h) => h.loss)).toEqual(straight.history.slice(6).map((h) => h.loss))
  expect(weights(parts)).toEqual(weights(whole))
  expect(hidden(rest)).toEqual(hidden(straight))
  // the other way: 6 steps in two workers, 4 in this thread, against 10 in this thread
  const mixed = setup()
  const start = await trainLanguageModel({ ...mixed, steps: 6, workers })
  const end = trainLanguageModel({ ...mixed, resume: start.state })
  const single = setup()
  const reference = trainLanguageModel(single)
  expectClose(end.history.map((h) => h.loss), reference.history.slice(6).map((h) => h.loss), 1e-5)
  expectClose(weights(mixed), weights(single), 1e-5)
})

test.each([
  ['dropout', { numLayers: 2, dropout: 0.3 } as Config],
  ['recurrentDropout', { recurrentDropout: 0.3 } as Config],
  ['inputDropout', { inputDropout: 0.3 } as Config],
])('with %s, a worker count repeats bit for bit; validation, early stop and onStep work as in one thread', async (_, config) => {
  const workers = pool(2)
  const run = async () => {
    const opts = setup(config)
    const result = await trainLanguageModel({ ...opts, workers, validation: ids.subarray(0, 120), evalEvery: 3, onStep: (info) => info.step < 7 })
    return { result, weights: weights(opts) }
  }
  const a = await run()
  const b = await run()
  expect(a.weights).toEqual(b.weights)
  expect(a.result.history.map((h) => h.loss)).toEqual(b.result.history.map((h) => h.loss))
  expect(a.result.stopReason).toBe('callback')
  expect(a.result.state.step).toBe(7)
  expect(a.result.evaluations.map((e) => e.step)).toEqual([3, 6, 7])
})

test('without SharedArrayBuffer, on a page that is not cross-origin isolated, or with no Worker: one thread, saying why', async () => {
  const never = new TrainingWorkers(2, () => {
    throw new Error('no worker may be started')
  })
  const reference = setup()
  trainLanguageModel(reference)
  const scope = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean }
  const saved = scope.SharedArrayBuffer
  try {
    delete scope.SharedArrayBuffer
    const opts = setup()
    const result = await trainLanguageModel({ ...opts, workers: never })
    expect(result.notice).toBe('SharedArrayBuffer is not available; training ran in one thread')
    expect(result.threads).toBe(1)
    expect(weights(opts)).toEqual(weights(reference))
  } finally {
    scope.SharedArrayBuffer = saved
  }
  try {
    scope.crossOriginIsolated = false
    const result = await trainLanguageModel({ ...setup(), workers: never })
    expect(result.notice).toMatch(/^SharedArrayBuffer is not available \(the page is not cross-origin isolated: serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp\); training ran in one thread$/)
  } finally {
    delete scope.crossOriginIsolated
  }
  // Node has no Worker global: a count falls back, and so does 1 anywhere (no notice: one thread was asked for)
  const noWorker = await trainLanguageModel({ ...setup(), workers: 2 })
  expect(noWorker.notice).toBe("this runtime has no Worker (in Node, pass workers: nodeTrainingWorkers(count) from 'seqgrad/node'); training ran in one thread")
  expect(await trainLanguageModel({ ...setup(), workers: 1 })).toMatchObject({ threads: 1 })
  expect((await trainLanguageModel({ ...setup(), workers: 1 })).notice).toBeUndefined()
})

test('a count uses the standard Worker on the shipped script, and terminates its workers when done', async () => {
  const scope = globalThis as { Worker?: unknown }
  const urls: string[] = []
  let terminated = 0
  scope.Worker = class {
    constructor(url: URL, options: { type: string }) {
      urls.push(`${url.href} ${options.type}`)
      const worker = asWorkerLike(new Worker(script))
      return { ...worker, terminate: () => (terminated++, worker.terminate()) } satisfies WorkerLike
    }
  }
  try {
    const result = await trainLanguageModel({ ...setup(), workers: 2 })
    expect(result.threads).toBe(2)
    expect(urls).toHaveLength(2)
    for (const url of urls) expect(url).toMatch(/\/optim\/train-worker\.js module$/)
    expect(terminated).toBe(2)
  } finally {
    delete scope.Worker
  }
})

test('bad workers are refused before anything changes', async () => {
  const opts = setup()
  const before = weights(opts)
  for (const [workers, got] of [[0, 'number 0'], [1.5, 'number 1.5'], [-2, 'number -2'], ['2', 'the string "2"'], [null, 'null']] as const) {
    await expect(trainLanguageModel({ ...opts, workers: workers as unknown as number })).rejects.toThrow(`trainLanguageModel: workers must be a positive integer or TrainingWorkers, got ${got}`)
  }
  await expect(trainLanguageModel({ ...opts, workers: 7 })).rejects.toThrow('trainLanguageModel: workers (7) must be at most batchSize (6): each worker trains whole streams')
  await expect(trainLanguageModel({ ...opts, workers: new TrainingWorkers(7) })).rejects.toThrow('workers (7) must be at most batchSize (6)')
  const busy = pool(2)
  const running = trainLanguageModel({ ...setup(), workers: busy })
  await expect(trainLanguageModel({ ...opts, workers: busy })).rejects.toThrow('trainLanguageModel: these TrainingWorkers are training another model; one run at a time')
  expect((await running).state.step).toBe(10)
  const closed = pool(2)
  closed.close()
  await expect(trainLanguageModel({ ...opts, workers: closed })).rejects.toThrow('trainLanguageModel: the TrainingWorkers given as workers were closed')
  expect(() => new TrainingWorkers(0)).toThrow('TrainingWorkers: count must be a positive integer, got number 0')
  expect(weights(opts)).toEqual(before)
})

test('a worker that cannot load, exits mid-run or fails a step: a clear error, no hang, the workers terminated', async () => {
  const crashing = new TrainingWorkers(2, (k) => asWorkerLike(new Worker(k === 1 ? 'throw new Error("boom")' : script, { eval: k === 1 }).on('error', () => {})))
  pools.push(crashing)
  await expect(trainLanguageModel({ ...setup(), workers: crashing })).rejects.toThrow('training worker 1 failed: boom')
  expect(crashing.isClosed).toBe(true)
  // a worker that exits at its third message (init, step, step)
  const exitCode = `const { parentPort } = require('node:worker_threads'); let n = 0; parentPort.on('message', () => { if (++n === 3) process.exit(3); parentPort.postMessage(n === 1 ? { type: 'ready' } : { type: 'stepped', lossSum: 1 }) })`
  const exiting = new TrainingWorkers(2, (k) => asWorkerLike(new Worker(k === 0 ? exitCode : script, { eval: k === 0 })))
  pools.push(exiting)
  await expect(trainLanguageModel({ ...setup(), workers: exiting })).rejects.toThrow('training worker 0 failed: it stopped (exit code 3)')
  expect(exiting.isClosed).toBe(true)
  // a worker that reports an error without a message (a browser's for a script it could not load)
  let onError: ((event: { message?: string }) => void) | undefined
  const listen = (type: 'message' | 'error', listener: (event: { message?: string }) => void) => {
    if (type === 'error') onError = listener
  }
  const silent: WorkerLike = { postMessage: () => setTimeout(() => onError?.({})), addEventListener: listen as WorkerLike['addEventListener'], terminate: () => undefined }
  const unloadable = new TrainingWorkers(1, () => silent)
  await expect(trainLanguageModel({ ...setup(), workers: unloadable })).rejects.toThrow('training worker 0 failed: it stopped without a message (could its script, train-worker.js, be loaded?)')
  // a worker whose step throws posts its message back
  const failing = `const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage(m.type === 'init' ? { type: 'ready' } : { type: 'failed', message: 'Array buffer allocation failed' }))`
  const failed = new TrainingWorkers(2, (k) => asWorkerLike(new Worker(k === 1 ? failing : script, { eval: k === 1 })))
  pools.push(failed)
  await expect(trainLanguageModel({ ...setup(), workers: failed })).rejects.toThrow('training worker 1: Array buffer allocation failed')
  expect(failed.isClosed).toBe(true)
    // a loss that overflows: the step is named, as in one thread
  const diverging = () => {
    const opts = setup({}, 1e30)
    ;(opts.model.parameters()[0].data as Float32Array).fill(1e30)
    return opts
  }
  expect(() => trainLanguageModel(diverging())).toThrow(/^trainLanguageModel: the loss is NaN at step 2; lower the learning rate or set clipNorm$/)
  await expect(trainLanguageModel({ ...diverging(), workers: pool(2) })).rejects.toThrow(/^trainLanguageModel: the loss is NaN at step 2; lower the learning rate or set clipNorm$/)
})
