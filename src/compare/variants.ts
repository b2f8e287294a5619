// A cell variant made real: the recurrent layer a task's model holds, built with the variant's equations
// (the RNN's nonlinearity, the GRU's resetAfter), then, once the whole model is built, initialised as the variant says. Random
// draws come from the default generator, which the runner seeds per run, so a variant's weights follow the
// seed like everything else.
import { GRU, LSTM, RNN } from '../models/recurrent.js'
import type { Module } from '../models/module.js'
import type { FloatDType } from '../tensor/dtype.js'
import { defaultGenerator } from '../tensor/random.js'
import type { Tensor } from '../tensor/tensor.js'
import type { CellSpec } from './cell-spec.js'

/** Le et al. (2015): the IRNN's input weights are drawn from N(0, 0.001²). */
const IRNN_INPUT_STD = 0.001

/** A batch-first one-layer recurrent layer with the variant's equations (its init comes later: initializeVariant). */
export function variantLayer(spec: CellSpec, inputSize: number, hiddenSize: number, dtype: FloatDType = 'float32'): RNN | LSTM | GRU {
  const opts = { inputSize, hiddenSize, numLayers: 1, dropout: 0, dtype, batchFirst: true }
  switch (spec.kind) {
    case 'rnn':
      return new RNN({ ...opts, nonlinearity: spec.options.nonlinearity ?? 'tanh' })
    case 'lstm':
      return new LSTM(opts)
    case 'gru':
      return new GRU(spec.options.resetAfter === false ? { ...opts, resetAfter: false } : opts)
  }
}

/**
 * Applies the variant's initialisation to `layer`, after the model around it is built (so the rest of the
 * model starts as it would without the variant): identity init sets W_hh = I, both biases to 0 and draws
 * W_ih from N(0, 0.001²); a forget bias B sets b_if = B and b_hf = 0, so that b_if + b_hf = B.
 */
export function initializeVariant(layer: RNN | LSTM | GRU, spec: CellSpec): void {
  const { W_ih, W_hh, b_ih, b_hh } = layer.cellParams(0, 0)
  const H = layer.hiddenSize
  if (spec.options.init === 'identity') {
    W_hh.data.fill(0)
    for (let i = 0; i < H; i++) W_hh.data[i * H + i] = 1
    b_ih?.data.fill(0)
    b_hh?.data.fill(0)
    defaultGenerator.fillNormal(W_ih.data as Float32Array | Float64Array, 0, IRNN_INPUT_STD)
  }
  const forgetBias = spec.options.forgetBias
  if (forgetBias !== undefined && b_ih !== null && b_hh !== null) {
    // Gate blocks [i, f, g, o]: the forget gate's rows are H … 2H − 1.
    b_ih.data.fill(forgetBias, H, 2 * H)
    b_hh.data.fill(0, H, 2 * H)
  }
}

/** The number of parameters `build` makes, without moving the default generator (planning must not). */
export function countParameters(build: () => Module): number {
  const state = defaultGenerator.getState()
  try {
    return build()
      .parameters()
      .reduce((n: number, p: Tensor) => n + p.size, 0)
  } finally {
    defaultGenerator.setState(state)
  }
}
