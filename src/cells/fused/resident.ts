// The recurrence with its state resident in WebAssembly memory: h (and the LSTM's c) forward, dh (and dc, or
// the GRU's dh through z ⊙ h) backward stay in the kernels' memory from one step to the next, where the
// recurrent product reads them and writes its result for the cell's step kernels (tensor/kernels/
// wasm-cells.ts: the formulas of lstm.ts, gru.ts and rnn.ts) to read. So a step copies neither the state in
// nor the product out, and its elementwise passes run as WebAssembly instead of JavaScript loops. What
// backward needs (the gates, c, tanh c' or W_hn h + b_hn, h; every step's da) is still copied out, one
// contiguous block per buffer and step. The results are the JavaScript steps', bit for bit.
//
// Taken by fusedSequence for the float32 LSTM, GRU (r after W_hn, PyTorch's) and tanh RNN where the SIMD
// kernels and their cell steps run and H is a multiple of 4, without a projection, padded steps or recurrent
// dropout; elsewhere the JavaScript steps run.
import type { TypedArray } from '../../tensor/dtype.js'
import { simdWithPackedB } from '../../tensor/kernels/simd-gemm.js'
import type { CellMode } from '../kinds.js'
import type { StepBuffers } from './cells.js'

const roundUp = (v: number, to: number) => Math.ceil(v / to) * to

/** Gate blocks of the modes that run resident. */
const GATES: Partial<Record<CellMode, number>> = { lstm: 4, gru: 3, rnn_tanh: 1 }

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
  const G = GATES[kind] as number, GH = G * H, BH = B * H, shift = reverse ? 0 : 1, lstm = kind === 'lstm', gru = kind === 'gru'
  // The region in floats: h (the product's A: whole 4-row panels), the product, c, the step's gate rows, the
  // scratch (LSTM [i | f | o | g | c'], GRU [r | z | n]), the GRU's W_hn h + b_hn, then the biases (float64)
  const ldp = roundUp(GH, 8) // the product's row: the tile writes whole 8-column panels
  const hAt = 0, prodAt = roundUp(B, 4) * H, cAt = prodAt + roundUp(B, 4) * ldp, xpAt = cAt + (lstm ? BH : 0)
  const sAt = xpAt + B * GH, auxAt = sAt + (lstm ? 5 : gru ? 3 : 0) * BH, biasAt = auxAt + (gru ? BH : 0)
  const floats = biasAt + 2 * GH + 2 * bHN.length
  let ran = false // not where the module is the compact one, without the cells' steps (wasm-kernels.ts)
  return simdWithPackedB(W_hh, 0, H, GH, 1, H, (_, resident) => {
    const { at } = resident
    const k = resident.kernels, cells = k.cells
    if (cells === null) return
    ran = true
    const view = resident.view(), base = at / 4, b = (floatAt: number) => at + floatAt * 4
    const hB = H * 4, gB = GH * 4, pB = ldp * 4, s = (block: number) => b(sAt + block * BH), x = (block: number) => b(xpAt + block * H)
    const bias64 = (block: number) => b(biasAt) + block * H * 8
    view.fill(0, base + hAt, base + prodAt) // the panel's rows past B: read, never written
    view.set(hSeq.subarray((1 - shift) * T * BH, ((1 - shift) * T + 1) * BH), base + hAt)
    if (lstm) view.set(cSeq.subarray((1 - shift) * T * BH, ((1 - shift) * T + 1) * BH), base + cAt)
    const float64 = new Float64Array(view.buffer, b(biasAt), GH + bHN.length)
    float64.set(bias)
    float64.set(bHN, GH)
    /** The pre-activation of gate block q into scratch block `to` (or, for the RNN, into h). */
    const pre = (q: number, to: number) => cells.preActivation(B, hB, to, hB, x(q), gB, bias64(q), 0, b(prodAt + q * H), pB)
    for (let step = 0; step < T; step++) {
      const t = reverse ? T - 1 - step : step
      const gatesAt = t * B * GH, outAt = (t + shift) * BH
      resident.times(b(prodAt), ldp, b(hAt), B) // W_hh h
      view.set(gates.subarray(gatesAt, gatesAt + B * GH), base + xpAt)
      if (lstm) {
        // i, f, o = σ(…), g = tanh(…); c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c') (lstm.ts)
        pre(0, s(0)), pre(1, s(1)), pre(3, s(2)), pre(2, s(3))
        k.sigmoid(s(0), 3 * BH)
        k.tanh(s(3), BH)
        cells.lstmCell(B, hB, s(0), hB, s(1), hB, s(3), hB, s(2), hB, x(0), gB, x(1), gB, x(2), gB, x(3), gB, b(cAt), hB, s(4), hB)
        k.tanh(s(4), BH)
        cells.lstmHidden(B, hB, b(hAt), hB, s(2), hB, s(4), hB)
        cSeq.set(view.subarray(base + cAt, base + cAt + BH), outAt)
        aux.set(view.subarray(base + sAt + 4 * BH, base + sAt + 5 * BH), t * BH)
      } else if (gru) {
        // r, z = σ(…); n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)); h' = (1 − z) ⊙ n + z ⊙ h (gru.ts)
        pre(0, s(0)), pre(1, s(1))
        k.sigmoid(s(0), 2 * BH)
        cells.gruNew(B, hB, b(prodAt + 2 * H), pB, b(biasAt + 2 * GH), 0, b(auxAt), hB, x(2), gB, bias64(2), 0, s(0), hB, s(2), hB)
        k.tanh(s(2), BH)
        cells.gruHidden(B, hB, s(0), hB, s(1), hB, s(2), hB, x(0), gB, x(1), gB, x(2), gB, b(hAt), hB)
        aux.set(view.subarray(base + auxAt, base + auxAt + BH), t * BH)
      } else {
        // h' = tanh(W_ih x + b_ih + b_hh + W_hh h) (rnn.ts)
        pre(0, b(hAt))
        k.tanh(b(hAt), BH)
      }
      if (kind !== 'rnn_tanh') gates.set(view.subarray(base + xpAt, base + xpAt + B * GH), gatesAt)
      hSeq.set(view.subarray(base + hAt, base + hAt + BH), outAt)
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
  const G = GATES[kind] as number, GH = G * H, BH = B * H, shift = reverse ? 0 : 1, lstm = kind === 'lstm', gru = kind === 'gru'
  const ldh = roundUp(H, 8)
  // In floats: da (the product's A; the GRU's recurrent side), dh (its C, ldh per row), dc or dh through z ⊙ h,
  // the step's gates, the GRU's input-side da, its aux (tanh c' or W_hn h + b_hn), the state it read (c or h;
  // the RNN: its own h'), and dOut
  const daAt = 0, dhAt = roundUp(B, 4) * GH, carryAt = dhAt + roundUp(B, 4) * ldh, gatesAt = carryAt + BH
  const daXAt = gatesAt + (kind === 'rnn_tanh' ? 0 : B * GH), auxAt = daXAt + (gru ? B * GH : 0)
  const prevAt = auxAt + BH, dOutAt = prevAt + BH, floats = dOutAt + BH
  let ran = false
  return simdWithPackedB(W_hh, 0, GH, H, H, 1, (_, resident) => {
    const { at } = resident
    const cells = resident.kernels.cells
    if (cells === null) return
    ran = true
    const view = resident.view(), base = at / 4, b = (floatAt: number) => at + floatAt * 4
    const hB = H * 4, gB = GH * 4, gate = (from: number, q: number) => b(from + q * H)
    view.fill(0, base + daAt, base + gatesAt) // dh and dh through z ⊙ h start at 0, and the panel's rows past B
    if (lstm) view.set(g.dc.subarray(0, BH), base + carryAt)
    for (let step = T - 1; step >= 0; step--) {
      const t = reverse ? T - 1 - step : step
      const rowsAt = t * B * GH
      if (kind !== 'rnn_tanh') view.set(gates.subarray(rowsAt, rowsAt + B * GH), base + gatesAt)
      if (kind !== 'rnn_tanh') view.set(aux.subarray(t * BH, (t + 1) * BH), base + auxAt)
      // the state the step read (LSTM: c; GRU: h); the RNN reads its own output h'
      const read = kind === 'rnn_tanh' ? (t + shift) * BH : (t + 1 - shift) * BH
      view.set((lstm ? cSeq : hSeq).subarray(read, read + BH), base + prevAt)
      view.set(g.dy.subarray(t * BH, (t + 1) * BH), base + dOutAt)
      if (lstm) {
        cells.lstmBackward(B, hB, gate(gatesAt, 0), gB, gate(gatesAt, 1), gB, gate(gatesAt, 2), gB, gate(gatesAt, 3), gB, b(auxAt), hB, b(prevAt), hB,
          b(dOutAt), hB, b(dhAt), ldh * 4, b(carryAt), hB, gate(daAt, 0), gB, gate(daAt, 1), gB, gate(daAt, 2), gB, gate(daAt, 3), gB)
      } else if (gru) {
        cells.gruBackward(B, hB, gate(gatesAt, 0), gB, gate(gatesAt, 1), gB, gate(gatesAt, 2), gB, b(prevAt), hB, b(auxAt), hB, b(dOutAt), hB,
          b(dhAt), ldh * 4, b(carryAt), hB, gate(daXAt, 0), gB, gate(daXAt, 1), gB, gate(daXAt, 2), gB, gate(daAt, 0), gB, gate(daAt, 1), gB, gate(daAt, 2), gB)
        g.daX.set(view.subarray(base + daXAt, base + daXAt + B * GH), rowsAt)
      } else {
        cells.rnnBackward(B, hB, b(daAt), hB, b(dOutAt), hB, b(dhAt), ldh * 4, b(prevAt), hB)
      }
      g.daH.set(view.subarray(base + daAt, base + daAt + B * GH), rowsAt)
      // dh of the state this step read = da_t · W_hh (at the first step that is dh0, only wanted for h0)
      if (step > 0 || g.dh0) resident.times(b(dhAt), ldh, b(daAt), B)
    }
    for (let row = 0; row < B; row++) g.dhState.set(view.subarray(base + dhAt + row * ldh, base + dhAt + row * ldh + H), row * H)
    if (lstm) g.dc.set(view.subarray(base + carryAt, base + carryAt + BH))
    if (gru) g.dhZ.set(view.subarray(base + carryAt, base + carryAt + BH))
  }, floats) && ran
}
