// The models take impl like their layers: with 'reference' their recurrent layers run the cells' equations,
// so createGraph differentiates through them twice (a gradient penalty); impl changes no parameter, so a
// checkpoint saved with one loads into the other.
import { Generator, LanguageModel, Seq2Seq, SequenceClassifier, Tensor, grad, loadCheckpoint, randn, saveCheckpoint, tensor } from '../../src/index.js'
import { expectPlainError } from '../helpers/errors.js'
import { expectClose } from '../autograd/helpers.js'

const classifier = (impl?: 'fused' | 'reference') => new SequenceClassifier({ inputSize: 3, hiddenSize: 4, numClasses: 2, cell: 'lstm', bidirectional: true, dtype: 'float64', impl })
const lengths = [4, 2, 3]

function loss(model: SequenceClassifier, x: Tensor): Tensor {
  return model.forward(x, lengths).tanh().sum()
}
// loss + ‖∂loss/∂x‖²: needs the gradient of a gradient
function penalized(model: SequenceClassifier, x: Tensor): Tensor {
  const l = loss(model, x)
  const [dx] = grad(l, [x], { createGraph: true })
  return l.add(dx.mul(dx).sum())
}

describe('SequenceClassifier, LanguageModel and Seq2Seq take impl', () => {
  const x = randn([3, 4, 3], { dtype: 'float64', generator: new Generator(5), requiresGrad: true })

  test('a gradient penalty through a reference SequenceClassifier: first-order gradients equal the fused model’s, the penalty’s gradient equals central differences', () => {
    const fused = classifier()
    const reference = classifier('reference')
    expect(fused.rnn.impl).toBe('fused')
    expect(reference.rnn.impl).toBe('reference')
    reference.loadStateDict(fused.stateDict())
    const params = (m: SequenceClassifier) => m.parameters()
    const first = grad(loss(fused, x), [x, ...params(fused)])
    const firstRef = grad(loss(reference, x), [x, ...params(reference)], { createGraph: true })
    first.forEach((g, k) => expectClose(firstRef[k].data, g.data, 1e-10, 1e-12))

    expectPlainError(() => penalized(fused, x).backward(), /build the layer, or the model, with impl: 'reference'/)
    const weights = params(reference)
    const analytic = grad(penalized(reference, x), weights)
    for (const [k, p] of weights.entries()) {
      for (const i of [0, p.size - 1]) {
        const at = p.data[i], eps = 1e-6
        p.data[i] = at + eps
        const up = penalized(reference, x).item()
        p.data[i] = at - eps
        const down = penalized(reference, x).item()
        p.data[i] = at
        expect(Math.abs(analytic[k].data[i] - (up - down) / (2 * eps))).toBeLessThan(1e-6)
      }
    }
  })

  test('LanguageModel keeps impl in its config; a checkpoint saved with one impl loads into the other', () => {
    const opts = { vocabSize: 5, embeddingDim: 3, hiddenSize: 4, cell: 'gru', dtype: 'float64' } as const
    const reference = new LanguageModel({ ...opts, impl: 'reference' })
    expect(reference.config.impl).toBe('reference')
    expect(reference.rnn.impl).toBe('reference')
    expect(new LanguageModel(opts).config.impl).toBe('fused')
    const fused = new LanguageModel({ ...reference.config, impl: 'fused' })
    loadCheckpoint(saveCheckpoint({ model: reference, step: 0 }), { model: fused })
    const tokens = tensor([[1, 2, 3, 4]], { dtype: 'int32' })
    const [dRef] = grad(reference.forward(tokens).logits.tanh().sum(), [reference.embedding.weight], { createGraph: true })
    const [dFused] = grad(fused.forward(tokens).logits.tanh().sum(), [fused.embedding.weight])
    expectClose(dRef.data, dFused.data, 1e-10, 1e-12)
    expect(dRef.gradFn).not.toBeNull()
  })

  test('Seq2Seq passes impl to its encoder and decoder', () => {
    const model = new Seq2Seq({ sourceVocabSize: 5, targetVocabSize: 6, embeddingDim: 3, hiddenSize: 4, cell: 'lstm', impl: 'reference', dtype: 'float64' })
    expect(model.encoder.impl).toBe('reference')
    expect(model.decoder.impl).toBe('reference')
  })

  test.each([
    ['SequenceClassifier', () => new SequenceClassifier({ inputSize: 3, hiddenSize: 4, numClasses: 2, impl: 'fast' as never })],
    ['LanguageModel', () => new LanguageModel({ vocabSize: 5, embeddingDim: 3, hiddenSize: 4, impl: 'fast' as never })],
    ['Seq2Seq', () => new Seq2Seq({ sourceVocabSize: 5, targetVocabSize: 6, embeddingDim: 3, hiddenSize: 4, impl: 'fast' as never })],
  ])('%s refuses an unknown impl', (name, make) => {
    expectPlainError(make, new RegExp(`^${name}: impl must be one of 'fused', 'reference', got the string "fast"$`))
  })
})
