// grad() as torch.autograd.grad, backward({ createGraph }), and what they are for: a Hessian-vector product
// against analytic Hessians, and a gradient penalty ‖∂L/∂x‖² trained as part of a loss.
import { Linear, SGD, Tensor, defineOp, enableGrad, grad, gradcheck, mseLoss, noGrad, randn, tensor, Generator } from '../../src/index.js'
import { expectPlainError } from '../helpers/errors.js'
import { expectClose } from './helpers.js'

const f64 = (values: number[], requiresGrad = true) => tensor(values, { dtype: 'float64', requiresGrad })
const values = (t: Tensor | null) => Array.from(t?.data ?? [])

describe('grad', () => {
  const x = () => f64([0.5, -1, 2])

  test('gradOutputs may be given by name or, as in PyTorch, as the third argument; ones are implicit for a scalar only', () => {
    const a = x()
    expect(values(grad(a.mul(a), [a], { gradOutputs: f64([1, 2, 3], false) })[0])).toEqual([1, -4, 12])
    expect(values(grad(a.mul(a), a, f64([1, 2, 3], false))[0])).toEqual([1, -4, 12])
    expect(values(grad(a.mul(a).sum(), a)[0])).toEqual([1, -2, 4])
    expectPlainError(() => grad(a.mul(a), [a]), /grad: a gradient can be created implicitly only for scalar outputs; output 0 has shape \[3\], so pass gradOutputs/)
    expectPlainError(() => grad(a.mul(a), [a], { gradOutputs: f64([1, 2]) }), /grad: mismatch in shape: gradOutputs\[0\] has shape \[2\] and output 0 has shape \[3\]/)
    expectPlainError(() => grad(a.mul(a), [a], { gradOutputs: [f64([1, 2, 3]), null] }), /grad: expected one gradOutput per output, got 2 for 1 outputs/)
  })

  test('several outputs: their contributions are summed; null gradOutputs are ones for scalars', () => {
    const a = x()
    const [g] = grad([a.mul(a).sum(), a.mul(3)], [a], { gradOutputs: [null, f64([1, 1, 2], false)] })
    expect(values(g)).toEqual([1 + 3, -2 + 3, 4 + 6])
    // an output that is an intermediate of another is walked once, after all of its consumers
    const h = a.mul(a)
    expect(values(grad([h.sum().mul(2), h], [a], { gradOutputs: [null, f64([1, 1, 1], false)] })[0])).toEqual([3, -6, 12])
  })

  test('an input the outputs do not use is an error, as in PyTorch, or null with allowUnused', () => {
    const a = x()
    const unused = f64([1])
    expectPlainError(() => grad(a.sum(), [a, unused]), /grad: input 1 appears not to have been used in the graph of the outputs; pass allowUnused: true/)
    const [ga, gu] = grad(a.sum(), [a, unused], { allowUnused: true })
    expect(values(ga)).toEqual([1, 1, 1])
    expect(gu).toBeNull()
  })

  test('bad arguments are refused, naming what came', () => {
    const a = x()
    expectPlainError(() => grad(a.sum(), [f64([1], false)]), /grad: input 0 does not require grad/)
    expectPlainError(() => grad(f64([1], false), [a]), /grad: output 0 does not require grad and has no grad_fn/)
    expectPlainError(() => grad(a.sum(), []), /grad: expected inputs to be a Tensor or a non-empty array of Tensors, got/)
    expectPlainError(() => grad([1] as unknown as Tensor, [a]), /grad: expected outputs to be a Tensor or a non-empty array of Tensors/)
    expectPlainError(() => grad(a.sum(), [a], { createGraph: 'yes' as unknown as boolean }), /grad: createGraph must be true or false, got the string "yes"/)
    expectPlainError(() => grad(a.sum(), [a], { allowUnused: 1 as unknown as boolean }), /grad: allowUnused must be true or false/)
    expectPlainError(() => a.sum().backward({ retainGraph: null as unknown as boolean }), /backward: retainGraph must be true or false/)
  })

  test('nothing is added to .grad; retainGraph is accepted and every graph can be walked again', () => {
    const a = x()
    const y = a.mul(a).sum()
    const first = grad(y, [a], { retainGraph: true })
    const second = grad(y, [a])
    expect(values(first[0])).toEqual(values(second[0]))
    expect(a.grad).toBeNull()
  })

  test('with createGraph the gradient carries a graph; without it, none', () => {
    const a = x()
    const [g] = grad(a.tanh().sum(), [a], { createGraph: true })
    expect(g?.requiresGrad).toBe(true)
    expect(g?.gradFn).not.toBeNull()
    const [h] = grad(a.tanh().sum(), [a])
    expect(h?.gradFn).toBeNull()
  })
})

describe('backward({ createGraph })', () => {
  test('each .grad gets a graph of its own, and a second createGraph backward adds out of place', () => {
    const a = f64([0.5, -1])
    a.mul(a).mul(a).sum().backward({ createGraph: true }) // .grad = 3a²
    const first = a.grad as Tensor
    expect(first.gradFn).not.toBeNull()
    expect(values(first)).toEqual([0.75, 3])
    a.mul(a).sum().backward(undefined, { createGraph: true }) // + 2a
    expect(values(a.grad)).toEqual([1.75, 1])
    expect(values(first)).toEqual([0.75, 3]) // not changed in place: it is part of a graph
    const b = f64([0.5, -1])
    b.mul(b).mul(b).sum().backward({ createGraph: true })
    const penalty = (b.grad as Tensor).sum() // Σ 3b²; its gradient is 6b
    b.grad = null
    penalty.backward()
    expect(values(b.grad)).toEqual([3, -6])
  })

  test('without createGraph .grad has no graph, as before', () => {
    const a = f64([0.5, -1])
    a.mul(a).sum().backward()
    expect(a.grad?.gradFn).toBeNull()
    expect(a.grad?.requiresGrad).toBe(false)
  })
})

describe('Hessian-vector products', () => {
  /** Hv = ∂(∇f · v)/∂x, by two passes: the gradient with createGraph, then the gradient of its product with v. */
  const hvp = (f: (x: Tensor) => Tensor, x: Tensor, v: Tensor): Tensor => {
    const [g] = grad(f(x), [x], { createGraph: true })
    return grad((g as Tensor).mul(v).sum(), [x])[0] as Tensor
  }

  test('of xᵀAx: (A + Aᵀ)v, and every column of the Hessian', () => {
    const n = 4
    const A = randn([n, n], { dtype: 'float64', generator: new Generator(3) })
    const x = randn([n], { dtype: 'float64', generator: new Generator(4), requiresGrad: true })
    const quadratic = (t: Tensor) => t.matmul(A).matmul(t)
    for (let j = 0; j < n; j++) {
      const e = Tensor.zeros([n], 'float64')
      e.data[j] = 1
      const column = hvp(quadratic, x, e)
      expectClose(column.data, Array.from({ length: n }, (_, i) => A.data[i * n + j] + A.data[j * n + i]))
    }
  })

  test('of Σ tanh(Wx): Wᵀ diag(−2t(1 − t²)) W v, t = tanh(Wx)', () => {
    const [m, n] = [3, 4]
    const g = new Generator(11)
    const W = randn([m, n], { dtype: 'float64', generator: g })
    const x = randn([n], { dtype: 'float64', generator: g, requiresGrad: true })
    const v = randn([n], { dtype: 'float64', generator: g })
    const Hv = hvp((t) => W.matmul(t).tanh().sum(), x, v)
    const expected = new Float64Array(n)
    for (let r = 0; r < m; r++) {
      let a = 0, wv = 0
      for (let k = 0; k < n; k++) a += W.data[r * n + k] * x.data[k]
      for (let k = 0; k < n; k++) wv += W.data[r * n + k] * v.data[k]
      const t = Math.tanh(a)
      const d = -2 * t * (1 - t * t)
      for (let k = 0; k < n; k++) expected[k] += W.data[r * n + k] * d * wv
    }
    expectClose(Hv.data, expected, 1e-12, 1e-14)
  })
})

describe('a gradient penalty, ‖∂L/∂x‖², as part of the loss', () => {
  const setup = () => {
    const g = new Generator(5)
    const layer = new Linear({ inFeatures: 3, outFeatures: 2, dtype: 'float64' })
    for (const p of layer.parameters()) g.fillNormal(p.data as Float64Array, 0, 0.5)
    const x = randn([4, 3], { dtype: 'float64', generator: g, requiresGrad: true })
    const target = randn([4, 2], { dtype: 'float64', generator: g })
    return { layer, x, target }
  }
  /** L(W) + λ‖∂L/∂x‖² for a tanh layer with MSE; the penalty's gradient is a second derivative. */
  const penalized = (layer: Linear, x: Tensor, target: Tensor, lambda = 0.5) =>
    enableGrad(() => {
      const loss = mseLoss(layer.forward(x).tanh(), target)
      const [dx] = grad(loss, [x], { createGraph: true })
      return loss.add((dx as Tensor).pow(2).sum().mul(lambda))
    })

  test('its gradient with respect to the weights agrees with finite differences', () => {
    const { layer, x, target } = setup()
    expect(gradcheck(() => penalized(layer, x, target), layer.parameters())).toBe(true)
  })

  test('a training step: backward() fills each parameter .grad with the penalised gradient, SGD steps on it', () => {
    const { layer, x, target } = setup()
    const params = layer.parameters()
    const expected = grad(penalized(layer, x, target), params).map(values)
    const withoutPenalty = grad(penalized(layer, x, target, 0), params).map(values)
    const loss = penalized(layer, x, target)
    loss.backward()
    params.forEach((p, i) => expectClose(values(p.grad), expected[i], 1e-12, 1e-14))
    expect(expected[0]).not.toEqual(withoutPenalty[0]) // the penalty does move the gradient
    const before = params.map(values)
    new SGD(params, { lr: 0.1 }).step()
    params.forEach((p, i) => expectClose(values(p), before[i].map((w, k) => w - 0.1 * expected[i][k]), 1e-15, 1e-15))
    const after = noGrad(() => penalized(layer, x, target).item())
    expect(after).toBeLessThan(loss.item())
  })

  test('the same penalty through backward({ createGraph: true }) and x.grad', () => {
    const { layer, x, target } = setup()
    const params = layer.parameters()
    const expected = grad(penalized(layer, x, target), params).map(values)
    const loss = mseLoss(layer.forward(x).tanh(), target)
    loss.backward({ createGraph: true })
    const total = loss.add((x.grad as Tensor).pow(2).sum().mul(0.5))
    for (const p of params) p.grad = null
    total.backward()
    params.forEach((p, i) => expectClose(values(p.grad), expected[i], 1e-12, 1e-14))
  })
})

describe('only the part of the graph that leads to the inputs is walked', () => {
  test('a branch that does not lead to them is not run, as in PyTorch', () => {
    const a = f64([1, 2])
    const b = f64([3, 4])
    let runs = 0
    const counted = defineOp({ name: 'counted', forward: (t) => t.mul(2), backward: (dy) => (runs++, [dy.mul(2)]) })
    const y = a.mul(a).add(counted(b)).sum()
    expect(values(grad(y, [a])[0])).toEqual([2, 4])
    expect(runs).toBe(0)
    expect(values(grad(y, [b])[0])).toEqual([2, 2])
    expect(runs).toBe(1)
    y.backward() // backward reaches every leaf
    expect(runs).toBe(2)
  })
})
