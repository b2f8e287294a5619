// An honest learning test: an LSTM language model trained by truncated BPTT on embedded Reber text must
// come within 10% of the grammar's optimal cross-entropy (computed exactly below from its transition
// probabilities), far below the unigram cross-entropy. Both gaps are asserted.
import { Adam, CharTokenizer, Generator, LanguageModel, manualSeed, trainLanguageModel } from '../../src/index.js'
import { embeddedReberText } from '../../src/data/index.js'

// Hand derivation (independent of the library's embeddedReberEntropies): the inner Reber graph makes 6
// binary choices on average (expected node visits 1, 1, 2, 1, 1), the outer T/P one more, in 12 symbols.
const OPTIMAL = (7 * Math.LN2) / 12
const UNIGRAM = -[2, 2, 2.5, 2, 1, 1, 1.5].reduce((acc, c) => acc + (c / 12) * Math.log(c / 12), 0)

test('an LSTM language model learns the embedded Reber grammar to within 10% of the optimum', () => {
  manualSeed(0)
  const train = embeddedReberText(1500, new Generator(1))
  const validation = embeddedReberText(600, new Generator(2))
  const tokenizer = new CharTokenizer(train)
  const model = new LanguageModel({ vocabSize: tokenizer.vocabSize, embeddingDim: 8, hiddenSize: 32, cell: 'lstm' })
  const optimizer = new Adam(model.parameters(), { lr: 0.01 })
  const result = trainLanguageModel({
    model,
    optimizer,
    train: tokenizer.encode(train),
    validation: tokenizer.encode(validation),
    batchSize: 16,
    bptt: 40,
    steps: 300,
    clipNorm: 1,
    evalEvery: 100,
  })
  const final = result.evaluations[result.evaluations.length - 1].loss
  expect(final).toBeLessThanOrEqual(OPTIMAL * 1.1)
  expect(final).toBeGreaterThan(OPTIMAL * 0.95) // no model beats the grammar's own entropy by much on 7,000 symbols
  expect(final).toBeLessThan(UNIGRAM / 3)
})
