// Single-step cell modules, PyTorch's nn.RNNCell / nn.LSTMCell / nn.GRUCell: forward(x [B, D] or [D], state?)
// runs one step of the cell's equations. State-dict keys: weight_ih, weight_hh, bias_ih, bias_hh.
// forward(x, state, { recordGates: true }) also returns the step's gate values, typed per cell (RNNGates,
// LSTMGates, GRUGates: see GATE_NAMES). GRUCell({ resetAfter: false }) is the GRU of Cho et al. 2014, r
// applied to h before W_hn (Keras's reset_after=False), with the same parameters. LSTMCell and GRUCell take
// recurrentActivation: 'hardSigmoid' for Keras 2's and TensorFlow.js's gates; RNNCell nonlinearity 'linear'.
import { GATE_FUNCTIONS, type GateFunction } from '../cells/activations.js'
import { gruCell, gruResetBeforeCell, type GRUGates } from '../cells/gru.js'
import type { GateTrace, RecurrentActivation } from '../cells/kinds.js'
import { lstmCell, type LSTMGates } from '../cells/lstm.js'
import { rnnCell, type CellParams, type Nonlinearity, type RNNGates } from '../cells/rnn.js'
import type { FloatDType } from '../tensor/dtype.js'
import { floatDType } from '../tensor/dtype.js'
import { formatShape, shapesEqual } from '../tensor/shape.js'
import { Tensor } from '../tensor/tensor.js'
import { describe, checkPositiveInt, checkBoolean, checkOneOf, checkOptionKeys } from '../validation/checks.js'
import { Module, uniformParameter } from './module.js'

export interface CellOptions {
  inputSize: number
  hiddenSize: number
  bias?: boolean
  dtype?: FloatDType
}

export interface RNNCellOptions extends CellOptions {
  nonlinearity?: Nonlinearity
}

export interface LSTMCellOptions extends CellOptions {
  /** The gates' function: 'sigmoid' (the default) or 'hardSigmoid', clip(0.2·a + 0.5, 0, 1) (Keras 2, TensorFlow.js). */
  recurrentActivation?: RecurrentActivation
}

export interface GRUCellOptions extends CellOptions {
  /** The gates' function: 'sigmoid' (the default) or 'hardSigmoid', clip(0.2·a + 0.5, 0, 1) (Keras 2, TensorFlow.js). */
  recurrentActivation?: RecurrentActivation
  /**
   * Where the reset gate acts in the candidate n: true (the default, PyTorch's and Keras's reset_after=True)
   * n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)); false (Cho et al. 2014, Keras's reset_after=False)
   * n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn).
   */
  resetAfter?: boolean
}

/** The last argument of the cells', layers' and LanguageModel's forward. */
export interface ForwardOptions {
  /** Also return each gate's values (detached, for inspection); off by default, and free when off. */
  recordGates?: boolean
}

/** Checks forward's options (recordGates, and the caller's `otherKeys`) and the state before them; returns whether to record gates. */
export function recordGatesOption(where: string, state: unknown, opts: ForwardOptions | undefined, otherKeys: readonly string[] = []): boolean {
  for (const key of ['recordGates', ...otherKeys]) {
    if (state !== null && typeof state === 'object' && key in state) {
      throw new Error(`${where}: got ${key} in the state argument; options go third: forward(x, state | undefined, { ${key}: … })`)
    }
  }
  if (opts === undefined) return false
  checkOptionKeys(where, opts, ['recordGates', ...otherKeys])
  return opts.recordGates === undefined ? false : checkBoolean(where, 'recordGates', opts.recordGates)
}

class CellBase extends Module {
  readonly inputSize: number
  readonly hiddenSize: number
  readonly dtype: FloatDType
  protected readonly p: CellParams

  constructor(
    private readonly where: string,
    gates: number,
    opts: CellOptions,
    extraKeys: readonly string[] = [],
  ) {
    super()
    checkOptionKeys(where, opts, ['inputSize', 'hiddenSize', 'bias', 'dtype', ...extraKeys])
    this.inputSize = checkPositiveInt(where, 'inputSize', opts.inputSize)
    this.hiddenSize = checkPositiveInt(where, 'hiddenSize', opts.hiddenSize)
    this.dtype = floatDType(where, opts.dtype)
    const bias = checkBoolean(where, 'bias', opts.bias ?? true)
    const bound = 1 / Math.sqrt(this.hiddenSize)
    const param = (name: string, shape: number[]) => this.registerParameter(name, uniformParameter(shape, bound, this.dtype))
    const rows = gates * this.hiddenSize
    this.p = {
      W_ih: param('weight_ih', [rows, this.inputSize]),
      W_hh: param('weight_hh', [rows, this.hiddenSize]),
      b_ih: bias ? param('bias_ih', [rows]) : null,
      b_hh: bias ? param('bias_hh', [rows]) : null,
    }
  }

  /** Checks x ([B, D], or [D] unbatched) and returns it as [B, D] with B, plus whether to drop the batch dim again. */
  protected input(x: Tensor): { x: Tensor; unbatched: boolean } {
    const where = `${this.where}.forward`
    if (!(x instanceof Tensor)) throw new Error(`${where}: expected x to be a Tensor, got ${describe(x)}`)
    if ((x.ndim !== 1 && x.ndim !== 2) || x.shape[x.ndim - 1] !== this.inputSize) {
      throw new Error(`${where}: x must be [B, ${this.inputSize}] or [${this.inputSize}]; got shape ${formatShape(x.shape)} (inputSize is ${this.inputSize})`)
    }
    if (x.dtype !== this.dtype) throw new Error(`${where}: x is ${x.dtype} but the cell's parameters are ${this.dtype}`)
    return x.ndim === 1 ? { x: x.unsqueeze(0), unbatched: true } : { x, unbatched: false }
  }

  /** A state tensor checked against [B, H] (or [H] unbatched), zeros when absent. */
  protected state(name: string, given: Tensor | undefined, B: number, unbatched: boolean): Tensor {
    if (given === undefined) return Tensor.zeros([B, this.hiddenSize], this.dtype)
    const shape = unbatched ? [this.hiddenSize] : [B, this.hiddenSize]
    if (!(given instanceof Tensor) || !shapesEqual(given.shape, shape) || given.dtype !== this.dtype) {
      const got = given instanceof Tensor ? `${given.dtype} ${formatShape(given.shape)}` : describe(given)
      throw new Error(`${this.where}.forward: ${name} must be ${this.dtype} ${formatShape(shape)}; got ${got}`)
    }
    return unbatched ? given.unsqueeze(0) : given
  }
}

const unbatch = (t: Tensor, unbatched: boolean) => (unbatched ? t.squeeze(0) : t)

/** Detached copies of a step's gates, shaped like h, under the same names. */
function detachGates<G extends GateTrace>(gates: G, unbatched: boolean): G {
  const out: GateTrace = {}
  for (const [name, value] of Object.entries(gates)) out[name] = unbatch(value.detach(), unbatched)
  return out as G
}

export class RNNCell extends CellBase {
  readonly nonlinearity: Nonlinearity

  constructor(opts: RNNCellOptions) {
    super('RNNCell', 1, opts, ['nonlinearity'])
    this.nonlinearity = checkOneOf('RNNCell', 'nonlinearity', opts.nonlinearity ?? 'tanh', ['tanh', 'relu', 'linear'])
  }

  forward(input: Tensor, state: { h?: Tensor } | undefined, opts: { recordGates: true }): { h: Tensor; gates: RNNGates }
  forward(input: Tensor, state?: { h?: Tensor }, opts?: { recordGates?: false }): { h: Tensor }
  forward(input: Tensor, state?: { h?: Tensor }, opts?: ForwardOptions): { h: Tensor; gates?: RNNGates }
  forward(input: Tensor, state?: { h?: Tensor }, opts?: ForwardOptions): { h: Tensor; gates?: RNNGates } {
    const recordGates = recordGatesOption('RNNCell.forward', state, opts)
    const { x, unbatched } = this.input(input)
    const h = this.state('h', state?.h, x.shape[0], unbatched)
    if (!recordGates) return { h: unbatch(rnnCell(x, h, this.p, this.nonlinearity), unbatched) }
    const recorded: RNNGates[] = []
    const hNext = rnnCell(x, h, this.p, this.nonlinearity, (step) => {
      recorded.push(detachGates(step, unbatched))
    })
    return { h: unbatch(hNext, unbatched), gates: recorded[0] }
  }
}

const checkRecurrentActivation = (where: string, value: unknown): RecurrentActivation => checkOneOf(where, 'recurrentActivation', value ?? 'sigmoid', ['sigmoid', 'hardSigmoid'])

export class LSTMCell extends CellBase {
  /** The gates' function: σ ('sigmoid', PyTorch's) or hard σ ('hardSigmoid', Keras 2's and TensorFlow.js's). */
  readonly recurrentActivation: RecurrentActivation
  private readonly gate: GateFunction

  constructor(opts: LSTMCellOptions) {
    super('LSTMCell', 4, opts, ['recurrentActivation'])
    this.recurrentActivation = checkRecurrentActivation('LSTMCell', opts.recurrentActivation)
    this.gate = GATE_FUNCTIONS[this.recurrentActivation]
  }

  forward(input: Tensor, state: { h: Tensor; c: Tensor } | undefined, opts: { recordGates: true }): { h: Tensor; c: Tensor; gates: LSTMGates }
  forward(input: Tensor, state?: { h: Tensor; c: Tensor }, opts?: { recordGates?: false }): { h: Tensor; c: Tensor }
  forward(input: Tensor, state?: { h: Tensor; c: Tensor }, opts?: ForwardOptions): { h: Tensor; c: Tensor; gates?: LSTMGates }
  forward(input: Tensor, state?: { h: Tensor; c: Tensor }, opts?: ForwardOptions): { h: Tensor; c: Tensor; gates?: LSTMGates } {
    const recordGates = recordGatesOption('LSTMCell.forward', state, opts)
    const { x, unbatched } = this.input(input)
    if (state !== undefined && (state.h === undefined || state.c === undefined)) throw new Error('LSTMCell.forward: the state must hold both h and c')
    const B = x.shape[0]
    const previous = { h: this.state('h', state?.h, B, unbatched), c: this.state('c', state?.c, B, unbatched) }
    if (!recordGates) {
      const next = lstmCell(x, previous, this.p, undefined, this.gate)
      return { h: unbatch(next.h, unbatched), c: unbatch(next.c, unbatched) }
    }
    const recorded: LSTMGates[] = []
    const next = lstmCell(x, previous, this.p, (step) => {
      recorded.push(detachGates(step, unbatched))
    }, this.gate)
    return { h: unbatch(next.h, unbatched), c: unbatch(next.c, unbatched), gates: recorded[0] }
  }
}

export class GRUCell extends CellBase {
  /** Whether r scales W_hn h + b_hn (true, PyTorch's GRU) or h before W_hn (false, Cho et al. 2014). */
  readonly resetAfter: boolean
  /** The gates' function: σ ('sigmoid', PyTorch's) or hard σ ('hardSigmoid', Keras 2's and TensorFlow.js's). */
  readonly recurrentActivation: RecurrentActivation
  private readonly gate: GateFunction

  constructor(opts: GRUCellOptions) {
    super('GRUCell', 3, opts, ['resetAfter', 'recurrentActivation'])
    this.resetAfter = checkBoolean('GRUCell', 'resetAfter', opts.resetAfter ?? true)
    this.recurrentActivation = checkRecurrentActivation('GRUCell', opts.recurrentActivation)
    this.gate = GATE_FUNCTIONS[this.recurrentActivation]
  }

  forward(input: Tensor, state: { h?: Tensor } | undefined, opts: { recordGates: true }): { h: Tensor; gates: GRUGates }
  forward(input: Tensor, state?: { h?: Tensor }, opts?: { recordGates?: false }): { h: Tensor }
  forward(input: Tensor, state?: { h?: Tensor }, opts?: ForwardOptions): { h: Tensor; gates?: GRUGates }
  forward(input: Tensor, state?: { h?: Tensor }, opts?: ForwardOptions): { h: Tensor; gates?: GRUGates } {
    const recordGates = recordGatesOption('GRUCell.forward', state, opts)
    const { x, unbatched } = this.input(input)
    const h = this.state('h', state?.h, x.shape[0], unbatched)
    const cell = this.resetAfter ? gruCell : gruResetBeforeCell
    if (!recordGates) return { h: unbatch(cell(x, h, this.p, undefined, h, this.gate), unbatched) }
    const recorded: GRUGates[] = []
    const hNext = cell(x, h, this.p, (step) => {
      recorded.push(detachGates(step, unbatched))
    }, h, this.gate)
    return { h: unbatch(hNext, unbatched), gates: recorded[0] }
  }
}
