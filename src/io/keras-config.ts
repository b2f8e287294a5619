// Reading a Keras recurrent layer's config: which of seqgrad's equations its weights are for. The config
// is Keras's own, snake_case, as get_config() returns it and as a model.json holds it under a layer's
// "config" (TensorFlow.js writes the same keys). Keys that change what a step computes are read or refused;
// those that only shape training, initial values or the outputs' packaging are passed over.
import type { LSTMOptions, RNNOptions } from '../models/recurrent.js'
import { describe } from '../validation/checks.js'

type Nonlinearity = NonNullable<RNNOptions['nonlinearity']>
type RecurrentActivation = NonNullable<LSTMOptions['recurrentActivation']>

export type KerasKind = 'simple_rnn' | 'lstm' | 'gru'

/** A Keras recurrent layer's config (snake_case keys, as Keras and a model.json write them). */
export type KerasLayerConfig = Record<string, unknown>

/** The options of seqgrad's layer that computes what a Keras config describes (Keras is batch-major). */
export interface KerasLayerOptions {
  hiddenSize: number
  bias: boolean
  batchFirst: boolean
  /** SimpleRNN: its activation. */
  nonlinearity?: Nonlinearity
  /** LSTM and GRU: their recurrent_activation. */
  recurrentActivation?: RecurrentActivation
  /** GRU: reset_after. */
  resetAfter?: boolean
}

/**
 * Keys that do not change what the layer computes from its weights at inference: its name and dtype,
 * initializers (unit_forget_bias among them), regularizers and constraints, dropout (training only), how
 * outputs are returned (seqgrad returns the output and the last state), stateful (carry h yourself),
 * unroll and implementation (the same numbers), Keras 3's seed.
 */
const PASSED_OVER = new Set([
  'name', 'trainable', 'dtype', 'batch_input_shape', 'input_shape', 'batch_size', 'seed',
  'kernel_initializer', 'recurrent_initializer', 'bias_initializer', 'unit_forget_bias',
  'kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer', 'activity_regularizer',
  'kernel_constraint', 'recurrent_constraint', 'bias_constraint',
  'dropout', 'recurrent_dropout', 'return_sequences', 'return_state', 'stateful', 'unroll', 'implementation', 'use_cudnn',
])
/** Keys only Keras 3 writes (seed at the top level; TensorFlow.js's initializers keep theirs inside). */
const KERAS_3_ONLY = ['seed', 'use_cudnn']
const READ: Record<KerasKind, readonly string[]> = {
  simple_rnn: ['units', 'activation', 'use_bias', 'go_backwards', 'time_major'],
  lstm: ['units', 'activation', 'recurrent_activation', 'use_bias', 'go_backwards', 'time_major'],
  gru: ['units', 'activation', 'recurrent_activation', 'use_bias', 'reset_after', 'go_backwards', 'time_major'],
}
const LAYER_NAME: Record<KerasKind, string> = { simple_rnn: 'SimpleRNN', lstm: 'LSTM', gru: 'GRU' }

/** Keras's activation names for seqgrad's. */
const NONLINEARITY: Record<string, Nonlinearity> = { tanh: 'tanh', relu: 'relu', linear: 'linear' }
const RECURRENT_ACTIVATION: Record<string, RecurrentActivation> = { sigmoid: 'sigmoid', hard_sigmoid: 'hardSigmoid' }

export function checkKerasKind(where: string, kind: unknown): KerasKind {
  if (kind !== 'simple_rnn' && kind !== 'lstm' && kind !== 'gru') throw new Error(`${where}: kind must be 'simple_rnn', 'lstm' or 'gru', got ${describe(kind)}`)
  return kind
}

/**
 * The options of the seqgrad layer that computes what `config` describes, or an error naming what seqgrad
 * cannot compute: an activation other than tanh, relu or linear (SimpleRNN) or tanh (LSTM, GRU), a
 * recurrent_activation other than sigmoid or hard_sigmoid (null is Keras's linear for both: a SimpleRNN's
 * linear activation, refused elsewhere), go_backwards, and any key it does not know.
 * 'hard_sigmoid' is Keras 2's and TensorFlow.js's, clip(0.2·a + 0.5, 0, 1); Keras 3 redefined it as
 * relu6(a + 3) / 6, which seqgrad does not compute, so a Keras 3 config (it has seed or use_cudnn) naming it is refused. A GRU config without reset_after is reset_after=False
 * (TensorFlow.js's GRU, and Keras 1's); LSTM and GRU configs must name their recurrent_activation, whose
 * default was 'hard_sigmoid' up to Keras 2.2 and in TensorFlow.js and 'sigmoid' since.
 */
export function kerasLayerOptions(kind: KerasKind, config: KerasLayerConfig): KerasLayerOptions {
  return readKerasConfig('kerasLayerOptions', checkKerasKind('kerasLayerOptions', kind), config)
}

/** kerasLayerOptions, with errors under the caller's name. */
export function readKerasConfig(where: string, kind: KerasKind, config: KerasLayerConfig): KerasLayerOptions {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new Error(`${where}: config must be a Keras layer config object (snake_case keys), got ${describe(config)}`)
  const layer = `Keras ${LAYER_NAME[kind]}`
  for (const key of Object.keys(config)) {
    if (PASSED_OVER.has(key) || READ[kind].includes(key)) continue
    const snake = key.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`)
    const hint = snake !== key && (PASSED_OVER.has(snake) || READ[kind].includes(snake)) ? `: Keras configs are snake_case, did you mean ${snake}?` : ''
    throw new Error(`${where}: the ${layer} config has '${key}', which seqgrad does not compute${hint}`)
  }
  const units = config.units
  if (!(typeof units === 'number' && Number.isInteger(units) && units > 0)) throw new Error(`${where}: config.units must be a positive integer, got ${describe(units)}`)
  const useBias = config.use_bias ?? true
  if (typeof useBias !== 'boolean') throw new Error(`${where}: config.use_bias must be true or false, got ${describe(useBias)}`)
  if (config.go_backwards === true) throw new Error(`${where}: the ${layer} has go_backwards: true (it reads the sequence from its end), which seqgrad's layers do not do; flip the input along time instead`)
  const timeMajor = config.time_major ?? false
  if (typeof timeMajor !== 'boolean') throw new Error(`${where}: config.time_major must be true or false, got ${describe(timeMajor)}`)
  const options: KerasLayerOptions = { hiddenSize: units, bias: useBias, batchFirst: !timeMajor }
  // Keras and TensorFlow.js read a null activation as linear (activations.get(None)); only an absent one is the default tanh.
  const activation = config.activation === undefined ? 'tanh' : config.activation === null ? 'linear' : config.activation
  if (kind === 'simple_rnn') {
    const nonlinearity = typeof activation === 'string' ? NONLINEARITY[activation] : undefined
    if (nonlinearity === undefined) throw new Error(`${where}: the ${layer} has activation ${describe(activation)}; seqgrad's RNN computes 'tanh', 'relu' or 'linear'`)
    return { ...options, nonlinearity }
  }
  if (activation !== 'tanh') throw new Error(`${where}: the ${layer} has activation ${config.activation === null ? "null, which Keras reads as 'linear'" : describe(activation)}; seqgrad's ${kind === 'lstm' ? 'LSTM' : 'GRU'} computes its candidate${kind === 'lstm' ? ' and tanh(c\')' : ''} with 'tanh' only`)
  const named = config.recurrent_activation
  if (named === undefined) throw new Error(`${where}: the ${layer} config must name its recurrent_activation ('sigmoid' or 'hard_sigmoid'): Keras's default was 'hard_sigmoid' up to Keras 2.2 and in TensorFlow.js, 'sigmoid' since`)
  if (named === null) throw new Error(`${where}: the ${layer} has recurrent_activation null, which Keras reads as 'linear': gates left unsquashed, which seqgrad's gates do not compute (they compute 'sigmoid' or 'hard_sigmoid')`)
  const recurrentActivation = typeof named === 'string' ? RECURRENT_ACTIVATION[named] : undefined
  if (named === 'hard_sigmoid' && KERAS_3_ONLY.some((key) => key in config)) {
    throw new Error(`${where}: the ${layer} config is Keras 3's (it has ${KERAS_3_ONLY.filter((key) => key in config).join(' and ')}), whose 'hard_sigmoid' is relu6(a + 3) / 6; seqgrad's hard sigmoid is Keras 2's and TensorFlow.js's, clip(0.2·a + 0.5, 0, 1)`)
  }
  if (recurrentActivation === undefined) {
    const hint = named === 'hardSigmoid' ? " (Keras writes 'hard_sigmoid')" : ''
    throw new Error(`${where}: the ${layer} has recurrent_activation ${describe(named)}${hint}; seqgrad's gates compute 'sigmoid' or 'hard_sigmoid' (Keras 2's and TensorFlow.js's, clip(0.2·a + 0.5, 0, 1))`)
  }
  if (kind === 'lstm') return { ...options, recurrentActivation }
  const resetAfter = config.reset_after ?? false
  if (typeof resetAfter !== 'boolean') throw new Error(`${where}: config.reset_after must be true or false, got ${describe(resetAfter)}`)
  return { ...options, recurrentActivation, resetAfter }
}
