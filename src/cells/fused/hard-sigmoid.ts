// hard σ for the fused steps of recurrentActivation 'hardSigmoid': hard σ(a) = clip(t, 0, 1) with
// t = 0.2·a + 0.5 (Keras 2's and TensorFlow.js's). Its slope is 0.2 where 0 ≤ t ≤ 1, ends included (at
// a = ±2.5 exactly, as tfjs's clipByValue and the reference path's clamp pass the gradient there), 0
// outside. The gate value alone cannot tell t = 1 from t > 1, so those steps keep t in their `gates` rows
// where the σ steps keep the gate, and read the gate and its slope back from t.

/** a[start … start + count) = 0.2·a + 0.5: hard σ's argument, before the clip. */
export function hardSigmoidArgInPlace(a: Float32Array | Float64Array, start: number, count: number): void {
  for (let k = start; k < start + count; k++) a[k] = 0.2 * a[k] + 0.5
}

/** hard σ from its argument t: clip(t, 0, 1) (NaN stays NaN). */
export const clipUnit = (t: number): number => (t < 0 ? 0 : t > 1 ? 1 : t)

/** d hard σ / da from t: 0.2 where 0 ≤ t ≤ 1, else 0. */
export const hardSlope = (t: number): number => (t >= 0 && t <= 1 ? 0.2 : 0)
