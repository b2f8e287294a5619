// The recurrence with its state resident in WebAssembly memory: h (and the LSTM's c) forward, dh (and dc, or
// the GRU's dh through z ⊙ h) backward stay in the kernels' memory from one step to the next, where the
// recurrent product reads them and writes its result for the cell's step kernels (tensor/kernels/
// wasm-cells.ts: the formulas of lstm.ts, gru.ts and rnn.ts) to read. So a step copies neither the state in
// nor the product out, and its elementwise passes run as WebAssembly instead of JavaScript loops. What
// backward needs (the gates, c, tanh c' or W_hn h + b_hn, h; every step's da) is still copied out, one
// contiguous block per buffer and step. The results are the JavaScript steps', bit for bit.
//
// WebAssembly memory never shrinks, so the region is bounded: a batch whose rows would need more than
// REGION_BYTES runs in groups of rows, each through all the steps (rows never meet in a step), in one region.
//
// Taken by fusedSequence for the float32 LSTM, GRU (r after W_hn, PyTorch's) and RNN (tanh, relu, linear)
// where the SIMD kernels and their cell steps run and H is a multiple of 4, without a projection, padded steps
// or recurrent dropout; elsewhere (hard σ gates and the GRU with r before W_hn too) the JavaScript steps run.
import type { TypedArray } from '../../tensor/dtype.js'
import { simdWithPackedB } from '../../tensor/kernels/simd-gemm.js'
import type { CellMode } from '../kinds.js'
import type { StepBuffers } from './cells.js'

const roundUp = (v: number, to: number) => Math.ceil(v / to) * to

/** The most a region's rows take (8 MiB, as the matmul's block of C rows): larger batches run in groups of rows. */
const REGION_BYTES = 8 * 2 ** 20

/** Rows per group: as many as fit REGION_BYTES at `perRow` floats each (at least 4, a panel), B at most. */
const groupRows = (B: number, perRow: number) => Math.min(B, Math.max(4, Math.floor(REGION_BYTES / 4 / perRow / 4) * 4))

/** Gate blocks of the modes that run resident. */
const GATES: Partial<Record<CellMode, number>> = { lstm: 4, gru: 3, rnn_tanh: 1, rnn_relu: 1, rnn_linear: 1 }

/** Whether the resident steps can run: a mode they know, float32, whole SIMD lanes per row. */
const fits = (kind: CellMode, h: TypedArray, W_hh: TypedArray, H: number): W_hh is Float32Array =>
  GATES[kind] !== undefined && h instanceof Float32Array && W_hh instanceof Float32Array && H % 4 === 0 && H > 0

/**
 * The forward recurrence of fusedSequence over `buffers` (hSeq, cSeq, gates holding W_ih x, aux), W_hh
 * [G·H, H]: fills them as the JavaScript steps would. Returns false, having done nothing, where it cannot run.
 */
export function residentForward(kind: CellMode, buffers: StepBuffers, W_hh: TypedArray, T: number, reverse: boolean): boolean {
  const { B, H, h: hSeq, c: cSeq, gates, aux, bias, bHN } = buffers
  if (!fits(kind, hSeq, W_hh, H)) return false
  const G = GATES[kind] as number, GH = G * H, BH = B * H, shift = reverse ? 0 : 1, lstm = kind === 'lstm', gru = kind === 'gru', rnn = G === 1
  // The region in floats, for a group of R rows: h (the product's A: whole 4-row panels), the product, c, the
  // step's gate rows, the scratch (LSTM [i | f | o | g | c'], GRU [r | z | n]), the GRU's W_hn h + b_hn, then
  // the biases (float64)
  const ldp = roundUp(GH, 8) // the product's row: the tile writes whole 8-column panels
  const R = groupRows(B, H + ldp + GH + (lstm ? 6 : gru ? 4 : 0) * H), RH = R * H
  const hAt = 0, prodAt = roundUp(R, 4) * H, cAt = prodAt + roundUp(R, 4) * ldp, xpAt = cAt + (lstm ? RH : 0)
  const sAt = xpAt + R * GH, auxAt = sAt + (lstm ? 5 : gru ? 3 : 0) * RH, biasAt = auxAt + (gru ? RH : 0)
  const floats = biasAt + 2 * GH + 2 * bHN.length
  let ran = false // not where the module is the compact one, without the cells' steps (wasm-kernels.ts)
  return simdWithPackedB(W_hh, 0, H, GH, 1, H, (_, resident) => {
    const { at } = resident
    const k = resident.kernels, cells = k.cells
    if (cells === null) return
    ran = true
    const view = resident.view(), base = at / 4, b = (floatAt: number) => at + floatAt * 4
    const hB = H * 4, gB = GH * 4, pB = ldp * 4, s = (block: number) => b(sAt + block * RH), x = (block: number) => b(xpAt + block * H)
    const bias64 = (block: number) => b(biasAt) + block * H * 8
    const float64 = new Float64Array(view.buffer, b(biasAt), GH + bHN.length)
    float64.set(bias)
    float64.set(bHN, GH)
    view.fill(0, base + hAt, base + prodAt) // the panel's rows past the group's: read, never written
    for (let r0 = 0; r0 < B; r0 += R) {
      const rows = Math.min(R, B - r0), rowsH = rows * H, initAt = (1 - shift) * T * BH + r0 * H
      /** The pre-activation of gate block q into scratch block `to` (or, for the RNN, into h). */
      const pre = (q: number, to: number) => cells.preActivation(rows, hB, to, hB, x(q), gB, bias64(q), 0, b(prodAt + q * H), pB)
      view.set(hSeq.subarray(initAt, initAt + rowsH), base + hAt)
      if (lstm) view.set(cSeq.subarray(initAt, initAt + rowsH), base + cAt)
      for (let step = 0; step < T; step++) {
        const t = reverse ? T - 1 - step : step
        const gatesAt = t * B * GH + r0 * GH, outAt = (t + shift) * BH + r0 * H, auxOut = t * BH + r0 * H
        resident.times(b(prodAt), ldp, b(hAt), rows) // W_hh h
        view.set(gates.subarray(gatesAt, gatesAt + rows * GH), base + xpAt)
        if (lstm) {
          // i, f, o = σ(…), g = tanh(…); c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c') (lstm.ts)
          pre(0, s(0)), pre(1, s(1)), pre(3, s(2)), pre(2, s(3))
          k.sigmoid(s(0), 3 * RH)
          k.tanh(s(3), rowsH)
          cells.lstmCell(rows, hB, s(0), hB, s(1), hB, s(3), hB, s(2), hB, x(0), gB, x(1), gB, x(2), gB, x(3), gB, b(cAt), hB, s(4), hB)
          k.tanh(s(4), rowsH)
          cells.lstmHidden(rows, hB, b(hAt), hB, s(2), hB, s(4), hB)
          cSeq.set(view.subarray(base + cAt, base + cAt + rowsH), outAt)
          aux.set(view.subarray(base + sAt + 4 * RH, base + sAt + 4 * RH + rowsH), auxOut)
        } else if (gru) {
          // r, z = σ(…); n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)); h' = (1 − z) ⊙ n + z ⊙ h (gru.ts)
          pre(0, s(0)), pre(1, s(1))
          k.sigmoid(s(0), 2 * RH)
          cells.gruNew(rows, hB, b(prodAt + 2 * H), pB, b(biasAt + 2 * GH), 0, b(auxAt), hB, x(2), gB, bias64(2), 0, s(0), hB, s(2), hB)
          k.tanh(s(2), rowsH)
          cells.gruHidden(rows, hB, s(0), hB, s(1), hB, s(2), hB, x(0), gB, x(1), gB, x(2), gB, b(hAt), hB)
          aux.set(view.subarray(base + auxAt, base + auxAt + rowsH), auxOut)
        } else if (kind === 'rnn_relu') {
          // h' = relu(W_ih x + b_ih + b_hh + W_hh h) (rnn.ts)
          cells.reluActivation(rows, hB, b(hAt), hB, x(0), gB, bias64(0), 0, b(prodAt), pB)
        } else {
          // h' = tanh(W_ih x + b_ih + b_hh + W_hh h), or that sum itself for the linear RNN (rnn.ts)
          pre(0, b(hAt))
          if (kind === 'rnn_tanh') k.tanh(b(hAt), rowsH)
        }
        if (!rnn) gates.set(view.subarray(base + xpAt, base + xpAt + rows * GH), gatesAt)
        hSeq.set(view.subarray(base + hAt, base + hAt + rowsH), outAt)
      }
    }
  }, floats) && ran
}

/** What backward hands over besides the forward buffers. */
export interface ResidentGradients {
  /** Every step's da (out): for the GRU its input side's. */
  daX: TypedArray
  /** The GRU's recurrent side's da (out); daX for the others. */
  daH: TypedArray
  /** The packed gradient: dL/dh of every step's output. */
  dy: TypedArray
  /** dh of the state the first step read (out; wanted only with `dh0`). */
  dhState: TypedArray
  /** LSTM: dc' of the last state (in), the dc of the state the first step read (out). */
  dc: TypedArray
  /** GRU: dh through z ⊙ h of the state the first step read (out). */
  dhZ: TypedArray
  /** Whether dh of the initial state is wanted (h0 requires a gradient). */
  dh0: boolean
}

/**
 * The backward pass through time of fusedSequence: every step's da, and what flows to the initial state, as
 * the JavaScript steps compute them. Returns false, having done nothing, where it cannot run.
 */
export function residentBackward(kind: CellMode, buffers: StepBuffers, W_hh: TypedArray, T: number, reverse: boolean, g: ResidentGradients): boolean {
  const { B, H, h: hSeq, c: cSeq, gates, aux } = buffers
  if (!fits(kind, hSeq, W_hh, H)) return false
  const G = GATES[kind] as number, GH = G * H, BH = B * H, shift = reverse ? 0 : 1, lstm = kind === 'lstm', gru = kind === 'gru', rnn = G === 1
  const ldh = roundUp(H, 8)
  // In floats, for a group of R rows: da (the product's A; the GRU's recurrent side), dh (its C, ldh per row), dc
  // or dh through z ⊙ h, the step's gates, the GRU's input-side da, its aux (tanh c' or W_hn h + b_hn), the state
  // it read (c or h; the RNN: its own h'), and dOut
  const R = groupRows(B, GH + ldh + 4 * H + (rnn ? 0 : GH) + (gru ? GH : 0)), RH = R * H
  const daAt = 0, dhAt = roundUp(R, 4) * GH, carryAt = dhAt + roundUp(R, 4) * ldh, gatesAt = carryAt + RH
  const daXAt = gatesAt + (rnn ? 0 : R * GH), auxAt = daXAt + (gru ? R * GH : 0)
  const prevAt = auxAt + RH, dOutAt = prevAt + RH, floats = dOutAt + RH
  let ran = false
  return simdWithPackedB(W_hh, 0, GH, H, H, 1, (_, resident) => {
    const { at } = resident
    const cells = resident.kernels.cells
    if (cells === null) return
    ran = true
    const view = resident.view(), base = at / 4, b = (floatAt: number) => at + floatAt * 4
    const hB = H * 4, gB = GH * 4, gate = (from: number, q: number) => b(from + q * H)
    for (let r0 = 0; r0 < B; r0 += R) {
      const rows = Math.min(R, B - r0), rowsH = rows * H
      view.fill(0, base + daAt, base + gatesAt) // dh and dh through z ⊙ h start at 0, and the panel's rows past the group's
      if (lstm) view.set(g.dc.subarray(r0 * H, r0 * H + rowsH), base + carryAt)
      for (let step = T - 1; step >= 0; step--) {
        const t = reverse ? T - 1 - step : step
        const rowsAt = t * B * GH + r0 * GH, blockAt = t * BH + r0 * H
        if (!rnn) view.set(gates.subarray(rowsAt, rowsAt + rows * GH), base + gatesAt)
        if (!rnn) view.set(aux.subarray(blockAt, blockAt + rowsH), base + auxAt)
        // the state the step read (LSTM: c; GRU: h); the RNN reads its own output h'
        const read = (rnn ? (t + shift) * BH : (t + 1 - shift) * BH) + r0 * H
        view.set((lstm ? cSeq : hSeq).subarray(read, read + rowsH), base + prevAt)
        view.set(g.dy.subarray(blockAt, blockAt + rowsH), base + dOutAt)
        if (lstm) {
          cells.lstmBackward(rows, hB, gate(gatesAt, 0), gB, gate(gatesAt, 1), gB, gate(gatesAt, 2), gB, gate(gatesAt, 3), gB, b(auxAt), hB, b(prevAt), hB,
            b(dOutAt), hB, b(dhAt), ldh * 4, b(carryAt), hB, gate(daAt, 0), gB, gate(daAt, 1), gB, gate(daAt, 2), gB, gate(daAt, 3), gB)
        } else if (gru) {
          cells.gruBackward(rows, hB, gate(gatesAt, 0), gB, gate(gatesAt, 1), gB, gate(gatesAt, 2), gB, b(prevAt), hB, b(auxAt), hB, b(dOutAt), hB,
            b(dhAt), ldh * 4, b(carryAt), hB, gate(daXAt, 0), gB, gate(daXAt, 1), gB, gate(daXAt, 2), gB, gate(daAt, 0), gB, gate(daAt, 1), gB, gate(daAt, 2), gB)
          g.daX.set(view.subarray(base + daXAt, base + daXAt + rows * GH), rowsAt)
        } else if (kind === 'rnn_linear') {
          cells.linearBackward(rows, hB, b(daAt), hB, b(dOutAt), hB, b(dhAt), ldh * 4)
        } else {
          const activationBackward = kind === 'rnn_relu' ? cells.reluBackward : cells.rnnBackward
          activationBackward(rows, hB, b(daAt), hB, b(dOutAt), hB, b(dhAt), ldh * 4, b(prevAt), hB)
        }
        g.daH.set(view.subarray(base + daAt, base + daAt + rows * GH), rowsAt)
        // dh of the state this step read = da_t · W_hh (at the first step that is dh0, only wanted for h0)
        if (step > 0 || g.dh0) resident.times(b(dhAt), ldh, b(daAt), rows)
      }
      for (let row = 0; row < rows; row++) g.dhState.set(view.subarray(base + dhAt + row * ldh, base + dhAt + row * ldh + H), (r0 + row) * H)
      if (lstm) g.dc.set(view.subarray(base + carryAt, base + carryAt + rowsH), r0 * H)
      if (gru) g.dhZ.set(view.subarray(base + carryAt, base + carryAt + rowsH), r0 * H)
    }
  }, floats) && ran
}
