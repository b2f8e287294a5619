// The GRU cell (Cho et al., 2014), exactly as PyTorch computes it. The stacked weights hold the gates in
// the order r, z, n: W_ih is [3H, D]. r is a *reset* gate (not an output gate): it scales the recurrent
// part of the candidate n, bias b_hn included, which is where PyTorch (and Keras's reset_after=True) differ
// from the paper's r ⊙ h inside the product. The paper's own cell (Keras's reset_after=False, TensorFlow.js's
// GRU) is gruResetBeforeCell, below: the same weights, with r applied to h before W_hn.
// Their fused forward and backward steps (the fast path): src/cells/fused/gru.ts, gru-reset-before.ts.
// Both take hW, the h that enters W_hh: h itself, or m ⊙ h under recurrent dropout (see sequence.ts), while
// z ⊙ h in h' keeps the undropped h.
import { sub } from '../autograd/ops/arithmetic.js'
import { linear } from '../autograd/ops/linear.js'
import type { Tensor } from '../tensor/tensor.js'
import { sigmoid, type GateFunction } from './activations.js'
import type { CellParams, GateRecorder } from './rnn.js'

/** What a GRU step shows: the reset gate r, the update gate z and the candidate n. */
export type GRUGates = { r: Tensor; z: Tensor; n: Tensor }

/** `gate` is σ, the paper's (or hard σ: recurrentActivation 'hardSigmoid'). */
export function gruCell(x: Tensor, h: Tensor, p: CellParams, record?: GateRecorder<GRUGates>, hW: Tensor = h, gate: GateFunction = sigmoid): Tensor {
  const H = h.shape[h.ndim - 1]
  const [xR, xZ, xN] = linear(x, p.W_ih, p.b_ih).split(H, -1) // W_i· x + b_i·
  const [hR, hZ, hN] = linear(hW, p.W_hh, p.b_hh).split(H, -1) // W_h· h + b_h· (h: hW, all three blocks)
  const r = gate(xR.add(hR)) //     r = σ(W_ir x + b_ir + W_hr h + b_hr)
  const z = gate(xZ.add(hZ)) //     z = σ(W_iz x + b_iz + W_hz h + b_hz)
  const n = xN.add(r.mul(hN)).tanh() // n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
  record?.({ r, z, n })
  return sub(1, z).mul(n).add(z.mul(h)) // h' = (1 − z) ⊙ n + z ⊙ h
}

/** The GRU of Cho et al. 2014 (GRU({ resetAfter: false })): as gruCell, but for where r acts in n. */
export function gruResetBeforeCell(x: Tensor, h: Tensor, p: CellParams, record?: GateRecorder<GRUGates>, hW: Tensor = h, gate: GateFunction = sigmoid): Tensor {
  const H = h.shape[h.ndim - 1]
  const [xR, xZ, xN] = linear(x, p.W_ih, p.b_ih).split(H, -1) // W_i· x + b_i·
  const [W_hr, W_hz, W_hn] = p.W_hh.split(H, 0)
  const [b_hr, b_hz, b_hn] = p.b_hh === null ? [null, null, null] : p.b_hh.split(H, 0)
  const r = gate(xR.add(linear(hW, W_hr, b_hr))) //     r = σ(W_ir x + b_ir + W_hr h + b_hr)
  const z = gate(xZ.add(linear(hW, W_hz, b_hz))) //     z = σ(W_iz x + b_iz + W_hz h + b_hz)
  const n = xN.add(linear(r.mul(hW), W_hn, b_hn)).tanh() // n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn): r before W_hn, not after
  record?.({ r, z, n })
  return sub(1, z).mul(n).add(z.mul(h)) // h' = (1 − z) ⊙ n + z ⊙ h
}
