// The copy task's generator: the symbols come first, blanks fill the delay, exactly one go marker starts the
// recall, the recall targets are the symbols shown, and a seed fixes every sequence.
import { copyBatch, copyRecallAccuracy, type CopyBatch } from '../../src/data/tasks/copy.js'
import { Generator } from '../../src/index.js'

/** The channel that is hot at step t of sequence b (and a check that exactly one is). */
function hotChannel(batch: CopyBatch, b: number, t: number): number {
  const [, T, C] = batch.x.shape
  const row = Array.from(batch.x.data.subarray((b * T + t) * C, (b * T + t + 1) * C))
  expect(row.filter((v) => v === 1)).toHaveLength(1)
  expect(row.filter((v) => v === 0)).toHaveLength(C - 1)
  return row.indexOf(1)
}

test('the layout: k symbols, `delay` blanks, one go marker, k blank recall steps whose targets are the symbols', () => {
  const delay = 7
  const batch = copyBatch(64, delay, new Generator(3))
  const k = 5
  const T = 2 * k + delay + 1
  expect(batch.x.shape).toEqual([64, T, 10])
  expect(batch.targets.shape).toEqual([64, T])
  expect(batch.targets.dtype).toBe('int32')
  expect(batch.recallStart).toBe(k + delay + 1)
  expect(batch.blank).toBe(8)
  for (let b = 0; b < 64; b++) {
    const inputs = Array.from({ length: T }, (_, t) => hotChannel(batch, b, t))
    const targets = Array.from(batch.targets.data.subarray(b * T, (b + 1) * T))
    const shown = Array.from(batch.symbols.subarray(b * k, (b + 1) * k))
    expect(inputs.slice(0, k)).toEqual(shown)
    shown.forEach((s) => expect(s >= 0 && s < 8).toBe(true))
    expect(inputs.filter((c) => c === 9)).toHaveLength(1) // exactly one go marker …
    expect(inputs[k + delay]).toBe(9) // … right after the delay
    expect(inputs.slice(k, k + delay)).toEqual(new Array(delay).fill(8))
    expect(inputs.slice(k + delay + 1)).toEqual(new Array(k).fill(8))
    expect(targets.slice(0, k + delay + 1)).toEqual(new Array(k + delay + 1).fill(8))
    expect(targets.slice(k + delay + 1)).toEqual(inputs.slice(0, k))
  }
})

test('a zero delay puts the go marker right after the symbols; count and alphabet can change', () => {
  const batch = copyBatch(4, 0, new Generator(1), { count: 3, alphabet: 4 })
  expect(batch.x.shape).toEqual([4, 7, 6])
  expect(batch.blank).toBe(4)
  for (let b = 0; b < 4; b++) {
    expect(hotChannel(batch, b, 3)).toBe(5)
    expect(Array.from(batch.targets.data.subarray(b * 7 + 4, b * 7 + 7))).toEqual(Array.from(batch.symbols.subarray(b * 3, b * 3 + 3)))
  }
})

test('the same seed gives the same batch; another seed, another one; all symbols appear about equally', () => {
  const a = copyBatch(16, 10, new Generator(7))
  const b = copyBatch(16, 10, new Generator(7))
  expect(Array.from(a.x.data)).toEqual(Array.from(b.x.data))
  expect(Array.from(a.targets.data)).toEqual(Array.from(b.targets.data))
  expect(Array.from(copyBatch(16, 10, new Generator(8)).symbols)).not.toEqual(Array.from(a.symbols))
  const counts = new Array(8).fill(0)
  for (const s of copyBatch(2000, 0, new Generator(2)).symbols) counts[s]++
  counts.forEach((c) => expect(Math.abs(c / 10000 - 1 / 8)).toBeLessThan(0.015))
})

test('recall accuracy: 1 for a perfect predictor, about 1/8 for a constant one', () => {
  const batch = copyBatch(2000, 4, new Generator(4))
  // The recall steps' targets, read from the batch's target tensor: [B, count].
  const T = batch.targets.shape[1]
  const recalled = new Int32Array(2000 * 5)
  for (let b = 0; b < 2000; b++) for (let j = 0; j < 5; j++) recalled[b * 5 + j] = batch.targets.data[b * T + batch.recallStart + j]
  expect(copyRecallAccuracy(batch, recalled)).toBe(1)
  expect(Math.abs(copyRecallAccuracy(batch, new Int32Array(recalled.length)) - 1 / 8)).toBeLessThan(0.01)
  expect(copyRecallAccuracy(batch, new Int32Array(recalled.length).fill(8))).toBe(0) // always blank
  const oneWrong = recalled.slice()
  oneWrong[7] = (oneWrong[7] + 1) % 8
  expect(copyRecallAccuracy(batch, oneWrong)).toBe(1 - 1 / 10000)
  expect(() => copyRecallAccuracy(batch, recalled.subarray(1))).toThrow(/9999 predictions for 2000 sequences of 5 recall steps \(expected 10000\)/)
})

test('bad arguments are errors that name them', () => {
  expect(() => copyBatch(0, 5)).toThrow(/batchSize must be an integer ≥ 1, got number 0/)
  expect(() => copyBatch(2, -1)).toThrow(/delay must be an integer ≥ 0, got number -1/)
  expect(() => copyBatch(2, 1.5)).toThrow(/delay must be an integer ≥ 0, got number 1.5/)
  expect(() => copyBatch(2, 1, new Generator(0), { alphabet: 0 })).toThrow(/alphabet must be an integer ≥ 1/)
})
