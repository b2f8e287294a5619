// The names of the cells: which kind a layer is, which equations it runs, and what each one shows.
import type { Tensor } from '../tensor/tensor.js'

/** The three recurrent cells: the plain (Elman) RNN, the LSTM and the GRU. */
export type CellKind = 'rnn' | 'lstm' | 'gru'

/**
 * The equations a layer runs: its kind, with the plain RNN's nonlinearity made part of the name
 * (PyTorch's `mode`: RNN_TANH, RNN_RELU, LSTM, GRU). The fast and reference paths take this.
 * 'gru' is PyTorch's GRU, r applied after W_hn (Keras reset_after=True); 'gru_reset_before' the GRU of
 * Cho et al. 2014 with r applied to h before W_hn (Keras reset_after=False, TensorFlow.js's GRU).
 * 'rnn_linear' is the RNN with no nonlinearity (Keras's activation='linear'); a `_hard_sigmoid` suffix
 * puts hard σ in place of σ in every gate (recurrentActivation: 'hardSigmoid', see RecurrentActivation).
 */
export type CellMode =
  | 'rnn_tanh' | 'rnn_relu' | 'rnn_linear'
  | 'lstm' | 'lstm_hard_sigmoid'
  | 'gru' | 'gru_hard_sigmoid' | 'gru_reset_before' | 'gru_reset_before_hard_sigmoid'

/**
 * The function of the LSTM's and GRU's gates (i, f, o; r, z): 'sigmoid', σ(a) = 1 / (1 + e^−a), PyTorch's
 * and Keras 3's; or 'hardSigmoid', clip(0.2·a + 0.5, 0, 1) as Keras 2 and TensorFlow.js define it (not
 * PyTorch's Hardsigmoid, a/6 + 1/2), tfjs's default. The candidates g and n keep tanh.
 */
export type RecurrentActivation = 'sigmoid' | 'hardSigmoid'

/** Gates stacked in each weight matrix: W_ih is [G·H, D]. */
export const GATE_COUNT: Record<CellMode, number> = {
  rnn_tanh: 1, rnn_relu: 1, rnn_linear: 1,
  lstm: 4, lstm_hard_sigmoid: 4,
  gru: 3, gru_hard_sigmoid: 3, gru_reset_before: 3, gru_reset_before_hard_sigmoid: 3,
}

/**
 * A cell's recorded values by name (the keys are GATE_NAMES[kind]), each shaped like h: the general form
 * of RNNGates, LSTMGates and GRUGates, which cells and layers return and which are each assignable to it.
 */
export type GateTrace = Record<string, Tensor>

/** The keys of each cell's GateTrace: LSTM gates and cell state, GRU gates, the plain RNN's hidden state. */
export const GATE_NAMES: Record<CellMode, readonly string[]> = {
  rnn_tanh: ['h'],
  rnn_relu: ['h'],
  rnn_linear: ['h'],
  lstm: ['i', 'f', 'g', 'o', 'c'],
  lstm_hard_sigmoid: ['i', 'f', 'g', 'o', 'c'],
  gru: ['r', 'z', 'n'],
  gru_hard_sigmoid: ['r', 'z', 'n'],
  gru_reset_before: ['r', 'z', 'n'],
  gru_reset_before_hard_sigmoid: ['r', 'z', 'n'],
}

/** The modes whose gates σ can be replaced, each with its hard-σ twin. */
export type GatedMode = 'lstm' | 'gru' | 'gru_reset_before'

const HARD_SIGMOID_MODE = { lstm: 'lstm_hard_sigmoid', gru: 'gru_hard_sigmoid', gru_reset_before: 'gru_reset_before_hard_sigmoid' } as const

/** The mode of `mode`'s cell with its gates run by `activation`. */
export function gatedMode(mode: GatedMode, activation: RecurrentActivation): CellMode {
  return activation === 'sigmoid' ? mode : HARD_SIGMOID_MODE[mode]
}

/** What runs the gates of a mode's cell (σ for the plain RNN, which has none). */
export function recurrentActivationOf(mode: CellMode): RecurrentActivation {
  return mode.endsWith('_hard_sigmoid') ? 'hardSigmoid' : 'sigmoid'
}
