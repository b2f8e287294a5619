import { tensor, gradcheck, randn, manualSeed, matmul } from '../src/index.js'

test('smoke', () => {
  manualSeed(1)
  const a = randn([3, 4], { dtype: 'float64', requiresGrad: true })
  const b = randn([4, 2], { dtype: 'float64', requiresGrad: true })
  expect(gradcheck((x, y) => matmul(x, y).tanh().softmax().logSoftmax(0), [a, b])).toBe(true)
  const t = tensor([[1, 2], [3, 4]])
  expect(t.sum().item()).toBe(10)
})
