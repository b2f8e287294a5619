// gradgradcheck: second derivatives against finite differences, as torch.autograd.gradgradcheck. The
// function checked is the vector-Jacobian product (x, v) ↦ vᵀ·∂fn(x)/∂x, made with createGraph; gradcheck
// then compares its backward (the double backward of every op in fn) with central differences of it.
import { Generator } from '../tensor/random.js'
import { formatShape, shapesEqual } from '../tensor/shape.js'
import { Tensor } from '../tensor/tensor.js'
import { checkOptionKeys, describe } from '../validation/checks.js'
import { enableGrad, gradients } from './engine.js'
import { checkedInputs, GRADCHECK_KEYS, gradcheckReport, type GradcheckOptions, type GradcheckReport } from './gradcheck.js'
import { cat } from './ops/layout.js'

export interface GradgradcheckOptions extends GradcheckOptions {
  /**
   * v, the gradient of fn's output in the product vᵀ·∂fn/∂x: a float64 tensor of the output's shape. It is
   * checked too when it requires grad (the product is linear in v, so its backward must be too). When
   * absent, N(0, 1) draws from a generator of its own seeded with `seed` (0), requiring grad, as PyTorch
   * draws randn.
   */
  gradOutputs?: Tensor
}

type Fn = (...inputs: Tensor[]) => Tensor

/** gradgradcheck's findings, as gradcheckReport's; inputs are numbered fn's first, then gradOutputs. */
export function gradgradcheckReport(fn: Fn, inputs: Tensor | readonly Tensor[], opts: GradgradcheckOptions = {}): GradcheckReport {
  checkOptionKeys('gradgradcheck', opts, [...GRADCHECK_KEYS, 'gradOutputs'])
  const { gradOutputs, ...options } = opts
  const { list, checked } = checkedInputs(fn, inputs, 'gradgradcheck')
  const output = enableGrad(() => fn(...list))
  if (!(output instanceof Tensor)) throw new Error(`gradgradcheck: fn must return a Tensor, got ${describe(output)}`)
  let v: Tensor
  if (gradOutputs === undefined) {
    v = Tensor.zeros(output.shape, 'float64')
    new Generator(options.seed ?? 0).fillNormal(v.data as Float64Array)
    v.requiresGrad = true
  } else {
    if (!(gradOutputs instanceof Tensor) || gradOutputs.dtype !== 'float64' || !shapesEqual(gradOutputs.shape, output.shape) || !gradOutputs.isLeaf) {
      throw new Error(`gradgradcheck: gradOutputs must be a float64 leaf tensor of fn's output shape ${formatShape(output.shape)}, got ${describe(gradOutputs)}`)
    }
    v = gradOutputs
  }
  // The product's value: the gradients of the inputs that require grad, flattened and joined; a gradient
  // the output does not depend on is zeros.
  const vjp = (...all: Tensor[]): Tensor =>
    enableGrad(() => {
      const xs = all.slice(0, list.length)
      const wrt = checked.map(({ i }) => xs[i])
      const y = fn(...xs)
      const gs = gradients([y], wrt, [all[list.length].to(y.dtype)], true)
      return cat(gs.map((g, k) => (g ?? Tensor.zeros(wrt[k].shape, wrt[k].dtype)).reshape([-1])))
    })
  const report = gradcheckReport(vjp, [...list, v], options)
  if (report.message === undefined) return report
  const where = `inputs 0 to ${list.length - 1} are fn's, input ${list.length} is gradOutputs; output elements are the gradients of the inputs that require grad, flattened and joined`
  return { ...report, message: `${report.message.replace(/^gradcheck: /, 'gradgradcheck: second derivatives differ: ')} (${where})` }
}

/**
 * true when the second derivatives of `fn` (the backward of its vector-Jacobian product with gradOutputs)
 * agree with central differences of that product, for every input that requires grad and for gradOutputs;
 * otherwise throws naming the input, the elements and both values (or returns false when
 * `raiseException` is false). Inputs must be float64 leaves, as for gradcheck.
 */
export function gradgradcheck(fn: Fn, inputs: Tensor | readonly Tensor[], opts: GradgradcheckOptions = {}): boolean {
  const report = gradgradcheckReport(fn, inputs, opts)
  if (report.passed) return true
  if (opts.raiseException ?? true) throw new Error(report.message)
  return false
}
