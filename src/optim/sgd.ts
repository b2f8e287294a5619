// Stochastic gradient descent with momentum, exactly torch.optim.SGD. Note PyTorch's momentum form:
// the buffer accumulates gradients (b ← μ·b + (1 − τ)·g) and lr multiplies the buffer, and the buffer
// starts as a copy of the first gradient (no dampening on the first step).
import type { Tensor } from '../tensor/tensor.js'
import { checkBoolean, finite, nonNegative, withDefaults } from '../validation/checks.js'
import { Optimizer, type FloatArray, type ParamState } from './optimizer.js'

export interface SGDOptions {
  /** Required, as in PyTorch. */
  lr: number
  momentum?: number
  dampening?: number
  weightDecay?: number
  nesterov?: boolean
  maximize?: boolean
}

type SGDConfig = Required<SGDOptions>

function parseSGD(where: string, opts: unknown): SGDConfig {
  const o = withDefaults(where, opts, { lr: undefined as unknown as number, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false })
  if (o.lr === undefined) throw new Error(`${where}: lr is required, e.g. new SGD(params, { lr: 0.1 })`)
  const config: SGDConfig = {
    lr: nonNegative(where, 'lr', o.lr),
    momentum: nonNegative(where, 'momentum', o.momentum),
    // PyTorch does not bound dampening; a finite number is all the update needs.
    dampening: finite(where, 'dampening', o.dampening),
    weightDecay: nonNegative(where, 'weightDecay', o.weightDecay),
    nesterov: checkBoolean(where, 'nesterov', o.nesterov),
    maximize: checkBoolean(where, 'maximize', o.maximize),
  }
  if (config.nesterov && (config.momentum <= 0 || config.dampening !== 0)) {
    throw new Error(`${where}: nesterov needs momentum > 0 and dampening 0, got momentum ${config.momentum} and dampening ${config.dampening}`)
  }
  return config
}

export class SGD extends Optimizer<SGDConfig> {
  constructor(params: Iterable<Tensor>, opts: SGDOptions) {
    super('SGD', params, opts, parseSGD, false)
  }

  protected update(p: FloatArray, grad: FloatArray, state: ParamState): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = this.options
    const first = state.buffers.momentum_buffer === undefined
    const buf = momentum !== 0 ? this.buffer(state, 'momentum_buffer', p) : null
    for (let j = 0; j < p.length; j++) {
      let d = maximize ? -grad[j] : grad[j]
      if (weightDecay !== 0) d += weightDecay * p[j] // d ← g + λ·p
      if (buf !== null) {
        buf[j] = first ? d : buf[j] * momentum + (1 - dampening) * d // b ← μ·b + (1 − τ)·d; b₁ = d
        d = nesterov ? d + momentum * buf[j] : buf[j]
      }
      p[j] += -lr * d // p ← p − lr·d
    }
  }

  protected stateNames(options: SGDConfig): readonly string[] {
    return options.momentum !== 0 ? ['momentum_buffer'] : []
  }
}
