// TensorFlow.js's own numbers (test/fixtures/tfjs/recurrent.json, written by scripts/gen-tfjs-fixtures.mjs
// with tfjs-layers 4.22 on its CPU backend): each case's model.json config and Keras-layout weights go
// through fromKerasLayer, and the layer must give tfjs's outputs, last state and weight gradients (of
// L = Σ output ⊙ w) to float32 precision, fused and reference, float32 and float64. The cases are tfjs's
// defaults (hard_sigmoid gates, its GRU being reset_after=False), sigmoid, SimpleRNN tanh/relu/linear,
// no bias, gates on hard σ's clip, and pre-activations at exactly ±2.5.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fromKerasLayer, GRU, LSTM, Tensor, toKerasWeights, type FloatDType, type Impl, type KerasKind, type KerasLayerConfig } from '../../src/index.js'

interface Case {
  name: string
  kind: KerasKind
  config: KerasLayerConfig
  B: number
  T: number
  D: number
  U: number
  weights: { kernel: number[]; recurrent_kernel: number[]; bias?: number[] }
  x: number[]
  w: number[]
  output: number[]
  h: number[]
  c?: number[]
  grads: { kernel: number[]; recurrent_kernel: number[]; bias?: number[] }
}

const file = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'tfjs', 'recurrent.json'), 'utf8')) as { tfjsLayers: string; cases: Case[] }
const GATES: Record<KerasKind, number> = { simple_rnn: 1, lstm: 4, gru: 3 }

/** Worst |a − b| / (1 + |b|): float32 keeps about 7 digits, so tfjs's numbers are good to a few 1e-7. */
function worst(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length)
  let err = 0
  for (let i = 0; i < expected.length; i++) err = Math.max(err, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])))
  return err
}

function run(c: Case, dtype: FloatDType, impl: Impl) {
  const G = GATES[c.kind]
  const f32 = (values: number[], shape: number[]) => new Tensor(Float32Array.from(values), shape)
  const weights = { kernel: f32(c.weights.kernel, [c.D, G * c.U]), recurrentKernel: f32(c.weights.recurrent_kernel, [c.U, G * c.U]), ...(c.weights.bias ? { bias: f32(c.weights.bias, [G * c.U]) } : {}) }
  const layer = fromKerasLayer(c.kind, c.config, weights, { dtype, impl })
  const x = f32(c.x, [c.B, c.T, c.D]).to(dtype)
  const r = layer instanceof LSTM ? layer.forward(x) : layer.forward(x)
  r.output.mul(f32(c.w, [c.B, c.T, c.U]).to(dtype)).sum().backward()
  // the gradients in Keras's layout; Keras's one bias is b_ih here (b_hh stays zero), so its gradient is b_ih's
  const params = layer.namedParameters()
  const g = (name: string) => params[name].grad as Tensor
  const grads = toKerasWeights(c.kind, {
    weight_ih_l0: g('weight_ih_l0'),
    weight_hh_l0: g('weight_hh_l0'),
    ...(c.weights.bias ? { bias_ih_l0: g('bias_ih_l0'), bias_hh_l0: g('bias_ih_l0').mul(0) } : {}),
  }, c.kind === 'gru' ? { resetAfter: false } : undefined)
  return { layer, output: r.output.data, h: r.h.data, c: 'c' in r ? (r.c as Tensor).data : null, grads }
}

test(`the fixtures are tfjs-layers ${file.tfjsLayers}'s, for every layer and activation`, () => {
  expect(file.cases.length).toBeGreaterThanOrEqual(15)
  const configs = file.cases.map((c) => `${c.kind} ${String(c.config.activation)} ${String(c.config.recurrent_activation ?? '')}`)
  for (const want of ['simple_rnn tanh', 'simple_rnn relu', 'simple_rnn linear', 'lstm tanh hard_sigmoid', 'lstm tanh sigmoid', 'gru tanh hard_sigmoid', 'gru tanh sigmoid']) {
    expect(configs.map((s) => s.trim())).toContain(want)
  }
})

describe.each(file.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  test('the layer fromKerasLayer builds is the one tfjs runs', () => {
    const { layer } = run(c, 'float32', 'fused')
    expect(layer.batchFirst).toBe(true)
    if (layer instanceof LSTM || layer instanceof GRU) expect(layer.recurrentActivation).toBe(c.config.recurrent_activation === 'hard_sigmoid' ? 'hardSigmoid' : 'sigmoid')
    if (layer instanceof GRU) expect(layer.resetAfter).toBe(false)
  })

  for (const dtype of ['float32', 'float64'] as const) {
    for (const impl of ['fused', 'reference'] as const) {
      test(`${dtype} ${impl}: output, last state and weight gradients equal tfjs's to float32 precision`, () => {
        const r = run(c, dtype, impl)
        // within 1e-6 relative, a few float32 roundings (measured: at most 3e-7; the float32 reference
        // path gives tfjs's forward bit for bit in most cases)
        expect(worst(r.output, c.output)).toBeLessThan(1e-6)
        expect(worst(r.h, c.h)).toBeLessThan(1e-6)
        if (c.c !== undefined) expect(worst(r.c ?? [], c.c)).toBeLessThan(1e-6)
        expect(worst(r.grads.kernel.data, c.grads.kernel)).toBeLessThan(1e-6)
        expect(worst(r.grads.recurrentKernel.data, c.grads.recurrent_kernel)).toBeLessThan(1e-6)
        if (c.grads.bias) expect(worst(r.grads.bias?.data ?? [], c.grads.bias)).toBeLessThan(1e-6)
      })
    }
  }
})
