// Batch-1 inference one step at a time through a stack of unidirectional layers, without autograd: what
// generating a token needs. Each step runs the fused path's own step kernels on one row, with the two
// projections as matrix–vector products by weights packed once (fixed-matvec.ts), so a token costs a few
// microseconds of arithmetic rather than a graph of ops (a third where gate blocks read a gated state: the
// GRU with r before W_hn). The weights are read when the stepper is made.
import { allocate, type FloatDType, type TypedArray } from '../../tensor/dtype.js'
import type { TimesFixed } from '../../tensor/kernels/matmul.js'
import type { CellMode } from '../kinds.js'
import type { CellParams } from '../rnn.js'
import { FUSED_CELLS, splitBiases, type FusedCell, type StepBuffers, type StepOffsets } from './cells.js'
import { fixedMatVec, type FixedMatVec } from './fixed-matvec.js'

export class CellStack {
  private readonly cell: FusedCell
  /**
   * One layer's step buffers each: its biases and its state, h and c as two [H] blocks, previous and next
   * (aux, for the step kernel, is not needed after the step); gates and hProj are shared by all layers.
   */
  private readonly layers: StepBuffers[]
  private readonly products: FixedMatVec
  /** Matrices per layer in `products`: W_ih, W_hh's rows that read h, and (where some do not) the rest. */
  private readonly perLayer: number
  /** Blocks of every layer's h and c that a step writes (`at`) and reads (`prevAt`); the rest stay 0. */
  private readonly offsets: StepOffsets = { at: 0, prevAt: 0, gatesAt: 0, daHAt: 0, auxAt: 0, dOutAt: 0 }
  /** Which of the two blocks of every h and c holds the current state. */
  private current = 0

  constructor(
    readonly kind: CellMode,
    params: readonly CellParams[],
    readonly hiddenSize: number,
    readonly dtype: FloatDType,
  ) {
    // The step writes h' in place for the next layer and the next token; a projected h' would need buffers of its own
    const projected = params.findIndex((p) => p.W_hr !== undefined)
    if (projected >= 0) throw new Error(`CellStack: layer ${projected} has a projection (W_hr, LSTM({ projSize })), which the one-token stepper does not run; step the layer with forward instead`)
    const cell = (this.cell = FUSED_CELLS[kind])
    const H = hiddenSize, GH = cell.gates * H, SH = cell.stateGates * H
    // products: matrix k·l is layer l's W_ih, k·l + 1 the first SH rows of its W_hh, k·l + 2 the rest (when SH < GH)
    const perLayer = (this.perLayer = SH < GH ? 3 : 2)
    this.products = fixedMatVec(params.flatMap((p) => {
      const own = [{ data: p.W_ih.data, rows: GH, cols: p.W_ih.shape[1] }, { data: p.W_hh.data, rows: SH, cols: H }]
      return perLayer === 3 ? [...own, { data: p.W_hh.data.subarray(SH * H), rows: GH - SH, cols: H }] : own
    }))
    const gates = allocate(dtype, GH), hProj = allocate(dtype, GH)
    this.layers = params.map((p, l) => {
      const { bias, bHN } = splitBiases(kind, p, H)
      const h = allocate(dtype, 2 * H), c = allocate(dtype, cell.cellState ? 2 * H : 0)
      const aux = allocate(dtype, cell.keepsAux ? H : 0)
      const gatedProduct: TimesFixed = (out, outAt, u, uAt) => this.products.times(perLayer * l + 2, u, uAt, out, outAt) // one row: B = 1
      return { B: 1, H, h, c, gates, aux, hProj, bias, bHN, gatedProduct }
    })
  }

  /** The top layer's h after the last step ([H], a view that the next step overwrites). */
  get output(): TypedArray {
    const H = this.hiddenSize
    return this.layers[this.layers.length - 1].h.subarray(this.current * H, (this.current + 1) * H)
  }

  /** Advances every layer by one step on input x (inputSize floats from xOffset). */
  step(x: TypedArray, xOffset = 0): void {
    const H = this.hiddenSize, next = 1 - this.current, offsets = this.offsets
    offsets.at = next * H
    offsets.prevAt = this.current * H
    let input = x, inputAt = xOffset
    for (let l = 0; l < this.layers.length; l++) {
      const layer = this.layers[l]
      this.products.times(this.perLayer * l, input, inputAt, layer.gates, 0) // W_ih x
      this.products.times(this.perLayer * l + 1, layer.h, offsets.prevAt, layer.hProj, 0) // W_hh h
      this.cell.forwardStep(layer, offsets)
      input = layer.h
      inputAt = offsets.at
    }
    this.current = next
  }
}
