// Generation and evaluation must leave a model's mode as they found it on every path: a stream abandoned
// between two ids (a UI that stops reading), a stream that throws, an evaluation that throws. A model
// silently left in eval mode trains on with dropout off.
import { LanguageModel, manualSeed, tensor } from '../../src/index.js'
import { evaluateLanguageModel } from '../../src/optim/trainer.js'

function model(): LanguageModel {
  manualSeed(17)
  return new LanguageModel({ vocabSize: 7, embeddingDim: 4, hiddenSize: 5, numLayers: 2, dropout: 0.5, cell: 'lstm' })
}

/** Whether the model drops out: two forward passes of the same tokens differ only in training mode. */
function dropsOut(m: LanguageModel): boolean {
  const tokens = tensor([[1, 2, 3, 4]], { dtype: 'int32' })
  const a = m.forward(tokens).logits.data
  const b = m.forward(tokens).logits.data
  return a.some((v, i) => v !== b[i])
}

describe('LanguageModel.stream', () => {
  test('an iterator abandoned after its first id leaves a training model training, dropout on', () => {
    const m = model()
    const ids = m.stream({ prompt: [1, 2], maxTokens: 10, seed: 3 })
    expect(typeof ids.next().value).toBe('number')
    expect(m.training).toBe(true)
    expect(m.rnn.training && m.drop.training).toBe(true)
    expect(dropsOut(m)).toBe(true) // a training step taken now still has its dropout
  })

  test('between two ids the mode is the caller’s: training code interleaved with a stream is trained with dropout', () => {
    const m = model()
    const ids = m.stream({ prompt: [1], maxTokens: 3, seed: 3 })
    ids.next()
    expect(dropsOut(m)).toBe(true)
    ids.next()
    expect(m.training).toBe(true)
    ids.return?.(undefined)
    expect(m.training).toBe(true)
  })

  test('the ids do not depend on the mode: a stream from a training model is the one from an evaluating model', () => {
    const m = model()
    const fromTraining = m.generate({ prompt: [1, 2], maxTokens: 12, seed: 9 })
    m.eval()
    expect(m.generate({ prompt: [1, 2], maxTokens: 12, seed: 9 })).toEqual(fromTraining)
    expect(m.training).toBe(false) // and an evaluating model stays evaluating
  })

  test('a stream that throws leaves the mode as it was', () => {
    const m = model()
    expect(() => m.generate({ prompt: [1], maxTokens: 3, temperature: -1 })).toThrow(/temperature/)
    expect(m.training).toBe(true)
  })
})

describe('evaluateLanguageModel', () => {
  test('restores training mode after a normal evaluation, and keeps eval mode for a model that was evaluating', () => {
    const m = model()
    const tokens = Array.from({ length: 60 }, (_, i) => (i * 3) % 7)
    const { loss } = evaluateLanguageModel(m, tokens, { batchSize: 2, bptt: 5 })
    expect(Number.isFinite(loss)).toBe(true)
    expect(m.training).toBe(true)
    m.eval()
    evaluateLanguageModel(m, tokens, { batchSize: 2, bptt: 5 })
    expect(m.training).toBe(false)
  })

  test('an evaluation that throws part-way restores training mode (and dropout) before the error reaches the caller', () => {
    const m = model()
    const tokens = Array.from({ length: 60 }, (_, i) => (i * 3) % 7)
    tokens[40] = 99 // not a token id: the embedding throws in a later window, after eval() was set
    expect(() => evaluateLanguageModel(m, tokens, { batchSize: 2, bptt: 5 })).toThrow(/99/)
    expect(m.training).toBe(true)
    expect(m.rnn.training && m.drop.training && m.embedding.training).toBe(true)
    expect(dropsOut(m)).toBe(true)
  })
})
