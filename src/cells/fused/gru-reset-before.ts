// The fused GRU of Cho et al. 2014, r applied to h before W_hn (the equations: gruResetBeforeCell in
// src/cells/gru.ts): one time step forward and back over B rows of H units, and its record in the table
// (cells.ts). `gates` rows are [r | z | n], 3H wide, as the stacked weights. Only r and z read h through
// W_hh, so the caller's product before the step covers those two blocks (hProj rows are 2H wide); the n
// block reads u = r ⊙ h, which exists only once r does, so the step runs W_hn u itself (gatedProduct) and
// aux keeps u for backward. b_hn sits outside r here, so the biases are summed like the LSTM's.
import { activationBuffer, lanes, sigmoidInPlace, tanhInPlace } from '../../tensor/kernels/simd-math.js'
import { GATE_COUNT } from '../kinds.js'
import type { FusedCell, GradientBuffers, StepBuffers, StepOffsets } from './cells.js'

/**
 * On entry the step's gates hold W_ih x, hProj's first B·2H values W_hr h and W_hz h (rows 2H wide), and
 * bias is b_ih + b_hh. The gates are overwritten in place by r, z, n and aux keeps u = r ⊙ h: backward
 * needs all four. W_hn u goes to hProj after the caller's part.
 */
function gruResetBeforeForwardStep(buffers: StepBuffers, step: StepOffsets): void {
  const { B, H, h, gates, aux: u, hProj, bias, gatedProduct } = buffers
  const { at, prevAt, gatesAt, auxAt: uAt } = step
  const hnAt = B * 2 * H // W_hn u in hProj, [B, H]
  // Scratch ranges, each B·H: [r | z] (σ), then [n] (tanh), which needs r first
  const R = lanes(B * H)
  const pre = activationBuffer(h instanceof Float32Array, 3 * R)
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 3 * H, proj = b * 2 * H, s = b * H
    for (let j = 0; j < H; j++) {
      pre[s + j] = gates[row + j] + bias[j] + hProj[proj + j] //                W_ir x + b_ir + W_hr h + b_hr
      pre[R + s + j] = gates[row + H + j] + bias[H + j] + hProj[proj + H + j] // W_iz x + b_iz + W_hz h + b_hz
    }
  }
  // r = σ(…), z = σ(…)
  sigmoidInPlace(pre, 0, 2 * R)
  // u = r ⊙ h
  for (let b = 0; b < B; b++) {
    const s = b * H
    for (let j = 0; j < H; j++) u[uAt + s + j] = pre[s + j] * h[prevAt + s + j]
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
 * dh = dOut + dhNext + dhZ as for the GRU. The n block reads u = r ⊙ h, so its gradient reaches h twice:
 * through r and through u's factor h. The step writes da = [da_r | da_z | da_n] for the input side, daH =
 * [da_r | da_z] (rows 2H wide) for the caller's product by W_hr and W_hz, and daGated = da_n, whose product
 * by W_hn (du = da_n W_hn, into hProj, which backward does not otherwise use) it runs itself because da_r
 * needs it. dhZ leaves as what reaches the state this step read outside W_hr and W_hz: dh' ⊙ z + du ⊙ r.
 */
function gruResetBeforeBackwardStep(buffers: GradientBuffers, step: StepOffsets): void {
  const { B, H, h, gates, hProj: du, da: daX, daH, daGated: daN, dOut, dhNext, dhZ, gatedProduct } = buffers
  const { prevAt, gatesAt, daHAt, auxAt: daNAt, dOutAt } = step
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 3 * H, hRow = daHAt + b * 2 * H, s = b * H
    for (let j = 0; j < H; j++) {
      const z = gates[row + H + j], n = gates[row + 2 * H + j]
      const dh = dOut[dOutAt + s + j] + dhNext[s + j] + dhZ[s + j]
      // da_n = dh ⊙ (1 − z) ⊙ (1 − n²)
      const dan = dh * (1 - z) * (1 - n * n)
      // da_z = dh ⊙ (h − n) ⊙ z(1 − z)
      const daz = dh * (h[prevAt + s + j] - n) * z * (1 - z)
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
      const r = gates[row + j]
      // da_r = du ⊙ h ⊙ r(1 − r)
      const dar = du[s + j] * h[prevAt + s + j] * r * (1 - r)
      daX[row + j] = dar
      daH[hRow + j] = dar
      // dh (direct) = dh' ⊙ z + du ⊙ r
      dhZ[s + j] += du[s + j] * r
    }
  }
}

export const GRU_RESET_BEFORE: FusedCell = {
  gates: GATE_COUNT.gru_reset_before,
  stateGates: 2, // r and z; n reads r ⊙ h
  cellState: false,
  keepsAux: true,
  hnApart: false,
  directH: true,
  forwardStep: gruResetBeforeForwardStep,
  backwardStep: gruResetBeforeBackwardStep,
}
