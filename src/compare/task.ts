// What `compare` needs from a task: a model per cell variant trained on seeded data, an evaluation with a
// verdict (on the test set, or on a validation split when choosing a learning rate), the names and units of
// its numbers, and the gradient of the last step's loss with respect to every earlier hidden state.
import { grad } from '../autograd/engine.js'
import { cellStep } from '../cells/sequence.js'
import type { Module } from '../models/module.js'
import type { CellKind, GRU, LSTM, RNN } from '../models/recurrent.js'
import type { CellSpec } from './cell-spec.js'
import { Tensor } from '../tensor/tensor.js'

export interface TaskSettings {
  /** The task's length knob: sequence length (adding), delay (copy), window (text, reber). */
  length: number
  hidden: number
  batchSize: number
  seed: number
}

export interface TaskEvaluation {
  /** The task's headline number (see Task.metricName). */
  metric: number
  solved: boolean
  /** Further numbers worth reporting, by name. */
  details: Record<string, number>
}

/**
 * What a run is for: 'train' trains on the whole training data and is scored on the test set; 'select'
 * (choosing a learning rate) trains on the training data less a validation split and is scored on that
 * split, never on the test set.
 */
export type RunPurpose = 'train' | 'select'

/** One cell's model on a task, with everything the comparison does to it. */
export interface CellRun {
  model: Module
  /** The loss of training batch `step` (recorded, ready for backward). Batches depend only on the seed. */
  trainLoss(step: number): Tensor
  /** The test set's score ('test', the default) or the validation split's (learning-rate selection only). */
  evaluate(split?: 'test' | 'validation'): TaskEvaluation
  /** ‖∂L_T/∂h_t‖ for t = 0 … T−1 on a fixed probe batch, averaged over its sequences. */
  gradientNorms(): number[]
  /** Time steps processed per training step (batch × length), for tokens/s. */
  tokensPerStep: number
}

/** How a task is named in a unit of work: enough to rebuild it in another thread. */
export interface TaskRef {
  name: 'adding' | 'reber' | 'copy' | 'text'
  /** The text to model (text task only). */
  text?: string
}

/** When a run counts as solved: `quantity` (the metric, or one of its details) compared with `value`. */
export interface SolvedThreshold {
  quantity: string
  value: number
  comparison: '<' | '<=' | '>='
}

export interface Task {
  name: string
  /** What rebuilds this task elsewhere (a worker thread): see tasks.ts, resolveTask. */
  ref: TaskRef
  title: string
  metricName: string
  /** The metric's unit ('nats', 'bits'), when it has one; charts and tables print it. */
  metricUnit?: string
  /** The training loss and its unit, e.g. 'MSE' or 'cross-entropy (nats)'. */
  lossName: string
  lowerIsBetter: boolean
  /** When the metric counts as solved, in words (for the report). */
  verdictRule: string
  threshold: SolvedThreshold
  /** A reference value to draw on the metric's chart (the adding problem's 0.167, say). */
  baseline?: { value: number; label: string }
  /** The long-range dependency the task holds, in words, or null when it holds none by construction. */
  longRange: string | null
  defaultLength: number
  defaultSteps(length: number): number
  learningRate: number
  create(cell: CellKind | CellSpec, settings: TaskSettings, purpose?: RunPurpose): CellRun
  /** Parameters of the model `create` builds for `cell` at `hidden` (leaves the default generator as it was). */
  parameterCount(cell: CellSpec, hidden: number): number
}

/**
 * ‖∂L_T/∂h_t‖ for every step t of a one-layer, one-direction layer: the layer's own weights run step by
 * step through the cell's equations, so every h_t is a tensor of the graph; `lastLoss` turns the final h
 * into the loss whose gradient flows back. Returns the mean norm over the batch at each t.
 */
export function hiddenGradientNorms(layer: RNN | LSTM | GRU, x: Tensor, lastLoss: (hT: Tensor) => Tensor): number[] {
  const [B, T] = x.shape
  const H = layer.hiddenSize
  const p = layer.cellParams(0, 0)
  let state: { h: Tensor; c: Tensor | null } = { h: Tensor.zeros([B, H], x.dtype), c: layer.cellKind === 'lstm' ? Tensor.zeros([B, H], x.dtype) : null }
  const hs: Tensor[] = []
  for (let t = 0; t < T; t++) {
    state = cellStep(layer.cellKind, x.slice(1, t, t + 1).squeeze(1), state.h, state.c, p)
    hs.push(state.h)
  }
  const loss = lastLoss(state.h)
  const seed = Tensor.zeros(loss.shape, loss.dtype)
  seed.data.fill(1)
  return grad(loss, hs, seed).map((g) => {
    if (g === null) return 0
    let total = 0
    for (let b = 0; b < B; b++) {
      let squares = 0
      for (let j = 0; j < H; j++) squares += g.data[b * H + j] ** 2
      total += Math.sqrt(squares)
    }
    return total / B
  })
}
