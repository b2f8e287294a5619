// Batch-1 inference one step at a time through a stack of unidirectional layers, without autograd: what
// generating a token needs. Each step runs the fused path's own step kernels on one row, with the two
// projections as matrix–vector products by weights packed once (fixed-matvec.ts), so a token costs a few
// microseconds of arithmetic rather than a graph of ops. The weights are read when the stepper is made.
import { allocate, type FloatDType, type TypedArray } from '../../tensor/dtype.js'
import { GATE_COUNT, type CellMode } from '../kinds.js'
import type { CellParams } from '../rnn.js'
import { fixedMatVec, type FixedMatVec } from './fixed-matvec.js'
import { gruForwardStep } from './gru.js'
import { lstmForwardStep } from './lstm.js'
import { rnnForwardStep } from './rnn.js'
import { splitBiases } from './sequence.js'

/** One layer's weights packed for products and its state: h and c as two [H] blocks, previous and next. */
interface LayerState {
  bias: Float64Array
  bHN: Float64Array
  h: TypedArray
  c: TypedArray
  /** tanh(c') for the LSTM step kernel; GRU: W_hn h + b_hn. Neither is needed after the step. */
  aux: TypedArray
}

export class CellStack {
  private readonly layers: LayerState[]
  private readonly products: FixedMatVec
  private readonly gates: TypedArray
  private readonly hProj: TypedArray
  /** Which of the two blocks of every h and c holds the current state. */
  private current = 0

  constructor(
    readonly kind: CellMode,
    params: readonly CellParams[],
    readonly hiddenSize: number,
    readonly dtype: FloatDType,
  ) {
    const H = hiddenSize, GH = GATE_COUNT[kind] * H
    // products: matrix 2l is layer l's W_ih, 2l + 1 its W_hh
    this.products = fixedMatVec(params.flatMap((p) => [p.W_ih, p.W_hh].map((W) => ({ data: W.data, rows: W.shape[0], cols: W.shape[1] }))))
    this.layers = params.map((p) => ({
      ...splitBiases(kind, p, H),
      h: allocate(dtype, 2 * H),
      c: allocate(dtype, kind === 'lstm' ? 2 * H : 0),
      aux: allocate(dtype, kind === 'lstm' || kind === 'gru' ? H : 0),
    }))
    this.gates = allocate(dtype, GH)
    this.hProj = allocate(dtype, GH)
  }

  /** The top layer's h after the last step ([H], a view that the next step overwrites). */
  get output(): TypedArray {
    const H = this.hiddenSize
    return this.layers[this.layers.length - 1].h.subarray(this.current * H, (this.current + 1) * H)
  }

  /** Advances every layer by one step on input x (inputSize floats from xOffset). */
  step(x: TypedArray, xOffset = 0): void {
    const H = this.hiddenSize, next = 1 - this.current
    const at = next * H, prevAt = this.current * H
    let input = x, inputAt = xOffset
    for (let l = 0; l < this.layers.length; l++) {
      const layer = this.layers[l]
      this.products.times(2 * l, input, inputAt, this.gates, 0) // W_ih x
      this.products.times(2 * l + 1, layer.h, prevAt, this.hProj, 0) // W_hh h
      if (this.kind === 'lstm') lstmForwardStep(layer.h, layer.c, at, prevAt, layer.aux, 0, this.gates, 0, this.hProj, layer.bias, 1, H)
      else if (this.kind === 'gru') gruForwardStep(layer.h, at, prevAt, this.gates, 0, layer.aux, 0, this.hProj, layer.bias, layer.bHN, 1, H)
      else rnnForwardStep(layer.h, at, this.gates, 0, this.hProj, layer.bias, 1, H, this.kind === 'rnn_relu')
      input = layer.h
      inputAt = at
    }
    this.current = next
  }
}
