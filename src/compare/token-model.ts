// The language model of the token tasks (reber, text): an embedding, one recurrent layer of any cell variant
// and a linear decoder, built and run exactly as LanguageModel builds and runs its one-layer, dropout-free
// form (same parameters, in the same order, from the same draws), so that the default cells give the same
// numbers; unlike LanguageModel it takes a variant (a ReLU RNN, say). Also: its held-out bits per token,
// walked as the truncated-BPTT trainer walks them, and ‖∂L_T/∂h_t‖ over a window.
import { noGrad } from '../autograd/engine.js'
import { linear } from '../autograd/ops/linear.js'
import { batchStreams, streamWindow } from '../data/batching.js'
import { Embedding } from '../models/layers.js'
import { Module, uniformParameter } from '../models/module.js'
import { runRecurrent, type GRU, type LSTM, type RecurrentState, type RNN } from '../models/recurrent.js'
import { crossEntropy } from '../optim/losses.js'
import type { Tensor } from '../tensor/tensor.js'
import type { CellSpec } from './cell-spec.js'
import { hiddenGradientNorms } from './task.js'
import { variantLayer } from './variants.js'

export class TokenModel extends Module {
  readonly embedding: Embedding
  readonly rnn: RNN | LSTM | GRU
  readonly decoderWeight: Tensor
  readonly decoderBias: Tensor

  constructor(spec: CellSpec, { vocabSize, embeddingDim, hiddenSize }: { vocabSize: number; embeddingDim: number; hiddenSize: number }) {
    super()
    this.embedding = this.registerModule('embedding', new Embedding({ numEmbeddings: vocabSize, embeddingDim, dtype: 'float32' }))
    this.rnn = this.registerModule('rnn', variantLayer(spec, embeddingDim, hiddenSize))
    const bound = 1 / Math.sqrt(hiddenSize)
    this.decoderWeight = this.registerParameter('decoder.weight', uniformParameter([vocabSize, hiddenSize], bound, 'float32'))
    this.decoderBias = this.registerParameter('decoder.bias', uniformParameter([vocabSize], bound, 'float32'))
  }

  /** tokens int32 [B, T] → logits [B, T, V] and the state after the last step. */
  forward(tokens: Tensor, state?: RecurrentState): { logits: Tensor; state: RecurrentState } {
    const { output, state: next } = runRecurrent(this.rnn, this.embedding.forward(tokens), state)
    return { logits: linear(output, this.decoderWeight, this.decoderBias), state: next }
  }

  /** The mean cross-entropy (nats) of every window's predictions against `targets` [B, T]. */
  windowLoss(inputs: Tensor, targets: Tensor, state?: RecurrentState): { loss: Tensor; state: RecurrentState } {
    const { logits, state: next } = this.forward(inputs, state)
    const [B, T, V] = logits.shape
    return { loss: crossEntropy(logits.reshape([B * T, V]), targets.reshape([B * T])), state: next }
  }
}

export const detached = (s: RecurrentState): RecurrentState => ({ h: s.h.detach(), ...(s.c ? { c: s.c.detach() } : {}) })

/** Bits per token of `tokens` in `batchSize` streams of `bptt`-token windows, the state carried across windows. */
export function heldOutBits(model: TokenModel, tokens: ArrayLike<number>, { batchSize, bptt }: { batchSize: number; bptt: number }): number {
  const batches = batchStreams('compare: held-out text', tokens, batchSize, bptt)
  let total = 0
  let count = 0
  let state: RecurrentState | undefined
  noGrad(() => {
    for (let w = 0; w < batches.windows; w++) {
      const { inputs, targets } = streamWindow(batches, w)
      const result = model.windowLoss(inputs, targets, state)
      total += result.loss.item() * targets.size
      count += targets.size
      state = result.state
    }
  })
  return total / count / Math.LN2
}

/**
 * ‖∂L_T/∂h_t‖ over the token windows `inputs` [B, T], L_T being the cross-entropy of each window's last
 * prediction against `last` [B] (summed, so each window's norm is its own loss's).
 */
export function tokenGradientNorms(model: TokenModel, inputs: Tensor, last: Int32Array): number[] {
  const embedded = noGrad(() => model.embedding.forward(inputs))
  return hiddenGradientNorms(model.rnn, embedded, (hT) => crossEntropy(linear(hT, model.decoderWeight, model.decoderBias), last, { reduction: 'sum' }))
}
