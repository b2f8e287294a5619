// One time step of the fused LSTM (src/cells/fused.ts), forward and backward, over B rows of H units.
// Layouts: `gates` rows are [i | f | g | o] (4H wide, as the stacked weights); h and c live in
// whole-sequence buffers of [B, H] blocks, `at` addressing this step's block and `prevAt` the state it read;
// tanhC keeps tanh(c') of every step, [B, H] blocks at tanhCAt.
import type { TypedArray } from '../../tensor/dtype.js'
import { activationBuffer, lanes, sigmoidInPlace, tanhInPlace } from '../../tensor/kernels/simd-math.js'

/**
 * Reads the state at prevAt and writes h', c' at `at`, and tanh(c') at tanhCAt (backward needs it). On
 * entry `gates` (at gatesAt) holds W_ih x for this step; with bias = b_ih + b_hh ([4H]) and hProj = W_hh h
 * ([B, 4H], from offset 0) that makes the pre-activations, which are overwritten in place by the
 * activations i, f, g, o that backward needs. σ and tanh run over whole ranges of a scratch buffer
 * (simd-math.ts: four lanes at a time for float32), so the loops around them only add and multiply.
 */
export function lstmForwardStep(
  h: TypedArray, c: TypedArray, at: number, prevAt: number, tanhC: TypedArray, tanhCAt: number,
  gates: TypedArray, gatesAt: number, hProj: TypedArray, bias: Float64Array, B: number, H: number,
): void {
  // Scratch ranges, each B·H: [i | f | o] (σ) then [g] and [c'] (tanh)
  const R = lanes(B * H)
  const pre = activationBuffer(h instanceof Float32Array, 5 * R)
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 4 * H, proj = b * 4 * H, s = b * H
    for (let j = 0; j < H; j++) {
      pre[s + j] = gates[row + j] + bias[j] + hProj[proj + j] //                            W_ii x + b_ii + W_hi h + b_hi
      pre[R + s + j] = gates[row + H + j] + bias[H + j] + hProj[proj + H + j] //             W_if x + b_if + W_hf h + b_hf
      pre[2 * R + s + j] = gates[row + 3 * H + j] + bias[3 * H + j] + hProj[proj + 3 * H + j] // W_io x + b_io + W_ho h + b_ho
      pre[3 * R + s + j] = gates[row + 2 * H + j] + bias[2 * H + j] + hProj[proj + 2 * H + j] // W_ig x + b_ig + W_hg h + b_hg
    }
  }
  // i = σ(…), f = σ(…), o = σ(…); g = tanh(…)
  sigmoidInPlace(pre, 0, 3 * R)
  tanhInPlace(pre, 3 * R, R)
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 4 * H, s = b * H
    for (let j = 0; j < H; j++) {
      const i = pre[s + j], f = pre[R + s + j], o = pre[2 * R + s + j], g = pre[3 * R + s + j]
      gates[row + j] = i
      gates[row + H + j] = f
      gates[row + 2 * H + j] = g
      gates[row + 3 * H + j] = o
      // c' = f ⊙ c + i ⊙ g
      c[at + s + j] = f * c[prevAt + s + j] + i * g
      pre[4 * R + s + j] = c[at + s + j] // the stored c' (rounded in float32), as the composed ops see it
    }
  }
  tanhInPlace(pre, 4 * R, R)
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 4 * H, s = b * H
    for (let j = 0; j < H; j++) {
      const tc = pre[4 * R + s + j]
      tanhC[tanhCAt + s + j] = tc
      // h' = o ⊙ tanh(c')
      h[at + s + j] = gates[row + 3 * H + j] * tc
    }
  }
}

/**
 * Writes the pre-activation gradients [da_i | da_f | da_g | da_o] at daAt (laid out as `gates`), given
 * dh = dOut (this step's output row, at dOutAt) + dhNext (carried back from the step read after this one,
 * [B, H]). dc ([B, H]) comes in as dc' from that later step and leaves as the dc of the state this step read.
 */
export function lstmBackwardStep(
  da: TypedArray, daAt: number, dOut: TypedArray, dOutAt: number, dhNext: TypedArray, dc: TypedArray,
  gates: TypedArray, gatesAt: number, c: TypedArray, prevAt: number, tanhC: TypedArray, tanhCAt: number, B: number, H: number,
): void {
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 4 * H
    const dRow = daAt + b * 4 * H
    const s = b * H
    for (let j = 0; j < H; j++) {
      const i = gates[row + j], f = gates[row + H + j], g = gates[row + 2 * H + j], o = gates[row + 3 * H + j]
      const tc = tanhC[tanhCAt + s + j]
      const dh = dOut[dOutAt + s + j] + dhNext[s + j]
      // dc' = dc'(from the later step) + dh ⊙ o ⊙ (1 − tanh² c')
      const dcNew = dc[s + j] + dh * o * (1 - tc * tc)
      // da_i = dc' ⊙ g ⊙ i(1 − i)
      da[dRow + j] = dcNew * g * i * (1 - i)
      // da_f = dc' ⊙ c ⊙ f(1 − f)
      da[dRow + H + j] = dcNew * c[prevAt + s + j] * f * (1 - f)
      // da_g = dc' ⊙ i ⊙ (1 − g²)
      da[dRow + 2 * H + j] = dcNew * i * (1 - g * g)
      // da_o = dh ⊙ tanh c' ⊙ o(1 − o)
      da[dRow + 3 * H + j] = dh * tc * o * (1 - o)
      // dc = dc' ⊙ f: what flows on to the state this step read
      dc[s + j] = dcNew * f
    }
  }
}
