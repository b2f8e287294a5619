// LanguageModel: shapes, tied weights, gradcheck, and seeded generation (topK = 1 is greedy, the same seed
// gives the same ids, a stop token ends the stream).
import { gradcheck, LanguageModel, manualSeed, tensor, Tensor } from '../../src/index.js'
import { argmax } from '../../src/internals.js'

const tokens = (rows: number[][]) => tensor(rows, { dtype: 'int32' })

test('forward maps [B, T] tokens to [B, T, V] logits and carries the state', () => {
  for (const cell of ['rnn', 'lstm', 'gru'] as const) {
    const model = new LanguageModel({ vocabSize: 6, embeddingDim: 4, hiddenSize: 5, numLayers: 2, cell })
    const { logits, state } = model.forward(tokens([[0, 1, 2], [3, 4, 5]]))
    expect(logits.shape).toEqual([2, 3, 6])
    expect(state.h.shape).toEqual([2, 2, 5])
    expect(state.c === undefined).toBe(cell !== 'lstm')
    // Two halves with the state carried equal one whole pass.
    const first = model.forward(tokens([[0, 1], [3, 4]]))
    const second = model.forward(tokens([[2], [5]]), first.state)
    const whole = Array.from(logits.data)
    const last = whole.filter((_, i) => Math.floor(i / 6) % 3 === 2)
    last.forEach((v, i) => expect(Math.abs(v - second.logits.data[i])).toBeLessThan(1e-6))
  }
})

test('tied weights share the embedding matrix and drop decoder.weight from the state dict', () => {
  const model = new LanguageModel({ vocabSize: 7, embeddingDim: 6, hiddenSize: 6, tieWeights: true })
  const keys = Object.keys(model.stateDict())
  expect(keys).not.toContain('decoder.weight')
  expect(keys).toContain('embedding.weight')
  expect(keys).toContain('decoder.bias')
  expect(() => new LanguageModel({ vocabSize: 7, embeddingDim: 5, hiddenSize: 6, tieWeights: true })).toThrow(/tieWeights needs embeddingDim \(5\) equal to hiddenSize \(6\)/)
})

test('gradcheck passes through the whole model, every cell', () => {
  for (const cell of ['rnn', 'lstm', 'gru'] as const) {
    manualSeed(3)
    const model = new LanguageModel({ vocabSize: 4, embeddingDim: 3, hiddenSize: 3, cell, tieWeights: true, dtype: 'float64' })
    const input = tokens([[0, 3, 1], [2, 2, 0]])
    expect(gradcheck(() => model.forward(input).logits, model.parameters(), { fastMode: true })).toBe(true)
  }
})

test('generation: topK = 1 is greedy, the same seed repeats, a stop token ends it', () => {
  manualSeed(11)
  const model = new LanguageModel({ vocabSize: 9, embeddingDim: 4, hiddenSize: 8, cell: 'gru' })
  const greedy: number[] = []
  let state
  let input = tokens([[1, 2]])
  for (let n = 0; n < 6; n++) {
    const step = model.forward(input, state)
    state = step.state
    const T = input.shape[1]
    const next = argmax(step.logits.data.subarray((T - 1) * 9, T * 9))
    greedy.push(next)
    input = tokens([[next]])
  }
  expect(model.generate({ prompt: [1, 2], maxTokens: 6, topK: 1 })).toEqual(greedy)
  const a = model.generate({ prompt: [4], maxTokens: 30, temperature: 1.5, seed: 5 })
  const b = model.generate({ prompt: [4], maxTokens: 30, temperature: 1.5, seed: 5 })
  expect(a).toEqual(b)
  expect(a).toHaveLength(30)
  expect(model.generate({ prompt: [4], maxTokens: 30, temperature: 1.5, seed: 6 })).not.toEqual(a)
  const stop = a[3]
  const stopped = model.generate({ prompt: [4], maxTokens: 30, temperature: 1.5, seed: 5, stopToken: stop })
  expect(stopped).toEqual(a.slice(0, a.indexOf(stop) + 1))
  const streamed: number[] = []
  for (const id of model.stream({ prompt: [4], maxTokens: 30, temperature: 1.5, seed: 5 })) streamed.push(id)
  expect(streamed).toEqual(a)
  expect(model.training).toBe(true) // generation evaluates, then restores the mode
})

test('bad input names what was expected', () => {
  const model = new LanguageModel({ vocabSize: 5, embeddingDim: 3, hiddenSize: 3 })
  expect(() => model.forward(tensor([[0.5, 1]]))).toThrow(/expected int32 tokens of shape \[B, T\], got float32 \[1, 2\]/)
  expect(() => model.generate({ prompt: [], maxTokens: 3 })).toThrow(/prompt must be a non-empty array/)
  expect(() => model.generate({ prompt: [7], maxTokens: 3 })).toThrow(/prompt\[0\] = 7 is not a token id in \[0, 5\)/)
  expect(() => model.forward(tensor([[9]], { dtype: 'int32' }))).toThrow(/index 9 .*out of range for 5 embeddings/)
  expect(model.forward(new Tensor(new Int32Array([1]), [1, 1])).logits.shape).toEqual([1, 1, 5])
})
