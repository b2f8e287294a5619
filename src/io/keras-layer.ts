// A Keras recurrent layer as a seqgrad layer and back: the config says the equations (activation,
// recurrent_activation, reset_after, use_bias; keras-config.ts), the weights are mapped by keras.ts.
// fromKerasLayer builds the RNN, LSTM or GRU that computes what the Keras layer computes, batch-major as
// Keras is; toKerasLayer gives a one-layer, one-direction seqgrad layer's Keras config and weights.
import type { FloatDType } from '../tensor/dtype.js'
import { GRU, LSTM, RNN, type Impl } from '../models/recurrent.js'
import { checkOptionKeys, describe } from '../validation/checks.js'
import { checkKerasKind, readKerasConfig, type KerasKind, type KerasLayerConfig } from './keras-config.js'
import { mapFromKeras, toKerasWeights, type KerasWeights } from './keras.js'

export interface FromKerasLayerOptions {
  /** The layer's dtype; the kernel's when it is a float dtype, else float32. */
  dtype?: FloatDType
  impl?: Impl
}

/**
 * The seqgrad layer that computes what a Keras SimpleRNN, LSTM or GRU with this config and these weights
 * computes (batchFirst unless config.time_major), its weights loaded. What seqgrad cannot compute is an
 * error that names it (see kerasLayerOptions); so are weights that disagree with the config.
 */
export function fromKerasLayer(kind: 'simple_rnn', config: KerasLayerConfig, weights: KerasWeights, opts?: FromKerasLayerOptions): RNN
export function fromKerasLayer(kind: 'lstm', config: KerasLayerConfig, weights: KerasWeights, opts?: FromKerasLayerOptions): LSTM
export function fromKerasLayer(kind: 'gru', config: KerasLayerConfig, weights: KerasWeights, opts?: FromKerasLayerOptions): GRU
export function fromKerasLayer(kind: KerasKind, config: KerasLayerConfig, weights: KerasWeights, opts?: FromKerasLayerOptions): RNN | LSTM | GRU
export function fromKerasLayer(kind: KerasKind, config: KerasLayerConfig, weights: KerasWeights, opts: FromKerasLayerOptions = {}): RNN | LSTM | GRU {
  const where = 'fromKerasLayer'
  checkKerasKind(where, kind)
  checkOptionKeys(where, opts, ['dtype', 'impl'])
  const { hiddenSize, bias, batchFirst, nonlinearity, recurrentActivation, resetAfter } = readKerasConfig(where, kind, config)
  // fromKerasWeights checks the weights' shapes and that they agree with the config
  const stateDict = mapFromKeras(where, kind, weights, { config })
  const kernel = weights.kernel
  const dtype = opts.dtype ?? (kernel.dtype === 'float64' ? 'float64' : 'float32')
  const common = { inputSize: kernel.shape[0], hiddenSize, bias, batchFirst, dtype, ...(opts.impl === undefined ? {} : { impl: opts.impl }) }
  const layer = kind === 'simple_rnn' ? new RNN({ ...common, nonlinearity }) : kind === 'lstm' ? new LSTM({ ...common, recurrentActivation }) : new GRU({ ...common, recurrentActivation, resetAfter })
  layer.loadStateDict(stateDict)
  return layer
}

/** What toKerasLayer returns: the Keras layer's kind, its config (the keys that say what it computes) and its weights. */
export interface KerasLayer {
  kind: KerasKind
  config: KerasLayerConfig
  weights: KerasWeights
}

/**
 * The Keras layer that computes what a one-layer, one-direction seqgrad RNN, LSTM or GRU computes: its
 * config (units, activation, recurrent_activation, use_bias, reset_after) and its weights. Keras takes its
 * input batch-major, [B, T, D]. Keras holds a stack as separate layers and two directions in a
 * Bidirectional wrapper, so a layer of more is refused: toKerasWeights maps one layer's state dict.
 */
export function toKerasLayer(layer: RNN | LSTM | GRU): KerasLayer {
  const where = 'toKerasLayer'
  if (!(layer instanceof RNN || layer instanceof LSTM || layer instanceof GRU)) throw new Error(`${where}: expected an RNN, LSTM or GRU layer, got ${describe(layer)}`)
  if (layer.numLayers !== 1 || layer.bidirectional) {
    throw new Error(`${where}: a Keras recurrent layer is one layer in one direction; this one has ${layer.numLayers} layer${layer.numLayers > 1 ? 's' : ''} and ${layer.directions} direction${layer.directions > 1 ? 's' : ''} (export each with toKerasWeights from its own state dict)`)
  }
  if (layer instanceof LSTM && layer.projSize > 0) throw new Error(`${where}: the LSTM has projSize ${layer.projSize}; Keras's LSTM has no projection`)
  const common = { units: layer.hiddenSize, use_bias: layer.bias }
  const keras = (name: RecurrentName) => (name === 'hardSigmoid' ? 'hard_sigmoid' : 'sigmoid')
  const sd = layer.stateDict()
  if (layer instanceof RNN) return { kind: 'simple_rnn', config: { ...common, activation: layer.nonlinearity }, weights: toKerasWeights('simple_rnn', sd) }
  if (layer instanceof LSTM) return { kind: 'lstm', config: { ...common, activation: 'tanh', recurrent_activation: keras(layer.recurrentActivation) }, weights: toKerasWeights('lstm', sd) }
  const config = { ...common, activation: 'tanh', recurrent_activation: keras(layer.recurrentActivation), reset_after: layer.resetAfter }
  return { kind: 'gru', config, weights: toKerasWeights('gru', sd, { resetAfter: layer.resetAfter }) }
}

type RecurrentName = LSTM['recurrentActivation']
