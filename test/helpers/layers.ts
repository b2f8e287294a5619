// The RNN, LSTM and GRU layers built from a test's random configuration, and run from an optional state,
// whichever the cell.
import fc from 'fast-check'
import { GRU, LSTM, RNN, type CellMode as CellKind, type GateTrace, type RecurrentOptions, type Tensor } from '../../src/index.js'

export type Layer = RNN | LSTM | GRU

/** What the layer tests draw: the cell, the sizes (T steps, B batch, D in, H hidden), the stack, a bias or not, an initial state or not. */
export interface LayerCase {
  kind: CellKind
  T: number
  B: number
  D: number
  H: number
  numLayers: number
  bidirectional: boolean
  bias: boolean
  withState: boolean
}

/** Arbitraries for LayerCase's fields, small enough for gradchecks through whole sequences: spread them into fc.record with a test's own fields. */
export const layerCaseArbs = {
  kind: fc.constantFrom<CellKind>('rnn_tanh', 'rnn_relu', 'lstm', 'gru'),
  T: fc.integer({ min: 1, max: 5 }),
  B: fc.integer({ min: 1, max: 3 }),
  D: fc.integer({ min: 1, max: 4 }),
  H: fc.integer({ min: 1, max: 4 }),
  numLayers: fc.integer({ min: 1, max: 3 }),
  bidirectional: fc.boolean(),
  bias: fc.boolean(),
  withState: fc.boolean(),
}

/** The layer for a cell mode: LSTM, GRU (resetAfter, recurrentActivation as the mode says), or RNN with its nonlinearity. */
export function newLayer(kind: CellKind, opts: RecurrentOptions): Layer {
  const recurrentActivation = kind.endsWith('_hard_sigmoid') ? 'hardSigmoid' : 'sigmoid'
  if (kind.startsWith('lstm')) return new LSTM({ ...opts, recurrentActivation })
  if (kind.startsWith('gru')) return new GRU({ ...opts, recurrentActivation, resetAfter: !kind.startsWith('gru_reset_before') })
  return new RNN({ ...opts, nonlinearity: kind === 'rnn_relu' ? 'relu' : kind === 'rnn_linear' ? 'linear' : 'tanh' })
}

/** The case's layer (sizes, stack and bias from the case), with the other options given. */
export function layerFor(c: LayerCase, opts: Pick<RecurrentOptions, 'batchFirst' | 'dtype' | 'impl' | 'dropout'>): Layer {
  return newLayer(c.kind, { inputSize: c.D, hiddenSize: c.H, numLayers: c.numLayers, bidirectional: c.bidirectional, bias: c.bias, ...opts })
}

/** What forward returns: c from an LSTM only, gates only when recorded. */
export interface LayerResult {
  output: Tensor
  h: Tensor
  c?: Tensor
  gates?: GateTrace[]
}

/** Runs any layer from an optional state (h, and c for an LSTM) with the given options. */
export function runLayer(layer: Layer, x: Tensor, h0?: Tensor, c0?: Tensor, opts?: { recordGates?: boolean }): LayerResult {
  if (layer instanceof LSTM) return layer.forward(x, h0 && c0 && { h: h0, c: c0 }, opts)
  return layer.forward(x, h0 && { h: h0 }, opts)
}
