// The truncated-BPTT trainer: windows and carried state, determinism, exact resume through a checkpoint,
// early stop, callbacks, and the stop on a non-finite loss or gradient.
import { Adam, CharTokenizer, evaluateLanguageModel, Generator, LanguageModel, loadCheckpoint, manualSeed, saveCheckpoint, SGD, StepLR, trainLanguageModel, type Tensor } from '../../src/index.js'
import { batchStreams, embeddedReberText, streamWindow } from '../../src/data/index.js'
import { isGradEnabled } from '../../src/autograd/engine.js'
import { evaluationWindows } from '../../src/optim/trainer.js'

const text = embeddedReberText(80, new Generator(3))
const tokenizer = new CharTokenizer(text)
const ids = tokenizer.encode(text)

function setup(seed: number) {
  manualSeed(seed)
  const model = new LanguageModel({ vocabSize: tokenizer.vocabSize, embeddingDim: 4, hiddenSize: 8, numLayers: 2, cell: 'lstm', dropout: 0.2 })
  const optimizer = new Adam(model.parameters(), { lr: 0.01 })
  const schedule = new StepLR(optimizer, { stepSize: 3, gamma: 0.5 })
  return { model, optimizer, schedule }
}

const weights = (model: LanguageModel) => Object.values(model.stateDict()).flatMap((t: Tensor) => Array.from(t.data))

test('streams and windows: targets are the inputs shifted by one along each stream', () => {
  const batches = batchStreams('test', Int32Array.from({ length: 23 }, (_, i) => i), 2, 4)
  expect(batches.length).toBe(11)
  expect(batches.windows).toBe(3) // 10 input positions per stream: 4 + 4 + 2
  const { inputs, targets } = streamWindow(batches, 2)
  expect(inputs.shape).toEqual([2, 2])
  expect(Array.from(inputs.data)).toEqual([8, 9, 19, 20])
  expect(Array.from(targets.data)).toEqual([9, 10, 20, 21])
  expect(() => batchStreams('trainLanguageModel', new Int32Array(9), 2, 4)).toThrow(/9 tokens are too few for 2 streams with bptt 4: .* at least 10 tokens/)
  expect(() => batchStreams('trainLanguageModel', new Int32Array(10), 2, 4)).not.toThrow()
})

test('the same seed trains to the same bits twice', () => {
  const run = () => {
    const { model, optimizer, schedule } = setup(7)
    const result = trainLanguageModel({ model, optimizer, schedule, train: ids, batchSize: 4, bptt: 10, steps: 12, clipNorm: 1 })
    return { losses: result.history.map((h) => h.loss), weights: weights(model) }
  }
  expect(run()).toEqual(run())
})

test('training N steps equals training k, checkpointing, loading into fresh objects and training N − k', () => {
  const common = { train: ids, validation: ids.slice(0, 200), batchSize: 4, bptt: 10, clipNorm: 1, evalEvery: 4 }
  const straight = setup(9)
  const full = trainLanguageModel({ ...straight, ...common, steps: 11 })

  const first = setup(9)
  const part = trainLanguageModel({ ...first, ...common, steps: 5 })
  const bytes = saveCheckpoint({ model: first.model, optimizer: first.optimizer, schedule: first.schedule, step: part.state.step, trainer: part.state, extra: { note: 'half way' } })
  manualSeed(12345) // disturb the generator: the checkpoint must restore it
  const fresh = setup(1)
  const loaded = loadCheckpoint(bytes, { model: fresh.model, optimizer: fresh.optimizer, schedule: fresh.schedule })
  expect(loaded.step).toBe(5)
  expect(loaded.extra).toEqual({ note: 'half way' })
  const rest = trainLanguageModel({ ...fresh, ...common, steps: 11, resume: loaded.trainer })

  expect(weights(fresh.model)).toEqual(weights(straight.model))
  expect([...part.history, ...rest.history].map((h) => h.loss)).toEqual(full.history.map((h) => h.loss))
  expect(fresh.optimizer.lr).toBe(straight.optimizer.lr)
})

test('a checkpoint from another architecture is refused, naming the first difference', () => {
  const { model } = setup(1)
  const bytes = saveCheckpoint({ model, step: 0 })
  const other = new LanguageModel({ vocabSize: tokenizer.vocabSize, embeddingDim: 4, hiddenSize: 9, numLayers: 2, cell: 'lstm' })
  expect(() => loadCheckpoint(bytes, { model: other })).toThrow(/different architecture: 'decoder.weight' is \[7, 8\] in the file but \[7, 9\] in the model/)
  const shallower = new LanguageModel({ vocabSize: tokenizer.vocabSize, embeddingDim: 4, hiddenSize: 8, numLayers: 1, cell: 'lstm' })
  expect(() => loadCheckpoint(bytes, { model: shallower })).toThrow(/different architecture: the model has no 'rnn\.(weight|bias)_(ih|hh)_l1'/)
})

test('a non-finite loss or gradient stops training with a message naming the step', () => {
  const { model, optimizer } = setup(2)
  const poison = (info: { step: number }) => {
    if (info.step === 2) model.embedding.weight.data[0] = NaN
  }
  expect(() => trainLanguageModel({ model, optimizer, train: ids, batchSize: 4, bptt: 10, steps: 20, onStep: poison })).toThrow(/trainLanguageModel: the loss is NaN at step 3/)
  const overflow = setup(2)
  const huge = new SGD(overflow.model.parameters(), { lr: 1e38 })
  expect(() => trainLanguageModel({ model: overflow.model, optimizer: huge, train: ids, batchSize: 4, bptt: 10, steps: 20 })).toThrow(/trainLanguageModel: the (loss|gradient norm) is (NaN|Infinity) at step \d+/)
})

test('callbacks can stop training; early stop watches validation; evaluation reports perplexity and bits', () => {
  const { model, optimizer } = setup(4)
  const seen: number[] = []
  const stopped = trainLanguageModel({ model, optimizer, train: ids, batchSize: 4, bptt: 10, steps: 50, onStep: (info) => (seen.push(info.step), info.step < 3) })
  expect(stopped.stopReason).toBe('callback')
  expect(seen).toEqual([1, 2, 3])
  const frozen = new SGD(model.parameters(), { lr: 0 })
  const early = trainLanguageModel({ model, optimizer: frozen, train: ids, validation: ids.slice(0, 300), batchSize: 4, bptt: 10, steps: 50, evalEvery: 2, earlyStop: { patience: 2 } })
  expect(early.stopReason).toBe('early-stop')
  expect(early.evaluations).toHaveLength(3) // the first sets the best, two more without improvement
  const evaluation = evaluateLanguageModel(model, ids.slice(0, 300), { batchSize: 4, bptt: 10 })
  expect(evaluation.perplexity).toBeCloseTo(Math.exp(evaluation.loss), 12)
  expect(evaluation.bitsPerToken).toBeCloseTo(evaluation.loss / Math.LN2, 12)
  expect(evaluation.loss).toBeCloseTo(early.evaluations[0].loss, 12)
})

test('evaluationWindows yields once per window and returns what evaluateLanguageModel does; given up, it leaves the model training', () => {
  const { model } = setup(4)
  const whole = evaluateLanguageModel(model, ids.slice(0, 300), { batchSize: 4, bptt: 10 })
  const windows = evaluationWindows(model, ids.slice(0, 300), { batchSize: 4, bptt: 10 })
  let yields = 0
  let next = windows.next()
  for (; next.done !== true; next = windows.next()) {
    yields++
    expect([model.training, isGradEnabled()]).toEqual([false, true]) // between windows: eval mode, and no no-grad scope left open
  }
  expect(yields).toBe(Math.ceil((300 / 4 - 1) / 10))
  expect(next.value).toEqual(whole)
  expect(model.training).toBe(true)
  const abandoned = evaluationWindows(model, ids.slice(0, 300), { batchSize: 4, bptt: 10 })
  abandoned.next()
  expect(model.training).toBe(false)
  abandoned.return({ loss: NaN, perplexity: NaN, bitsPerToken: NaN, tokens: 0 })
  expect(model.training).toBe(true)
})

test('a validation set too short for the streams is refused before the first step, not after training', () => {
  const { model, optimizer } = setup(2)
  const before = weights(model)
  let steps = 0
  const run = () => trainLanguageModel({ model, optimizer, train: ids, validation: ids.slice(0, 40), batchSize: 4, bptt: 10, steps: 8, evalEvery: 4, onStep: () => void steps++ })
  expect(run).toThrow(/^trainLanguageModel: validation: 40 tokens are too few for 4 streams with bptt 10: .* at least 44 tokens$/)
  expect(steps).toBe(0)
  expect(weights(model)).toEqual(before)
})
