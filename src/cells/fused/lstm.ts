// The fused LSTM (the equations: src/cells/lstm.ts): one time step forward and back over B rows of H
// units, and its record in the table (cells.ts). `gates` rows are [i | f | g | o], 4H wide, as the
// stacked weights; aux keeps tanh(c') of every step for backward.
import { activationBuffer, lanes, sigmoidInPlace, tanhInPlace } from '../../tensor/kernels/simd-math.js'
import { GATE_COUNT } from '../kinds.js'
import type { FusedCell, GradientBuffers, StepBuffers, StepOffsets } from './cells.js'

/**
 * On entry the step's gates hold W_ih x; with bias (b_ih + b_hh) and hProj (W_hh h) that makes the
 * pre-activations, which are overwritten in place by the activations i, f, g, o that backward needs.
 * σ and tanh run over whole ranges of a scratch buffer (simd-math.ts: four lanes at a time for float32),
 * so the loops around them only add and multiply.
 */
function lstmForwardStep(buffers: StepBuffers, step: StepOffsets): void {
  const { B, H, h, c, gates, aux: tanhC, hProj, bias } = buffers
  const { at, prevAt, gatesAt, auxAt: tanhCAt } = step
  // Scratch ranges, each B·H: the σ gates first, [i | f | o], so one SIMD call covers them, then [g] and
  // [c'] (tanh). The stored rows keep PyTorch's [i | f | g | o]: the two orders meet only in this function.
  const R = lanes(B * H)
  const I = 0, F = R, O = 2 * R, G = 3 * R, C = 4 * R
  const pre = activationBuffer(h instanceof Float32Array, 5 * R)
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 4 * H, proj = b * 4 * H, s = b * H
    for (let j = 0; j < H; j++) {
      pre[I + s + j] = gates[row + j] + bias[j] + hProj[proj + j] //                      W_ii x + b_ii + W_hi h + b_hi
      pre[F + s + j] = gates[row + H + j] + bias[H + j] + hProj[proj + H + j] //           W_if x + b_if + W_hf h + b_hf
      pre[O + s + j] = gates[row + 3 * H + j] + bias[3 * H + j] + hProj[proj + 3 * H + j] // W_io x + b_io + W_ho h + b_ho
      pre[G + s + j] = gates[row + 2 * H + j] + bias[2 * H + j] + hProj[proj + 2 * H + j] // W_ig x + b_ig + W_hg h + b_hg
    }
  }
  // i = σ(…), f = σ(…), o = σ(…); g = tanh(…)
  sigmoidInPlace(pre, I, 3 * R)
  tanhInPlace(pre, G, R)
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 4 * H, s = b * H
    for (let j = 0; j < H; j++) {
      const i = pre[I + s + j], f = pre[F + s + j], o = pre[O + s + j], g = pre[G + s + j]
      gates[row + j] = i
      gates[row + H + j] = f
      gates[row + 2 * H + j] = g
      gates[row + 3 * H + j] = o
      // c' = f ⊙ c + i ⊙ g
      c[at + s + j] = f * c[prevAt + s + j] + i * g
      pre[C + s + j] = c[at + s + j] // the stored c' (rounded in float32), as the composed ops see it
    }
  }
  tanhInPlace(pre, C, R)
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 4 * H, s = b * H
    for (let j = 0; j < H; j++) {
      const tc = pre[C + s + j]
      tanhC[tanhCAt + s + j] = tc
      // h' = o ⊙ tanh(c')
      h[at + s + j] = gates[row + 3 * H + j] * tc
    }
  }
}

/**
 * Writes the pre-activation gradients [da_i | da_f | da_g | da_o] from dh = dOut + dhNext. dc comes in
 * as dc' from the later step and leaves as the dc of the state this step read.
 */
function lstmBackwardStep(buffers: GradientBuffers, step: StepOffsets): void {
  const { B, H, c, gates, aux: tanhC, da, dOut, dhNext, dc } = buffers
  const { prevAt, gatesAt, auxAt: tanhCAt, dOutAt } = step
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 4 * H // of gates, and of da, laid out alike
    const s = b * H
    for (let j = 0; j < H; j++) {
      const i = gates[row + j], f = gates[row + H + j], g = gates[row + 2 * H + j], o = gates[row + 3 * H + j]
      const tc = tanhC[tanhCAt + s + j]
      const dh = dOut[dOutAt + s + j] + dhNext[s + j]
      // dc' = dc'(from the later step) + dh ⊙ o ⊙ (1 − tanh² c')
      const dcNew = dc[s + j] + dh * o * (1 - tc * tc)
      // da_i = dc' ⊙ g ⊙ i(1 − i)
      da[row + j] = dcNew * g * i * (1 - i)
      // da_f = dc' ⊙ c ⊙ f(1 − f)
      da[row + H + j] = dcNew * c[prevAt + s + j] * f * (1 - f)
      // da_g = dc' ⊙ i ⊙ (1 − g²)
      da[row + 2 * H + j] = dcNew * i * (1 - g * g)
      // da_o = dh ⊙ tanh c' ⊙ o(1 − o)
      da[row + 3 * H + j] = dh * tc * o * (1 - o)
      // dc = dc' ⊙ f: what flows on to the state this step read
      dc[s + j] = dcNew * f
    }
  }
}

export const LSTM: FusedCell = {
  gates: GATE_COUNT.lstm,
  stateGates: GATE_COUNT.lstm,
  cellState: true,
  keepsAux: true,
  hnApart: false,
  directH: false,
  forwardStep: lstmForwardStep,
  backwardStep: lstmBackwardStep,
}
