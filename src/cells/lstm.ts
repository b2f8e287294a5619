// The LSTM cell (Hochreiter & Schmidhuber, 1997, with the forget gate of Gers et al., 2000), exactly as
// PyTorch computes it. The stacked weights hold the gates in the order i, f, g, o: W_ih is [4H, D].
// There is no "update gate": i (input), f (forget) and o (output) are gates; g is the candidate cell.
// With a projection W_hr [P, H] (Sak et al., 2014; PyTorch's proj_size) the state's h is W_hr (o ⊙ tanh c'),
// P wide, so W_hh is [4H, P] and c stays H wide; the projection wraps the cell (cellStep in sequence.ts).
// Its fused forward and backward steps (the fast path): src/cells/fused/lstm.ts.
import { linear } from '../autograd/ops/linear.js'
import type { Tensor } from '../tensor/tensor.js'
import { sigmoid, type GateFunction } from './activations.js'
import type { CellParams, GateRecorder } from './rnn.js'

export interface LSTMState {
  h: Tensor
  c: Tensor
}

/** What an LSTM step shows: its three gates, the candidate g, and the new cell state c'. */
export type LSTMGates = { i: Tensor; f: Tensor; g: Tensor; o: Tensor; c: Tensor }

/** `gate` is σ, the paper's (or hard σ: recurrentActivation 'hardSigmoid'). */
export function lstmCell(x: Tensor, { h, c }: LSTMState, p: CellParams, record?: GateRecorder<LSTMGates>, gate: GateFunction = sigmoid): LSTMState {
  const H = c.shape[c.ndim - 1] // h is P wide under a projection
  const [aI, aF, aG, aO] = linear(x, p.W_ih, p.b_ih).add(linear(h, p.W_hh, p.b_hh)).split(H, -1)
  const i = gate(aI) // i = σ(W_ii x + b_ii + W_hi h + b_hi)
  const f = gate(aF) // f = σ(W_if x + b_if + W_hf h + b_hf)
  const g = aG.tanh() //    g = tanh(W_ig x + b_ig + W_hg h + b_hg)
  const o = gate(aO) // o = σ(W_io x + b_io + W_ho h + b_ho)
  const cNext = f.mul(c).add(i.mul(g)) // c' = f ⊙ c + i ⊙ g
  const hNext = o.mul(cNext.tanh()) //    h' = o ⊙ tanh(c')
  record?.({ i, f, g, o, c: cNext })
  return { h: hNext, c: cNext }
}
