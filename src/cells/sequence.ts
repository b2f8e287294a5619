// Running a cell over a whole sequence, one direction at a time: the reference path applies the cell's
// equations step by step; the fused path (fused.ts) does the same work in one op with a hand-derived
// backward. Both take x as [T, B, D] and return every step's h in time order.
import { stack } from '../autograd/ops/layout.js'
import type { Tensor } from '../tensor/tensor.js'
import { gruCell } from './gru.js'
import { lstmCell } from './lstm.js'
import { rnnCell, type CellParams } from './rnn.js'

export type CellKind = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru'

/** Gates stacked in each weight matrix: W_ih is [G·H, D]. */
export const GATE_COUNT: Record<CellKind, number> = { rnn_tanh: 1, rnn_relu: 1, lstm: 4, gru: 3 }

export interface SequenceResult {
  /** h at every step, [T, B, H], in time order whichever way the sequence was read. */
  output: Tensor
  /** The last state reached: h at step T − 1 reading forward, at step 0 reading in reverse. */
  h: Tensor
  /** The LSTM's last cell state; null for the other cells. */
  c: Tensor | null
}

/** One step of `kind`'s cell on state (h, c). */
export function cellStep(kind: CellKind, x: Tensor, h: Tensor, c: Tensor | null, p: CellParams): { h: Tensor; c: Tensor | null } {
  switch (kind) {
    case 'rnn_tanh':
      return { h: rnnCell(x, h, p, 'tanh'), c: null }
    case 'rnn_relu':
      return { h: rnnCell(x, h, p, 'relu'), c: null }
    case 'gru':
      return { h: gruCell(x, h, p), c: null }
    case 'lstm':
      if (c === null) throw new Error('lstm: the cell state c is missing')
      return lstmCell(x, { h, c }, p)
  }
}

/** The reference path: the cell's equations, step by step, recorded op by op. Needs T ≥ 1. */
export function referenceSequence(kind: CellKind, x: Tensor, h0: Tensor, c0: Tensor | null, p: CellParams, reverse: boolean): SequenceResult {
  const T = x.shape[0]
  const steps: Tensor[] = new Array<Tensor>(T)
  let state = { h: h0, c: c0 }
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s
    state = cellStep(kind, x.slice(0, t, t + 1).squeeze(0), state.h, state.c, p)
    steps[t] = state.h
  }
  return { output: stack(steps, 0), h: state.h, c: state.c }
}
