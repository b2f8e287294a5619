// The float32 fused cells take σ from the SIMD kernel (tensor/kernels/simd-math.ts). Where σ underflows —
// a pre-activation of −1e38, or anything below −104 — it must be 0 as float32 makes it, not a floor of
// 6e-39: backward multiplies σ(1 − σ) by the inputs, and 6e-39 · 1e38 is a gradient of order 1 that the
// exact (float64) computation does not have. Here float32 layers must match float64 ones, gradients too.
import { GRU, LSTM, tensor, type Tensor } from '../../../src/index.js'

type Layer = LSTM | GRU

function run(make: (dtype: 'float32' | 'float64') => Layer, dtype: 'float32' | 'float64', inputs: number[]) {
  const layer = make(dtype)
  const ps = layer.namedParameters()
  // every gate's pre-activation at step 0 is the input itself, then 0.5·h and 0.5·x after
  ps.weight_ih_l0.data.fill(1)
  ps.weight_hh_l0.data.fill(0.5)
  ps.bias_ih_l0.data.fill(0)
  ps.bias_hh_l0.data.fill(0)
  const x = tensor(inputs.map((v) => [[v]]), { dtype, requiresGrad: true })
  const { output } = layer.forward(x)
  output.sum().backward()
  const grads = [x, ...layer.parameters()].map((t: Tensor) => Array.from(t.grad?.data ?? []))
  return { output: Array.from(output.data), grads }
}

const LAYERS: [string, (dtype: 'float32' | 'float64') => Layer][] = [
  ['LSTM', (dtype) => new LSTM({ inputSize: 1, hiddenSize: 1, dtype })],
  ['GRU', (dtype) => new GRU({ inputSize: 1, hiddenSize: 1, dtype })],
]

describe.each(LAYERS)('%s in float32 agrees with float64 where σ underflows', (_name, make) => {
  test.each([-1e38, -3e38, -1e30, -1e6, -200, -104, -100, -95, -89, 1e38])('first input %d', (v) => {
    const f32 = run(make, 'float32', [v, 0.5, -0.25])
    const f64 = run(make, 'float64', [v, 0.5, -0.25])
    f32.output.forEach((y, i) => expect(Math.abs(y - f64.output[i])).toBeLessThanOrEqual(1e-6 + 1e-6 * Math.abs(f64.output[i])))
    f32.grads.forEach((g, k) =>
      g.forEach((value, i) => {
        const want = f64.grads[k][i]
        if (!(Math.abs(value - want) <= 1e-5 + 1e-4 * Math.abs(want))) throw new Error(`gradient ${k}[${i}]: float32 ${value}, float64 ${want}`)
      }),
    )
  })
})
