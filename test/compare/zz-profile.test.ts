import { LSTM, randn, Generator, noGrad, grad, Tensor, cat } from '../../src/index.js'
test('profile', () => {
  const g = new Generator(1)
  const layer = new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, impl: 'reference', dtype: 'float64' })
  const x = randn([3, 2, 2], { dtype: 'float64', generator: g, requiresGrad: true })
  const f = () => { const r = layer.forward(x); return cat([r.output.reshape([-1]), r.h.reshape([-1]), r.c.reshape([-1])]) }
  for (let i = 0; i < 50; i++) noGrad(f)
  let t = performance.now()
  for (let i = 0; i < 200; i++) noGrad(f)
  console.log('forward nograd ms', (performance.now() - t) / 200)
  const out = f()
  const u = Tensor.empty(out.shape, 'float64'); u.data[0] = 1
  const params = [x, ...layer.parameters()]
  t = performance.now()
  for (let i = 0; i < 100; i++) grad(out, params, u)
  console.log('grad all ms', (performance.now() - t) / 100)
  t = performance.now()
  for (let i = 0; i < 100; i++) grad(out, [x], u)
  console.log('grad one ms', (performance.now() - t) / 100)
})
