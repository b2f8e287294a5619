// The summary of hand-made results: per cell the median metric and its range over seeds, k of N solved, and
// the verdict worded from k/N; a diverged seed counts as not solved and has no metric; the table shows it all.
import { median } from '../../src/compare/plan.js'
import { resultsTable, resultsTableData } from '../../src/compare/report.js'
import { spreadOf, verdictOf } from '../../src/compare/summary.js'
import { crafted } from './crafted.js'

test('median and range', () => {
  expect(median([3, 1, 2])).toBe(2)
  expect(median([4, 1, 3, 2])).toBe(2.5)
  expect(median([7])).toBe(7)
  expect(median([])).toBeNaN()
  expect(spreadOf([0.5, null, 0.9, 0.1])).toEqual({ median: 0.5, min: 0.1, max: 0.9 })
  expect(spreadOf([null, null])).toBeNull()
})

test('the verdict is worded from k of N', () => {
  expect(verdictOf(5, 5)).toEqual({ reliability: 'solved', verdict: 'solved in 5 of 5' })
  expect(verdictOf(2, 5)).toEqual({ reliability: 'unreliable', verdict: 'unreliable: 2 of 5' })
  expect(verdictOf(0, 5)).toEqual({ reliability: 'not solved', verdict: 'not solved: 0 of 5' })
  expect(verdictOf(1, 1).verdict).toBe('solved in 1 of 1')
  expect(verdictOf(0, 1).verdict).toBe('not solved: 0 of 1')
})

test('per cell: median, range, k of N and verdict from hand-made seeds; the table shows them', () => {
  const result = crafted([
    { cell: 'gru', seeds: [{ metric: 0.9 }, { metric: 0.995, solved: true, solvedAt: 3 }, { metric: 0.999, solved: true, solvedAt: 2 }, { metric: 0.2 }, { metric: 0.991, solved: true, solvedAt: 4 }] },
    { cell: { kind: 'lstm', options: { forgetBias: 2 } }, seeds: [0.996, 0.998, 0.997, 0.999, 0.9995].map((metric) => ({ metric, solved: true })) },
    { cell: 'lstm', seeds: [{ metric: 0.125 }, { metric: null, divergedAt: 3 }, { metric: 0.13 }, { metric: 0.12 }, { metric: 0.126 }] },
  ])
  const [gru, biased, lstm] = result.cells
  expect(result.settings.seeds).toEqual([0, 1, 2, 3, 4])
  expect([gru.label, gru.solved, gru.reliability, gru.verdict]).toEqual(['GRU', 3, 'unreliable', 'unreliable: 3 of 5'])
  expect(gru.metric).toEqual({ median: 0.991, min: 0.2, max: 0.999 })
  expect(gru.solvedAt).toBe(3) // the median first solved step of the seeds that solved
  expect([biased.label, biased.verdict, biased.metric?.median]).toEqual(['LSTM, forget bias 2', 'solved in 5 of 5', 0.998])
  expect([lstm.verdict, lstm.metric]).toEqual(['not solved: 0 of 5', { median: (0.125 + 0.126) / 2, min: 0.12, max: 0.13 }])
  expect(lstm.seeds.map((s) => s.divergedAt)).toEqual([null, 3, null, null, null])

  const table = resultsTable(result).split('\n')
  expect(table[0]).toBe('| cell | hidden | parameters | memory | lr | train time | tokens/s | final train loss, cross-entropy (nats) | recall accuracy, median | range | verdict |')
  expect(table[2]).toMatch(/^\| GRU \| 32 \| 4,488 \| .* \| 0\.991 \| 0\.200 – 0\.999 \| unreliable: 3 of 5 \|$/)
  expect(table[3]).toMatch(/\| LSTM, forget bias 2 \| 32 \| 5,896 \| .* \| solved in 5 of 5 \|$/)
  expect(table[4]).toMatch(/\| 0\.126 \| 0\.120 – 0\.130 \| not solved: 0 of 5 \(1 diverged\) \|$/)

  // the same table as data (the demo page draws it as HTML): the markdown is these cells, nothing more
  const data = resultsTableData(result)
  expect(data.rows.map((r) => [r[0], r[r.length - 1]])).toEqual([['GRU', 'unreliable: 3 of 5'], ['LSTM, forget bias 2', 'solved in 5 of 5'], ['LSTM', 'not solved: 0 of 5 (1 diverged)']])
  expect(data.align).toEqual(['left', ...Array(data.header.length - 2).fill('right'), 'left'])
  expect(table).toEqual([data.header, data.align.map((a) => (a === 'left' ? '---' : '---:')), ...data.rows].map((r) => `| ${r.join(' | ')} |`))
})

test('one seed: no range column, the verdict still counts it', () => {
  const result = crafted([{ cell: 'rnn', seeds: [{ metric: 0.3 }] }, { cell: 'lstm', seeds: [{ metric: 0.999, solved: true }] }])
  const table = resultsTable(result).split('\n')
  expect(table[0]).not.toContain('range')
  expect(table[2]).toMatch(/^\| RNN \(tanh\) \|.*\| 0\.300 \| not solved: 0 of 1 \|$/)
  expect(table[3]).toMatch(/^\| LSTM \|.*\| 0\.999 \| solved in 1 of 1 \|$/)
})
