// Keras ⇄ PyTorch weight layouts for one recurrent layer. Keras keeps kernels as [D, G·U] (input × gates,
// the transpose of PyTorch's [G·U, D]) and orders the gate blocks its own way:
//   SimpleRNN  kernel [D, U],   recurrent_kernel [U, U],   bias [U]        → one block
//   LSTM       blocks [i | f | c | o] (PyTorch i, f, g, o: the same order); one bias [4U] = b_ih + b_hh
//   GRU        reset_after=True: blocks [z | r | h] (PyTorch r, z, n); bias [2, 3U], row 0 input, row 1 recurrent
//              reset_after=False (GRU({ resetAfter: false })): the same blocks; one bias [3U], all of it outside r
// Importing is a transpose and a block reorder; the one Keras bias becomes bias_ih with bias_hh zero.
// Keras has no LSTM projection (PyTorch's proj_size, LSTM({ projSize })): exporting one is refused.
// Activations are not weights: a layer's config says them (keras-config.ts), and fromKerasLayer
// (keras-layer.ts) builds the layer that computes them.
import { cat } from '../autograd/ops/layout.js'
import { formatShape } from '../tensor/shape.js'
import { Tensor } from '../tensor/tensor.js'
import { checkBoolean, checkOptionKeys, describe } from '../validation/checks.js'
import { checkKerasKind, readKerasConfig, type KerasKind, type KerasLayerConfig } from './keras-config.js'

export type { KerasKind } from './keras-config.js'

export interface KerasWeights {
  kernel: Tensor
  recurrentKernel: Tensor
  bias?: Tensor
}

export interface KerasOptions {
  /** Keras's GRU convention: reset_after=True (the default, PyTorch's GRU) or False (GRU({ resetAfter: false })). */
  resetAfter?: boolean
  /**
   * The Keras layer's config (fromKerasWeights only): checked against the weights (units, use_bias) and
   * against what seqgrad computes (see kerasLayerOptions), and read for reset_after. Its activations are
   * the layer's options, not weights: fromKerasLayer builds the layer with them.
   */
  config?: KerasLayerConfig
}

const GATES: Record<KerasKind, number> = { simple_rnn: 1, lstm: 4, gru: 3 }

/** Where each PyTorch gate block sits in Keras's order (GRU: PyTorch r, z, n = Keras blocks 1, 0, 2). */
const KERAS_BLOCK_OF: Record<KerasKind, readonly number[]> = { simple_rnn: [0], lstm: [0, 1, 2, 3], gru: [1, 0, 2] }

/** Reorders the gate blocks of the last dim (each U wide): out block j = in block order[j]. */
function reorderBlocks(t: Tensor, order: readonly number[], U: number): Tensor {
  if (order.length === 1) return t
  const blocks = t.split(U, -1)
  return cat(order.map((k) => blocks[k]), -1)
}

/** Whether Keras keeps two biases, input and recurrent (a GRU with reset_after=True), rather than one; resetAfter applies to 'gru' only. */
function hasTwoBiases(where: string, kind: KerasKind, opts: KerasOptions | undefined, config: boolean): boolean {
  if (opts === undefined) return kind === 'gru'
  checkOptionKeys(where, opts, config ? ['resetAfter', 'config'] : ['resetAfter'])
  const fromConfig = opts.config === undefined ? undefined : readKerasConfig(where, kind, opts.config).resetAfter
  if (opts.resetAfter === undefined) return fromConfig ?? kind === 'gru'
  const resetAfter = checkBoolean(where, 'resetAfter', opts.resetAfter)
  if (kind !== 'gru') throw new Error(`${where}: resetAfter applies to 'gru' only, got it for '${kind}'`)
  if (fromConfig !== undefined && fromConfig !== resetAfter) throw new Error(`${where}: resetAfter is ${resetAfter} but config.reset_after is ${fromConfig}; give one`)
  return resetAfter
}

/** Checks the weights against the config's units and use_bias, when one is given. */
function checkAgainstConfig(where: string, kind: KerasKind, config: KerasLayerConfig | undefined, U: number, hasBias: boolean): void {
  if (config === undefined) return
  const { hiddenSize, bias } = readKerasConfig(where, kind, config)
  if (hiddenSize !== U) throw new Error(`${where}: config.units is ${hiddenSize} but recurrentKernel has ${U} units`)
  if (bias !== hasBias) throw new Error(`${where}: config.use_bias is ${bias} but ${hasBias ? 'a bias was given' : 'no bias was given'}`)
}

function expectShape(where: string, name: string, t: unknown, shape: readonly number[]): Tensor {
  if (!(t instanceof Tensor) || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    const got = t instanceof Tensor ? formatShape(t.shape) : describe(t)
    throw new Error(`${where}: ${name} must have shape ${formatShape(shape)}, got ${got}`)
  }
  return t
}

/**
 * A one-layer PyTorch state dict (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0) from Keras weights.
 * A GRU saved with reset_after=False needs { resetAfter: false }, and loads into GRU({ resetAfter: false }).
 */
export function fromKerasWeights(kind: KerasKind, weights: KerasWeights, opts?: KerasOptions): Record<string, Tensor> {
  return mapFromKeras('fromKerasWeights', kind, weights, opts)
}

/** fromKerasWeights, with errors under the caller's name. */
export function mapFromKeras(where: string, kind: KerasKind, weights: KerasWeights, opts?: KerasOptions): Record<string, Tensor> {
  checkKerasKind(where, kind)
  const separateBiases = hasTwoBiases(where, kind, opts, true)
  const { kernel, recurrentKernel, bias } = weights ?? ({} as KerasWeights)
  if (!(recurrentKernel instanceof Tensor) || recurrentKernel.ndim !== 2) throw new Error(`${where}: recurrentKernel must be a 2-d Tensor [U, G·U], got ${recurrentKernel instanceof Tensor ? formatShape(recurrentKernel.shape) : describe(recurrentKernel)}`)
  const U = recurrentKernel.shape[0]
  const G = GATES[kind]
  expectShape(where, 'recurrentKernel', recurrentKernel, [U, G * U])
  if (!(kernel instanceof Tensor) || kernel.ndim !== 2) throw new Error(`${where}: kernel must be a 2-d Tensor [D, ${G * U}], got ${describe(kernel)}`)
  expectShape(where, 'kernel', kernel, [kernel.shape[0], G * U])
  checkAgainstConfig(where, kind, opts?.config, U, bias !== undefined)
  const toTorch = (t: Tensor) => reorderBlocks(t, KERAS_BLOCK_OF[kind], U)
  const dict: Record<string, Tensor> = {
    weight_ih_l0: toTorch(kernel).transpose().detach(),
    weight_hh_l0: toTorch(recurrentKernel).transpose().detach(),
  }
  if (bias === undefined) return dict
  if (separateBiases) {
    expectShape(where, 'bias', bias, [2, G * U])
    dict.bias_ih_l0 = toTorch(bias.slice(0, 0, 1).squeeze(0)).detach()
    dict.bias_hh_l0 = toTorch(bias.slice(0, 1, 2).squeeze(0)).detach()
  } else {
    if (kind === 'gru' && bias instanceof Tensor && bias.ndim === 2) {
      throw new Error(`${where}: bias must have shape [${G * U}] for a GRU with reset_after=False, got ${formatShape(bias.shape)} (two rows are reset_after=True's: leave resetAfter out)`)
    }
    expectShape(where, 'bias', bias, [G * U])
    dict.bias_ih_l0 = toTorch(bias).detach()
    dict.bias_hh_l0 = Tensor.zeros([G * U], bias.dtype)
  }
  return dict
}

/**
 * The inverse of fromKerasWeights: Keras kernels from a one-layer state dict (LSTM, SimpleRNN and the GRU
 * with { resetAfter: false } get one bias, the sum of the two).
 */
export function toKerasWeights(kind: KerasKind, stateDict: Record<string, Tensor>, opts?: KerasOptions): KerasWeights {
  const where = 'toKerasWeights'
  checkKerasKind(where, kind)
  const separateBiases = hasTwoBiases(where, kind, opts, false)
  const pick = (name: string) => stateDict?.[`${name}_l0`] ?? stateDict?.[name]
  // Keras's LSTM has no projection, so a projected layer has no Keras weights that compute the same
  if (pick('weight_hr') !== undefined) {
    throw new Error(`${where}: the state dict has weight_hr_l0, the projection of LSTM({ projSize }); Keras's LSTM has no projection, so these weights have no Keras equivalent`)
  }
  const beyond = Object.keys(stateDict ?? {}).find((key) => /_reverse$|_l[1-9]\d*$/.test(key))
  if (beyond !== undefined) {
    const what = beyond.endsWith('_reverse') ? 'a reverse direction (Keras keeps it in a Bidirectional wrapper of two layers: export each direction\'s weights)' : 'a second layer (a Keras layer is one layer: export each layer\'s weights)'
    throw new Error(`${where}: the state dict has ${beyond}, ${what}`)
  }
  const W_hh = pick('weight_hh')
  if (!(W_hh instanceof Tensor) || W_hh.ndim !== 2) throw new Error(`${where}: the state dict needs weight_hh_l0 (a 2-d Tensor), got ${describe(W_hh)}`)
  const G = GATES[kind]
  const U = W_hh.shape[1]
  expectShape(where, 'weight_hh_l0', W_hh, [G * U, U])
  const W_ih = pick('weight_ih')
  if (!(W_ih instanceof Tensor) || W_ih.ndim !== 2) throw new Error(`${where}: the state dict needs weight_ih_l0 (a 2-d Tensor), got ${describe(W_ih)}`)
  expectShape(where, 'weight_ih_l0', W_ih, [G * U, W_ih.shape[1]])
  const inverse = KERAS_BLOCK_OF[kind].map((_, k) => KERAS_BLOCK_OF[kind].indexOf(k))
  const toKeras = (t: Tensor) => reorderBlocks(t, inverse, U)
  const weights: KerasWeights = { kernel: toKeras(W_ih.transpose()).detach(), recurrentKernel: toKeras(W_hh.transpose()).detach() }
  const b_ih = pick('bias_ih')
  const b_hh = pick('bias_hh')
  if (b_ih === undefined && b_hh === undefined) return weights
  const bi = expectShape(where, 'bias_ih_l0', b_ih, [G * U])
  const bh = expectShape(where, 'bias_hh_l0', b_hh, [G * U])
  weights.bias = separateBiases ? toKeras(bi).unsqueeze(0).cat(toKeras(bh).unsqueeze(0), 0).detach() : toKeras(bi.add(bh)).detach()
  return weights
}
