// The model the optimizer fixtures train (scripts/gen-torch-fixtures.py, GRUClassifier): a one-layer GRU
// over [T, B, D] and a Linear on every step's output, trained on cross-entropy. Cross-entropy is written
// out here (−log softmax at the target, mean over rows) so these tests stand on their own.
import { GRU, Linear, Module, Tensor } from '../../src/index.js'
import type { FloatDType } from '../../src/tensor/dtype.js'

export interface ClassifierSizes {
  inputSize: number
  hiddenSize: number
  numClasses: number
}

export class GRUClassifier extends Module {
  readonly gru: GRU
  readonly fc: Linear

  constructor({ inputSize, hiddenSize, numClasses }: ClassifierSizes, dtype: FloatDType = 'float64') {
    super()
    this.gru = this.registerModule('gru', new GRU({ inputSize, hiddenSize, dtype }))
    this.fc = this.registerModule('fc', new Linear({ inFeatures: hiddenSize, outFeatures: numClasses, dtype }))
  }

  /** Logits [T·B, C]; row t·B + b is time t, batch b. */
  forward(x: Tensor): Tensor {
    const { output } = this.gru.forward(x)
    return this.fc.forward(output.reshape(-1, this.gru.hiddenSize))
  }
}

/** Mean over rows of −log softmax(logits)[target]. */
export function crossEntropyLoss(logits: Tensor, target: ArrayLike<number>): Tensor {
  const [n, c] = logits.shape
  const oneHot = Tensor.zeros([n, c], logits.dtype)
  for (let i = 0; i < n; i++) oneHot.data[i * c + target[i]] = 1
  return logits.logSoftmax(-1).mul(oneHot).sum().neg().div(n)
}

/** Forward, loss and backward: the gradients land in the model's parameters. Returns the loss. */
export function lossAndGrad(model: GRUClassifier, x: Tensor, target: ArrayLike<number>): number {
  const loss = crossEntropyLoss(model.forward(x), target)
  loss.backward()
  return loss.item()
}
