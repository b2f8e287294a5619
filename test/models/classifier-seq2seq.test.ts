// SequenceClassifier over variable-length batches, and the Seq2Seq encoder–decoder.
import fc from 'fast-check'
import { crossEntropy, gradcheck, manualSeed, randn, Seq2Seq, SequenceClassifier, tensor, Adam, type Tensor } from '../../src/index.js'

test('a batch with lengths gives each sequence the logits it gets alone, truncated to its length', () => {
  fc.assert(
    fc.property(fc.constantFrom('rnn', 'lstm', 'gru' as const), fc.boolean(), fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }), (cell, bidirectional, lengths) => {
      manualSeed(1)
      const model = new SequenceClassifier({ inputSize: 3, hiddenSize: 4, numClasses: 2, cell, bidirectional, numLayers: 2, dtype: 'float64' })
      const T = Math.max(...lengths)
      const x = randn([lengths.length, T, 3], { dtype: 'float64' })
      const batched = model.forward(x, lengths)
      lengths.forEach((n, b) => {
        const alone = model.forward(x.slice(0, b, b + 1).slice(1, 0, n))
        for (let k = 0; k < 2; k++) expect(Math.abs(batched.data[b * 2 + k] - alone.data[k])).toBeLessThan(1e-12)
      })
    }),
    { numRuns: 30 },
  )
})

test('SequenceClassifier: padding beyond a length changes nothing; gradcheck passes; token inputs work', () => {
  manualSeed(2)
  const model = new SequenceClassifier({ inputSize: 2, hiddenSize: 3, numClasses: 3, cell: 'gru', bidirectional: true, dtype: 'float64' })
  const x = randn([2, 4, 2], { dtype: 'float64' })
  const before = Array.from(model.forward(x, [2, 4]).data)
  x.data.fill(99, 4, 8) // sequence 0's padding, steps 2 and 3
  expect(Array.from(model.forward(x, [2, 4]).data)).toEqual(before)
  const input = randn([2, 3, 2], { dtype: 'float64', requiresGrad: true })
  expect(gradcheck((xs) => model.forward(xs, [3, 1]), [input, ...model.parameters()], { fastMode: true })).toBe(true)
  const tokens = new SequenceClassifier({ vocabSize: 10, hiddenSize: 4, numClasses: 2 })
  expect(tokens.forward(tensor([[1, 2, 3], [4, 5, 0]], { dtype: 'int32' }), [3, 2]).shape).toEqual([2, 2])
  expect(() => model.forward(x, [5, 1])).toThrow(/lengths must hold 2 integers in \[1, 4\]/)
  expect(() => new SequenceClassifier({ hiddenSize: 3, numClasses: 2 })).toThrow(/exactly one of inputSize .* and vocabSize/)
})

test('Seq2Seq: teacher forcing shapes, gradcheck, greedy decoding agrees with argmax of forward', () => {
  manualSeed(4)
  const model = new Seq2Seq({ sourceVocabSize: 6, targetVocabSize: 5, embeddingDim: 3, hiddenSize: 4, cell: 'lstm', dtype: 'float64' })
  const source = tensor([[1, 2, 3], [4, 5, 0]], { dtype: 'int32' })
  const decoderInputs = tensor([[0, 2, 3, 1], [0, 1, 1, 4]], { dtype: 'int32' })
  expect(model.forward(source, decoderInputs).shape).toEqual([2, 4, 5])
  expect(gradcheck(() => model.forward(source, decoderInputs), model.parameters(), { fastMode: true })).toBe(true)
  const decoded = model.decode(source, { bos: 0, eos: 4, maxLength: 3 })
  decoded.forEach((ids, b) => {
    // Feeding the decoded prefix back with teacher forcing reproduces each greedy choice.
    const inputs = tensor([[0, ...ids.slice(0, -1)]], { dtype: 'int32' })
    const logits = model.forward(source.slice(0, b, b + 1), inputs)
    ids.forEach((id, t) => {
      const row = Array.from(logits.data.slice(t * 5, t * 5 + 5))
      expect(row.indexOf(Math.max(...row))).toBe(id)
    })
  })
  const sampled = model.decode(source, { bos: 0, eos: 4, maxLength: 6, strategy: 'sample', seed: 3 })
  expect(model.decode(source, { bos: 0, eos: 4, maxLength: 6, strategy: 'sample', seed: 3 })).toEqual(sampled)
})

test('Seq2Seq learns to reverse short sequences', () => {
  manualSeed(5)
  const model = new Seq2Seq({ sourceVocabSize: 6, targetVocabSize: 7, embeddingDim: 8, hiddenSize: 24, cell: 'gru' })
  const optimizer = new Adam(model.parameters(), { lr: 0.02 })
  const BOS = 5
  const EOS = 6
  const batch = (rows: number[][]) => tensor(rows, { dtype: 'int32' })
  const examples = (n: number, offset: number) => Array.from({ length: n }, (_, i) => [0, 1, 2].map((j) => ((i * 7 + j * 3 + offset + (i >> 2) * j) % 5)))
  const train = examples(32, 0)
  let loss: Tensor | null = null
  for (let step = 0; step < 150; step++) {
    optimizer.zeroGrad()
    const targets = train.map((s) => [...s].reverse())
    const logits = model.forward(batch(train), batch(targets.map((t) => [BOS, ...t])))
    loss = crossEntropy(logits.reshape([-1, 7]), targets.map((t) => [...t, EOS]).flat())
    loss.backward()
    optimizer.step()
  }
  expect((loss as Tensor).item()).toBeLessThan(0.1)
  const decoded = model.decode(batch(train.slice(0, 8)), { bos: BOS, eos: EOS, maxLength: 5 })
  decoded.forEach((ids, i) => expect(ids).toEqual([...[...train[i]].reverse(), EOS]))
})
