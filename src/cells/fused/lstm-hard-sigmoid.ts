// The fused LSTM with hard σ gates (mode 'lstm_hard_sigmoid', recurrentActivation 'hardSigmoid'): the
// steps of lstm.ts with i, f, o = hard σ(·) (hard-sigmoid.ts). `gates` rows are [i | f | g | o] as there,
// but hold the gates' argument t = 0.2·a + 0.5 for i, f and o (g itself); aux keeps tanh(c').
import { activationBuffer, lanes, tanhInPlace } from '../../tensor/kernels/simd-math.js'
import { GATE_COUNT } from '../kinds.js'
import type { FusedCell, GradientBuffers, StepBuffers, StepOffsets } from './cells.js'
import { clipUnit, hardSigmoidArgInPlace, hardSlope } from './hard-sigmoid.js'

/** As the LSTM's forward step, with t kept for the σ gates. */
function lstmHardForwardStep(buffers: StepBuffers, step: StepOffsets): void {
  const { B, H, h, c, gates, aux: tanhC, hProj, bias } = buffers
  const { at, prevAt, gatesAt, auxAt: tanhCAt } = step
  // Scratch ranges, each B·H: [i | f | o] (hard σ), then [g] and [c'] (tanh)
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
  // t = 0.2·a + 0.5 for i, f, o; g = tanh(…)
  hardSigmoidArgInPlace(pre, I, 3 * R)
  tanhInPlace(pre, G, R)
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 4 * H, s = b * H
    for (let j = 0; j < H; j++) {
      const tI = pre[I + s + j], tF = pre[F + s + j], g = pre[G + s + j]
      gates[row + j] = tI
      gates[row + H + j] = tF
      gates[row + 2 * H + j] = g
      gates[row + 3 * H + j] = pre[O + s + j]
      // c' = f ⊙ c + i ⊙ g, with i = hard σ(…) = clip(t_i, 0, 1), f likewise
      c[at + s + j] = clipUnit(tF) * c[prevAt + s + j] + clipUnit(tI) * g
      pre[C + s + j] = c[at + s + j]
    }
  }
  tanhInPlace(pre, C, R)
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 4 * H, s = b * H
    for (let j = 0; j < H; j++) {
      const tc = pre[C + s + j]
      tanhC[tanhCAt + s + j] = tc
      // h' = o ⊙ tanh(c')
      h[at + s + j] = clipUnit(gates[row + 3 * H + j]) * tc
    }
  }
}

/** As the LSTM's backward step, with hard σ's slope (0.2 or 0) in place of σ's i(1 − i). */
function lstmHardBackwardStep(buffers: GradientBuffers, step: StepOffsets): void {
  const { B, H, c, gates, aux: tanhC, da, dOut, dhNext, dc } = buffers
  const { prevAt, gatesAt, auxAt: tanhCAt, dOutAt } = step
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 4 * H
    const s = b * H
    for (let j = 0; j < H; j++) {
      const tI = gates[row + j], tF = gates[row + H + j], g = gates[row + 2 * H + j], tO = gates[row + 3 * H + j]
      const i = clipUnit(tI), f = clipUnit(tF), o = clipUnit(tO)
      const tc = tanhC[tanhCAt + s + j]
      const dh = dOut[dOutAt + s + j] + dhNext[s + j]
      // dc' = dc'(from the later step) + dh ⊙ o ⊙ (1 − tanh² c')
      const dcNew = dc[s + j] + dh * o * (1 - tc * tc)
      // da_i = dc' ⊙ g ⊙ hard σ'(a_i)
      da[row + j] = dcNew * g * hardSlope(tI)
      // da_f = dc' ⊙ c ⊙ hard σ'(a_f)
      da[row + H + j] = dcNew * c[prevAt + s + j] * hardSlope(tF)
      // da_g = dc' ⊙ i ⊙ (1 − g²)
      da[row + 2 * H + j] = dcNew * i * (1 - g * g)
      // da_o = dh ⊙ tanh c' ⊙ hard σ'(a_o)
      da[row + 3 * H + j] = dh * tc * hardSlope(tO)
      // dc = dc' ⊙ f
      dc[s + j] = dcNew * f
    }
  }
}

export const LSTM_HARD_SIGMOID: FusedCell = {
  gates: GATE_COUNT.lstm_hard_sigmoid,
  stateGates: GATE_COUNT.lstm_hard_sigmoid,
  cellState: true,
  keepsAux: true,
  hnApart: false,
  directH: false,
  forwardStep: lstmHardForwardStep,
  backwardStep: lstmHardBackwardStep,
}
