// RNN, LSTM and GRU layers: stacked, optionally bidirectional, exactly PyTorch's nn.RNN / nn.LSTM / nn.GRU
// (same options, shapes, state layout and state-dict names). Each layer and direction runs as one fused
// op by default; impl: 'reference' runs the cells' equations step by step instead. forward(x, state,
// { recordGates: true }) also returns every step's gate values, typed per cell (RNNGates, LSTMGates,
// GRUGates: see GATE_NAMES), for looking inside. forward(x, state, { lengths }) runs a batch of sequences of
// different lengths as PyTorch's packed sequences do, the output being pad_packed_sequence(…, total_length=T)'s
// (all T steps; outputs past a length are 0, h and c are each sequence's state at its own last step, a
// reverse direction starts at its own end); { mask } as Keras's
// masking, [B, T] of 0/1: a masked step carries the state unchanged and outputs 0 (zero_output_for_mask),
// a reverse direction reads from T − 1 down skipping masked steps (Keras's go_backwards). See padding.ts.
//
// Dropout, in training mode only, three kinds: `dropout` (PyTorch's) on each layer's output but the last;
// `inputDropout` (Keras's `dropout`) on each layer's input x, every step by one [B, D] mask per sequence;
// `recurrentDropout` (Keras's `recurrent_dropout`, Gal & Ghahramani 2016) on every h entering W_hh, by one
// [B, H] mask per sequence ([B, projSize] under the LSTM's projection; see SequenceMasks). The last two draw fresh masks per call and per layer and
// direction, in that order (the input mask, then the recurrent one), from the seeded generator.
import { dropout, dropoutMask } from '../autograd/ops/dropout.js'
import { cat, stack } from '../autograd/ops/layout.js'
import { fusedSequence } from '../cells/fused/sequence.js'
import type { GRUGates } from '../cells/gru.js'
import { GATE_COUNT, gatedMode, type CellKind, type CellMode, type GateTrace, type RecurrentActivation } from '../cells/kinds.js'
import type { LSTMGates } from '../cells/lstm.js'
import type { CellParams, Nonlinearity, RNNGates } from '../cells/rnn.js'
import { NO_MASKS, referenceSequence, traceSequence, type SequenceMasks } from '../cells/sequence.js'
import type { FloatDType } from '../tensor/dtype.js'
import { floatDType } from '../tensor/dtype.js'
import { formatShape, shapesEqual } from '../tensor/shape.js'
import { Tensor } from '../tensor/tensor.js'
import { describe, checkPositiveInt, checkBoolean, checkDropout, checkOneOf, checkOptionKeys } from '../validation/checks.js'
import { recordGatesOption } from './cells.js'
import { Module, uniformParameter } from './module.js'
import { SEQUENCE_OPTION_KEYS, validSteps, type SequenceForwardOptions } from './padding.js'

export type { CellKind } from '../cells/kinds.js'
export type { SequenceForwardOptions } from './padding.js'

export type Impl = 'fused' | 'reference'

export interface RecurrentOptions {
  inputSize: number
  hiddenSize: number
  numLayers?: number
  bias?: boolean
  batchFirst?: boolean
  dropout?: number
  /**
   * Dropout on h where it enters W_hh, one mask per sequence, layer and direction for all steps (Keras's
   * recurrent_dropout); h', the outputs and the final state are not dropped. Training mode only.
   */
  recurrentDropout?: number
  /** Dropout on each layer's input x, one mask per sequence, layer and direction for all steps (Keras's dropout). Training mode only. */
  inputDropout?: number
  bidirectional?: boolean
  dtype?: FloatDType
  impl?: Impl
}

export interface RNNOptions extends RecurrentOptions {
  /** 'tanh' (the default), 'relu', or 'linear': h' = W_ih x + b_ih + W_hh h + b_hh (Keras's activation='linear'). */
  nonlinearity?: Nonlinearity
}

export interface LSTMOptions extends RecurrentOptions {
  /**
   * PyTorch's proj_size: P > 0 gives every layer and direction a projection W_hr [P, H]
   * (`weight_hr_l{k}[_reverse]`), h' = W_hr (o ⊙ tanh c'), so h, h_n and the output are P wide (D·P
   * bidirectional, the input of the layers above the first) and W_hh is [4H, P]; c stays H wide. P must
   * be smaller than hiddenSize. 0, the default: no projection.
   */
  projSize?: number
  /**
   * The function of the gates i, f, o: 'sigmoid' (the default, PyTorch's) or 'hardSigmoid', clip(0.2·a + 0.5,
   * 0, 1), Keras 2's recurrent_activation='hard_sigmoid' and TensorFlow.js's default. g and tanh(c') keep tanh.
   */
  recurrentActivation?: RecurrentActivation
}

export interface GRUOptions extends RecurrentOptions {
  /** The function of the gates r and z: 'sigmoid' (the default) or 'hardSigmoid' (as LSTMOptions). */
  recurrentActivation?: RecurrentActivation
  /**
   * Where the reset gate acts in the candidate n: true (the default, PyTorch's and Keras's reset_after=True)
   * n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)); false (Cho et al. 2014, Keras's reset_after=False,
   * TensorFlow.js's GRU) n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn). The parameters are the same.
   */
  resetAfter?: boolean
}

const RECURRENT_ACTIVATIONS: readonly RecurrentActivation[] = ['sigmoid', 'hardSigmoid']

const OPTION_KEYS = ['inputSize', 'hiddenSize', 'numLayers', 'bias', 'batchFirst', 'dropout', 'recurrentDropout', 'inputDropout', 'bidirectional', 'dtype', 'impl']

/** What RNN, LSTM and GRU share: options, parameters, and running every layer and direction. G: the cell's gate trace. */
class RecurrentBase<G extends GateTrace> extends Module {
  readonly inputSize: number
  readonly hiddenSize: number
  readonly numLayers: number
  readonly bias: boolean
  readonly batchFirst: boolean
  readonly dropout: number
  readonly recurrentDropout: number
  readonly inputDropout: number
  readonly bidirectional: boolean
  readonly dtype: FloatDType
  readonly impl: Impl
  /** Weights per layer and direction, in PyTorch's order (layer 0 forward, layer 0 reverse, layer 1 …). */
  private readonly cells: CellParams[] = []
  /** The LSTM's projSize, the width of h when it is > 0; 0 for no projection. */
  protected readonly projection: number

  constructor(
    private readonly where: string,
    private readonly mode: CellMode,
    opts: RecurrentOptions,
    extraKeys: readonly string[] = [],
    projSize: unknown = 0,
  ) {
    super()
    checkOptionKeys(where, opts, [...OPTION_KEYS, ...extraKeys])
    this.inputSize = checkPositiveInt(where, 'inputSize', opts.inputSize)
    this.hiddenSize = checkPositiveInt(where, 'hiddenSize', opts.hiddenSize)
    this.numLayers = checkPositiveInt(where, 'numLayers', opts.numLayers ?? 1)
    this.bias = checkBoolean(where, 'bias', opts.bias ?? true)
    this.batchFirst = checkBoolean(where, 'batchFirst', opts.batchFirst ?? false)
    this.dropout = checkDropout(where, opts.dropout ?? 0)
    this.recurrentDropout = checkDropout(where, opts.recurrentDropout ?? 0, 'recurrentDropout')
    this.inputDropout = checkDropout(where, opts.inputDropout ?? 0, 'inputDropout')
    this.bidirectional = checkBoolean(where, 'bidirectional', opts.bidirectional ?? false)
    this.dtype = floatDType(where, opts.dtype)
    this.impl = checkOneOf(where, 'impl', opts.impl ?? 'fused', ['fused', 'reference'])
    if (!Number.isInteger(projSize) || (projSize as number) < 0) throw new Error(`${where}: projSize must be a positive integer, or 0 for no projection; got ${describe(projSize)}`)
    if ((projSize as number) >= this.hiddenSize) throw new Error(`${where}: projSize (${projSize as number}) must be smaller than hiddenSize (${this.hiddenSize})`)
    this.projection = projSize as number
    const H = this.hiddenSize, P = this.stateSize
    const rows = GATE_COUNT[mode] * H
    const bound = 1 / Math.sqrt(H)
    const param = (name: string, shape: number[]) => this.registerParameter(name, uniformParameter(shape, bound, this.dtype))
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let dir = 0; dir < this.directions; dir++) {
        const suffix = `_l${layer}${dir === 1 ? '_reverse' : ''}`
        const D = layer === 0 ? this.inputSize : this.directions * P
        const cell: CellParams = {
          W_ih: param(`weight_ih${suffix}`, [rows, D]),
          W_hh: param(`weight_hh${suffix}`, [rows, P]),
          b_ih: this.bias ? param(`bias_ih${suffix}`, [rows]) : null,
          b_hh: this.bias ? param(`bias_hh${suffix}`, [rows]) : null,
        }
        if (this.projection > 0) cell.W_hr = param(`weight_hr${suffix}`, [P, H])
        this.cells.push(cell)
      }
    }
  }

  /** The width of h: projSize under a projection, else hiddenSize. */
  protected get stateSize(): number {
    return this.projection > 0 ? this.projection : this.hiddenSize
  }

  get directions(): number {
    return this.bidirectional ? 2 : 1
  }

  /**
   * The equations this layer runs: its cell, with the RNN's nonlinearity ('rnn_tanh', 'rnn_relu', 'rnn_linear',
   * 'lstm', 'gru'; 'gru_reset_before' for GRU({ resetAfter: false }); '…_hard_sigmoid' with recurrentActivation 'hardSigmoid').
   */
  get cellKind(): CellMode {
    return this.mode
  }

  /** The live weights of one layer and direction, under the equations' names. */
  cellParams(layer = 0, direction = 0): CellParams {
    if (!Number.isInteger(layer) || layer < 0 || layer >= this.numLayers || !Number.isInteger(direction) || direction < 0 || direction >= this.directions) {
      throw new Error(`${this.where}.cellParams: no layer ${layer}, direction ${direction} (the layer has ${this.numLayers} layers and ${this.directions} directions)`)
    }
    return this.cells[layer * this.directions + direction]
  }

  /**
   * Checks x and the state, runs every layer and direction, and shapes the results as PyTorch does.
   * With recordGates, each layer and direction's gates are traced by a second, gradient-free pass of the
   * reference equations over the same input (after the same dropout), shaped like its output.
   * With steps.lengths or steps.mask (see SequenceForwardOptions), every layer and direction skips the same padded steps.
   */
  protected run(x: Tensor, h0: Tensor | undefined, c0: Tensor | undefined | null, recordGates: boolean, steps?: SequenceForwardOptions): { output: Tensor; h: Tensor; c: Tensor | null; gates: G[] | null } {
    const where = `${this.where}.forward`
    if (!(x instanceof Tensor)) throw new Error(`${where}: expected x to be a Tensor, got ${describe(x)}`)
    if (x.ndim !== 2 && x.ndim !== 3) throw new Error(`${where}: x must be 3-d ${this.batchFirst ? '[B, T, D]' : '[T, B, D]'} or 2-d [T, D] (unbatched); got shape ${formatShape(x.shape)}`)
    if (x.shape[x.ndim - 1] !== this.inputSize) throw new Error(`${where}: x has shape ${formatShape(x.shape)} but inputSize is ${this.inputSize}`)
    if (x.dtype !== this.dtype) throw new Error(`${where}: x is ${x.dtype} but the layer's parameters are ${this.dtype}; convert one with .to()`)
    const unbatched = x.ndim === 2
    const seq = unbatched ? x.unsqueeze(1) : this.batchFirst ? x.transpose(0, 1) : x // [T, B, D]
    const [T, B] = seq.shape
    if (T === 0) throw new Error(`${where}: the sequence is empty (x has shape ${formatShape(x.shape)})`)
    const valid = validSteps(where, steps, T, B, unbatched)
    // h is projSize wide under a projection, c always hiddenSize
    const initial = (name: string, given: Tensor | undefined | null, width: number, widthName: string): Tensor => {
      const stateShape = unbatched ? [this.numLayers * this.directions, width] : [this.numLayers * this.directions, B, width]
      if (given === undefined || given === null) return Tensor.zeros([stateShape[0], B, width], this.dtype)
      if (!(given instanceof Tensor) || !shapesEqual(given.shape, stateShape) || given.dtype !== this.dtype) {
        const got = given instanceof Tensor ? `${given.dtype} ${formatShape(given.shape)}` : describe(given)
        throw new Error(`${where}: the initial ${name} must be ${this.dtype} ${formatShape(stateShape)} (numLayers·directions${unbatched ? '' : ', B'}, ${widthName}); got ${got}`)
      }
      return unbatched ? given.unsqueeze(1) : given
    }
    const h = initial('h', h0, this.stateSize, this.projection > 0 ? 'projSize' : 'hiddenSize')
    const c = c0 === null ? null : initial('c', c0, this.hiddenSize, 'hiddenSize')

    const sequence = this.impl === 'fused' ? fusedSequence : referenceSequence
    const finalH: Tensor[] = []
    const finalC: Tensor[] = []
    const traces: GateTrace[] | null = recordGates ? [] : null
    // a [B, width] mask of inputDropout or recurrentDropout, or none (evaluation mode, p = 0)
    const drop = (p: number, width: number) => (this.training && p > 0 ? dropoutMask([B, width], p, this.dtype) : null)
    let input = seq
    for (let layer = 0; layer < this.numLayers; layer++) {
      const outputs: Tensor[] = []
      for (let dir = 0; dir < this.directions; dir++) {
        const index = layer * this.directions + dir
        const pick = (state: Tensor) => state.slice(0, index, index + 1).squeeze(0)
        const hStart = pick(h)
        const cStart = c === null ? null : pick(c)
        const inputMask = drop(this.inputDropout, input.shape[2])
        const xIn = inputMask === null ? input : input.mul(inputMask) // m_x ⊙ x at every step
        const recurrentMask = drop(this.recurrentDropout, this.stateSize)
        const masks: SequenceMasks = recurrentMask === null && valid === null ? NO_MASKS : { recurrent: recurrentMask, valid }
        const result = sequence(this.mode, xIn, hStart, cStart, this.cells[index], dir === 1, masks)
        if (traces !== null) traces.push(traceSequence(this.mode, xIn, hStart, cStart, this.cells[index], dir === 1, masks))
        outputs.push(result.output)
        finalH.push(result.h)
        if (result.c !== null) finalC.push(result.c)
      }
      input = outputs.length === 1 ? outputs[0] : cat(outputs, -1)
      if (layer < this.numLayers - 1) input = dropout(input, this.dropout, this.training)
    }
    const shapeOutput = (steps: Tensor) => (unbatched ? steps.squeeze(1) : this.batchFirst ? steps.transpose(0, 1) : steps)
    const shapeState = (states: Tensor[]) => (unbatched ? stack(states, 0).squeeze(1) : stack(states, 0))
    // traceSequence names the values by GATE_NAMES[mode], the keys of this layer's G
    const gates = traces === null ? null : traces.map((trace) => shapeTrace(trace, shapeOutput) as G)
    return { output: shapeOutput(input), h: shapeState(finalH), c: c === null ? null : shapeState(finalC), gates }
  }
}

/** The same trace with every value laid out by `shape`. */
function shapeTrace(trace: GateTrace, shape: (steps: Tensor) => Tensor): GateTrace {
  const out: GateTrace = {}
  for (const [name, steps] of Object.entries(trace)) out[name] = shape(steps)
  return out
}

/** Elman RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh), or relu, or nothing (linear). */
export class RNN extends RecurrentBase<RNNGates> {
  readonly nonlinearity: Nonlinearity

  constructor(opts: RNNOptions) {
    const nonlinearity = checkOneOf('RNN', 'nonlinearity', opts?.nonlinearity ?? 'tanh', ['tanh', 'relu', 'linear'])
    super('RNN', `rnn_${nonlinearity}`, opts, ['nonlinearity'])
    this.nonlinearity = nonlinearity
  }

  forward(x: Tensor, state: { h?: Tensor } | undefined, opts: SequenceForwardOptions & { recordGates: true }): { output: Tensor; h: Tensor; gates: RNNGates[] }
  forward(x: Tensor, state?: { h?: Tensor }, opts?: SequenceForwardOptions & { recordGates?: false }): { output: Tensor; h: Tensor }
  forward(x: Tensor, state?: { h?: Tensor }, opts?: SequenceForwardOptions): { output: Tensor; h: Tensor; gates?: RNNGates[] }
  forward(x: Tensor, state?: { h?: Tensor }, opts?: SequenceForwardOptions): { output: Tensor; h: Tensor; gates?: RNNGates[] } {
    const { output, h, gates } = this.run(x, state?.h, null, recordGatesOption('RNN.forward', state, opts, SEQUENCE_OPTION_KEYS), opts)
    return gates === null ? { output, h } : { output, h, gates }
  }
}

export class LSTM extends RecurrentBase<LSTMGates> {
  /** The gates' function: σ ('sigmoid', PyTorch's) or hard σ ('hardSigmoid', Keras 2's and TensorFlow.js's). */
  readonly recurrentActivation: RecurrentActivation

  constructor(opts: LSTMOptions) {
    const recurrentActivation = checkOneOf('LSTM', 'recurrentActivation', opts?.recurrentActivation ?? 'sigmoid', RECURRENT_ACTIVATIONS)
    super('LSTM', gatedMode('lstm', recurrentActivation), opts, ['projSize', 'recurrentActivation'], opts?.projSize ?? 0)
    this.recurrentActivation = recurrentActivation
  }

  /** The width of the projection W_hr, h and the output (per direction); 0 when there is none. */
  get projSize(): number {
    return this.projection
  }

  /** The state, when given, needs both h and c. */
  forward(x: Tensor, state: { h: Tensor; c: Tensor } | undefined, opts: SequenceForwardOptions & { recordGates: true }): { output: Tensor; h: Tensor; c: Tensor; gates: LSTMGates[] }
  forward(x: Tensor, state?: { h: Tensor; c: Tensor }, opts?: SequenceForwardOptions & { recordGates?: false }): { output: Tensor; h: Tensor; c: Tensor }
  forward(x: Tensor, state?: { h: Tensor; c: Tensor }, opts?: SequenceForwardOptions): { output: Tensor; h: Tensor; c: Tensor; gates?: LSTMGates[] }
  forward(x: Tensor, state?: { h: Tensor; c: Tensor }, opts?: SequenceForwardOptions): { output: Tensor; h: Tensor; c: Tensor; gates?: LSTMGates[] } {
    const recordGates = recordGatesOption('LSTM.forward', state, opts, SEQUENCE_OPTION_KEYS)
    if (state !== undefined && (!(state.h instanceof Tensor) || !(state.c instanceof Tensor))) {
      throw new Error(`LSTM.forward: the state must hold both h and c tensors; got ${state.h instanceof Tensor ? 'h' : 'no h'} and ${state.c instanceof Tensor ? 'c' : 'no c'}`)
    }
    const { output, h, c, gates } = this.run(x, state?.h, state?.c, recordGates, opts)
    return gates === null ? { output, h, c: c as Tensor } : { output, h, c: c as Tensor, gates }
  }
}

export class GRU extends RecurrentBase<GRUGates> {
  /** Whether r scales W_hn h + b_hn (true, PyTorch's GRU) or h before W_hn (false, Cho et al. 2014). */
  readonly resetAfter: boolean
  /** The gates' function: σ ('sigmoid', PyTorch's) or hard σ ('hardSigmoid', Keras 2's and TensorFlow.js's). */
  readonly recurrentActivation: RecurrentActivation

  constructor(opts: GRUOptions) {
    const resetAfter = checkBoolean('GRU', 'resetAfter', opts?.resetAfter ?? true)
    const recurrentActivation = checkOneOf('GRU', 'recurrentActivation', opts?.recurrentActivation ?? 'sigmoid', RECURRENT_ACTIVATIONS)
    super('GRU', gatedMode(resetAfter ? 'gru' : 'gru_reset_before', recurrentActivation), opts, ['resetAfter', 'recurrentActivation'])
    this.resetAfter = resetAfter
    this.recurrentActivation = recurrentActivation
  }

  forward(x: Tensor, state: { h?: Tensor } | undefined, opts: SequenceForwardOptions & { recordGates: true }): { output: Tensor; h: Tensor; gates: GRUGates[] }
  forward(x: Tensor, state?: { h?: Tensor }, opts?: SequenceForwardOptions & { recordGates?: false }): { output: Tensor; h: Tensor }
  forward(x: Tensor, state?: { h?: Tensor }, opts?: SequenceForwardOptions): { output: Tensor; h: Tensor; gates?: GRUGates[] }
  forward(x: Tensor, state?: { h?: Tensor }, opts?: SequenceForwardOptions): { output: Tensor; h: Tensor; gates?: GRUGates[] } {
    const { output, h, gates } = this.run(x, state?.h, null, recordGatesOption('GRU.forward', state, opts, SEQUENCE_OPTION_KEYS), opts)
    return gates === null ? { output, h } : { output, h, gates }
  }
}

/** The recurrent state a model carries between calls: h, and c for an LSTM. */
export interface RecurrentState {
  h: Tensor
  c?: Tensor
}

/** A batch-first recurrent layer of the named cell, for the models built on one: the same options and results whatever the cell. */
export function recurrentLayer(
  cell: CellKind,
  opts: { inputSize: number; hiddenSize: number; numLayers: number; dropout: number; recurrentDropout?: number; inputDropout?: number; bidirectional?: boolean; impl?: Impl; dtype: FloatDType },
): RNN | LSTM | GRU {
  const layerOpts = { ...opts, batchFirst: true }
  return cell === 'lstm' ? new LSTM(layerOpts) : cell === 'gru' ? new GRU(layerOpts) : new RNN(layerOpts)
}

/** Runs a layer of any cell kind with an optional state and returns its output and new state (and gates, when asked). */
export function runRecurrent(layer: RNN | LSTM | GRU, x: Tensor, state?: RecurrentState, opts?: SequenceForwardOptions): { output: Tensor; state: RecurrentState; gates?: GateTrace[] } {
  if (layer instanceof LSTM) {
    if (state !== undefined && state.c === undefined) throw new Error('LanguageModel: an LSTM state needs both h and c')
    const { output, h, c, gates } = layer.forward(x, state && { h: state.h, c: state.c as Tensor }, opts)
    return gates === undefined ? { output, state: { h, c } } : { output, state: { h, c }, gates }
  }
  const { output, h, gates } = layer.forward(x, state && { h: state.h }, opts)
  return gates === undefined ? { output, state: { h } } : { output, state: { h }, gates }
}
