// The LSTM's recurrence with its state resident in WebAssembly memory: h and c (forward), dh and dc
// (backward) stay in the kernels' memory from one step to the next, where the recurrent product reads them
// and writes its result for the step kernel (tensor/kernels/wasm-lstm.ts) to read, so a step copies
// neither the state in nor the product out, and its elementwise passes run as WebAssembly instead of the
// JavaScript loops of lstm.ts. What backward needs (the gates, c, tanh c', h; every step's da) is still
// copied out, one contiguous block per buffer and step. The results are lstm.ts's, bit for bit.
//
// Taken by fusedSequence for the plain float32 LSTM where the SIMD kernels run and H is a multiple of 4;
// with a projection, padded steps or recurrent dropout, and elsewhere, the JavaScript steps run.
import type { TypedArray } from '../../tensor/dtype.js'
import { simdWithPackedB } from '../../tensor/kernels/simd-gemm.js'
import type { StepBuffers } from './cells.js'

const roundUp = (v: number, to: number) => Math.ceil(v / to) * to

/** Whether the resident steps can run this LSTM: float32 state, whole SIMD lanes per row. */
const fits = (h: TypedArray, H: number) => h instanceof Float32Array && H % 4 === 0 && H > 0

/**
 * The forward recurrence of fusedSequence for a plain LSTM over `buffers` (hSeq, cSeq, gates holding
 * W_ih x, aux for tanh c'), W_hh [4H, H]: fills them as the JavaScript steps would. Returns false, having
 * done nothing, where it cannot run.
 */
export function residentLstmForward(buffers: StepBuffers, W_hh: TypedArray, T: number, reverse: boolean): boolean {
  const { B, H, h: hSeq, c: cSeq, gates, aux: tanhC, bias } = buffers
  if (!fits(hSeq, H) || !(W_hh instanceof Float32Array)) return false
  const GH = 4 * H, BH = B * H, rows = roundUp(B, 4), shift = reverse ? 0 : 1
  // The region, in floats: h (the product's A: whole 4-row panels), the product, c, the step's gate rows,
  // the activation scratch [i | f | o | g | c'], the bias (float64, so 8-byte aligned: the region is 16)
  const hAt = 0, prodAt = hAt + rows * H, cAt = prodAt + rows * GH, xpAt = cAt + BH
  const preAt = xpAt + B * GH, biasAt = preAt + 5 * BH, floats = biasAt + 2 * GH
  return simdWithPackedB(W_hh, 0, H, GH, 1, H, (_, resident) => {
    const { kernels: k, at } = resident
    const view = resident.view()
    const base = at / 4
    view.fill(0, base + hAt, base + prodAt) // the panel's rows past B: read, never written
    view.set(hSeq.subarray((1 - shift) * T * BH, ((1 - shift) * T + 1) * BH), base + hAt)
    view.set(cSeq.subarray((1 - shift) * T * BH, ((1 - shift) * T + 1) * BH), base + cAt)
    new Float64Array(view.buffer, at + biasAt * 4, GH).set(bias)
    const byte = (floatAt: number) => at + floatAt * 4
    for (let step = 0; step < T; step++) {
      const t = reverse ? T - 1 - step : step
      const gatesAt = t * B * GH, outAt = (t + shift) * BH
      // W_hh h, then the pre-activations, σ and tanh, c' = f ⊙ c + i ⊙ g, tanh c', h' = o ⊙ tanh c' (lstm.ts)
      resident.times(byte(prodAt), GH, byte(hAt), B)
      view.set(gates.subarray(gatesAt, gatesAt + B * GH), base + xpAt)
      k.lstmGates(byte(xpAt), byte(biasAt), byte(prodAt), byte(preAt), B, H * 4, BH * 4)
      k.sigmoid(byte(preAt), 3 * BH)
      k.tanh(byte(preAt + 3 * BH), BH)
      k.lstmCell(byte(xpAt), byte(cAt), byte(preAt), B, H * 4, BH * 4)
      k.tanh(byte(preAt + 4 * BH), BH)
      k.lstmHidden(byte(hAt), byte(preAt), BH, BH * 4)
      // what backward reads: the activations, c', tanh c', h'
      gates.set(view.subarray(base + xpAt, base + xpAt + B * GH), gatesAt)
      cSeq.set(view.subarray(base + cAt, base + cAt + BH), outAt)
      tanhC.set(view.subarray(base + preAt + 4 * BH, base + preAt + 5 * BH), t * BH)
      hSeq.set(view.subarray(base + hAt, base + hAt + BH), outAt)
    }
  }, floats)
}

/** What backward hands over besides the forward buffers: da of every step (out), dy (the packed gradient), dh and dc (in and out). */
export interface ResidentGradients {
  da: TypedArray
  dy: TypedArray
  /** dh of the state the first step read (out; wanted only with `dh0`). */
  dhState: TypedArray
  /** dc' of the last state (in), the dc of the state the first step read (out). */
  dc: TypedArray
  /** Whether dh of the initial state is wanted (h0 requires a gradient). */
  dh0: boolean
}

/**
 * The backward pass through time of fusedSequence for a plain LSTM: every step's da, and dh and dc of the
 * initial state, as the JavaScript steps compute them. Returns false, having done nothing, where it cannot run.
 */
export function residentLstmBackward(buffers: StepBuffers, W_hh: TypedArray, T: number, reverse: boolean, g: ResidentGradients): boolean {
  const { B, H, h: hSeq, c: cSeq, gates, aux: tanhC } = buffers
  if (!fits(hSeq, H) || !(W_hh instanceof Float32Array)) return false
  const GH = 4 * H, BH = B * H, rows = roundUp(B, 4), shift = reverse ? 0 : 1, ldh = roundUp(H, 8)
  // In floats: da (the product's A), dh (its C, ldh per row), dc, and the step's gates, tanh c', c and dOut
  const daAt = 0, dhAt = daAt + rows * GH, dcAt = dhAt + rows * ldh, gatesIn = dcAt + BH
  const tanhAt = gatesIn + B * GH, cPrevAt = tanhAt + BH, dOutAt = cPrevAt + BH, floats = dOutAt + BH
  return simdWithPackedB(W_hh, 0, GH, H, H, 1, (_, resident) => {
    const { kernels: k, at } = resident
    const view = resident.view()
    const base = at / 4
    view.fill(0, base + daAt, base + dcAt) // dh starts at 0 (no step reads the last state), and the panel's rows past B
    view.set(g.dc.subarray(0, BH), base + dcAt)
    const byte = (floatAt: number) => at + floatAt * 4
    for (let step = T - 1; step >= 0; step--) {
      const t = reverse ? T - 1 - step : step
      const gatesAt = t * B * GH, prevAt = (t + 1 - shift) * BH
      view.set(gates.subarray(gatesAt, gatesAt + B * GH), base + gatesIn)
      view.set(tanhC.subarray(t * BH, (t + 1) * BH), base + tanhAt)
      view.set(cSeq.subarray(prevAt, prevAt + BH), base + cPrevAt)
      view.set(g.dy.subarray(t * BH, (t + 1) * BH), base + dOutAt)
      k.lstmBackward(byte(gatesIn), byte(tanhAt), byte(cPrevAt), byte(dOutAt), byte(dhAt), ldh * 4, byte(dcAt), byte(daAt), B, H * 4)
      g.da.set(view.subarray(base + daAt, base + daAt + B * GH), gatesAt)
      // dh of the state this step read = da_t · W_hh (at the first step that is dh0, only wanted for h0)
      if (step > 0 || g.dh0) resident.times(byte(dhAt), ldh, byte(daAt), B)
    }
    for (let b = 0; b < B; b++) g.dhState.set(view.subarray(base + dhAt + b * ldh, base + dhAt + b * ldh + H), b * H)
    g.dc.set(view.subarray(base + dcAt, base + dcAt + BH))
  }, floats)
}
