// The gates' functions for the reference path: σ, or hard σ as Keras 2 and TensorFlow.js define it (see
// RecurrentActivation). Cells take one as `gate` and apply it where the paper writes σ.
import type { Tensor } from '../tensor/tensor.js'
import type { RecurrentActivation } from './kinds.js'

/** What a cell applies to its gates' pre-activations. */
export type GateFunction = (a: Tensor) => Tensor

/** σ(a) = 1 / (1 + e^−a) */
export const sigmoid: GateFunction = (a) => a.sigmoid()

/**
 * hard σ(a) = clip(0.2·a + 0.5, 0, 1). Its slope is 0.2 on [−2.5, 2.5] and 0 outside: at exactly ±2.5,
 * where 0.2·a + 0.5 lands on 0 or 1, clamp still passes the gradient (lo ≤ x ≤ hi, as PyTorch's clamp and
 * tfjs's clipByValue), so the slope there is 0.2, as TensorFlow.js and Keras 2 compute it.
 */
export const hardSigmoid: GateFunction = (a) => a.mul(0.2).add(0.5).clamp(0, 1)

export const GATE_FUNCTIONS: Record<RecurrentActivation, GateFunction> = { sigmoid, hardSigmoid }
