// One time step of the fused Elman RNN (src/cells/fused.ts), forward and backward, over B rows of H units
// (n = B·H elements). The caller has already computed both projections with matmuls; these loops do the
// elementwise rest. Offsets address one step inside the whole-sequence buffers, so nothing is copied.
import type { TypedArray } from '../../tensor/dtype.js'
import { activationBuffer, tanhInPlace } from '../../tensor/kernels/simd-math.js'

/**
 * h' = tanh(a) or relu(a) for B rows of H units, a = xProj + bias + hProj: xProj holds W_ih x for this step
 * (at xAt), bias = b_ih + b_hh ([H]), hProj = W_hh h ([B, H], from offset 0). Writes h' at hAt.
 */
export function rnnForwardStep(
  h: TypedArray, hAt: number, xProj: TypedArray, xAt: number, hProj: TypedArray,
  bias: Float64Array, B: number, H: number, relu: boolean,
): void {
  if (relu) {
    for (let b = 0, k = 0; b < B; b++) {
      for (let j = 0; j < H; j++, k++) {
        // h' = relu(W_ih x + b_ih + b_hh + W_hh h)
        const a = xProj[xAt + k] + bias[j] + hProj[k]
        h[hAt + k] = a > 0 ? a : 0
      }
    }
    return
  }
  // tanh over the whole step at once (simd-math.ts: four lanes at a time for float32)
  const pre = activationBuffer(h instanceof Float32Array, B * H)
  for (let b = 0, k = 0; b < B; b++) {
    for (let j = 0; j < H; j++, k++) pre[k] = xProj[xAt + k] + bias[j] + hProj[k] // a = W_ih x + b_ih + b_hh + W_hh h
  }
  // h' = tanh(a)
  tanhInPlace(pre, 0, B * H)
  for (let k = 0; k < B * H; k++) h[hAt + k] = pre[k]
}

/**
 * The pre-activation gradient da (written at daAt) from dh = dOut + dhNext, where dOut is the gradient
 * reaching this step's output row (at dOutAt) and dhNext the one carried back from the step read after
 * it ([n], from offset 0). Both derivatives are read off the saved output h' (at hAt), so a is not kept.
 */
export function rnnBackwardStep(
  da: TypedArray, daAt: number, dOut: TypedArray, dOutAt: number, dhNext: TypedArray,
  h: TypedArray, hAt: number, n: number, relu: boolean,
): void {
  if (relu) {
    // relu'(a) = [a > 0] = [h' > 0] (0 at the kink, as PyTorch)
    for (let k = 0; k < n; k++) da[daAt + k] = h[hAt + k] > 0 ? dOut[dOutAt + k] + dhNext[k] : 0
  } else {
    for (let k = 0; k < n; k++) {
      const y = h[hAt + k]
      // tanh'(a) = 1 − h'²
      da[daAt + k] = (dOut[dOutAt + k] + dhNext[k]) * (1 - y * y)
    }
  }
}
