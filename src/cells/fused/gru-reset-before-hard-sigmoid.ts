// The fused GRU of Cho et al. 2014 with hard σ gates (mode 'gru_reset_before_hard_sigmoid': Keras's
// reset_after=False with recurrent_activation='hard_sigmoid', TensorFlow.js's default GRU): the steps of
// gru-reset-before.ts with r, z = hard σ(·) (hard-sigmoid.ts). `gates` rows are [r | z | n] as there, but
// hold the argument t = 0.2·a + 0.5 for r and z (n itself); aux keeps u = r ⊙ h.
import { activationBuffer, lanes, tanhInPlace } from '../../tensor/kernels/simd-math.js'
import { GATE_COUNT } from '../kinds.js'
import type { FusedCell, GradientBuffers, StepBuffers, StepOffsets } from './cells.js'
import { clipUnit, hardSigmoidArgInPlace, hardSlope } from './hard-sigmoid.js'

/** As the reset-before GRU's forward step, with t kept for r and z. */
function gruResetBeforeHardForwardStep(buffers: StepBuffers, step: StepOffsets): void {
  const { B, H, h, gates, aux: u, hProj, bias, gatedProduct } = buffers
  const { at, prevAt, gatesAt, auxAt: uAt } = step
  const hnAt = B * 2 * H // W_hn u in hProj, [B, H]
  const R = lanes(B * H)
  const pre = activationBuffer(h instanceof Float32Array, 3 * R)
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 3 * H, proj = b * 2 * H, s = b * H
    for (let j = 0; j < H; j++) {
      pre[s + j] = gates[row + j] + bias[j] + hProj[proj + j] //                W_ir x + b_ir + W_hr h + b_hr
      pre[R + s + j] = gates[row + H + j] + bias[H + j] + hProj[proj + H + j] // W_iz x + b_iz + W_hz h + b_hz
    }
  }
  // t = 0.2·a + 0.5 for r and z
  hardSigmoidArgInPlace(pre, 0, 2 * R)
  // u = r ⊙ h
  for (let b = 0; b < B; b++) {
    const s = b * H
    for (let j = 0; j < H; j++) u[uAt + s + j] = clipUnit(pre[s + j]) * h[prevAt + s + j]
  }
  // W_hn u
  gatedProduct(hProj, hnAt, u, uAt, B)
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 3 * H, s = b * H
    for (let j = 0; j < H; j++) pre[2 * R + s + j] = gates[row + 2 * H + j] + bias[2 * H + j] + hProj[hnAt + s + j] // W_in x + b_in + W_hn u + b_hn
  }
  // n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)
  tanhInPlace(pre, 2 * R, R)
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 3 * H, s = b * H
    for (let j = 0; j < H; j++) {
      const tZ = pre[R + s + j], n = pre[2 * R + s + j], z = clipUnit(tZ)
      gates[row + j] = pre[s + j]
      gates[row + H + j] = tZ
      gates[row + 2 * H + j] = n
      // h' = (1 − z) ⊙ n + z ⊙ h
      h[at + s + j] = (1 - z) * n + z * h[prevAt + s + j]
    }
  }
}

/** As the reset-before GRU's backward step, with hard σ's slope (0.2 or 0) in place of σ's r(1 − r). */
function gruResetBeforeHardBackwardStep(buffers: GradientBuffers, step: StepOffsets): void {
  const { B, H, h, gates, hProj: du, da: daX, daH, daGated: daN, dOut, dhNext, dhZ, gatedProduct } = buffers
  const { prevAt, gatesAt, daHAt, auxAt: daNAt, dOutAt } = step
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 3 * H, hRow = daHAt + b * 2 * H, s = b * H
    for (let j = 0; j < H; j++) {
      const tZ = gates[row + H + j], n = gates[row + 2 * H + j], z = clipUnit(tZ)
      const dh = dOut[dOutAt + s + j] + dhNext[s + j] + dhZ[s + j]
      // da_n = dh ⊙ (1 − z) ⊙ (1 − n²)
      const dan = dh * (1 - z) * (1 - n * n)
      // da_z = dh ⊙ (h − n) ⊙ hard σ'(a_z)
      const daz = dh * (h[prevAt + s + j] - n) * hardSlope(tZ)
      daX[row + H + j] = daz
      daX[row + 2 * H + j] = dan
      daH[hRow + H + j] = daz
      daN[daNAt + s + j] = dan
      // dh (direct) = dh' ⊙ z, completed below
      dhZ[s + j] = dh * z
    }
  }
  // du = da_n W_hn
  gatedProduct(du, 0, daN, daNAt, B)
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 3 * H, hRow = daHAt + b * 2 * H, s = b * H
    for (let j = 0; j < H; j++) {
      const tR = gates[row + j]
      // da_r = du ⊙ h ⊙ hard σ'(a_r)
      const dar = du[s + j] * h[prevAt + s + j] * hardSlope(tR)
      daX[row + j] = dar
      daH[hRow + j] = dar
      // dh (direct) = dh' ⊙ z + du ⊙ r
      dhZ[s + j] += du[s + j] * clipUnit(tR)
    }
  }
}

export const GRU_RESET_BEFORE_HARD_SIGMOID: FusedCell = {
  gates: GATE_COUNT.gru_reset_before_hard_sigmoid,
  stateGates: 2, // r and z; n reads r ⊙ h
  cellState: false,
  keepsAux: true,
  hnApart: false,
  directH: true,
  forwardStep: gruResetBeforeHardForwardStep,
  backwardStep: gruResetBeforeHardBackwardStep,
}
