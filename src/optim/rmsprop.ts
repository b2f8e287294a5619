// RMSprop, exactly torch.optim.RMSprop: divide the gradient by a running root-mean-square, optionally
// centered (by the running variance v − ḡ² instead of v) and with momentum on the normalized step.
// ε is added after the square root, as PyTorch does (TensorFlow adds it inside).
import type { Tensor } from '../tensor/tensor.js'
import { checkBoolean, checkNonNegativeValues, nonNegative, withDefaults } from '../validation/checks.js'
import { Optimizer, type FloatArray, type ParamState } from './optimizer.js'

export interface RMSpropOptions {
  lr?: number
  alpha?: number
  eps?: number
  weightDecay?: number
  momentum?: number
  centered?: boolean
  maximize?: boolean
}

type RMSpropConfig = Required<RMSpropOptions>

function parseRMSprop(where: string, opts: unknown): RMSpropConfig {
  const o = withDefaults(where, opts, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false })
  return {
    lr: nonNegative(where, 'lr', o.lr),
    alpha: nonNegative(where, 'alpha', o.alpha),
    eps: nonNegative(where, 'eps', o.eps),
    weightDecay: nonNegative(where, 'weightDecay', o.weightDecay),
    momentum: nonNegative(where, 'momentum', o.momentum),
    centered: checkBoolean(where, 'centered', o.centered),
    maximize: checkBoolean(where, 'maximize', o.maximize),
  }
}

export class RMSprop extends Optimizer<RMSpropConfig> {
  constructor(params: Iterable<Tensor>, opts: RMSpropOptions = {}) {
    super('RMSprop', params, opts, parseRMSprop, true)
  }

  protected update(p: FloatArray, grad: FloatArray, state: ParamState): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = this.options
    const v = this.buffer(state, 'square_avg', p)
    const buf = momentum > 0 ? this.buffer(state, 'momentum_buffer', p) : null
    const gAvg = centered ? this.buffer(state, 'grad_avg', p) : null
    for (let j = 0; j < p.length; j++) {
      let g = maximize ? -grad[j] : grad[j]
      if (weightDecay !== 0) g += weightDecay * p[j] // g ← g + λ·p
      v[j] = v[j] * alpha + (1 - alpha) * g * g // v ← α·v + (1 − α)·g²
      let avg: number
      if (gAvg !== null) {
        gAvg[j] = gAvg[j] * alpha + (1 - alpha) * g // ḡ ← α·ḡ + (1 − α)·g
        avg = Math.sqrt(v[j] - gAvg[j] * gAvg[j]) // √(v − ḡ²)
      } else {
        avg = Math.sqrt(v[j])
      }
      avg += eps
      if (buf !== null) {
        buf[j] = buf[j] * momentum + g / avg // b ← μ·b + g / (√v + ε)
        p[j] += -lr * buf[j]
      } else {
        p[j] += (-lr * g) / avg // p ← p − lr · g / (√v + ε)
      }
    }
  }

  protected stateNames(options: RMSpropConfig): readonly string[] {
    return ['square_avg', ...(options.momentum > 0 ? ['momentum_buffer'] : []), ...(options.centered ? ['grad_avg'] : [])]
  }

  /** v is a running mean of g²: a negative one would give √v = NaN at the next step. */
  protected override checkStateValues(where: string, key: string, name: string, values: FloatArray, shape: readonly number[]): void {
    if (name === 'square_avg') checkNonNegativeValues(where, key, values, shape, '; a running mean of squared gradients cannot be negative')
  }
}
