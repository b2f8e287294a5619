// SGD, Adam, AdamW and RMSprop beyond the PyTorch fixtures: exact resume from a state dict (through JSON
// and safetensors, as a checkpoint stores it), null grads, PyTorch's update rules on numbers worked by
// hand, and the errors for bad options, params and state dicts.
import { loadSafetensors, manualSeed, randn, saveSafetensors, tensor, Tensor } from '../../src/index.js'
import { Adam, AdamW } from '../../src/optim/adam.js'
import type { Optimizer } from '../../src/optim/optimizer.js'
import { RMSprop } from '../../src/optim/rmsprop.js'
import { SGD } from '../../src/optim/sgd.js'
import { GRUClassifier, lossAndGrad } from './gru-classifier.js'

type Make = (params: Tensor[]) => Optimizer

const OPTIMIZERS: [string, Make][] = [
  ['SGD', (ps) => new SGD(ps, { lr: 0.1 })],
  ['SGD with momentum, dampening and weight decay', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.2, weightDecay: 0.01 })],
  ['SGD with Nesterov momentum, maximizing', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.8, nesterov: true, maximize: true })],
  ['Adam', (ps) => new Adam(ps, { lr: 0.01 })],
  ['Adam with amsgrad and weight decay', (ps) => new Adam(ps, { lr: 0.01, amsgrad: true, weightDecay: 0.1, betas: [0.8, 0.99] })],
  ['AdamW', (ps) => new AdamW(ps, { lr: 0.01 })],
  ['AdamW with amsgrad', (ps) => new AdamW(ps, { lr: 0.01, amsgrad: true, maximize: true })],
  ['RMSprop', (ps) => new RMSprop(ps)],
  ['RMSprop centered with momentum and weight decay', (ps) => new RMSprop(ps, { lr: 0.005, centered: true, momentum: 0.5, weightDecay: 0.1, alpha: 0.9 })],
]
const SIZES = { inputSize: 3, hiddenSize: 4, numClasses: 3 }
const TARGET = [0, 2, 1, 1, 0, 2, 2, 0]

/** A fresh model with seed-determined weights and data; fc.bias gets no gradient in the first 3 steps. */
function setup(dtype: 'float32' | 'float64') {
  manualSeed(42)
  const model = new GRUClassifier(SIZES, dtype)
  const x = randn([4, 2, 3], { dtype })
  const train = (optimizer: Optimizer, from: number, to: number) => {
    for (let k = from; k < to; k++) {
      optimizer.zeroGrad()
      lossAndGrad(model, x, TARGET)
      if (k < 3) model.fc.bias!.grad = null
      optimizer.step()
    }
  }
  return { model, train }
}

const snapshot = (model: GRUClassifier) => model.parameters().map((p) => Array.from(p.data))

describe.each(OPTIMIZERS)('%s', (_name, make) => {
  test.each(['float64', 'float32'] as const)('stateDict → fresh optimizer → loadStateDict continues bit for bit (%s)', (dtype) => {
    const straight = setup(dtype)
    straight.train(make(straight.model.parameters()), 0, 6)

    const first = setup(dtype)
    const optimizer = make(first.model.parameters())
    first.train(optimizer, 0, 2) // fc.bias has had no gradient yet: it has no state
    const { tensors, config } = optimizer.stateDict()
    const file = saveSafetensors({ ...first.model.stateDict(), ...Object.fromEntries(Object.entries(tensors).map(([k, t]) => [`opt.${k}`, t])) }, { optimizer: JSON.stringify(config) })

    const resumed = setup(dtype)
    const loaded = loadSafetensors(file)
    resumed.model.loadStateDict(Object.fromEntries(Object.entries(loaded.tensors).filter(([k]) => !k.startsWith('opt.'))))
    const fresh = make(resumed.model.parameters())
    fresh.lr = 0.5 // overwritten by the state dict
    fresh.loadStateDict({
      tensors: Object.fromEntries(Object.entries(loaded.tensors).filter(([k]) => k.startsWith('opt.')).map(([k, t]) => [k.slice(4), t])),
      config: JSON.parse(loaded.metadata.optimizer),
    })
    expect(fresh.stateDict().config).toEqual(config)
    resumed.train(fresh, 2, 6)
    expect(snapshot(resumed.model)).toEqual(snapshot(straight.model))
  })

  test('step skips params whose grad is null (no change, no state) and zeroGrad sets grads to null', () => {
    const { model } = setup('float64')
    const optimizer = make(model.parameters())
    const before = snapshot(model)
    optimizer.step() // no grads at all
    expect(snapshot(model)).toEqual(before)
    expect(optimizer.stateDict().tensors).toEqual({})
    lossAndGrad(model, randn([2, 1, 3], { dtype: 'float64' }), [0, 1])
    model.gru.namedParameters().weight_hh_l0.grad = null
    optimizer.step()
    const after = snapshot(model)
    const names = Object.keys(model.namedParameters())
    names.forEach((name, i) => {
      if (name === 'gru.weight_hh_l0') expect(after[i]).toEqual(before[i])
      else expect(after[i]).not.toEqual(before[i])
    })
    const { tensors, config } = optimizer.stateDict()
    expect(Object.keys(tensors).some((k) => k.startsWith('state.1.'))).toBe(false)
    expect('state.1.step' in config).toBe(false)
    optimizer.zeroGrad()
    for (const p of model.parameters()) expect(p.grad).toBeNull()
  })
})

function scalar(value: number): Tensor {
  return tensor([value], { dtype: 'float64', requiresGrad: true })
}

function stepWithGrad(optimizer: Optimizer, p: Tensor, g: number): number {
  p.grad = tensor([g], { dtype: 'float64' })
  optimizer.step()
  return p.data[0]
}

test('PyTorch’s update rules on numbers worked by hand', () => {
  // SGD: the buffer starts as the first gradient (no dampening on step 1), then b ← μb + (1 − τ)g.
  let p = scalar(1)
  const sgd = new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.5 })
  expect(stepWithGrad(sgd, p, 1)).toBeCloseTo(0.9, 15)
  expect(stepWithGrad(sgd, p, 1)).toBeCloseTo(0.9 - 0.1 * 1.4, 15)
  // Nesterov: d = g + μb.
  p = scalar(1)
  const nesterov = new SGD([p], { lr: 0.1, momentum: 0.5, nesterov: true })
  expect(stepWithGrad(nesterov, p, 2)).toBeCloseTo(1 - 0.1 * (2 + 0.5 * 2), 15)
  // Adam's first step: the bias corrections cancel to lr · g / (|g| + ε), about lr · sign(g) at any scale.
  p = scalar(0)
  expect(stepWithGrad(new Adam([p], { lr: 0.01 }), p, -1e-3)).toBeCloseTo((0.01 * 1e-3) / (1e-3 + 1e-8), 15)
  // AdamW shrinks p by (1 − lr·λ) before the same step; Adam's λ enters the gradient instead.
  const pw = scalar(2)
  expect(stepWithGrad(new AdamW([pw], { lr: 0.1, weightDecay: 0.5 }), pw, 1)).toBeCloseTo(2 * (1 - 0.05) - 0.1, 6)
  const pa = scalar(2)
  expect(stepWithGrad(new Adam([pa], { lr: 0.1, weightDecay: 0.5 }), pa, -0.5)).toBeCloseTo(2 - 0.1, 6) // g + λp = 0.5
  // RMSprop: p − lr · g / (√((1 − α)g²) + ε); centered uses √(v − ḡ²) = √(α(1 − α)) |g| on step 1.
  p = scalar(0)
  expect(stepWithGrad(new RMSprop([p], { lr: 0.01, eps: 0 }), p, 3)).toBeCloseTo(-0.01 / Math.sqrt(0.01), 12)
  p = scalar(0)
  expect(stepWithGrad(new RMSprop([p], { lr: 0.01, eps: 0, centered: true }), p, 3)).toBeCloseTo(-0.01 / Math.sqrt(0.99 * 0.01), 12)
})

test('amsgrad keeps the largest second moment, and per-parameter step counts drive the bias corrections', () => {
  const a = scalar(0)
  const b = scalar(0)
  const adam = new Adam([a, b], { lr: 0.1, amsgrad: true })
  a.grad = tensor([10], { dtype: 'float64' })
  adam.step() // b has no grad: no state, step count 0
  a.grad = tensor([0.1], { dtype: 'float64' })
  b.grad = tensor([0.1], { dtype: 'float64' })
  adam.step()
  const { tensors, config } = adam.stateDict()
  expect(config['state.0.step']).toBe(2)
  expect(config['state.1.step']).toBe(1)
  const v = tensors['state.0.exp_avg_sq'].data[0]
  expect(tensors['state.0.max_exp_avg_sq'].data[0]).toBeCloseTo(0.001 * 100, 12) // the larger, from step 1
  expect(v).toBeLessThan(tensors['state.0.max_exp_avg_sq'].data[0])
  expect(b.data[0]).toBeCloseTo(-0.1, 6) // first step for b: ≈ lr, as if it were step 1
})

test('options are checked, with the option and the value in the message', () => {
  const ps = () => [scalar(0)]
  expect(() => new SGD(ps(), {} as never)).toThrow(/SGD: lr is required/)
  expect(() => new SGD(ps(), { lr: -0.1 })).toThrow(/SGD: lr must be a finite number ≥ 0, got number -0.1/)
  expect(() => new Adam(ps(), { lr: NaN })).toThrow(/Adam: lr must be a finite number ≥ 0, got number NaN/)
  expect(() => new Adam(ps(), { betas: [1, 0.999] })).toThrow(/Adam: betas\[0\] must be a number in \[0, 1\), got number 1/)
  expect(() => new AdamW(ps(), { betas: [0.9, -0.1] })).toThrow(/AdamW: betas\[1\] must be a number in \[0, 1\), got number -0.1/)
  expect(() => new Adam(ps(), { betas: [0.9] as never })).toThrow(/betas must be an array \[beta1, beta2\], got the array \[0.9\]/)
  expect(() => new Adam(ps(), { eps: -1e-8 })).toThrow(/Adam: eps must be a finite number ≥ 0, got number -1e-8/)
  expect(() => new RMSprop(ps(), { weightDecay: -1 })).toThrow(/RMSprop: weightDecay must be a finite number ≥ 0, got number -1/)
  expect(() => new RMSprop(ps(), { momentum: -0.5 })).toThrow(/RMSprop: momentum must be a finite number ≥ 0/)
  expect(() => new SGD(ps(), { lr: 0.1, momentum: -1 })).toThrow(/SGD: momentum must be a finite number ≥ 0, got number -1/)
  expect(() => new Adam(ps(), { weight_decay: 0.1 } as never)).toThrow(/Adam: unknown option 'weight_decay' \(did you mean weightDecay\?\)/)
  expect(() => new SGD(ps(), { lr: 0.1, nesterov: true })).toThrow(/SGD: nesterov needs momentum > 0 and dampening 0, got momentum 0 and dampening 0/)
  expect(() => new SGD(ps(), { lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 })).toThrow(/dampening 0.1/)
  expect(() => new Adam(ps(), { amsgrad: 1 as never })).toThrow(/Adam: amsgrad must be true or false, got number 1/)
  const opt = new Adam(ps())
  expect(() => (opt.lr = -1)).toThrow(/Adam: lr must be a finite number ≥ 0, got number -1/)
  expect(opt.lr).toBe(1e-3)
})

test('params are checked: a non-empty list of distinct float leaves that require grad', () => {
  const p = scalar(0)
  expect(() => new Adam([])).toThrow(/Adam: params is empty/)
  expect(() => new Adam(p as never)).toThrow(/got a single Tensor; wrap it in an array/)
  expect(() => new Adam([p, 3 as never])).toThrow(/Adam: params\[1\] must be a Tensor, got number 3/)
  expect(() => new Adam([tensor([1], { dtype: 'int32' })])).toThrow(/params\[0\] is int32; only float tensors can be optimized/)
  expect(() => new Adam([tensor([1], { dtype: 'float64' })])).toThrow(/params\[0\] does not require grad/)
  expect(() => new Adam([p.mul(2)])).toThrow(/params\[0\] is not a leaf/)
  expect(() => new SGD([p, scalar(1), p], { lr: 1 })).toThrow(/SGD: params\[2\] is the same tensor as params\[0\]/)
  expect(new Adam(new Set([p])).params).toEqual([p])
})

test('loadStateDict checks the type, the keys and the shapes, and writes nothing unless all is sound', () => {
  const make = () => {
    const ps = [tensor([[1, 2, 3]], { dtype: 'float64', requiresGrad: true }), scalar(0)]
    const opt = new Adam(ps, { amsgrad: true })
    for (const p of ps) p.grad = Tensor.zeros(p.shape, 'float64').add(1)
    opt.step()
    return opt
  }
  const good = make().stateDict()
  const opt = make()
  const before = JSON.stringify(opt.stateDict().config)
  const bad = (tensors: Record<string, Tensor>, config: Record<string, unknown> = good.config) => () => opt.loadStateDict({ tensors, config })
  expect(bad(good.tensors, { ...good.config, type: 'AdamW' })).toThrow(/Adam.loadStateDict: the state dict is for optimizer the string "AdamW", not Adam/)
  expect(bad({ ...good.tensors, 'state.0.exp_avg': Tensor.zeros([3], 'float64') })).toThrow(/state.0.exp_avg has shape \[3\] but params\[0\] has shape \[1, 3\]/)
  const { ['state.1.max_exp_avg_sq']: _dropped, ...lacking } = good.tensors
  expect(bad(lacking)).toThrow(/missing state.1.max_exp_avg_sq/)
  expect(bad({ ...good.tensors, 'state.2.exp_avg': Tensor.zeros([1], 'float64') })).toThrow(/unexpected key 'state.2.exp_avg'; expected state.<i>.<name> with i < 2/)
  expect(bad({ ...good.tensors, 'state.0.momentum': Tensor.zeros([1, 3], 'float64') })).toThrow(/unexpected state.0.momentum/)
  expect(bad(good.tensors, { ...good.config, 'state.0.step': 0 })).toThrow(/state.0.step must be an integer ≥ 1, got number 0/)
  const { ['state.1.step']: _step, ...noStep } = good.config
  expect(bad(good.tensors, noStep)).toThrow(/params\[1\] has state tensors but config has no state.1.step/)
  const { eps: _eps, ...noEps } = good.config
  expect(bad(good.tensors, noEps)).toThrow(/config is missing eps/)
  expect(bad(good.tensors, { ...good.config, lr: -1 })).toThrow(/Adam.loadStateDict: lr must be a finite number ≥ 0/)
  expect(bad(good.tensors, { ...good.config, amsgrad: false })).toThrow(/unexpected state.0.max_exp_avg_sq/)
  expect(() => opt.loadStateDict(null as never)).toThrow(/expected \{ tensors, config \}/)
  expect(JSON.stringify(opt.stateDict().config)).toBe(before)
  const sgd = new SGD([scalar(0)], { lr: 1 })
  expect(() => sgd.loadStateDict({ tensors: {}, config: { ...sgd.stateDict().config, 'state.0.step': 1 } })).toThrow(/SGD.loadStateDict: unexpected config key 'state.0.step'/)
})

test('stateDict is a JSON-ready snapshot that later steps do not change', () => {
  const p = scalar(1)
  const opt = new RMSprop([p], { momentum: 0.9, centered: true })
  stepWithGrad(opt, p, 1)
  const dict = opt.stateDict()
  expect(JSON.parse(JSON.stringify(dict.config))).toEqual({ type: 'RMSprop', lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0.9, centered: true, maximize: false, 'state.0.step': 1 })
  expect(Object.keys(dict.tensors)).toEqual(['state.0.square_avg', 'state.0.momentum_buffer', 'state.0.grad_avg'])
  const saved = Array.from(dict.tensors['state.0.square_avg'].data)
  stepWithGrad(opt, p, 1)
  expect(Array.from(dict.tensors['state.0.square_avg'].data)).toEqual(saved)
  expect(new Adam([scalar(0)], { betas: [0.5, 0.6] }).stateDict().config.betas).toEqual([0.5, 0.6])
})
