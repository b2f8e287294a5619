// The fused Elman RNN (the equations: src/cells/rnn.ts): one time step forward and back over B rows of H
// units (n = B·H elements), tanh, relu and linear (no function) each with its record in the table (cells.ts). The caller has
// already computed both projections with matmuls; these loops do the elementwise rest. Its one gate block
// is a = W_ih x + b_ih + W_hh h + b_hh, and backward reads both derivatives off h', so there is no aux.
import { activationBuffer, tanhInPlace } from '../../tensor/kernels/simd-math.js'
import { GATE_COUNT } from '../kinds.js'
import type { FusedCell, GradientBuffers, StepBuffers, StepOffsets } from './cells.js'

/** h' = tanh(a): the step's gates hold W_ih x, bias is b_ih + b_hh and hProj W_hh h. */
function tanhForwardStep(buffers: StepBuffers, step: StepOffsets): void {
  const { B, H, h, gates: xProj, hProj, bias } = buffers
  const { at: hAt, gatesAt: xAt } = step
  // tanh over the whole step at once (simd-math.ts: four lanes at a time for float32)
  const pre = activationBuffer(h instanceof Float32Array, B * H)
  for (let b = 0, k = 0; b < B; b++) {
    for (let j = 0; j < H; j++, k++) pre[k] = xProj[xAt + k] + bias[j] + hProj[k] // a = W_ih x + b_ih + b_hh + W_hh h
  }
  // h' = tanh(a)
  tanhInPlace(pre, 0, B * H)
  for (let k = 0; k < B * H; k++) h[hAt + k] = pre[k]
}

/** h' = relu(a), as tanhForwardStep. */
function reluForwardStep(buffers: StepBuffers, step: StepOffsets): void {
  const { B, H, h, gates: xProj, hProj, bias } = buffers
  const { at: hAt, gatesAt: xAt } = step
  for (let b = 0, k = 0; b < B; b++) {
    for (let j = 0; j < H; j++, k++) {
      // h' = relu(W_ih x + b_ih + b_hh + W_hh h)
      const a = xProj[xAt + k] + bias[j] + hProj[k]
      h[hAt + k] = a > 0 ? a : 0
    }
  }
}

/** h' = a (Keras's activation='linear'), as tanhForwardStep. */
function linearForwardStep(buffers: StepBuffers, step: StepOffsets): void {
  const { B, H, h, gates: xProj, hProj, bias } = buffers
  const { at: hAt, gatesAt: xAt } = step
  for (let b = 0, k = 0; b < B; b++) {
    // h' = W_ih x + b_ih + b_hh + W_hh h
    for (let j = 0; j < H; j++, k++) h[hAt + k] = xProj[xAt + k] + bias[j] + hProj[k]
  }
}

/** da from dh = dOut + dhNext, read off the saved output h', so a is not kept. */
function tanhBackwardStep(buffers: GradientBuffers, step: StepOffsets): void {
  const { B, H, h, da, dOut, dhNext } = buffers
  const { at: hAt, gatesAt: daAt, dOutAt } = step
  const n = B * H
  for (let k = 0; k < n; k++) {
    const y = h[hAt + k]
    // tanh'(a) = 1 − h'²
    da[daAt + k] = (dOut[dOutAt + k] + dhNext[k]) * (1 - y * y)
  }
}

/** As tanhBackwardStep: relu'(a) = [a > 0] = [h' > 0] (0 at the kink, as PyTorch). */
function reluBackwardStep(buffers: GradientBuffers, step: StepOffsets): void {
  const { B, H, h, da, dOut, dhNext } = buffers
  const { at: hAt, gatesAt: daAt, dOutAt } = step
  const n = B * H
  for (let k = 0; k < n; k++) da[daAt + k] = h[hAt + k] > 0 ? dOut[dOutAt + k] + dhNext[k] : 0
}

/** da = dh: the identity's slope is 1. */
function linearBackwardStep(buffers: GradientBuffers, step: StepOffsets): void {
  const { B, H, da, dOut, dhNext } = buffers
  const { gatesAt: daAt, dOutAt } = step
  const n = B * H
  for (let k = 0; k < n; k++) da[daAt + k] = dOut[dOutAt + k] + dhNext[k]
}

export const RNN_TANH: FusedCell = {
  gates: GATE_COUNT.rnn_tanh,
  stateGates: GATE_COUNT.rnn_tanh,
  cellState: false,
  keepsAux: false,
  hnApart: false,
  directH: false,
  forwardStep: tanhForwardStep,
  backwardStep: tanhBackwardStep,
}

export const RNN_RELU: FusedCell = {
  gates: GATE_COUNT.rnn_relu,
  stateGates: GATE_COUNT.rnn_relu,
  cellState: false,
  keepsAux: false,
  hnApart: false,
  directH: false,
  forwardStep: reluForwardStep,
  backwardStep: reluBackwardStep,
}

export const RNN_LINEAR: FusedCell = {
  gates: GATE_COUNT.rnn_linear,
  stateGates: GATE_COUNT.rnn_linear,
  cellState: false,
  keepsAux: false,
  hnApart: false,
  directH: false,
  forwardStep: linearForwardStep,
  backwardStep: linearBackwardStep,
}
