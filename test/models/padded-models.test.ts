// The models on batches of unequal sequences: padSequences, SequenceClassifier's and LanguageModel's lengths,
// Seq2Seq's sourceLengths. Oracle: each sequence run alone, unpadded; padding values must change nothing.
import { LanguageModel, Seq2Seq, SequenceClassifier, Tensor, crossEntropy, gradcheck, manualSeed, padSequences, randn, tensor } from '../../src/index.js'
import { expectPlainError } from '../helpers/errors.js'
import { maxDiff } from '../helpers/max-diff.js'

const tokensOf = (ids: number[]) => tensor([ids], { dtype: 'int32' })

test('padSequences pads token arrays and tensors at the end and gives their lengths', () => {
  const { padded, lengths } = padSequences([[1, 2, 3], [4], [5, 6]])
  expect(padded.dtype).toBe('int32')
  expect(padded.toArray()).toEqual([[1, 2, 3], [4, 0, 0], [5, 6, 0]])
  expect(lengths).toEqual([3, 1, 2])
  expect(padSequences([[1, 2], [3]], { padValue: -100 }).padded.toArray()).toEqual([[1, 2], [3, -100]])
  const a = randn([2, 3], { dtype: 'float64', requiresGrad: true })
  const b = randn([1, 3], { dtype: 'float64', requiresGrad: true })
  const floats = padSequences([a, b])
  expect(floats.padded.shape).toEqual([2, 2, 3])
  expect(floats.lengths).toEqual([2, 1])
  expect(Array.from(floats.padded.data.subarray(9))).toEqual([0, 0, 0])
  expect(gradcheck((x, y) => padSequences([x, y]).padded, [a, b])).toBe(true)
  expectPlainError(() => padSequences([]), /padSequences: expected a non-empty array of sequences/)
  expectPlainError(() => padSequences([[1], [2.5]]), /sequences\[1\]\[0\] is number 2.5/)
  expectPlainError(() => padSequences([[1]], { padValue: 0.5 }), /padValue must be an int32 integer for token ids/)
  expectPlainError(() => padSequences([a, randn([2, 4], { dtype: 'float64' })]), /sequences\[1\] must be a float64 tensor \[L, 3\] like sequences\[0\]; got float64 \[2, 4\]/)
})

test('padSequences refuses a token id or padValue outside int32 (it would wrap), naming it', () => {
  expectPlainError(() => padSequences([[1], [3, 2 ** 31]]), /^padSequences: sequences\[1\]\[1\] is number 2147483648, not an int32 token id \(an integer in −2147483648 … 2147483647\)$/)
  expectPlainError(() => padSequences([[-(2 ** 31) - 1]]), /sequences\[0\]\[0\] is number -2147483649/)
  expectPlainError(() => padSequences([[1], [1, 2]], { padValue: 2 ** 31 }), /padValue must be an int32 integer for token ids \(in −2147483648 … 2147483647\), got 2147483648/)
  expect(padSequences([[2 ** 31 - 1], [-(2 ** 31)]]).padded.toArray()).toEqual([[2 ** 31 - 1], [-(2 ** 31)]])
})

test('padSequences takes empty sequences as PyTorch’s pad_sequence does: a row of padding; all empty gives T = 0', () => {
  // pad_sequence([tensor([]), tensor([1, 2])], batch_first=True) is [[0, 0], [1, 2]]; two empty ones give [2, 0]
  const tokens = padSequences([[], [1, 2]], { padValue: 7 })
  expect(tokens.padded.toArray()).toEqual([[7, 7], [1, 2]])
  expect(tokens.lengths).toEqual([0, 2])
  const none = padSequences([[], new Int32Array(0)])
  expect(none.padded.shape).toEqual([2, 0])
  expect(none.lengths).toEqual([0, 0])
  const a = randn([0, 3], { dtype: 'float64' })
  const b = randn([2, 3], { dtype: 'float64', requiresGrad: true })
  const floats = padSequences([a, b], { padValue: -1 })
  expect(floats.padded.shape).toEqual([2, 2, 3])
  expect(Array.from(floats.padded.data.subarray(0, 6))).toEqual([-1, -1, -1, -1, -1, -1])
  expect(gradcheck((y) => padSequences([a, y]).padded, [b])).toBe(true)
  expect(padSequences([a, randn([0, 3], { dtype: 'float64' })]).padded.shape).toEqual([2, 0, 3])
  // a length of 0 is then one the layers refuse, as pack_padded_sequence does, pointing at mask
  const model = new SequenceClassifier({ vocabSize: 3, hiddenSize: 2, numClasses: 2 })
  expectPlainError(() => model.forward(tokens.padded, tokens.lengths), /lengths must hold 2 integers in \[1, 2\]/)
  expectPlainError(() => padSequences([randn([])]), /sequences\[0\] must be an array of token ids or a tensor \[L, …\]; got a tensor \[\]/)
})

test('SequenceClassifier takes int32 lengths too, and refuses a float tensor', () => {
  manualSeed(1)
  const model = new SequenceClassifier({ inputSize: 2, hiddenSize: 3, numClasses: 2, cell: 'lstm', bidirectional: true, numLayers: 2, dtype: 'float64' })
  const x = randn([3, 4, 2], { dtype: 'float64' })
  expect(Array.from(model.forward(x, tensor([4, 1, 2], { dtype: 'int32' })).data)).toEqual(Array.from(model.forward(x, [4, 1, 2]).data))
  expect(Array.from(model.forward(x, new Int32Array([4, 1, 2])).data)).toEqual(Array.from(model.forward(x, [4, 1, 2]).data))
  expectPlainError(() => model.forward(x, tensor([4, 1, 2])), /lengths must hold 3 integers in \[1, 4\] .* got a float32 tensor \[3\]/)
})

test('LanguageModel with lengths: each text’s logits and final state as alone; a loss with ignoreIndex counts only real tokens', () => {
  for (const cell of ['rnn', 'lstm', 'gru'] as const) {
    manualSeed(2)
    const lm = new LanguageModel({ vocabSize: 7, embeddingDim: 3, hiddenSize: 4, numLayers: 2, cell, dtype: 'float64' })
    const texts = [[1, 2, 3, 4, 5], [6, 1], [2, 2, 3]]
    const inputs = padSequences(texts.map((ids) => ids.slice(0, -1)), { padValue: 5 }) // padding a real id: it must not matter
    const targets = padSequences(texts.map((ids) => ids.slice(1)), { padValue: -100 })
    const { logits, state } = lm.forward(inputs.padded, undefined, { lengths: inputs.lengths })
    let total = 0
    texts.forEach((ids, b) => {
      const n = ids.length - 1
      const alone = lm.forward(tokensOf(ids.slice(0, -1)))
      expect(maxDiff(logits.slice(0, b, b + 1).slice(1, 0, n).data, alone.logits.data)).toBeLessThanOrEqual(1e-12)
      expect(maxDiff(state.h.slice(1, b, b + 1).data, alone.state.h.data)).toBeLessThanOrEqual(1e-12)
      if (state.c) expect(maxDiff(state.c.slice(1, b, b + 1).data, (alone.state.c as Tensor).data)).toBeLessThanOrEqual(1e-12)
      total += crossEntropy(alone.logits.reshape([n, 7]), ids.slice(1), { reduction: 'sum' }).item()
    })
    const loss = crossEntropy(logits.reshape([-1, 7]), targets.padded.reshape([-1]))
    expect(Math.abs(loss.item() - total / 7)).toBeLessThanOrEqual(1e-12) // the mean over the 7 real targets of 12
    expectPlainError(() => lm.forward(inputs.padded, undefined, { lengths: [4, 0, 2] }), /lengths\[1\] is number 0/)
  }
})

test('Seq2Seq with sourceLengths: each source encoded as alone, so padding changes nothing; gradcheck; decode takes them', () => {
  for (const cell of ['gru', 'lstm'] as const) {
    manualSeed(3)
    const model = new Seq2Seq({ sourceVocabSize: 6, targetVocabSize: 5, embeddingDim: 3, hiddenSize: 4, numLayers: 2, cell, dtype: 'float64' })
    const sources = [[1, 2, 3, 4], [5], [2, 3]]
    const { padded, lengths } = padSequences(sources, { padValue: 4 })
    const decoderInputs = tensor([[0, 2, 3], [0, 1, 1], [0, 4, 2]], { dtype: 'int32' })
    const logits = model.forward(padded, decoderInputs, { sourceLengths: lengths })
    sources.forEach((ids, b) => {
      const alone = model.forward(tokensOf(ids), decoderInputs.slice(0, b, b + 1))
      expect(maxDiff(logits.slice(0, b, b + 1).data, alone.data)).toBeLessThanOrEqual(1e-12)
    })
    const greedy = model.decode(padded, { bos: 0, eos: 4, maxLength: 4, sourceLengths: lengths })
    sources.forEach((ids, b) => expect(greedy[b]).toEqual(model.decode(tokensOf(ids), { bos: 0, eos: 4, maxLength: 4 })[0]))
    expect(gradcheck(() => model.forward(padded, decoderInputs, { sourceLengths: lengths }), model.parameters(), { fastMode: true })).toBe(true)
    expectPlainError(() => model.forward(padded, decoderInputs, { lengths } as unknown as { sourceLengths: number[] }), /Seq2Seq.forward/, /lengths/)
  }
})
