// Whole-sequence training cost of each cell on float32: forward, a sum, and backward, through the reference
// path (the equations op by op: the baseline) and through the fused path (one op per sequence), both
// measured in this process. Each figure is the median of several timed runs after a warm-up.
import { fusedSequence } from '../cells/fused/sequence.js'
import { GATE_COUNT, type CellMode } from '../cells/kinds.js'
import { referenceSequence } from '../cells/sequence.js'
import { Generator, Tensor } from '../index.js'
import { median } from './workloads.js'

const T = 64
const B = 32
const D = 128
const H = 128
const WARMUP = 2
const REPEATS = 7

const CELLS: { name: string; kind: CellMode }[] = [
  { name: 'LSTM', kind: 'lstm' },
  { name: 'GRU', kind: 'gru' },
  { name: 'RNN (tanh)', kind: 'rnn_tanh' },
]

/** A float32 leaf of uniform draws in [−bound, bound), requiring grad. */
function leaf(gen: Generator, shape: number[], bound: number): Tensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1))
  gen.fillUniform(data, -bound, bound)
  const t = new Tensor(data, shape)
  t.requiresGrad = true
  return t
}

/** Median milliseconds of forward + sum + backward through `path`, gradients cleared before each run. */
function timeTraining(path: typeof fusedSequence, kind: CellMode, leaves: Tensor[]): number {
  const [x, h0, c0, W_ih, W_hh, b_ih, b_hh] = leaves
  const once = () => {
    for (const t of leaves) t.grad = null
    const start = performance.now()
    const r = path(kind, x, h0, kind === 'lstm' ? c0 : null, { W_ih, W_hh, b_ih, b_hh }, false)
    r.output.sum().backward()
    return performance.now() - start
  }
  for (let i = 0; i < WARMUP; i++) once()
  const times: number[] = []
  for (let i = 0; i < REPEATS; i++) times.push(once())
  return median(times)
}

export function runCellsBench(): void {
  console.log(`\nCells: forward + sum + backward of one sequence, float32, T=${T} B=${B} D=${D} H=${H} (median of ${REPEATS})`)
  console.log(`  ${'cell'.padEnd(12)} ${'reference'.padStart(12)} ${'fused'.padStart(12)}   speed-up`)
  for (const { name, kind } of CELLS) {
    const gen = new Generator(1234)
    const G = GATE_COUNT[kind]
    const k = 1 / Math.sqrt(H) // PyTorch's initial weight range
    const leaves = [
      leaf(gen, [T, B, D], 1), leaf(gen, [B, H], 1), leaf(gen, [B, H], 1),
      leaf(gen, [G * H, D], k), leaf(gen, [G * H, H], k), leaf(gen, [G * H], k), leaf(gen, [G * H], k),
    ]
    const reference = timeTraining(referenceSequence, kind, leaves)
    const fused = timeTraining(fusedSequence, kind, leaves)
    const ms = (v: number) => `${v.toFixed(1)} ms`.padStart(12)
    console.log(`  ${name.padEnd(12)} ${ms(reference)} ${ms(fused)}   ${(reference / fused).toFixed(2)}×`)
  }
}
