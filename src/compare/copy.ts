// The copy task as a comparison task: a recurrent layer reads 5 symbols from an alphabet of 8, a delay of
// `length` blanks and a go marker, and a linear head maps every step's hidden state to the 8 symbols. The
// loss is the cross-entropy over the recall steps only: the blanks before recall say nothing about memory,
// and scoring them too (Arjovsky et al. 2016) measurably slowed the gated cells' learning of the recall
// here. The metric is the top-1 symbol accuracy on the recall steps of a fixed test set; guessing scores
// 1/8, and a cell solves the task at 99%. The data of seed s: training batches from s, the test set from
// s + 1, the gradient probe from s + 2, the validation set (learning-rate selection) from s + 3.
import { noGrad } from '../autograd/engine.js'
import { copyBatch, copyRecallAccuracy } from '../data/tasks/copy.js'
import { Linear } from '../models/layers.js'
import { Module } from '../models/module.js'
import { runRecurrent, type CellKind } from '../models/recurrent.js'
import type { GRU, LSTM, RNN } from '../models/recurrent.js'
import { argmax } from '../models/sampling.js'
import { crossEntropy } from '../optim/losses.js'
import { Generator } from '../tensor/random.js'
import type { Tensor } from '../tensor/tensor.js'
import { toCellSpec, type CellSpec } from './cell-spec.js'
import { hiddenGradientNorms, type CellRun, type Task, type TaskSettings } from './task.js'
import { countParameters, initializeVariant, variantLayer } from './variants.js'

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

  constructor(spec: CellSpec, hidden: number) {
    super()
    this.rnn = this.registerModule('rnn', variantLayer(spec, CHANNELS, hidden))
    this.head = this.registerModule('head', new Linear({ inFeatures: hidden, outFeatures: CLASSES }))
    initializeVariant(this.rnn, spec)
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
  ref: { name: 'copy' },
  title: 'Copy (delayed recall)',
  metricName: 'recall accuracy',
  lossName: 'cross-entropy (nats)',
  lowerIsBetter: false,
  verdictRule: `solved when the symbol accuracy on the recall steps reaches ${SOLVED_ACCURACY} (guessing scores 1/${ALPHABET})`,
  threshold: { quantity: 'recall accuracy', value: SOLVED_ACCURACY, comparison: '>=' },
  baseline: { value: CHANCE, label: `chance (1/${ALPHABET})` },
  longRange: `each of the ${COUNT} symbols, recalled --length + ${COUNT + 1} steps after it was shown`,
  defaultLength: 20,
  defaultSteps: (length) => Math.max(1000, 250 * length),
  learningRate: 0.01,
  parameterCount: (cell, hidden) => countParameters(() => new CopyModel(cell, hidden)),
  create(cell: CellKind | CellSpec, { length, hidden, batchSize, seed }: TaskSettings): CellRun {
    const model = new CopyModel(toCellSpec(cell), hidden)
    const options = { count: COUNT, alphabet: ALPHABET }
    const data = new Generator(seed)
    const test = copyBatch(TEST_SIZE, length, new Generator(seed + 1), options)
    let validation: ReturnType<typeof copyBatch> | undefined // made when first asked for: only selection runs need it
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
      evaluate: (split = 'test') => {
        const set = split === 'test' ? test : (validation ??= copyBatch(TEST_SIZE, length, new Generator(seed + 3), options))
        const { accuracy, loss } = noGrad(() => {
          const logits = model.forward(set.x, set.recallStart)
          return { accuracy: copyRecallAccuracy(set, predictions(logits)), loss: crossEntropy(logits, set.symbols).item() }
        })
        return { metric: accuracy, solved: accuracy >= SOLVED_ACCURACY, details: { [`${split} recall cross-entropy`]: loss, 'chance accuracy': CHANCE } }
      },
      // The loss of the last recall step (its symbol was shown `length` + count + 1 steps before).
      gradientNorms: () => hiddenGradientNorms(model.rnn, probe.x, (hT) => crossEntropy(model.head.forward(hT), probeLast, { reduction: 'sum' })),
    }
  },
}
