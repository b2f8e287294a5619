// The names of the cells: which kind a layer is, which equations it runs, and what each one shows.
import type { Tensor } from '../tensor/tensor.js'

/** The three recurrent cells: the plain (Elman) RNN, the LSTM and the GRU. */
export type CellKind = 'rnn' | 'lstm' | 'gru'

/**
 * The equations a layer runs: its kind, with the plain RNN's nonlinearity made part of the name
 * (PyTorch's `mode`: RNN_TANH, RNN_RELU, LSTM, GRU). The fast and reference paths take this.
 * 'gru' is PyTorch's GRU, r applied after W_hn (Keras reset_after=True); 'gru_reset_before' the GRU of
 * Cho et al. 2014 with r applied to h before W_hn (Keras reset_after=False, TensorFlow.js's GRU).
 */
export type CellMode = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru' | 'gru_reset_before'

/** Gates stacked in each weight matrix: W_ih is [G·H, D]. */
export const GATE_COUNT: Record<CellMode, number> = { rnn_tanh: 1, rnn_relu: 1, lstm: 4, gru: 3, gru_reset_before: 3 }

/**
 * A cell's recorded values by name (the keys are GATE_NAMES[kind]), each shaped like h: the general form
 * of RNNGates, LSTMGates and GRUGates, which cells and layers return and which are each assignable to it.
 */
export type GateTrace = Record<string, Tensor>

/** The keys of each cell's GateTrace: LSTM gates and cell state, GRU gates, the plain RNN's hidden state. */
export const GATE_NAMES: Record<CellMode, readonly string[]> = {
  rnn_tanh: ['h'],
  rnn_relu: ['h'],
  lstm: ['i', 'f', 'g', 'o', 'c'],
  gru: ['r', 'z', 'n'],
  gru_reset_before: ['r', 'z', 'n'],
}
