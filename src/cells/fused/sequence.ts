// The fused path: a whole sequence as ONE autograd op, equal to referenceSequence (sequence.ts).
// Forward projects the input of every step with one matmul, then runs the recurrence with one h·W_hhᵀ
// matmul and one elementwise kernel per step over buffers allocated once per call (the GRU with r before
// W_hn: h·W_hhᵀ for r and z, and a second product inside its step, see FusedCell.stateGates). Backward is BPTT
// derived by hand: one pass back through time for the pre-activation gradients of all steps, then the
// weight and input gradients as whole-sequence matmuls.
//
// Under recurrent dropout (masks.recurrent, see SequenceMasks) each step's product reads m ⊙ h, a masked copy
// of the state kept for dW_hh, and backward carries dh = (da·W_hh) ⊙ m; the GRU with r before W_hn multiplies
// its gated state by m too, W_hn (r ⊙ (m ⊙ h)) = W_hn (m ⊙ (r ⊙ h)), so its step kernels stay as they are.
//
// An op has one output, so the result is packed: [T, B, H] of h in time order, plus (LSTM) a row T holding
// the last c. output, h and c are slices of it, and their gradients meet in the packed gradient.
// Under the LSTM's projection W_hr (projection.ts) h is P wide and c H wide, so the pack is flat:
// T·B·P of h, then B·H of the last c. With masks.valid (padded steps, see valid-steps.ts) the outputs of
// padded steps are 0 and the last state need not be the last step's, so B·P of the last h come after the
// outputs (row T), and the last c after it.
import { record } from '../../autograd/engine.js'
import { slice } from '../../autograd/ops/layout.js'
import { allocate, isFloat, type DType, type TypedArray } from '../../tensor/dtype.js'
import { binaryInto, maskBlockInto } from '../../tensor/kernels/elementwise.js'
import { matmulInto, matmulTransAInto, matmulTransBInto, withFixedRight, type TimesFixed } from '../../tensor/kernels/matmul.js'
import { columnSumsInto } from '../../tensor/kernels/reduce.js'
import { formatShape, shapesEqual } from '../../tensor/shape.js'
import { Tensor } from '../../tensor/tensor.js'
import type { CellMode } from '../kinds.js'
import type { CellParams } from '../rnn.js'
import { NO_MASKS, type SequenceMasks, type SequenceResult } from '../sequence.js'
import { FUSED_CELLS, splitBiases, type GradientBuffers, type StepBuffers, type StepOffsets } from './cells.js'
import { residentBackward, residentForward } from './resident.js'
import { projectBackInto, projectInto } from './projection.js'
import { copyPaddedRows, zeroPaddedRows } from './valid-steps.js'

export { splitBiases } // it lives with the table; importers of the sequence op find it here too

const add = (a: number, b: number) => a + b

/** The operands and the per-step buffers that forward fills and backward reads. */
interface Saved {
  kind: CellMode
  reverse: boolean
  x: Tensor
  h0: Tensor
  c0: Tensor | null
  p: CellParams
  /**
   * h: T + 1 blocks of [B, H], see `fusedSequence`, c likewise; gates: [T·B, G·H], every step's gate
   * activations (RNN: only its input projection; backward reads h instead); aux: [T·B, H].
   */
  buffers: StepBuffers
  /** The recurrent dropout mask [B, P], or null. */
  mask: TypedArray | null
  /** masks.valid: the steps that count, [T·B], or null. */
  valid: Uint8Array | null
  /**
   * The states the products read, P wide: under a mask T blocks of m ⊙ h in step order; otherwise hSeq itself
   * (h of every state, T + 1 blocks; under a projection buffers.h holds every step's o ⊙ tanh(c') instead).
   */
  hW: TypedArray
}

export function fusedSequence(kind: CellMode, x: Tensor, h0: Tensor, c0: Tensor | null, p: CellParams, reverse: boolean, masks: SequenceMasks = NO_MASKS): SequenceResult {
  checkOperands(kind, x, h0, c0, p, masks)
  const valid = masks.valid ?? null
  const cell = FUSED_CELLS[kind], cellState = cell.cellState
  const [T, B, D] = x.shape
  // P: the width of h; H: of c and of each gate block. They differ only under the LSTM's projection W_hr [P, H].
  const W_hr = p.W_hr ?? null, P = h0.shape[1], H = W_hr === null ? P : W_hr.shape[1], BP = B * P
  const GH = cell.gates * H, SH = cell.stateGates * H, BH = B * H, dtype = x.dtype
  // hSeq holds h in time order with the initial state where reading starts: [h0, h_0 … h_T−1] forward,
  // [h_0 … h_T−1, h0] in reverse. Step t writes block t + shift and reads block t + 1 − shift, so the
  // outputs are one contiguous run, and so are the states the steps read (the Hprev of dW_hh).
  const shift = reverse ? 0 : 1
  const hSeq = allocate(dtype, (T + 1) * BP)
  const cSeq = allocate(dtype, cellState ? (T + 1) * BH : 0)
  hSeq.set(h0.data, (1 - shift) * T * BP)
  if (cellState && c0 !== null) cSeq.set(c0.data, (1 - shift) * T * BH)
  // The input projection of all T steps at once, X·W_ihᵀ; the step kernels add the biases.
  const gates = allocate(dtype, T * B * GH)
  matmulTransBInto(gates, x.data, p.W_ih.data, T * B, D, GH)
  const { bias, bHN } = splitBiases(kind, p, H)
  const aux = allocate(dtype, cell.keepsAux ? T * BH : 0)
  const hProj = allocate(dtype, B * GH)
  // the blocks past SH: u·W_gᵀ, W_g being W_hh's rows from SH (under a mask, of m ⊙ u, kept so in aux for dW_g)
  const mask = masks.recurrent === null ? null : masks.recurrent.data
  const gatedProduct: TimesFixed = (out, outAt, u, uAt, m) => {
    if (mask !== null) maskBlockInto(u, uAt, u, uAt, mask)
    matmulTransBInto(out, u, p.W_hh.data, m, H, GH - SH, outAt, uAt, SH * H)
  }
  // under a projection the step writes m where it would write h, laid out as c, and h' = W_hr m follows
  const mSeq = W_hr === null ? hSeq : allocate(dtype, (T + 1) * BH)
  const hW = mask === null ? hSeq : allocate(dtype, T * BP) // step t's m ⊙ h at t·BP
  const buffers: StepBuffers = { B, H, h: mSeq, c: cSeq, gates, aux, hProj, bias, bHN, gatedProduct }
  const offsets: StepOffsets = { at: 0, prevAt: 0, gatesAt: 0, daHAt: 0, auxAt: 0, dOutAt: 0 }
  // Without masks or a projection the state stays in WebAssembly memory where it can (resident.ts); the same bits.
  const plain = mask === null && valid === null && W_hr === null
  // W_hh h: the one matmul left inside the recurrence, by a W_hhᵀ packed once for all steps (its first SH
  // rows: a block that reads a gated state has its product run by the step, through gatedProduct)
  if (!(plain && residentForward(kind, buffers, p.W_hh.data, T, reverse))) withFixedRight(p.W_hh.data, P, SH, true, (timesWhhT) => {
    for (let step = 0; step < T; step++) {
      const t = reverse ? T - 1 - step : step
      offsets.at = (t + shift) * BH
      offsets.prevAt = (t + 1 - shift) * BH
      offsets.gatesAt = t * B * GH
      offsets.auxAt = t * BH
      if (mask === null) timesWhhT(hProj, 0, hSeq, (t + 1 - shift) * BP, B)
      else {
        maskBlockInto(hW, t * BP, hSeq, (t + 1 - shift) * BP, mask)
        timesWhhT(hProj, 0, hW, t * BP, B)
      }
      cell.forwardStep(buffers, offsets)
      if (W_hr !== null) projectInto(hSeq, (t + shift) * BP, mSeq, offsets.at, W_hr.data, B, H, P)
      if (valid !== null) {
        // a padded step carries the state it read: s_t = s_{t−1}
        copyPaddedRows(hSeq, (t + shift) * BP, hSeq, (t + 1 - shift) * BP, valid, t * B, B, P)
        if (cellState) copyPaddedRows(cSeq, offsets.at, cSeq, offsets.prevAt, valid, t * B, B, H)
      }
    }
  })
  const cRow = valid === null ? T : T + 1, cAt = cRow * BP // where the last c is packed (the last h before it, with valid)
  const packed = W_hr === null ? Tensor.zeros([cellState ? cRow + 1 : cRow, B, H], dtype) : Tensor.zeros([cAt + BH], dtype)
  packed.data.set(hSeq.subarray(shift * BP, (shift + T) * BP))
  if (valid !== null) {
    zeroPaddedRows(packed.data, 0, valid, 0, T * B, P) // a padded step's output is 0
    packed.data.set(hSeq.subarray(shift * T * BP, (shift * T + 1) * BP), T * BP) // the last h reached
  }
  if (cellState) packed.data.set(cSeq.subarray(shift * T * BH, (shift * T + 1) * BH), cAt) // the last c reached
  // One gradient slot per candidate input; absent ones (no bias, no cell state, no projection) are not inputs of the op.
  const candidates = [x, h0, cellState ? c0 : null, p.W_ih, p.W_hh, p.b_ih, p.b_hh, W_hr]
  const inputs = candidates.filter((t): t is Tensor => t !== null)
  const saved: Saved = { kind, reverse, x, h0, c0, p, buffers, mask, valid, hW }
  const y = record(`fused_${kind}`, inputs, packed, (dy) => backward(saved, dy.data).filter((_, k) => candidates[k] !== null),
    "it is the fused path's hand-derived backward; build the layer, or the model, with impl: 'reference' (the cells' equations) instead")
  const last = valid !== null ? T : reverse ? 0 : T - 1
  if (W_hr !== null) {
    return {
      output: slice(y, 0, 0, T * BP).reshape([T, B, P]),
      h: slice(y, 0, last * BP, (last + 1) * BP).reshape([B, P]),
      c: slice(y, 0, cAt, cAt + BH).reshape([B, H]),
    }
  }
  return {
    output: y.shape[0] > T ? slice(y, 0, 0, T) : y,
    h: slice(y, 0, last, last + 1).reshape([B, H]),
    c: cellState ? slice(y, 0, cRow, cRow + 1).reshape([B, H]) : null,
  }
}

/**
 * Gradients in the order x, h0, c0, W_ih, W_hh, b_ih, b_hh, W_hr; null for those that need none. `dy` is the
 * packed gradient: row t is dL/dh_t from every use of the output, row T (LSTM) is dL/dc of the last state
 * (with valid: row T is dL/dh of the last state, row T + 1 its dL/dc).
 */
function backward(saved: Saved, dy: TypedArray): (Tensor | null)[] {
  const { kind, reverse, x, h0, c0, p, buffers, mask, valid, hW } = saved
  const cell = FUSED_CELLS[kind]
  const [T, B, D] = x.shape
  const W_hr = p.W_hr ?? null, P = h0.shape[1], H = W_hr === null ? P : W_hr.shape[1], BP = B * P
  const GH = cell.gates * H, SH = cell.stateGates * H, BH = B * H, dtype = x.dtype, shift = reverse ? 0 : 1
  // da of all steps, [T·B, G·H]; the GRU's recurrent side differs in its n block (da_n ⊙ r), so it has its own,
  // and so has the GRU with r before W_hn: [T·B, S·H] for the blocks that read h, and da_n for the one that does not.
  // Every step writes its rows whole, so these come from a workspace kept between calls, not zeroed.
  const daX = workspace(dtype, 0, T * B * GH)
  const daH = cell.hnApart || SH < GH ? workspace(dtype, 1, T * B * SH) : daX
  const daGated = SH < GH ? workspace(dtype, 2, T * B * (GH - SH)) : allocate(dtype, 0)
  const dhNext = allocate(dtype, BH) // zero at first: no step reads the last state
  const dhZ = allocate(dtype, cell.directH ? BH : 0)
  const dc = allocate(dtype, cell.cellState ? BH : 0)
  const cAt = T * BP + (valid === null ? 0 : BP)
  dc.set(dy.subarray(cAt, cAt + dc.length))
  // Under a projection: dL/dh' of every step, [T·B, P], kept for dW_hr; dm = dh'·W_hr, [T·B, H], the step's
  // dOut; dh of the state a step read comes back P wide (dhState), so the step's own dhNext stays 0.
  const dhState = W_hr === null ? dhNext : allocate(dtype, BP)
  const dhSteps = W_hr === null ? allocate(dtype, 0) : workspace(dtype, 3, T * BP)
  const dOut = W_hr === null ? dy : workspace(dtype, 4, T * BH)
  // With padded steps the last state is packed apart: its dh enters where the pass starts, and what padded
  // rows carry past their step waits in `carried` (dh, dhZ, dc) while the step runs
  if (valid !== null) dhState.set(dy.subarray(T * BP, (T + 1) * BP))
  const carried = allocate(dtype, valid === null ? 0 : BP + 2 * BH)
  // Field by field, not a spread, so every call's object has one shape (see StepBuffers)
  const { h: hSeq, c, gates, aux, hProj, bias, bHN } = buffers
  // the blocks past SH, backward: da_g·W_g (⊙ m under a mask: dL/du of the unmasked u)
  const gatedProduct: TimesFixed = (out, outAt, da, daAt, m) => {
    matmulInto(out, da, p.W_hh.data, m, GH - SH, H, outAt, daAt, SH * H)
    if (mask !== null) maskBlockInto(out, outAt, out, outAt, mask)
  }
  const grads: GradientBuffers = { B, H, h: hSeq, c, gates, aux, hProj, bias, bHN, gatedProduct, da: daX, daH, daGated, dOut, dhNext, dc, dhZ }
  const offsets: StepOffsets = { at: 0, prevAt: 0, gatesAt: 0, daHAt: 0, auxAt: 0, dOutAt: 0 }
  const plain = mask === null && valid === null && W_hr === null
  const resident = plain && residentBackward(kind, buffers, p.W_hh.data, T, reverse, { daX, daH, dy, dhState, dc, dhZ, dh0: h0.requiresGrad })
  if (!resident) withFixedRight(p.W_hh.data, SH, P, false, (timesWhh) => {
    for (let step = T - 1; step >= 0; step--) {
      const t = reverse ? T - 1 - step : step
      offsets.at = (t + shift) * BH
      offsets.prevAt = (t + 1 - shift) * BH
      offsets.gatesAt = t * B * GH
      offsets.daHAt = t * B * SH
      offsets.auxAt = offsets.dOutAt = t * BH
      if (valid !== null) {
        copyPaddedRows(carried, 0, dhState, 0, valid, t * B, B, P)
        copyPaddedRows(carried, BP, dhZ, 0, valid, t * B, B, dhZ.length === 0 ? 0 : H)
        copyPaddedRows(carried, BP + BH, dc, 0, valid, t * B, B, dc.length === 0 ? 0 : H)
      }
      if (W_hr !== null) projectBackInto(dOut, t * BH, dhSteps, t * BP, dy, t * BP, dhState, W_hr.data, B, H, P)
      cell.backwardStep(grads, offsets)
      if (valid !== null) {
        // a padded step adds nothing to any gradient but passes on what its state carries
        zeroPaddedRows(daX, offsets.gatesAt, valid, t * B, B, GH)
        if (daH !== daX) zeroPaddedRows(daH, offsets.daHAt, valid, t * B, B, SH)
        zeroPaddedRows(daGated, t * B * (GH - SH), valid, t * B, B, GH - SH)
        if (W_hr !== null) zeroPaddedRows(dhSteps, t * BP, valid, t * B, B, P)
      }
      // dh of the state this step read = da_t · W_hh, ⊙ m under a mask (at the first step that is dh0, only wanted for h0)
      if (step > 0 || h0.requiresGrad) {
        timesWhh(dhState, 0, daH, offsets.daHAt, B)
        if (mask !== null) maskBlockInto(dhState, 0, dhState, 0, mask)
      }
      if (valid !== null) {
        copyPaddedRows(dhState, 0, carried, 0, valid, t * B, B, P)
        copyPaddedRows(dhZ, 0, carried, BP, valid, t * B, B, dhZ.length === 0 ? 0 : H)
        copyPaddedRows(dc, 0, carried, BP + BH, valid, t * B, B, dc.length === 0 ? 0 : H)
      }
    }
  })
  const make = (t: Tensor | null, fill: (out: TypedArray) => void): Tensor | null => {
    if (t === null || !t.requiresGrad) return null
    const g = Tensor.zeros(t.shape, dtype)
    fill(g.data)
    return g
  }
  // db = Σ over steps and batch of da: the same sums for both biases, but for the GRU's n block
  const dbIH = make(p.b_ih, (out) => columnSumsInto(out, daX, T * B, GH))
  const daBHH = cell.hnApart ? daH : daX // da as b_hh sees it: the input side's wherever b_hh and b_ih add alike
  const dbHH = make(p.b_hh, (out) => (daBHH === daX && dbIH !== null ? out.set(dbIH.data) : columnSumsInto(out, daBHH, T * B, GH)))
  return [
    // dx = dA · W_ih
    make(x, (out) => matmulInto(out, daX, p.W_ih.data, T * B, GH, D)),
    // dh0 = da_0 · W_hh (+ dh' ⊙ z for the GRU)
    make(h0, (out) => (cell.directH ? binaryInto(out, [BH], dhNext, [BH], dhZ, [BH], add) : out.set(dhState))),
    make(cell.cellState ? c0 : null, (out) => out.set(dc)),
    // dW_ih = dAᵀ · X
    make(p.W_ih, (out) => matmulTransAInto(out, daX, x.data, GH, T * B, D)),
    // dW_hh = dAᵀ · Hprev, Hprev being the contiguous run of states the steps read (m ⊙ h: hW); rows past SH: dA_gᵀ · U (aux)
    make(p.W_hh, (out) => {
      matmulTransAInto(out, daH, hW, SH, T * B, P, 0, 0, mask === null ? (1 - shift) * BP : 0)
      if (SH < GH) matmulTransAInto(out, daGated, aux, GH - SH, T * B, H, SH * H)
    }),
    dbIH,
    dbHH,
    // dW_hr = Σ_t dh'_tᵀ · m_t, the steps' m being one contiguous run of buffers.h
    make(W_hr, (out) => matmulTransAInto(out, dhSteps, buffers.h, P, T * B, H, 0, 0, shift * BH)),
  ]
}

// Backward's big scratch, kept for the next call (of any shape: a kept buffer only grows) as long as it is
// at most KEEP_BYTES, as matmul keeps its pack buffer: a larger one (a long sequence) is allocated for its
// call alone and left to the collector, so one long sequence does not pin its T·B·G·H floats for the life
// of the page. Backward never re-enters, and nothing of it outlives the call: the gradients it returns are
// fresh tensors.
const KEEP_BYTES = 16 * 2 ** 20
const workspaces: Record<'float32' | 'float64', TypedArray[]> = { float32: [], float64: [] }

function workspace(dtype: DType, slot: number, size: number): TypedArray {
  const kept = dtype === 'float32' || dtype === 'float64' ? workspaces[dtype] : null
  if (kept === null) return allocate(dtype, size)
  if ((kept[slot]?.length ?? -1) >= size) return kept[slot].subarray(0, size)
  const fresh = allocate(dtype, size)
  if (size * fresh.BYTES_PER_ELEMENT <= KEEP_BYTES) kept[slot] = fresh
  return fresh
}

/** Bytes the fused backward keeps between calls (at most 16 MiB per buffer): for tests, and for a page watching its memory. */
export function retainedWorkspaceBytes(): number {
  let bytes = 0
  for (const list of Object.values(workspaces)) for (const buffer of list) bytes += buffer?.byteLength ?? 0
  return bytes
}

function checkOperands(kind: CellMode, x: Tensor, h0: Tensor, c0: Tensor | null, p: CellParams, masks: SequenceMasks): void {
  const where = `fusedSequence(${kind})`
  if (!isFloat(x.dtype) || x.ndim !== 3 || x.shape[0] < 1) {
    throw new Error(`${where}: expected x to be a float [T, B, D] tensor with T ≥ 1; got ${x.dtype} ${formatShape(x.shape)}`)
  }
  if (h0.ndim !== 2 || h0.shape[0] !== x.shape[1]) throw new Error(`${where}: h0 has shape ${formatShape(h0.shape)} but x ${formatShape(x.shape)} needs [${x.shape[1]}, H]`)
  const valid = masks.valid ?? null
  if (valid !== null && valid.length !== x.shape[0] * x.shape[1]) throw new Error(`${where}: masks.valid holds ${valid.length} flags but x ${formatShape(x.shape)} has T·B = ${x.shape[0] * x.shape[1]} steps`)
  const [, B, D] = x.shape
  const { gates, cellState } = FUSED_CELLS[kind]
  const W_hr = p.W_hr ?? null, P = h0.shape[1]
  if (W_hr !== null && (!cellState || W_hr.ndim !== 2)) {
    throw new Error(`${where}: W_hr, the projection, is an LSTM's [P, H] matrix; got ${formatShape(W_hr.shape)} for ${kind}`)
  }
  const H = W_hr === null ? P : W_hr.shape[1], GH = gates * H
  if (cellState && c0 === null) throw new Error(`${where}: the initial cell state c0 is missing`)
  const expected: [string, Tensor | null, number[]][] = [
    ['h0', h0, [B, P]], ['c0', cellState ? c0 : null, [B, H]], ['W_ih', p.W_ih, [GH, D]],
    ['W_hh', p.W_hh, [GH, P]], ['b_ih', p.b_ih, [GH]], ['b_hh', p.b_hh, [GH]], ['W_hr', W_hr, [P, H]],
    ['the recurrent mask', masks.recurrent, [B, P]],
  ]
  for (const [name, t, shape] of expected) {
    if (t === null) continue
    if (!shapesEqual(t.shape, shape)) throw new Error(`${where}: ${name} has shape ${formatShape(t.shape)} but expected ${formatShape(shape)}`)
    if (t.dtype !== x.dtype) throw new Error(`${where}: ${name} is ${t.dtype} but x is ${x.dtype}; all operands must share one dtype`)
  }
  if (masks.recurrent?.requiresGrad) throw new Error(`${where}: the recurrent mask is a constant, but it requires a gradient`)
}
