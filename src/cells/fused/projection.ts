// The LSTM's projection on the fast path (LSTM({ projSize }), PyTorch's proj_size; Sak et al., 2014):
// h' = W_hr m with m = o ⊙ tanh(c'), W_hr [P, H]. The LSTM step kernel writes m where it would write h
// (laid out as c, [B, H] blocks); these run after it forward and before it backward, one [B, H]·[H, P]
// product each way per step. dW_hr = Σ_t dh_tᵀ m_t is one whole-sequence product at the end (sequence.ts).
import type { TypedArray } from '../../tensor/dtype.js'
import { matmulInto, matmulTransBInto } from '../../tensor/kernels/matmul.js'

/** h' = W_hr m for B rows: [B, H] of m at mAt to [B, P] of h at hAt. */
export function projectInto(h: TypedArray, hAt: number, m: TypedArray, mAt: number, W_hr: TypedArray, B: number, H: number, P: number): void {
  matmulTransBInto(h, m, W_hr, B, H, P, hAt, mAt)
}

/**
 * Backward of the projection for one step: dh = dOut + dhNext, all of dL/dh' ([B, P] at dhAt, kept for
 * dW_hr), then dm = dh · W_hr ([B, H] at dmAt), which the LSTM step takes as the gradient of its output.
 */
export function projectBackInto(
  dm: TypedArray, dmAt: number, dh: TypedArray, dhAt: number, dOut: TypedArray, dOutAt: number, dhNext: TypedArray,
  W_hr: TypedArray, B: number, H: number, P: number,
): void {
  for (let k = 0; k < B * P; k++) dh[dhAt + k] = dOut[dOutAt + k] + dhNext[k]
  matmulInto(dm, dh, W_hr, B, P, H, dmAt, dhAt)
}
