// The fused GRU with hard σ gates (mode 'gru_hard_sigmoid', recurrentActivation 'hardSigmoid'): the steps
// of gru.ts with r, z = hard σ(·) (hard-sigmoid.ts). `gates` rows are [r | z | n] as there, but hold the
// argument t = 0.2·a + 0.5 for r and z (n itself); aux keeps W_hn h + b_hn.
import { activationBuffer, lanes, tanhInPlace } from '../../tensor/kernels/simd-math.js'
import { GATE_COUNT } from '../kinds.js'
import type { FusedCell, GradientBuffers, StepBuffers, StepOffsets } from './cells.js'
import { clipUnit, hardSigmoidArgInPlace, hardSlope } from './hard-sigmoid.js'

/** As the GRU's forward step, with t kept for r and z. */
function gruHardForwardStep(buffers: StepBuffers, step: StepOffsets): void {
  const { B, H, h, gates, aux: hn, hProj, bias, bHN } = buffers
  const { at, prevAt, gatesAt, auxAt: hnAt } = step
  const R = lanes(B * H)
  const pre = activationBuffer(h instanceof Float32Array, 3 * R)
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 3 * H, proj = b * 3 * H, s = b * H
    for (let j = 0; j < H; j++) {
      pre[s + j] = gates[row + j] + bias[j] + hProj[proj + j] //                W_ir x + b_ir + W_hr h + b_hr
      pre[R + s + j] = gates[row + H + j] + bias[H + j] + hProj[proj + H + j] // W_iz x + b_iz + W_hz h + b_hz
    }
  }
  // t = 0.2·a + 0.5 for r and z
  hardSigmoidArgInPlace(pre, 0, 2 * R)
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 3 * H, proj = b * 3 * H, s = b * H
    for (let j = 0; j < H; j++) {
      const hnv = hProj[proj + 2 * H + j] + bHN[j]
      hn[hnAt + s + j] = hnv
      pre[2 * R + s + j] = gates[row + 2 * H + j] + bias[2 * H + j] + clipUnit(pre[s + j]) * hnv // W_in x + b_in + r ⊙ (W_hn h + b_hn)
    }
  }
  // n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
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

/** As the GRU's backward step, with hard σ's slope (0.2 or 0) in place of σ's r(1 − r). */
function gruHardBackwardStep(buffers: GradientBuffers, step: StepOffsets): void {
  const { B, H, h, gates, aux: hn, da: daX, daH, dOut, dhNext, dhZ } = buffers
  const { prevAt, gatesAt, auxAt: hnAt, dOutAt } = step
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 3 * H
    const s = b * H
    for (let j = 0; j < H; j++) {
      const tR = gates[row + j], tZ = gates[row + H + j], n = gates[row + 2 * H + j]
      const r = clipUnit(tR), z = clipUnit(tZ)
      const dh = dOut[dOutAt + s + j] + dhNext[s + j] + dhZ[s + j]
      // da_n = dh ⊙ (1 − z) ⊙ (1 − n²)
      const dan = dh * (1 - z) * (1 - n * n)
      // da_z = dh ⊙ (h − n) ⊙ hard σ'(a_z)
      const daz = dh * (h[prevAt + s + j] - n) * hardSlope(tZ)
      // da_r = da_n ⊙ (W_hn h + b_hn) ⊙ hard σ'(a_r)
      const dar = dan * hn[hnAt + s + j] * hardSlope(tR)
      daX[row + j] = dar
      daX[row + H + j] = daz
      daX[row + 2 * H + j] = dan
      daH[row + j] = dar
      daH[row + H + j] = daz
      daH[row + 2 * H + j] = dan * r
      // dh (direct) = dh' ⊙ z
      dhZ[s + j] = dh * z
    }
  }
}

export const GRU_HARD_SIGMOID: FusedCell = {
  gates: GATE_COUNT.gru_hard_sigmoid,
  stateGates: GATE_COUNT.gru_hard_sigmoid,
  cellState: false,
  keepsAux: true,
  hnApart: true,
  directH: true,
  forwardStep: gruHardForwardStep,
  backwardStep: gruHardBackwardStep,
}
