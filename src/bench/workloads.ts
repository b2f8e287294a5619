// The fixed workloads that seqgrad is compared on (bench/compare runs the same ones on other libraries).
// Each is written the way a user would write it with the public API; a sample is the wall time of one
// unit of work: a training step, a 1,000-token generation, or one matmul.
import { noGrad } from '../autograd/engine.js'
import { matmulInto } from '../tensor/kernels/matmul.js'
import { Generator, manualSeed } from '../tensor/random.js'
import { Tensor } from '../tensor/tensor.js'
import { Adam } from '../optim/adam.js'
import { clipGradNorm } from '../optim/clip.js'
import { crossEntropy } from '../optim/losses.js'
import { LanguageModel } from '../models/language-model.js'
import { Linear } from '../models/layers.js'
import { GRU, LSTM, RNN } from '../models/recurrent.js'

export const VOCAB = 65
export const WINDOW = 64
export const GEN_TOKENS = 1000

export type TrainCell = 'lstm' | 'gru' | 'rnn'

export interface TrainWorkload {
  kind: 'train'
  cell: TrainCell
  hiddenSize: number
  batch: number
}
export interface GenerateWorkload {
  kind: 'generate'
  hiddenSize: number
}
export interface MatmulWorkload {
  kind: 'matmul'
  m: number
  k: number
  n: number
}
export type Workload = TrainWorkload | GenerateWorkload | MatmulWorkload

export const WORKLOADS: Record<string, Workload> = {
  'W-LSTM-128': { kind: 'train', cell: 'lstm', hiddenSize: 128, batch: 32 },
  'W-GRU-128': { kind: 'train', cell: 'gru', hiddenSize: 128, batch: 32 },
  'W-RNN-128': { kind: 'train', cell: 'rnn', hiddenSize: 128, batch: 32 },
  'W-LSTM-512': { kind: 'train', cell: 'lstm', hiddenSize: 512, batch: 64 },
  'W-GEN': { kind: 'generate', hiddenSize: 128 },
  'MM-32x193x512': { kind: 'matmul', m: 32, k: 193, n: 512 },
  'MM-512': { kind: 'matmul', m: 512, k: 512, n: 512 },
}

const GATES: Record<TrainCell, number> = { lstm: 4, gru: 3, rnn: 1 }

/** Floating-point operations of one unit of work: 3·T·[2·B·(V+H)·G·H + 2·B·H·V] for a training step, 2mkn for a matmul. */
export function workloadFlops(w: Workload): number {
  if (w.kind === 'matmul') return 2 * w.m * w.k * w.n
  if (w.kind === 'generate') return GEN_TOKENS * 2 * ((VOCAB + w.hiddenSize) * 4 * w.hiddenSize + w.hiddenSize * VOCAB)
  const { hiddenSize: H, batch: B } = w
  return 3 * WINDOW * (2 * B * (VOCAB + H) * GATES[w.cell] * H + 2 * B * H * VOCAB)
}

/** Tokens processed by one unit of work (0 for a matmul). */
export function workloadTokens(w: Workload): number {
  return w.kind === 'train' ? WINDOW * w.batch : w.kind === 'generate' ? GEN_TOKENS : 0
}

/** Prepares the workload once and returns a function that performs one unit of work. */
export function prepareWorkload(w: Workload, seed = 0): () => void {
  manualSeed(seed)
  if (w.kind === 'matmul') return prepareMatmul(w, new Generator(seed))
  if (w.kind === 'generate') return prepareGeneration(w)
  return prepareTraining(w, new Generator(seed))
}

/** One character-LM training step on a one-hot [T, B, V] window: forward, mean CE, backward, clip 5, Adam. */
function prepareTraining({ cell, hiddenSize, batch }: TrainWorkload, gen: Generator): () => void {
  const opts = { inputSize: VOCAB, hiddenSize }
  const rnn = cell === 'lstm' ? new LSTM(opts) : cell === 'gru' ? new GRU(opts) : new RNN(opts)
  const decoder = new Linear({ inFeatures: hiddenSize, outFeatures: VOCAB })
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
    const logits = decoder.forward(output).reshape([WINDOW * batch, VOCAB])
    crossEntropy(logits, targets).backward()
    clipGradNorm(params, 5)
    optimizer.step()
  }
}

/** Batch-1 sampling of GEN_TOKENS tokens from a character LSTM with an identity-initialised embedding. */
function prepareGeneration({ hiddenSize }: GenerateWorkload): () => void {
  const model = new LanguageModel({ vocabSize: VOCAB, embeddingDim: VOCAB, hiddenSize, cell: 'lstm' })
  noGrad(() => {
    const weight = model.embedding.weight.data
    weight.fill(0)
    for (let v = 0; v < VOCAB; v++) weight[v * VOCAB + v] = 1
  })
  let seed = 0
  return () => {
    model.generate({ prompt: [0], maxTokens: GEN_TOKENS, temperature: 1, seed: seed++ })
  }
}

function prepareMatmul({ m, k, n }: MatmulWorkload, gen: Generator): () => void {
  const a = new Float32Array(m * k)
  const b = new Float32Array(k * n)
  const out = new Float32Array(m * n)
  gen.fillUniform(a, -1, 1)
  gen.fillUniform(b, -1, 1)
  return () => matmulInto(out, a, b, m, k, n)
}

/** Runs `warmup` untimed units, then returns the wall time in ms of each of `steps` timed units. */
export function timeWorkload(w: Workload, { warmup = 3, steps = 10, seed = 0 } = {}): number[] {
  const unit = prepareWorkload(w, seed)
  for (let i = 0; i < warmup; i++) unit()
  const samples: number[] = []
  for (let i = 0; i < steps; i++) {
    const start = performance.now()
    unit()
    samples.push(performance.now() - start)
  }
  return samples
}

export function median(values: readonly number[]): number {
  const sorted = values.slice().sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** seqgrad's own figures for every workload: median ms per unit, tokens/s, GFLOP/s (bench/compare adds the other libraries). */
export function runWorkloadsBench(): void {
  console.log('\nWorkloads (bench/compare runs the same on TensorFlow.js, brain.js and PyTorch): median of 10 units after 3 warm-ups')
  console.log(`  ${'workload'.padEnd(16)} ${'median'.padStart(14)} ${'tokens/s'.padStart(10)} ${'GFLOP/s'.padStart(9)}`)
  for (const [name, w] of Object.entries(WORKLOADS)) {
    const ms = median(timeWorkload(w))
    const unit = w.kind === 'generate' ? `${((ms * 1000) / GEN_TOKENS).toFixed(1)} µs/token` : `${ms.toFixed(w.kind === 'matmul' ? 3 : 1)} ms`
    const tokens = workloadTokens(w)
    const rate = tokens > 0 ? Math.round((tokens / ms) * 1000).toLocaleString('en-US') : ''
    console.log(`  ${name.padEnd(16)} ${unit.padStart(14)} ${rate.padStart(10)} ${(workloadFlops(w) / ms / 1e6).toFixed(2).padStart(9)}`)
  }
}
