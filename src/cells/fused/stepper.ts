// Batch-1 inference one step at a time through a stack of unidirectional layers, without autograd: what
// generating a token needs. Each step runs the fused path's own step kernels on one row, with the two
// projections as matrix–vector products by weights packed once (fixed-matvec.ts), so a token costs a few
// microseconds of arithmetic rather than a graph of ops. The weights are read when the stepper is made.
import { allocate, type FloatDType, type TypedArray } from '../../tensor/dtype.js'
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
  /** Blocks of every layer's h and c that a step writes (`at`) and reads (`prevAt`); the rest stay 0. */
  private readonly offsets: StepOffsets = { at: 0, prevAt: 0, gatesAt: 0, auxAt: 0, dOutAt: 0 }
  /** Which of the two blocks of every h and c holds the current state. */
  private current = 0

  constructor(
    readonly kind: CellMode,
    params: readonly CellParams[],
    readonly hiddenSize: number,
    readonly dtype: FloatDType,
  ) {
    const cell = (this.cell = FUSED_CELLS[kind])
    const H = hiddenSize, GH = cell.gates * H
    // products: matrix 2l is layer l's W_ih, 2l + 1 its W_hh
    this.products = fixedMatVec(params.flatMap((p) => [p.W_ih, p.W_hh].map((W) => ({ data: W.data, rows: W.shape[0], cols: W.shape[1] }))))
    const gates = allocate(dtype, GH), hProj = allocate(dtype, GH)
    this.layers = params.map((p) => {
      const { bias, bHN } = splitBiases(kind, p, H)
      const h = allocate(dtype, 2 * H), c = allocate(dtype, cell.cellState ? 2 * H : 0)
      const aux = allocate(dtype, cell.keepsAux ? H : 0)
      return { B: 1, H, h, c, gates, aux, hProj, bias, bHN }
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
      this.products.times(2 * l, input, inputAt, layer.gates, 0) // W_ih x
      this.products.times(2 * l + 1, layer.h, offsets.prevAt, layer.hProj, 0) // W_hh h
      this.cell.forwardStep(layer, offsets)
      input = layer.h
      inputAt = offsets.at
    }
    this.current = next
  }
}
