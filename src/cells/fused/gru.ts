// The fused GRU (the equations: src/cells/gru.ts): one time step forward and back over B rows of H units,
// and its record in the table (cells.ts). `gates` rows are [r | z | n], 3H wide, as the stacked weights.
// b_hn stays apart from the input projection because r scales it: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
// and aux keeps W_hn h + b_hn of every step for backward.
import { activationBuffer, lanes, sigmoidInPlace, tanhInPlace } from '../../tensor/kernels/simd-math.js'
import { GATE_COUNT } from '../kinds.js'
import type { FusedCell, GradientBuffers, StepBuffers, StepOffsets } from './cells.js'

/**
 * On entry the step's gates hold W_ih x; hProj is W_hh h, bias b_ih + b_hh but for its n block, b_in
 * alone, and bHN is b_hn. The gates are overwritten in place by r, z, n, and aux keeps W_hn h + b_hn:
 * backward needs all four.
 */
function gruForwardStep(buffers: StepBuffers, step: StepOffsets): void {
  const { B, H, h, gates, aux: hn, hProj, bias, bHN } = buffers
  const { at, prevAt, gatesAt, auxAt: hnAt } = step
  // Scratch ranges, each B·H: [r | z] (σ), then [n] (tanh), which needs r first
  const R = lanes(B * H)
  const pre = activationBuffer(h instanceof Float32Array, 3 * R)
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 3 * H, proj = b * 3 * H, s = b * H
    for (let j = 0; j < H; j++) {
      pre[s + j] = gates[row + j] + bias[j] + hProj[proj + j] //                W_ir x + b_ir + W_hr h + b_hr
      pre[R + s + j] = gates[row + H + j] + bias[H + j] + hProj[proj + H + j] // W_iz x + b_iz + W_hz h + b_hz
    }
  }
  // r = σ(…), z = σ(…)
  sigmoidInPlace(pre, 0, 2 * R)
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 3 * H, proj = b * 3 * H, s = b * H
    for (let j = 0; j < H; j++) {
      const hnv = hProj[proj + 2 * H + j] + bHN[j]
      hn[hnAt + s + j] = hnv
      pre[2 * R + s + j] = gates[row + 2 * H + j] + bias[2 * H + j] + pre[s + j] * hnv // W_in x + b_in + r ⊙ (W_hn h + b_hn)
    }
  }
  // n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
  tanhInPlace(pre, 2 * R, R)
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 3 * H, s = b * H
    for (let j = 0; j < H; j++) {
      const r = pre[s + j], z = pre[R + s + j], n = pre[2 * R + s + j]
      gates[row + j] = r
      gates[row + H + j] = z
      gates[row + 2 * H + j] = n
      // h' = (1 − z) ⊙ n + z ⊙ h
      h[at + s + j] = (1 - z) * n + z * h[prevAt + s + j]
    }
  }
}

/**
 * Writes the pre-activation gradients twice: da for the input side [da_r | da_z | da_n] and daH for the
 * recurrent side, whose n block is da_n ⊙ r since r multiplies W_hn h + b_hn. dh = dOut + dhNext + dhZ
 * (through z ⊙ h from the step read after this one); dhZ is then overwritten with the z ⊙ h part for the
 * state this step read.
 */
function gruBackwardStep(buffers: GradientBuffers, step: StepOffsets): void {
  const { B, H, h, gates, aux: hn, da: daX, daH, dOut, dhNext, dhZ } = buffers
  const { prevAt, gatesAt, auxAt: hnAt, dOutAt } = step
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 3 * H // of gates, and of daX and daH, laid out alike
    const s = b * H
    for (let j = 0; j < H; j++) {
      const r = gates[row + j], z = gates[row + H + j], n = gates[row + 2 * H + j]
      const hPrev = h[prevAt + s + j]
      const dh = dOut[dOutAt + s + j] + dhNext[s + j] + dhZ[s + j]
      // da_n = dh ⊙ (1 − z) ⊙ (1 − n²)
      const dan = dh * (1 - z) * (1 - n * n)
      // da_z = dh ⊙ (h − n) ⊙ z(1 − z)
      const daz = dh * (hPrev - n) * z * (1 - z)
      // da_r = da_n ⊙ (W_hn h + b_hn) ⊙ r(1 − r)
      const dar = dan * hn[hnAt + s + j] * r * (1 - r)
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

export const GRU: FusedCell = {
  gates: GATE_COUNT.gru,
  stateGates: GATE_COUNT.gru,
  cellState: false,
  keepsAux: true,
  hnApart: true,
  directH: true,
  forwardStep: gruForwardStep,
  backwardStep: gruBackwardStep,
}
