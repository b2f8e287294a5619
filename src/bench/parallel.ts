// W-LSTM-128 ×N: the W-LSTM-128 training step (H = 128, B = 32, T = 64, vocabulary 65, clip 5, Adam 2e-3)
// as trainLanguageModel runs it, in this thread and with the batch's streams shared among worker threads.
// The machine's load moves from second to second, so the two alternate in rounds in one process and the
// figures are medians over all rounds; the ratio is of those medians.
import { LanguageModel } from '../models/language-model.js'
import { Adam } from '../optim/adam.js'
import { trainLanguageModel, type TrainLanguageModelOptions } from '../optim/trainer.js'
import type { TrainingWorkers } from '../optim/training-workers.js'
import { Generator, manualSeed } from '../tensor/random.js'
import { median, VOCAB, WINDOW, WORKLOADS } from './workloads.js'

export interface ParallelBenchResult {
  singleMs: number[]
  parallelMs: number[]
  workers: number
}

/** The time between consecutive steps of one call (the first step, which carries the call's start-up, is left out). */
function stepTimes(samples: number[]): { onStep: () => void } {
  let last = -1
  return {
    onStep() {
      const now = performance.now()
      if (last >= 0) samples.push(now - last)
      last = now
    },
  }
}

/** `rounds` rounds of `steps` steps in this thread, then `steps` with `pool`; the per-step times of each. */
export async function timeParallelTraining(pool: TrainingWorkers, { rounds = 5, steps = 8 } = {}): Promise<ParallelBenchResult> {
  const w = WORKLOADS['W-LSTM-128']
  if (w.kind !== 'train') throw new Error('W-LSTM-128 is a training workload')
  const gen = new Generator(0)
  const train = new Int32Array(w.batch * (WINDOW * 4 + 1))
  for (let i = 0; i < train.length; i++) train[i] = gen.randint(VOCAB)
  const setup = (): TrainLanguageModelOptions => {
    manualSeed(0)
    const model = new LanguageModel({ vocabSize: VOCAB, embeddingDim: VOCAB, hiddenSize: w.hiddenSize, cell: w.cell })
    return { model, optimizer: new Adam(model.parameters(), { lr: 2e-3 }), train, batchSize: w.batch, bptt: WINDOW, steps: 0, clipNorm: 5 }
  }
  const single = setup()
  const parallel = setup()
  const result: ParallelBenchResult = { singleMs: [], parallelMs: [], workers: pool.count }
  let singleState = trainLanguageModel({ ...single, steps: 2 }).state // warm-up
  let parallelState = (await trainLanguageModel({ ...parallel, steps: 2, workers: pool })).state
  for (let r = 0; r < rounds; r++) {
    singleState = trainLanguageModel({ ...single, steps: singleState.step + steps, resume: singleState, ...stepTimes(result.singleMs) }).state
    parallelState = (await trainLanguageModel({ ...parallel, steps: parallelState.step + steps, resume: parallelState, workers: pool, ...stepTimes(result.parallelMs) })).state
  }
  return result
}

/** Prints the medians and their ratio. */
export async function runParallelBench(pool: TrainingWorkers, opts?: { rounds?: number; steps?: number }): Promise<void> {
  console.log(`\nW-LSTM-128 through trainLanguageModel, in this thread and in ${pool.count} worker threads, alternating: median ms per step`)
  const { singleMs, parallelMs } = await timeParallelTraining(pool, opts)
  const one = median(singleMs)
  const many = median(parallelMs)
  console.log(`  ${'W-LSTM-128'.padEnd(16)} ${`${one.toFixed(1)} ms`.padStart(10)}  (${singleMs.length} steps)`)
  console.log(`  ${`W-LSTM-128 ×${pool.count}`.padEnd(16)} ${`${many.toFixed(1)} ms`.padStart(10)}  (${parallelMs.length} steps)  speed-up ${(one / many).toFixed(2)}×`)
}
