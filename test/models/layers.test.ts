// Linear, Embedding, Dropout, LayerNorm and the Module base: values against plain loops, gradients by
// gradcheck, and the state-dict contract.
import fc from 'fast-check'
import { Dropout, Embedding, gradcheck, LayerNorm, Linear, manualSeed, tensor, Tensor } from '../../src/index.js'
import { float64TensorArb } from '../../src/testing/index.js'

const dims = fc.integer({ min: 1, max: 4 })

test('Linear computes x Wᵀ + b on the last dim and passes gradcheck', () => {
  fc.assert(
    fc.property(dims, dims, dims, dims, fc.boolean(), (batch, extra, inF, outF, bias) => {
      const layer = new Linear({ inFeatures: inF, outFeatures: outF, bias, dtype: 'float64' })
      const x = new Tensor(Float64Array.from({ length: batch * extra * inF }, (_, i) => Math.sin(i + 1)), [batch, extra, inF])
      const y = layer.forward(x)
      expect(y.shape).toEqual([batch, extra, outF])
      for (let r = 0; r < batch * extra; r++) {
        for (let o = 0; o < outF; o++) {
          let want = bias ? (layer.bias as Tensor).data[o] : 0
          for (let i = 0; i < inF; i++) want += x.data[r * inF + i] * layer.weight.data[o * inF + i]
          expect(Math.abs(y.data[r * outF + o] - want)).toBeLessThan(1e-12)
        }
      }
      x.requiresGrad = true
      const params = layer.parameters()
      expect(gradcheck((input) => layer.forward(input), [x, ...params])).toBe(true)
    }),
    { numRuns: 20 },
  )
})

test('Linear initialises in U(−1/√in, 1/√in) and repeats under the same seed', () => {
  manualSeed(3)
  const a = new Linear({ inFeatures: 16, outFeatures: 8 })
  manualSeed(3)
  const b = new Linear({ inFeatures: 16, outFeatures: 8 })
  expect(Array.from(a.weight.data)).toEqual(Array.from(b.weight.data))
  for (const v of a.weight.data) expect(Math.abs(v)).toBeLessThanOrEqual(0.25)
  expect(Object.keys(a.stateDict())).toEqual(['weight', 'bias'])
})

test('Embedding picks rows and scatters gradients back, adding repeats', () => {
  const emb = new Embedding({ numEmbeddings: 5, embeddingDim: 3, dtype: 'float64' })
  const ids = tensor([[0, 4], [4, 2]], { dtype: 'int32' })
  const y = emb.forward(ids)
  expect(y.shape).toEqual([2, 2, 3])
  expect(Array.from(y.data.slice(3, 6))).toEqual(Array.from(emb.weight.data.slice(12, 15)))
  y.sum().backward()
  const g = Array.from((emb.weight.grad as Tensor).data)
  expect(g).toEqual([1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2, 2])
  expect(gradcheck((w) => w.matmul(tensor([[1], [2], [3]], { dtype: 'float64' })).sum().add(emb.forward(ids).pow(2).sum()), [emb.weight])).toBe(true)
  expect(() => emb.forward(tensor([5], { dtype: 'int32' }))).toThrow(/index 5 .*out of range for 5 embeddings/)
  expect(() => emb.forward(tensor([1]))).toThrow(/int32/)
})

test('Dropout zeroes about p of the elements and scales the rest in training, and is the identity in eval', () => {
  manualSeed(11)
  const drop = new Dropout({ p: 0.25 })
  const x = tensor(new Float64Array(4000).fill(1), { dtype: 'float64' })
  const y = drop.forward(x)
  const zeros = Array.from(y.data).filter((v) => v === 0).length
  expect(zeros / 4000).toBeGreaterThan(0.22)
  expect(zeros / 4000).toBeLessThan(0.28)
  for (const v of y.data) expect(v === 0 || Math.abs(v - 1 / 0.75) < 1e-15).toBe(true)
  drop.eval()
  expect(drop.forward(x)).toBe(x)
  expect(() => new Dropout({ p: 1 })).toThrow(/dropout must be a number in \[0, 1\)/)
})

test('LayerNorm normalises the trailing dims (biased variance) and passes gradcheck', () => {
  fc.assert(
    fc.property(float64TensorArb([3, 4], { min: -3, max: 3 }), (x) => {
      const norm = new LayerNorm({ normalizedShape: 4, dtype: 'float64' })
      norm.weight?.data.set([1, 2, 0.5, -1])
      norm.bias?.data.set([0, 0.1, 0.2, 0.3])
      const y = norm.forward(x)
      for (let r = 0; r < 3; r++) {
        const row = Array.from(x.data.slice(r * 4, r * 4 + 4))
        const mean = row.reduce((a, b) => a + b, 0) / 4
        const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 4
        row.forEach((v, j) => {
          const want = ((v - mean) / Math.sqrt(variance + 1e-5)) * [1, 2, 0.5, -1][j] + [0, 0.1, 0.2, 0.3][j]
          expect(Math.abs(y.data[r * 4 + j] - want)).toBeLessThan(1e-12)
        })
      }
      expect(gradcheck((input) => norm.forward(input).mul(tensor([1, 2, 3, 4], { dtype: 'float64' })), [x, norm.weight as Tensor, norm.bias as Tensor])).toBe(true)
    }),
    { numRuns: 15 },
  )
})

test('loadStateDict checks every key and shape and names the problems, writing nothing on error', () => {
  const layer = new Linear({ inFeatures: 3, outFeatures: 2 })
  const before = Array.from(layer.weight.data)
  expect(() => layer.loadStateDict({ weight: tensor([[1, 2, 3], [4, 5, 6]]) })).toThrow(/missing keys: bias/)
  expect(() => layer.loadStateDict({ weight: tensor([[1, 2, 3], [4, 5, 6]]), bias: tensor([1, 2]), extra: tensor([1]) })).toThrow(/unexpected keys: extra/)
  expect(() => layer.loadStateDict({ weight: tensor([[1, 2], [3, 4]]), bias: tensor([1, 2]) })).toThrow(/weight: the file has shape \[2, 2\] but the module expects \[2, 3\]/)
  expect(Array.from(layer.weight.data)).toEqual(before)
  layer.loadStateDict({ weight: tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' }) }, { strict: false })
  expect(Array.from(layer.weight.data)).toEqual([1, 2, 3, 4, 5, 6])
})

test('constructors reject unknown and bad options by name', () => {
  expect(() => new Linear({ inFeatures: 3, outFeatures: 0 })).toThrow(/outFeatures must be a positive integer, got number 0/)
  expect(() => new Linear({ in_features: 3 } as unknown as { inFeatures: number; outFeatures: number })).toThrow(/unknown option 'in_features' \(did you mean inFeatures\?\)/)
  expect(() => new LayerNorm({ normalizedShape: 2.5 })).toThrow(/normalizedShape\[0\] must be a positive integer/)
})
