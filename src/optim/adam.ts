// Adam and AdamW, exactly torch.optim.Adam / AdamW (their single-tensor form). Adam's weightDecay is an
// L2 term added to the gradient; AdamW's is decoupled: p ← p·(1 − lr·λ) before the Adam update. Each
// parameter keeps its own step count, so one that missed steps (null grad) has its own bias corrections.
import type { Tensor } from '../tensor/tensor.js'
import { checkBoolean, checkNonNegativeValues, nonNegative, withDefaults } from '../validation/checks.js'
import { Optimizer, type FloatArray, type ParamState } from './optimizer.js'
import { checkBetas } from './option-checks.js'

export interface AdamOptions {
  lr?: number
  betas?: [number, number] | readonly number[]
  eps?: number
  weightDecay?: number
  amsgrad?: boolean
  maximize?: boolean
}

type AdamConfig = { lr: number; betas: number[]; eps: number; weightDecay: number; amsgrad: boolean; maximize: boolean }

const parseAdam =
  (defaultDecay: number) =>
  (where: string, opts: unknown): AdamConfig => {
    const o = withDefaults(where, opts, { lr: 1e-3, betas: [0.9, 0.999] as readonly number[], eps: 1e-8, weightDecay: defaultDecay, amsgrad: false, maximize: false })
    return {
      lr: nonNegative(where, 'lr', o.lr),
      betas: checkBetas(where, o.betas),
      eps: nonNegative(where, 'eps', o.eps),
      weightDecay: nonNegative(where, 'weightDecay', o.weightDecay),
      amsgrad: checkBoolean(where, 'amsgrad', o.amsgrad),
      maximize: checkBoolean(where, 'maximize', o.maximize),
    }
  }

/** The update both share; `decoupled` selects AdamW's weight decay. */
abstract class AdamBase extends Optimizer<AdamConfig> {
  protected abstract readonly decoupled: boolean

  protected update(p: FloatArray, grad: FloatArray, state: ParamState): void {
    const { lr, betas, eps, weightDecay, amsgrad, maximize } = this.options
    const [beta1, beta2] = betas
    const m = this.buffer(state, 'exp_avg', p)
    const v = this.buffer(state, 'exp_avg_sq', p)
    const vMax = amsgrad ? this.buffer(state, 'max_exp_avg_sq', p) : null
    const biasCorrection1 = 1 - beta1 ** state.step
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** state.step)
    const stepSize = lr / biasCorrection1
    const decay = 1 - lr * weightDecay
    for (let j = 0; j < p.length; j++) {
      let g = maximize ? -grad[j] : grad[j]
      if (weightDecay !== 0) {
        if (this.decoupled) p[j] *= decay // AdamW: p ← p·(1 − lr·λ)
        else g += weightDecay * p[j] // Adam: g ← g + λ·p
      }
      m[j] = m[j] * beta1 + (1 - beta1) * g // m ← β1·m + (1 − β1)·g
      v[j] = v[j] * beta2 + (1 - beta2) * g * g // v ← β2·v + (1 − β2)·g²
      let vHat = v[j]
      if (vMax !== null) vHat = vMax[j] = Math.max(vMax[j], v[j]) // amsgrad: the largest v so far
      const denom = Math.sqrt(vHat) / biasCorrection2Sqrt + eps // √v / √(1 − β2ᵗ) + ε
      p[j] += (-stepSize * m[j]) / denom // p ← p − lr/(1 − β1ᵗ) · m / denom
    }
  }

  protected stateNames(options: AdamConfig): readonly string[] {
    return options.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq']
  }

  /** v and amsgrad's max are running means of g²: a negative one would give √v = NaN at the next step. */
  protected override checkStateValues(where: string, key: string, name: string, values: FloatArray, shape: readonly number[]): void {
    if (name === 'exp_avg_sq' || name === 'max_exp_avg_sq') checkNonNegativeValues(where, key, values, shape, '; a running mean of squared gradients cannot be negative')
  }
}

export class Adam extends AdamBase {
  protected readonly decoupled = false

  constructor(params: Iterable<Tensor>, opts: AdamOptions = {}) {
    super('Adam', params, opts, parseAdam(0), true)
  }
}

/** Adam with decoupled weight decay (Loshchilov & Hutter); weightDecay defaults to 1e-2 as in PyTorch. */
export class AdamW extends AdamBase {
  protected readonly decoupled = true

  constructor(params: Iterable<Tensor>, opts: AdamOptions = {}) {
    super('AdamW', params, opts, parseAdam(1e-2), true)
  }
}
