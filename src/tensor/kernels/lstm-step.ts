// One time step of the fused LSTM (src/cells/fused.ts), forward and backward, over B rows of H units.
// Layouts: `gates` rows are [i | f | g | o] (4H wide, as the stacked weights); h and c live in
// whole-sequence buffers of [B, H] blocks, `at` addressing this step's block and `prevAt` the state it read.
import type { TypedArray } from '../dtype.js'
import { sigmoid } from './elementwise.js'

/**
 * Reads the state at prevAt and writes h', c' at `at`. On entry `gates` (at gatesAt) holds W_ih x for this
 * step; with bias = b_ih + b_hh ([4H]) and hProj = W_hh h ([B, 4H], from offset 0) that makes the
 * pre-activations, which are overwritten in place by the activations i, f, g, o that backward needs.
 */
export function lstmForwardStep(
  h: TypedArray, c: TypedArray, at: number, prevAt: number,
  gates: TypedArray, gatesAt: number, hProj: TypedArray, bias: Float64Array, B: number, H: number,
): void {
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 4 * H
    const proj = b * 4 * H
    const s = b * H
    for (let j = 0; j < H; j++) {
      // i = σ(W_ii x + b_ii + W_hi h + b_hi)
      const i = sigmoid(gates[row + j] + bias[j] + hProj[proj + j])
      // f = σ(W_if x + b_if + W_hf h + b_hf)
      const f = sigmoid(gates[row + H + j] + bias[H + j] + hProj[proj + H + j])
      // g = tanh(W_ig x + b_ig + W_hg h + b_hg)
      const g = Math.tanh(gates[row + 2 * H + j] + bias[2 * H + j] + hProj[proj + 2 * H + j])
      // o = σ(W_io x + b_io + W_ho h + b_ho)
      const o = sigmoid(gates[row + 3 * H + j] + bias[3 * H + j] + hProj[proj + 3 * H + j])
      gates[row + j] = i
      gates[row + H + j] = f
      gates[row + 2 * H + j] = g
      gates[row + 3 * H + j] = o
      // c' = f ⊙ c + i ⊙ g
      c[at + s + j] = f * c[prevAt + s + j] + i * g
      // h' = o ⊙ tanh(c'), from the stored c' (rounded in float32), as the composed ops see it
      h[at + s + j] = o * Math.tanh(c[at + s + j])
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
  gates: TypedArray, gatesAt: number, c: TypedArray, at: number, prevAt: number, B: number, H: number,
): void {
  for (let b = 0; b < B; b++) {
    const row = gatesAt + b * 4 * H
    const dRow = daAt + b * 4 * H
    const s = b * H
    for (let j = 0; j < H; j++) {
      const i = gates[row + j], f = gates[row + H + j], g = gates[row + 2 * H + j], o = gates[row + 3 * H + j]
      const tc = Math.tanh(c[at + s + j])
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
