// The Elman RNN cell, as PyTorch defines it:
//   h' = tanh(W_ih x + b_ih + W_hh h + b_hh)        (or relu in place of tanh; or, as Keras's
//                                                     activation='linear', no function at all)
// The stacked weights hold one gate: W_ih is [H, D], W_hh [H, H].
// Its fused forward and backward steps (the fast path): src/cells/fused/rnn.ts.
import { linear } from '../autograd/ops/linear.js'
import type { Tensor } from '../tensor/tensor.js'

export type Nonlinearity = 'tanh' | 'relu' | 'linear'

/** A recurrent cell's weights under the names of the equations; biases are null when disabled. */
export interface CellParams {
  W_ih: Tensor
  W_hh: Tensor
  b_ih: Tensor | null
  b_hh: Tensor | null
  /** The LSTM's projection W_hr [P, H] (LSTM({ projSize })): h' = W_hr (o ⊙ tanh c'); absent for the others. */
  W_hr?: Tensor
}

/**
 * Receives one step's named values, for looking inside a cell. Cells call it only when one is given,
 * so a step that nobody watches costs nothing extra.
 */
export type GateRecorder<G> = (gates: G) => void

/** What an RNN step shows: it has no gates, so its hidden state h' is what there is to see. */
export type RNNGates = { h: Tensor }

export function rnnCell(x: Tensor, h: Tensor, p: CellParams, nonlinearity: Nonlinearity = 'tanh', record?: GateRecorder<RNNGates>): Tensor {
  const preActivation = linear(x, p.W_ih, p.b_ih).add(linear(h, p.W_hh, p.b_hh))
  // h' = tanh(W_ih x + b_ih + W_hh h + b_hh)  (relu, or the identity for 'linear')
  const hNext = nonlinearity === 'tanh' ? preActivation.tanh() : nonlinearity === 'relu' ? preActivation.relu() : preActivation
  record?.({ h: hNext })
  return hNext
}
