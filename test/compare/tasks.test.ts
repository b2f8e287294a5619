// The adding, reber, copy and text comparison tasks: each runs through the comparison with all three cells in a tiny
// configuration, giving finite numbers, one gradient norm per time step and the same numbers twice for one
// seed (and a validation split apart from the test set); their scores are checked exactly on hand-built
// predictions; the text task refuses a text too short.
import { addingTask } from '../../src/compare/adding.js'
import { copyTask } from '../../src/compare/copy.js'
import { reberAccuracies, reberTask, reberWindow } from '../../src/compare/reber.js'
import { runComparison, type ComparisonResult } from '../../src/compare/runner.js'
import type { Task, TaskSettings } from '../../src/compare/task.js'
import { taskByName } from '../../src/compare/tasks.js'
import { textTask, unigramBitsPerCharacter } from '../../src/compare/text.js'
import { copyBatch, copyRecallAccuracy } from '../../src/data/tasks/copy.js'
import { embeddedReberNextSymbols, embeddedReberString, REBER_SYMBOLS } from '../../src/data/tasks/reber.js'
import { Generator } from '../../src/index.js'

const CELLS = ['rnn', 'lstm', 'gru'] as const
const TEXT = 'the quick brown fox jumps over the lazy dog, and the dog sleeps on. '.repeat(16)

/** Every number of a comparison but the timings. */
const numbers = (r: ComparisonResult) => r.cells.map(({ kind, parameters, memory, seeds: [s] }) => ({ kind, parameters, memory, trainLoss: s.trainLoss, metricCurve: s.metricCurve, metric: s.metric, details: s.details, finalLoss: s.finalLoss, gradientNorms: s.gradientNorms }))

const cases: [string, Task, TaskSettings, number][] = [
  // [name, task, settings, T: the time steps of a probe sequence]
  ['adding', addingTask, { length: 6, hidden: 8, batchSize: 4, seed: 3 }, 6],
  ['reber', reberTask, { length: 10, hidden: 8, batchSize: 4, seed: 3 }, 10],
  ['copy', copyTask, { length: 3, hidden: 8, batchSize: 4, seed: 3 }, 2 * 5 + 3 + 1],
  ['text', textTask(TEXT), { length: 8, hidden: 8, batchSize: 4, seed: 3 }, 8],
]

describe.each(cases)('the %s task', (_name, task, settings, T) => {
  test('runs with every cell: finite numbers, a gradient norm per step, the same numbers for the same seed', () => {
    const run = () => runComparison({ task, cells: CELLS, settings, steps: 3, evaluations: 2 })
    const first = run()
    expect(first.cells.map((c) => c.kind)).toEqual([...CELLS])
    for (const { seeds: [c] } of first.cells) {
      expect(c.trainLoss).toHaveLength(3)
      c.trainLoss.forEach((v) => expect(Number.isFinite(v)).toBe(true))
      expect(Number.isFinite(c.metric)).toBe(true)
      expect(typeof c.solved).toBe('boolean')
      Object.values(c.details).forEach((v) => expect(Number.isFinite(v)).toBe(true))
      for (const norms of [c.gradientNorms.start, c.gradientNorms.end]) {
        expect(norms).toHaveLength(T)
        norms.forEach((v) => expect(Number.isFinite(v) && v >= 0).toBe(true))
        expect(norms[T - 1]).toBeGreaterThan(0)
      }
    }
    expect(numbers(run())).toEqual(numbers(first))
  })

  test('the validation split (for choosing a learning rate) is not the test set', () => {
    const cell = task.create('gru', settings, 'select')
    expect(cell.evaluate('validation').metric).not.toBe(cell.evaluate('test').metric)
    expect(cell.evaluate()).toEqual(cell.evaluate('test'))
  })
})

test('the tasks are wired by name; the text task needs --data', () => {
  expect(taskByName('reber')).toBe(reberTask)
  expect(taskByName('copy')).toBe(copyTask)
  expect(taskByName('text', { text: TEXT }).name).toBe('text')
  expect(() => taskByName('text')).toThrow(/--data FILE is required/)
  expect(copyTask.lowerIsBetter).toBe(false)
  expect(reberTask.verdictRule).toMatch(/long-range .*0\.95/)
})

describe('reber scoring', () => {
  test('the legal next symbols after each prefix of an embedded string', () => {
    // B T | B T X S E | T E: after B the outer T or P; after T the inner B; inside, the graph's edges;
    // after the inner E only the outer symbol; then E; nothing after the end.
    expect(embeddedReberNextSymbols('BTBTXSETE')).toEqual(['TP', 'B', 'TP', 'SX', 'XS', 'E', 'T', 'E', ''])
    expect(embeddedReberNextSymbols('BPBPVVEPE')).toEqual(['TP', 'B', 'TP', 'TV', 'PV', 'E', 'P', 'E', ''])
    expect(() => embeddedReberNextSymbols('BTBTXSEPE')).toThrow(/not an embedded Reber string/)
    const g = new Generator(1)
    for (let i = 0; i < 200; i++) {
      // Every symbol of a generated string is legal after its prefix, and the outer symbol is forced.
      const s = embeddedReberString(g)
      const next = embeddedReberNextSymbols(s)
      expect(next).toHaveLength(s.length)
      for (let j = 1; j < s.length; j++) expect(next[j - 1]).toContain(s[j])
      expect(next[s.length - 3]).toBe(s[1])
    }
  })

  test('long-range and rest accuracies on hand-built predictions', () => {
    const window = reberWindow(['BTBTXSETE', 'BPBPVVEPE'], 17) // 'BTBTXSETEBPBPVVEPE' predicted from its first 17
    expect(Array.from(window.longRange)).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0])
    expect(window.legal[8]).toBe('B') // after a final E comes the next string
    const ids = (s: string) => Array.from(s, (c) => REBER_SYMBOLS.indexOf(c))
    // Legal everywhere (taking the other branch where there are two), both long-range symbols right.
    const good = 'PBPSSETEBTBTVPEPE'
    expect(reberAccuracies(window, ids(good))).toEqual({ longRange: 1, rest: 1 })
    // The first long-range symbol wrong (P for T), and 3 of the 15 others illegal.
    const bad = good.split('')
    bad[6] = 'P'
    bad[2] = 'E' // after the inner B
    bad[10] = 'X' // after the outer P
    bad[16] = 'B' // after the repeated outer P
    expect(reberAccuracies(window, ids(bad.join('')))).toEqual({ longRange: 0.5, rest: 12 / 15 })
    expect(() => reberAccuracies(window, ids(good).slice(1))).toThrow(/16 predictions for a window of 17/)
  })
})

test('copy: a perfect predictor scores 1, a constant one about 1/8 (chance)', () => {
  const batch = copyBatch(1000, 20, new Generator(5))
  expect(copyRecallAccuracy(batch, batch.symbols)).toBe(1)
  expect(Math.abs(copyRecallAccuracy(batch, new Int32Array(batch.symbols.length).fill(3)) - 1 / 8)).toBeLessThan(0.015)
  expect(copyTask.baseline?.value).toBe(1 / 8)
})

describe('the text task', () => {
  test('the unigram bits per character, add-one smoothed, by hand', () => {
    // Training 'aab' over a vocabulary of 3: counts a 2+1, b 1+1, c 0+1 of 3 + 3.
    expect(unigramBitsPerCharacter([0, 0, 1], [0, 1, 2], 3)).toBeCloseTo(-(Math.log2(3 / 6) + Math.log2(2 / 6) + Math.log2(1 / 6)) / 3, 12)
    // The task's bar is 0.9 × the unigram of its own held-out tail.
    const task = textTask(TEXT)
    expect(task.baseline?.value).toBeGreaterThan(3)
    expect(task.verdictRule).toContain((0.9 * (task.baseline?.value ?? 0)).toFixed(3))
  })

  test('a text too short for the window and batch is an error naming the sizes', () => {
    const task = textTask('abcdefghij'.repeat(30)) // 300 characters: 270 to train, 30 held out
    expect(() => task.create('lstm', { length: 64, hidden: 8, batchSize: 32, seed: 0 })).toThrow(
      /300 characters, too few for 32 streams with windows of 64: the first 90% \(270\) must hold batch × \(window \+ 1\) = 2080 characters and the last 10% \(30\) at least window \+ 1 = 65/,
    )
    expect(() => task.create('lstm', { length: 40, hidden: 8, batchSize: 2, seed: 0 })).toThrow(/last 10% \(30\) at least window \+ 1 = 41/)
    expect(() => task.create('lstm', { length: 8, hidden: 8, batchSize: 2, seed: 0 })).not.toThrow()
    expect(() => textTask('')).toThrow(/the text is empty/)
  })
})
