// The adding problem as a comparison task: a recurrent layer reads [value, marker] pairs and a linear head
// maps its last hidden state to the predicted sum. Solved when the test MSE falls below 0.01, a 17th of
// the 0.167 that predicting the mean scores. The data of seed s: training batches from s, the test set
// from s + 1, the gradient probe from s + 2, the validation set (learning-rate selection) from s + 3.
import { noGrad } from '../autograd/engine.js'
import { ADDING_BASELINE_MSE, addingBatch } from '../data/tasks/adding.js'
import { Linear } from '../models/layers.js'
import { Module } from '../models/module.js'
import { runRecurrent, type CellKind } from '../models/recurrent.js'
import type { GRU, LSTM, RNN } from '../models/recurrent.js'
import { mseLoss } from '../optim/losses.js'
import { Generator } from '../tensor/random.js'
import type { Tensor } from '../tensor/tensor.js'
import { toCellSpec, type CellSpec } from './cell-spec.js'
import { hiddenGradientNorms, type CellRun, type Task, type TaskSettings } from './task.js'
import { countParameters, initializeVariant, variantLayer } from './variants.js'

const SOLVED_MSE = 0.01
const TEST_SIZE = 512

class AddingModel extends Module {
  readonly rnn: RNN | LSTM | GRU
  readonly head: Linear

  constructor(spec: CellSpec, hidden: number) {
    super()
    this.rnn = this.registerModule('rnn', variantLayer(spec, 2, hidden))
    this.head = this.registerModule('head', new Linear({ inFeatures: hidden, outFeatures: 1 }))
    initializeVariant(this.rnn, spec)
  }

  /** x [B, T, 2] → predicted sums [B, 1], from the last step's hidden state. */
  forward(x: Tensor): Tensor {
    const T = x.shape[1]
    return this.head.forward(runRecurrent(this.rnn, x).output.slice(1, T - 1, T).squeeze(1))
  }
}

export const addingTask: Task = {
  name: 'adding',
  ref: { name: 'adding' },
  title: 'Adding problem',
  metricName: 'test MSE',
  lossName: 'MSE',
  lowerIsBetter: true,
  verdictRule: `solved when the test MSE is below ${SOLVED_MSE} (predicting the mean scores ${ADDING_BASELINE_MSE.toFixed(3)})`,
  threshold: { quantity: 'test MSE', value: SOLVED_MSE, comparison: '<' },
  baseline: { value: ADDING_BASELINE_MSE, label: 'predict the mean (0.167)' },
  longRange: 'the first marked value, read up to the whole sequence length before the answer',
  defaultLength: 40,
  defaultSteps: (length) => 24 * length,
  learningRate: 0.01,
  parameterCount: (cell, hidden) => countParameters(() => new AddingModel(cell, hidden)),
  create(cell: CellKind | CellSpec, { length, hidden, batchSize, seed }: TaskSettings): CellRun {
    const model = new AddingModel(toCellSpec(cell), hidden)
    const data = new Generator(seed)
    const test = addingBatch(TEST_SIZE, length, new Generator(seed + 1))
    const probe = addingBatch(32, length, new Generator(seed + 2))
    let validation: ReturnType<typeof addingBatch> | undefined // made when first asked for: only selection runs need it
    return {
      model,
      tokensPerStep: batchSize * length,
      trainLoss: () => {
        const { x, target } = addingBatch(batchSize, length, data)
        return mseLoss(model.forward(x), target)
      },
      evaluate: (split = 'test') => {
        const set = split === 'test' ? test : (validation ??= addingBatch(TEST_SIZE, length, new Generator(seed + 3)))
        const mse = noGrad(() => mseLoss(model.forward(set.x), set.target).item())
        return { metric: mse, solved: mse < SOLVED_MSE, details: { 'baseline MSE': ADDING_BASELINE_MSE } }
      },
      gradientNorms: () => hiddenGradientNorms(model.rnn, probe.x, (hT) => mseLoss(model.head.forward(hT), probe.target)),
    }
  },
}
