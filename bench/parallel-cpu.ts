// W-LSTM-128 by CPU time per step, for a machine shared with other work (Linux only): wall time there
// measures the share the scheduler gives this process (with autogroup, one share however many threads it
// runs), while a thread's CPU time is what the step costs. It prints the CPU time per step in one thread, in
// each of two workers and in the main thread beside them; a step on two free cores takes about the
// slower worker's time plus the main thread's.
// `npx tsc -p tsconfig.bench.json && node build/bench/parallel-cpu.js [--steps 40]`
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { VOCAB, WINDOW } from '../src/bench/workloads.js'
import { asWorkerLike } from '../src/cli/train-workers.js'
import type { ToWorker } from '../src/optim/parallel-protocol.js'
import { LanguageModel } from '../src/models/language-model.js'
import { Adam } from '../src/optim/adam.js'
import { trainLanguageModel, type TrainLanguageModelOptions } from '../src/optim/trainer.js'
import { TrainingWorkers } from '../src/optim/training-workers.js'
import { Generator, manualSeed } from '../src/tensor/random.js'
import { threadCpuMs } from './thread-cpu.js'

const steps = Number(parseArgs({ options: { steps: { type: 'string', default: '40' } } }).values.steps)
const gen = new Generator(0)
const train = Int32Array.from({ length: 32 * (WINDOW * 4 + 1) }, () => gen.randint(VOCAB))
const setup = (): TrainLanguageModelOptions => {
  manualSeed(0)
  const model = new LanguageModel({ vocabSize: VOCAB, embeddingDim: VOCAB, hiddenSize: 128, cell: 'lstm' })
  return { model, optimizer: new Adam(model.parameters(), { lr: 2e-3 }), train, batchSize: 32, bptt: WINDOW, steps: 3, clipNorm: 5 }
}

const single = setup()
let state = trainLanguageModel(single).state // warm-up
let start = threadCpuMs()
trainLanguageModel({ ...single, steps: 3 + steps, resume: state })
const oneMs = (threadCpuMs() - start) / steps

const script = fileURLToPath(new URL('./cpu-worker.js', import.meta.url))
const pool = new TrainingWorkers(2, () => asWorkerLike(new Worker(script)))
// { type: 'cpu' } is cpu-worker.ts's own message, outside the protocol
const workerCpu = () => Promise.all([0, 1].map(async (k) => ((await pool.request(k, { type: 'cpu' } as unknown as ToWorker)) as unknown as { cpuMs: number }).cpuMs))
try {
  const parallel = setup()
  state = (await trainLanguageModel({ ...parallel, workers: pool })).state
  const before = await workerCpu()
  start = threadCpuMs()
  await trainLanguageModel({ ...parallel, steps: 3 + steps, resume: state, workers: pool })
  const mainMs = (threadCpuMs() - start) / steps
  const after = await workerCpu()
  const each = after.map((ms, k) => (ms - before[k]) / steps)
  const critical = Math.max(...each) + mainMs
  console.log(`W-LSTM-128 CPU time per step over ${steps} steps: one thread ${oneMs.toFixed(1)} ms; two workers ${each.map((ms) => ms.toFixed(1)).join(' and ')} ms, main thread ${mainMs.toFixed(1)} ms`)
  console.log(`on two free cores about ${critical.toFixed(1)} ms per step, ${(critical / oneMs).toFixed(2)} of one thread's (${(oneMs / critical).toFixed(2)}× faster)`)
} finally {
  pool.close()
}
