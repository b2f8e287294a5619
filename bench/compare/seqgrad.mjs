// seqgrad as its users get it, the built package (dist/esm), in whichever runtime runs this file:
//   node seqgrad.mjs <WORKLOAD> --warmup N --steps N [--workers N]
//   node --experimental-wasm-relaxed-simd seqgrad.mjs …,  deno run --allow-read seqgrad.mjs …,  bun run seqgrad.mjs …
// The workloads are written with the public API as src/bench/workloads.ts writes them. The JSON line adds
// the runtime and the kernel path it took (SIMD; FMA, i.e. relaxed SIMD's multiply-add).
// --workers N trains W-*-128 with trainLanguageModel({ workers: N }) where this build of seqgrad has that
// option (data-parallel training): a one-hot LSTM is the same model as a LanguageModel whose embedding is
// the identity, so the step is the workload's. In Node, which has no standard Worker, the workers are the
// package's seqgrad/node threads (node:worker_threads) where it has that entry. Without the option, or
// when training ran in fewer threads than asked (the result's threads and notice), the runner exits 3
// ("not available").
import { readFileSync } from 'node:fs'
import { Adam, GRU, Generator, LSTM, LanguageModel, Linear, RNN, Tensor, clipGradNorm, crossEntropy, hasFma, hasSimd, manualSeed, matmul, noGrad, trainLanguageModel } from '../../dist/esm/index.js'
import { GEN_TOKENS, MATMUL, TRAIN, VOCAB, WINDOW, emit, parseCli, timeUnits, unsupported } from './cli.mjs'

const CONTENDER = 'seqgrad'
const { workload, warmup, steps, options } = parseCli(CONTENDER, { workers: { type: 'string', default: '1' } })
const workers = Number(options.workers)
if (!Number.isInteger(workers) || workers < 1) {
  console.error(`seqgrad: --workers must be a positive integer, got ${options.workers}`)
  process.exit(2)
}
const runtime = typeof Deno !== 'undefined' ? `deno ${Deno.version.deno}` : typeof Bun !== 'undefined' ? `bun ${Bun.version}` : `node ${process.versions.node}`
const SEED = 0
const CELLS = { lstm: LSTM, gru: GRU, rnn: RNN }

/** One character-LM training step on a one-hot [T, B, V] window: forward, mean CE, backward, clip 5, Adam. */
function prepareTraining({ cell, hidden, batch }) {
  const gen = new Generator(SEED)
  const rnn = new CELLS[cell]({ inputSize: VOCAB, hiddenSize: hidden })
  const decoder = new Linear({ inFeatures: hidden, outFeatures: VOCAB })
  const params = [...rnn.parameters(), ...decoder.parameters()]
  const optimizer = new Adam(params, { lr: 2e-3 })
  const x = Tensor.zeros([WINDOW, batch, VOCAB], 'float32')
  const targets = new Int32Array(WINDOW * batch)
  for (let n = 0; n < targets.length; n++) {
    x.data[n * VOCAB + gen.randint(VOCAB)] = 1
    targets[n] = gen.randint(VOCAB)
  }
  return () => {
    optimizer.zeroGrad()
    const { output } = rnn.forward(x)
    crossEntropy(decoder.forward(output).reshape([WINDOW * batch, VOCAB]), targets).backward()
    clipGradNorm(params, 5)
    optimizer.step()
  }
}

/** A LanguageModel whose embedding is the identity: its input is the one-hot vector of the token. */
function oneHotLanguageModel(cell, hidden) {
  const model = new LanguageModel({ vocabSize: VOCAB, embeddingDim: VOCAB, hiddenSize: hidden, cell })
  noGrad(() => {
    const weight = model.embedding.weight.data
    weight.fill(0)
    for (let v = 0; v < VOCAB; v++) weight[v * VOCAB + v] = 1
  })
  return model
}

/** Batch-1 sampling of GEN_TOKENS tokens at temperature 1 from the LSTM-128 language model. */
function prepareGeneration() {
  const model = oneHotLanguageModel('lstm', 128)
  let seed = 0
  return () => model.generate({ prompt: [0], maxTokens: GEN_TOKENS, temperature: 1, seed: seed++ })
}

function prepareMatmul({ m, k, n }) {
  const gen = new Generator(SEED)
  const a = Tensor.zeros([m, k], 'float32')
  const b = Tensor.zeros([k, n], 'float32')
  gen.fillUniform(a.data, -1, 1)
  gen.fillUniform(b.data, -1, 1)
  return () => noGrad(() => matmul(a, b))
}

/**
 * Whether trainLanguageModel reads a `workers` option: a build that has it refuses workers: -1 with a
 * message naming it; one that has not ignores the key. Nothing is trained either way (steps: 0).
 */
async function hasWorkersOption() {
  const model = new LanguageModel({ vocabSize: 4, embeddingDim: 4, hiddenSize: 4, cell: 'lstm' })
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 })
  try {
    await trainLanguageModel({ model, optimizer, train: new Int32Array(64), batchSize: 2, bptt: 4, steps: 0, workers: -1 })
  } catch (error) {
    return /workers/.test(String(error?.message ?? error))
  }
  return false
}

/**
 * What to pass as `workers`: the count where the runtime has the standard Worker (Deno, Bun); in Node,
 * the threads of the package's seqgrad/node entry (found through package.json's exports) if it has one.
 */
async function workerPool() {
  const plain = { workers, close: () => {} }
  if (typeof globalThis.Worker === 'function') return plain
  let entry
  try {
    entry = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).exports?.['./node']?.import?.default
  } catch {
    return plain
  }
  if (typeof entry !== 'string') return plain
  const { nodeTrainingWorkers } = await import(new URL(`../../${entry}`, import.meta.url).href)
  if (typeof nodeTrainingWorkers !== 'function') return plain
  const pool = nodeTrainingWorkers(workers)
  return { workers: pool, close: () => pool.close() }
}

/**
 * The training workload through trainLanguageModel with `workers` workers: the samples are the times
 * between consecutive steps (onStep), so starting the workers is not counted; warm-ups are at least 1.
 */
async function timeParallelTraining({ cell, hidden, batch }) {
  const warm = Math.max(1, warmup)
  const gen = new Generator(SEED)
  const train = new Int32Array(batch * ((warm + steps + 1) * WINDOW + 1))
  for (let n = 0; n < train.length; n++) train[n] = gen.randint(VOCAB)
  const model = oneHotLanguageModel(cell, hidden)
  const optimizer = new Adam(model.parameters(), { lr: 2e-3 })
  const stamps = []
  const pool = await workerPool()
  let result
  try {
    result = await trainLanguageModel({ model, optimizer, train, batchSize: batch, bptt: WINDOW, steps: warm + steps, clipNorm: 5, workers: pool.workers, onStep: () => void stamps.push(performance.now()) })
  } finally {
    pool.close()
  }
  // where workers cannot run, trainLanguageModel trains in this thread and says why: not this row
  if (result?.threads !== undefined && result.threads < workers) unsupported(CONTENDER, workload, `not available: ${result.notice ?? `training ran in ${result.threads} thread(s)`}`)
  if (stamps.length !== warm + steps) throw new Error(`seqgrad: expected ${warm + steps} steps from trainLanguageModel, saw ${stamps.length}`)
  const samples = stamps.slice(warm).map((t, i) => t - stamps[warm - 1 + i])
  // onStep called in a burst after training, not as each step ends, would time nothing
  if (samples.some((ms) => ms < 0.5)) throw new Error(`seqgrad: trainLanguageModel's onStep calls came ${samples.map((ms) => ms.toFixed(2)).join(', ')} ms apart, not once per step as it ends`)
  return samples
}

manualSeed(SEED)
let samplesMs
if (workers > 1) {
  if (!(workload in TRAIN)) unsupported(CONTENDER, workload, '--workers applies to the training workloads')
  if (!(await hasWorkersOption())) unsupported(CONTENDER, workload, 'not available: trainLanguageModel has no workers option in this build')
  samplesMs = await timeParallelTraining(TRAIN[workload])
} else {
  const unit = workload in TRAIN ? prepareTraining(TRAIN[workload]) : workload in MATMUL ? prepareMatmul(MATMUL[workload]) : prepareGeneration()
  samplesMs = timeUnits(unit, warmup, steps)
}
emit(CONTENDER, workload, samplesMs, { runtime, workers, simd: hasSimd(), fma: hasFma() })
