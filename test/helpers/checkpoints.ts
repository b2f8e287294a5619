// Shared by the loading tests: a small run with every kind of state a checkpoint holds (weights, Adam's
// moments and step counts, a schedule's position, the generator, the trainer's carried LSTM state), and a
// snapshot of all of it, bit for bit, to show a failed load changed nothing.
import { Adam, defaultGenerator, LanguageModel, manualSeed, randn, saveCheckpoint, StepLR, type Tensor, type TrainerState } from '../../src/index.js'

export interface Run {
  model: LanguageModel
  optimizer: Adam
  schedule: StepLR
}

/** A small LSTM language model, with two Adam steps taken (so every parameter has moments) and the schedule stepped. */
export function makeRun(seed: number, cell: 'lstm' | 'gru' = 'lstm'): Run {
  manualSeed(seed)
  const model = new LanguageModel({ vocabSize: 4, embeddingDim: 2, hiddenSize: 3, cell })
  const optimizer = new Adam(model.parameters(), { lr: 0.01 })
  const schedule = new StepLR(optimizer, { stepSize: 2, gamma: 0.5 })
  for (let k = 0; k < 2; k++) {
    for (const p of model.parameters()) p.grad = randn(p.shape)
    optimizer.step()
    schedule.step()
  }
  return { model, optimizer, schedule }
}

export function trainerState(run: Run, seed: number): TrainerState {
  manualSeed(seed)
  const h = randn([1, 2, 3])
  return { step: 7, window: 3, hidden: run.model.cell === 'lstm' ? { h, c: randn([1, 2, 3]) } : { h }, bestValidation: 1.25, evaluationsSinceBest: 2 }
}

/** A checkpoint of `run` with a trainer state, saved with the generator at `rngSeed`. */
export function checkpointOf(run: Run, rngSeed = 99): Uint8Array {
  const trainer = trainerState(run, 5)
  manualSeed(rngSeed)
  return saveCheckpoint({ ...run, step: 7, trainer, extra: { note: 'x' } })
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'))

/** A tensor's dtype, shape and bytes, as text (NaN payloads and -0 included). */
function bits(name: string, t: Tensor): string {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)
  let hex = ''
  for (let i = 0; i < bytes.length; i++) hex += HEX[bytes[i]]
  return `${name} ${t.dtype} [${t.shape.join(', ')}] ${hex}`
}

/**
 * Everything a load may write, one line per part: every weight's bytes, the optimizer's state (config and
 * buffers' bytes), the lr, the schedule's state, the generator's words. Text, so comparing is quick.
 */
export function snapshot(run: Run): string {
  const opt = run.optimizer.stateDict()
  return [
    ...Object.entries(run.model.stateDict()).map(([name, t]) => bits(`model.${name}`, t)),
    `optimizer config ${JSON.stringify(opt.config)}`,
    ...Object.entries(opt.tensors).map(([name, t]) => bits(`optimizer.${name}`, t)),
    `lr ${run.optimizer.lr}`,
    `schedule ${JSON.stringify(run.schedule.stateDict())}`,
    `rng ${Array.from(defaultGenerator.getState()).join(' ')}`,
  ].join('\n')
}
