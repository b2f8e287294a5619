// Running a cell over a whole sequence, one direction at a time: the reference path applies the cell's
// equations step by step; the fused path (fused.ts) does the same work in one op with a hand-derived
// backward. Both take x as [T, B, D] and return every step's h in time order.
import { noGrad } from '../autograd/engine.js'
import { linear } from '../autograd/ops/linear.js'
import { stack } from '../autograd/ops/layout.js'
import { allocate } from '../tensor/dtype.js'
import { Tensor } from '../tensor/tensor.js'
import { hardSigmoid } from './activations.js'
import { gruCell, gruResetBeforeCell } from './gru.js'
import { GATE_NAMES, type CellMode, type GateTrace } from './kinds.js'
import { lstmCell } from './lstm.js'
import { rnnCell, type CellParams, type GateRecorder } from './rnn.js'

export interface SequenceResult {
  /** h at every step, [T, B, H], in time order whichever way the sequence was read. */
  output: Tensor
  /** The last state reached: h at step T − 1 reading forward, at step 0 reading in reverse (or the last valid step's). */
  h: Tensor
  /** The LSTM's last cell state; null for the other cells. */
  c: Tensor | null
}

/**
 * Constant masks a sequence runs under (drawn by the layer, or fixed by a test). `recurrent`: recurrent
 * dropout's [B, H] mask m, 0 or 1/(1 − p) per unit, the same at every step (Gal & Ghahramani 2016); every
 * h that enters W_hh is m ⊙ h, while h', the outputs and the final state stay undropped:
 *   W_hh h → W_hh (m ⊙ h) in every cell (the GRU's three blocks alike); the GRU with r before W_hn:
 *   n = tanh(W_in x + b_in + W_hn (r ⊙ (m ⊙ h)) + b_hn), h' = (1 − z) ⊙ n + z ⊙ h.
 */
export interface SequenceMasks {
  recurrent: Tensor | null
  /**
   * The steps that count, [T·B] time-major, 0 for padding (the layers' lengths and mask options); none when
   * absent. A padded step carries the state it read, s_t = s_{t−1}, and its output is 0.
   */
  valid?: Uint8Array | null
}

/** No masks: the sequence as without dropout. */
export const NO_MASKS: SequenceMasks = { recurrent: null }

/**
 * One step of the cell that `mode` names on state (h, c); `record`, when given, receives the step's
 * GateTrace. hW is the h that enters W_hh (m ⊙ h under recurrent dropout): the RNN and the LSTM read h
 * only there, the GRU also in z ⊙ h.
 */
export function cellStep(mode: CellMode, x: Tensor, h: Tensor, c: Tensor | null, p: CellParams, record?: GateRecorder<GateTrace>, hW: Tensor = h): { h: Tensor; c: Tensor | null } {
  switch (mode) {
    case 'rnn_tanh':
      return { h: rnnCell(x, hW, p, 'tanh', record), c: null }
    case 'rnn_relu':
      return { h: rnnCell(x, hW, p, 'relu', record), c: null }
    case 'rnn_linear':
      return { h: rnnCell(x, hW, p, 'linear', record), c: null }
    case 'gru':
      return { h: gruCell(x, h, p, record, hW), c: null }
    case 'gru_hard_sigmoid':
      return { h: gruCell(x, h, p, record, hW, hardSigmoid), c: null }
    case 'gru_reset_before':
      return { h: gruResetBeforeCell(x, h, p, record, hW), c: null }
    case 'gru_reset_before_hard_sigmoid':
      return { h: gruResetBeforeCell(x, h, p, record, hW, hardSigmoid), c: null }
    case 'lstm':
    case 'lstm_hard_sigmoid': {
      if (c === null) throw new Error(`${mode}: the cell state c is missing`)
      const next = lstmCell(x, { h: hW, c }, p, record, mode === 'lstm' ? undefined : hardSigmoid)
      // with a projection (LSTM({ projSize })): h' = W_hr (o ⊙ tanh c')
      return p.W_hr === undefined ? next : { h: linear(next.h, p.W_hr), c: next.c }
    }
  }
}

/**
 * The reference path: the cell's equations, step by step, recorded op by op, under `masks`. Needs T ≥ 1.
 * `record`, when given, receives each step's gates with the step's time index t.
 */
export function referenceSequence(
  mode: CellMode,
  x: Tensor,
  h0: Tensor,
  c0: Tensor | null,
  p: CellParams,
  reverse: boolean,
  masks: SequenceMasks = NO_MASKS,
  record?: (t: number, gates: GateTrace) => void,
): SequenceResult {
  const [T, B] = x.shape
  const steps: Tensor[] = new Array<Tensor>(T)
  const m = masks.recurrent, valid = masks.valid ?? null
  let state = { h: h0, c: c0 }
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s
    const hW = m === null ? state.h : state.h.mul(m) // m ⊙ h, what enters W_hh
    const next = cellStep(mode, x.slice(0, t, t + 1).squeeze(0), state.h, state.c, p, record && ((gates) => record(t, gates)), hW)
    if (valid === null) {
      state = next
      steps[t] = state.h
      continue
    }
    const v = stepFlags(valid, t, B, x), kept = v.neg().add(1)
    // s_t = v ⊙ s'_t + (1 − v) ⊙ s_{t−1}: a padded step (v = 0) carries the state it read
    const carry = (fresh: Tensor, read: Tensor) => fresh.mul(v).add(read.mul(kept))
    steps[t] = next.h.mul(v) // its output is 0
    state = { h: carry(next.h, state.h), c: next.c === null || state.c === null ? null : carry(next.c, state.c) }
  }
  return { output: stack(steps, 0), h: state.h, c: state.c }
}

/** Step t's flags as a [B, 1] tensor of 0 and 1 in x's dtype. */
function stepFlags(valid: Uint8Array, t: number, B: number, x: Tensor): Tensor {
  const data = allocate(x.dtype, B)
  for (let b = 0; b < B; b++) data[b] = valid[t * B + b]
  return new Tensor(data, [B, 1])
}

/**
 * Every step's gate values over a sequence, for inspection: the reference equations run again without
 * recording gradients on the same operands, each value stacked to [T, B, H] in time order (also when
 * reading in reverse: index t is the value at input position t). Needs T ≥ 1.
 */
export function traceSequence(mode: CellMode, x: Tensor, h0: Tensor, c0: Tensor | null, p: CellParams, reverse: boolean, masks: SequenceMasks = NO_MASKS): GateTrace {
  return noGrad(() => {
    const [T, B] = x.shape, valid = masks.valid ?? null
    const steps = new Array<GateTrace>(T)
    referenceSequence(mode, x, h0, c0, p, reverse, masks, (t, gates) => {
      // a padded step's gates are 0, as its output
      steps[t] = valid === null ? gates : scaleTrace(gates, stepFlags(valid, t, B, x))
    })
    const trace: GateTrace = {}
    for (const name of GATE_NAMES[mode]) trace[name] = stack(steps.map((gates) => gates[name]), 0)
    return trace
  })
}

function scaleTrace(gates: GateTrace, v: Tensor): GateTrace {
  const out: GateTrace = {}
  for (const [name, value] of Object.entries(gates)) out[name] = value.mul(v)
  return out
}
