// The adding problem (Hochreiter & Schmidhuber 1997, in the form of Le et al. 2015): each step carries a
// value drawn from U(0, 1) and a marker; exactly two steps are marked, one in each half of the sequence,
// and the target is the sum of the two marked values. Predicting the mean sum (1) scores the variance of a
// sum of two uniforms, 1/6 ≈ 0.167 — a model must carry the first marked value across ~T/2 steps to beat it.
import { defaultGenerator, type Generator } from '../../tensor/random.js'
import { Tensor } from '../../tensor/tensor.js'
import { describe } from '../../validation/checks.js'

/** MSE of always predicting 1, the expected sum: Var(U₁ + U₂) = 2 · 1/12. */
export const ADDING_BASELINE_MSE = 1 / 6

export interface AddingBatch {
  /** [B, T, 2]: channel 0 the values, channel 1 the markers. */
  x: Tensor
  /** [B, 1]: the sum of the two marked values. */
  target: Tensor
  /** Where the markers sit, per sequence: [first, second]. */
  markers: [number, number][]
}

export function addingBatch(batchSize: number, length: number, generator: Generator = defaultGenerator, dtype: 'float32' | 'float64' = 'float32'): AddingBatch {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`addingBatch: batchSize must be a positive integer, got ${describe(batchSize)}`)
  if (!Number.isInteger(length) || length < 2) throw new Error(`addingBatch: length must be an integer ≥ 2 (one marker per half), got ${describe(length)}`)
  const x = Tensor.zeros([batchSize, length, 2], dtype)
  const target = Tensor.zeros([batchSize, 1], dtype)
  const half = Math.floor(length / 2)
  const markers: [number, number][] = []
  for (let b = 0; b < batchSize; b++) {
    for (let t = 0; t < length; t++) x.data[(b * length + t) * 2] = generator.uniform53()
    const first = generator.randint(half)
    const second = half + generator.randint(length - half)
    x.data[(b * length + first) * 2 + 1] = 1
    x.data[(b * length + second) * 2 + 1] = 1
    // Sum the values as stored, so float32 targets match float32 inputs exactly.
    target.data[b] = x.data[(b * length + first) * 2] + x.data[(b * length + second) * 2]
    markers.push([first, second])
  }
  return { x, target, markers }
}
