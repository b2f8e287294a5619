// The copy task as a comparison task: a recurrent layer reads 5 symbols from an alphabet of 8, a delay of
// `length` blanks and a go marker, and a linear head maps every step's hidden state to the 8 symbols. The
// loss is the cross-entropy over the recall steps only: the blanks before recall say nothing about memory,
// and scoring them too (Arjovsky et al. 2016) measurably slowed the gated cells' learning of the recall
// here. The metric is the top-1 symbol accuracy on the recall steps of a fixed test set; guessing scores
// 1/8, and a cell solves the task at 99%.
import { noGrad } from '../autograd/engine.js'
import { copyBatch, copyRecallAccuracy } from '../data/tasks/copy.js'
import { Linear } from '../models/layers.js'
import { Module } from '../models/module.js'
import { recurrentLayer, runRecurrent, type CellKind } from '../models/recurrent.js'
import type { GRU, LSTM, RNN } from '../models/recurrent.js'
import { argmax } from '../models/sampling.js'
import { crossEntropy } from '../optim/losses.js'
import { Generator } from '../tensor/random.js'
import type { Tensor } from '../tensor/tensor.js'
import { hiddenGradientNorms, type CellRun, type Task, type TaskSettings } from './task.js'

const COUNT = 5
const ALPHABET = 8
const CHANNELS = ALPHABET + 2 // the symbols, the blank, the go marker
const CLASSES = ALPHABET // the recall steps' targets: only the symbols
const SOLVED_ACCURACY = 0.99
const CHANCE = 1 / ALPHABET
const TEST_SIZE = 512
const PROBE_SIZE = 32

class CopyModel extends Module {
  readonly rnn: RNN | LSTM | GRU
  readonly head: Linear

  constructor(cell: CellKind, hidden: number) {
    super()
    this.rnn = this.registerModule('rnn', recurrentLayer(cell, { inputSize: CHANNELS, hiddenSize: hidden, numLayers: 1, dropout: 0, dtype: 'float32' }))
    this.head = this.registerModule('head', new Linear({ inFeatures: hidden, outFeatures: CLASSES }))
  }

  /** x [B, T, 10] → logits [B·k, 8] of the recall steps (from `recallStart` to the end), one row per step. */
  forward(x: Tensor, recallStart: number): Tensor {
    const [B, T] = x.shape
    return this.head.forward(runRecurrent(this.rnn, x).output.slice(1, recallStart)).reshape([B * (T - recallStart), CLASSES])
  }
}

/** The class with the largest logit in each row of `logits` [N, C]. */
function predictions(logits: Tensor): Int32Array {
  const [N, C] = logits.shape
  return Int32Array.from({ length: N }, (_, i) => argmax(logits.data.subarray(i * C, (i + 1) * C)))
}

export const copyTask: Task = {
  name: 'copy',
  title: 'Copy (delayed recall)',
  metricName: 'recall accuracy',
  lowerIsBetter: false,
  verdictRule: `solved when the symbol accuracy on the recall steps reaches ${SOLVED_ACCURACY} (guessing scores 1/${ALPHABET})`,
  baseline: { value: CHANCE, label: `chance (1/${ALPHABET})` },
  defaultLength: 20,
  defaultSteps: (length) => Math.max(1000, 250 * length),
  learningRate: 0.01,
  create(cell: CellKind, { length, hidden, batchSize, seed }: TaskSettings): CellRun {
    const model = new CopyModel(cell, hidden)
    const options = { count: COUNT, alphabet: ALPHABET }
    const data = new Generator(seed)
    const test = copyBatch(TEST_SIZE, length, new Generator(seed + 1), options)
    const probe = copyBatch(PROBE_SIZE, length, new Generator(seed + 2), options)
    const T = probe.targets.shape[1]
    const probeLast = Int32Array.from({ length: PROBE_SIZE }, (_, b) => probe.symbols[b * COUNT + COUNT - 1])
    return {
      model,
      tokensPerStep: batchSize * T,
      trainLoss: () => {
        const batch = copyBatch(batchSize, length, data, options)
        return crossEntropy(model.forward(batch.x, batch.recallStart), batch.symbols)
      },
      evaluate: () => {
        const { accuracy, loss } = noGrad(() => {
          const logits = model.forward(test.x, test.recallStart)
          return { accuracy: copyRecallAccuracy(test, predictions(logits)), loss: crossEntropy(logits, test.symbols).item() }
        })
        return { metric: accuracy, solved: accuracy >= SOLVED_ACCURACY, details: { 'test recall cross-entropy': loss, 'chance accuracy': CHANCE } }
      },
      // The loss of the last recall step (its symbol was shown `length` + count + 1 steps before).
      gradientNorms: () => hiddenGradientNorms(model.rnn, probe.x, (hT) => crossEntropy(model.head.forward(hT), probeLast, { reduction: 'sum' })),
    }
  },
}
