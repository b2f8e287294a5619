// The memory estimate: exact where it is arithmetic (parameter counts), monotone in every size, and refusing
// with the estimate and the options that shrink it.
import { UsageError, sizeOption } from '../../src/cli/args.js'
import { checkMemory, compareMemory, compareRunMemory, estimateMemory, formatBytes, parameterCount, withTrainWorkers, type CompareWorkload, type NetworkShape, type Workload } from '../../src/cli/memory.js'
import { LanguageModel } from '../../src/models/language-model.js'

const lm = (cell: NetworkShape['cell'], hidden: number, layers = 1): NetworkShape => ({ cell, inputSize: 32, hidden, layers, vocabulary: 50, outputs: 50, headPerStep: true })
const work = (batch = 16, steps = 64): Workload => ({ train: { batch, steps }, evaluation: { batch, steps }, dataBytes: 0, checkpoints: true })

test('parameterCount is the LanguageModel’s own count', () => {
  for (const [cell, hidden, layers] of [['lstm', 24, 1], ['gru', 10, 2], ['rnn', 7, 3]] as const) {
    const model = new LanguageModel({ vocabSize: 50, embeddingDim: 32, hiddenSize: hidden, numLayers: layers, cell })
    expect(parameterCount(lm(cell, hidden, layers))).toBe(model.parameters().reduce((n, p) => n + p.size, 0))
  }
})

test('the estimate grows with every size', () => {
  const base = estimateMemory(lm('lstm', 128), work()).bytes
  expect(estimateMemory(lm('lstm', 256), work()).bytes).toBeGreaterThan(base)
  expect(estimateMemory(lm('lstm', 128, 2), work()).bytes).toBeGreaterThan(base)
  expect(estimateMemory(lm('lstm', 128), work(32)).bytes).toBeGreaterThan(base)
  expect(estimateMemory(lm('lstm', 128), work(16, 128)).bytes).toBeGreaterThan(base)
  expect(estimateMemory(lm('rnn', 128), work()).bytes).toBeLessThan(estimateMemory(lm('gru', 128), work()).bytes)
  expect(estimateMemory(lm('gru', 128), work()).bytes).toBeLessThan(base)
})

test('--hidden 100000 is refused with the estimate; the defaults fit in 1 GB', () => {
  const huge = estimateMemory(lm('lstm', 100_000), work())
  expect(huge.bytes).toBeGreaterThan(4 * 4 * 100_000 * 100_000 * 4) // at least weights, gradients and Adam of W_hh
  const options = { shrink: '--hidden', limitSource: 'test', usage: 'usage: seqgrad train' }
  expect(() => checkMemory(huge, 8 * 2 ** 30, options)).toThrow(UsageError)
  expect(() => checkMemory(huge, 8 * 2 ** 30, options)).toThrow(/needs about [\d.]+ TB of memory \(.*\), more than the limit of 8\.0 GB \(test\); make --hidden smaller, or raise --max-memory/)
  expect(() => checkMemory(estimateMemory(lm('lstm', 128), work()), 2 ** 30, options)).not.toThrow()
  // above the limit of no machine, but past what one typed array or WebAssembly's 4 GiB can hold
  expect(() => checkMemory(huge, Infinity, options)).toThrow(/an array of .* numbers, more than the 2\^32 − 1/)
  const wide = estimateMemory(lm('lstm', 20_000), work()) // W_hh packed for the recurrence: 20,000 × 80,000 floats
  expect(() => checkMemory(wide, Infinity, options)).toThrow(/needs [\d.]+ GB of WebAssembly memory .* more than the 4 GB it can have/)
})

test('sizes read as binary units', () => {
  expect(sizeOption('max-memory', '512M', 0, '')).toBe(512 * 2 ** 20)
  expect(sizeOption('max-memory', '1.5G', 0, '')).toBe(1.5 * 2 ** 30)
  expect(sizeOption('max-memory', '2gb', 0, '')).toBe(2 * 2 ** 30)
  expect(sizeOption('max-memory', '4096', 0, '')).toBe(4096)
  expect(sizeOption('max-memory', undefined, 7, '')).toBe(7)
  for (const bad of ['', 'lots', '-1G', '0', '1X']) expect(() => sizeOption('max-memory', bad, 0, '')).toThrow(/--max-memory must be a size such as 512M or 2G/)
  expect([formatBytes(512), formatBytes(1536), formatBytes(3 * 2 ** 30)]).toEqual(['512 bytes', '1.5 KB', '3.0 GB'])
})

test("compare's estimate: the largest variant at its own hidden size, times the runs at once", () => {
  const adding: CompareWorkload = { task: 'adding', length: 40, batch: 32, text: null }
  const one = (cell: NetworkShape['cell'], hidden: number) => compareRunMemory(adding, { cell, hidden })
  // a variant's own hidden size counts: a wide RNN can outweigh a narrow LSTM
  expect(compareMemory(adding, [{ cell: 'lstm', hidden: 32 }, { cell: 'rnn', hidden: 512 }], 1)).toEqual(one('rnn', 512))
  expect(compareMemory(adding, [{ cell: 'lstm', hidden: 32 }, { cell: 'rnn', hidden: 8 }], 1)).toEqual(one('lstm', 32))
  const three = compareMemory(adding, [{ cell: 'gru', hidden: 64 }, { cell: 'rnn', hidden: 32 }], 3)
  const node = 100 * 2 ** 20 // Node itself, once; each worker thread adds 40 MB besides its buffers
  expect(three.bytes).toBe(3 * (one('gru', 64).bytes - node) + node + 3 * 40 * 2 ** 20)
  expect(three.parts).toEqual(expect.arrayContaining([['Node itself', node], ['3 worker threads', 3 * 40 * 2 ** 20], ...one('gru', 64).parts.filter(([name]) => name !== 'Node itself').map(([name, bytes]) => [`3 × ${name}`, 3 * bytes])]))
  expect(three.parts).toHaveLength(one('gru', 64).parts.length + 1)
  // each thread has its own WebAssembly memory and arrays: their limits are per run
  expect([three.wasmBytes, three.largestArray]).toEqual([one('gru', 64).wasmBytes, one('gru', 64).largestArray])
})

test("train --jobs N: the threads, their copies of the parameters and gradients and their streams, named; --jobs 1 adds nothing", () => {
  const n = lm('lstm', 128)
  const base = estimateMemory(n, work())
  expect(withTrainWorkers(base, n, 1, 100_000)).toBe(base)
  const two = withTrainWorkers(base, n, 2, 100_000)
  const P = parameterCount(n)
  const added = Object.fromEntries(two.parts.filter(([name]) => !base.parts.some(([b]) => b === name)))
  expect(added['2 × parameters and gradients in the workers']).toBe(2 * 2 * P * 4)
  expect(added['shared parameters and gradient slots']).toBe(3 * P * 4)
  expect(added["the workers' streams"]).toBe(400_000)
  expect(added['2 worker threads']).toBe(2 * 40 * 2 ** 20)
  expect(two.bytes).toBe(two.parts.reduce((sum, [, b]) => sum + b, 0))
  expect(withTrainWorkers(base, n, 4, 100_000).bytes).toBeGreaterThan(two.bytes)
})
