// The fast path as a table: one record per cell mode saying what its steps need (gate blocks, cell
// state, the per-step values backward reads) and which kernels run one step forward and one step back.
// sequence.ts and stepper.ts read the record instead of switching on the mode; each cell's record and
// kernels live in its own file (lstm.ts, gru.ts, gru-reset-before.ts, rnn.ts), next to nothing else. The
// hard σ modes have their own steps beside them (*-hard-sigmoid.ts), so σ's steps stay as they are.
import type { TypedArray } from '../../tensor/dtype.js'
import type { TimesFixed } from '../../tensor/kernels/matmul.js'
import type { CellMode } from '../kinds.js'
import type { CellParams } from '../rnn.js'
import { GRU } from './gru.js'
import { GRU_HARD_SIGMOID } from './gru-hard-sigmoid.js'
import { GRU_RESET_BEFORE } from './gru-reset-before.js'
import { GRU_RESET_BEFORE_HARD_SIGMOID } from './gru-reset-before-hard-sigmoid.js'
import { LSTM } from './lstm.js'
import { LSTM_HARD_SIGMOID } from './lstm-hard-sigmoid.js'
import { RNN_LINEAR, RNN_RELU, RNN_TANH } from './rnn.js'

/**
 * What a forward step reads and writes, built once per call (a stepper: once per layer). h and c hold
 * [B, H] blocks, one per state (see fusedSequence); gates and aux hold every step's rows. Build it as a
 * literal with the fields in this order, so that every such object has one shape and the kernels that
 * read it stay monomorphic.
 */
export interface StepBuffers {
  readonly B: number
  readonly H: number
  readonly h: TypedArray
  /** The cell state, laid out as h (LSTM only, else empty). */
  readonly c: TypedArray
  /** [·, G·H] rows: W_ih x on entry to a step, its gate activations after it (hard σ gates: their argument, see hard-sigmoid.ts). */
  readonly gates: TypedArray
  /**
   * What backward needs per step besides the gates, [B, H] blocks: LSTM tanh(c'), GRU W_hn h + b_hn, the
   * GRU with r before W_hn the gated state r ⊙ h; else empty.
   */
  readonly aux: TypedArray
  /**
   * W_hh h of the state the step reads, [B, S·H] from offset 0 for the S = `stateGates` blocks that read h;
   * the step may use the rest (B·(G − S)·H) for its own product (see `gatedProduct`).
   */
  readonly hProj: TypedArray
  /** b_ih + b_hh per gate ([G·H]), but b_in alone where bHN is kept apart. */
  readonly bias: Float64Array
  /** b_hn ([H]) where r must scale it first (GRU), else empty. */
  readonly bHN: Float64Array
  /**
   * The recurrent product of the gate blocks after the first `stateGates`, W_g = W_hh's rows S·H … G·H,
   * which read a gated state rather than h, so the step runs it itself once it has that state. Rows in,
   * rows out: forward out = a·W_gᵀ (a gated state gives its W_g u), backward out = a·W_g (their da gives
   * dL/du). Never called by cells whose blocks all read h.
   */
  readonly gatedProduct: TimesFixed
}

/** What a backward step adds: the gradients, written in place as the pass goes back in time. */
export interface GradientBuffers extends StepBuffers {
  /** Every step's pre-activation gradients, laid out as `gates` (for the GRU: the input side's). */
  readonly da: TypedArray
  /**
   * The recurrent side's da, rows S·H wide for the S = `stateGates` blocks that read h (at daHAt): `da`
   * itself, but for the GRU, where r scales W_hn h + b_hn, and where blocks read a gated state.
   */
  readonly daH: TypedArray
  /**
   * da of the blocks after the first S, which read a gated state: rows (G − S)·H wide, every step's B rows
   * in time order (for the GRU with r before W_hn, da_n laid out as aux); else empty.
   */
  readonly daGated: TypedArray
  /** dL/dh of every step's output, [B, H] blocks. */
  readonly dOut: TypedArray
  /** dh carried back through W_hh from the step read after this one, [B, H]. */
  readonly dhNext: TypedArray
  /** LSTM: dc' on entry, the dc of the state the step read on exit, [B, H]; else empty. */
  readonly dc: TypedArray
  /** GRU: dh carried back through z ⊙ h, [B, H], updated likewise; else empty. */
  readonly dhZ: TypedArray
}

/** Where one step is in the buffers: one object per call, its fields set before every step, so steps allocate nothing. */
export interface StepOffsets {
  /** This step's block of h (and c). */
  at: number
  /** The block of the state it reads. */
  prevAt: number
  /** Its rows of gates and da (and of daH, where daH is laid out alike). */
  gatesAt: number
  /** Its rows of daH, S·H wide (backward only): gatesAt where every block reads h. */
  daHAt: number
  /** Its block of aux. */
  auxAt: number
  /** Its block of dOut (backward only). */
  dOutAt: number
}

/** One cell mode's record: what its buffers need, and its two step kernels. */
export interface FusedCell {
  /** Gate blocks stacked in every row of the weights and of `gates` (G of W_ih's [G·H, D]). */
  readonly gates: number
  /**
   * The leading gate blocks whose recurrent product reads h (S): the caller multiplies h by their rows of
   * W_hh before each step (hProj) and carries their da back through the same rows after it. S = G but for
   * the GRU with r before W_hn, whose n block reads r ⊙ h (S = 2): that product waits for r, so the step
   * runs it through `gatedProduct`, keeps r ⊙ h in aux, and backward takes dW_hn from aux and daGated.
   */
  readonly stateGates: number
  /** Carries a cell state c beside h (the LSTM). */
  readonly cellState: boolean
  /** Keeps an `aux` block per step for backward. */
  readonly keepsAux: boolean
  /** b_hn stays apart, because a gate scales W_hn h + b_hn (GRU's r): so da of the recurrent side differs (daH). */
  readonly hnApart: boolean
  /** h also reaches h' without W_hh (GRU's z ⊙ h; with r before W_hn, also r ⊙ h), so backward carries that part of dh apart (dhZ). */
  readonly directH: boolean
  /** Reads the state at prevAt, writes h' (and c') at `at`, turns this step's gates into activations. */
  readonly forwardStep: (buffers: StepBuffers, step: StepOffsets) => void
  /** Writes this step's da (and daH) from dOut + dhNext, and carries dc (dhZ) back to the state it read. */
  readonly backwardStep: (buffers: GradientBuffers, step: StepOffsets) => void
}

export const FUSED_CELLS: Record<CellMode, FusedCell> = {
  rnn_tanh: RNN_TANH, rnn_relu: RNN_RELU, rnn_linear: RNN_LINEAR,
  lstm: LSTM, lstm_hard_sigmoid: LSTM_HARD_SIGMOID,
  gru: GRU, gru_hard_sigmoid: GRU_HARD_SIGMOID,
  gru_reset_before: GRU_RESET_BEFORE, gru_reset_before_hard_sigmoid: GRU_RESET_BEFORE_HARD_SIGMOID,
}

/** b_ih + b_hh for every gate (zeros where absent), except b_hn, which r must scale first. */
export function splitBiases(kind: CellMode, p: CellParams, H: number): { bias: Float64Array; bHN: Float64Array } {
  const { gates, hnApart } = FUSED_CELLS[kind]
  const GH = gates * H, nAt = GH - H // n is the last gate block
  const bias = new Float64Array(GH)
  const bHN = new Float64Array(hnApart ? H : 0)
  for (let k = 0; k < GH; k++) {
    const bih = p.b_ih === null ? 0 : p.b_ih.data[k]
    const bhh = p.b_hh === null ? 0 : p.b_hh.data[k]
    if (hnApart && k >= nAt) {
      bias[k] = bih
      bHN[k - nAt] = bhh
    } else {
      bias[k] = bih + bhh
    }
  }
  return { bias, bHN }
}
