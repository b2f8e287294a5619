// The report's wording: the lr schedule as it ran (a run that ends before the drop has a constant lr),
// counts with their plural, integers as integers, a figure every cell shares said once, and the task's
// title kept with its proper names inside a sentence.
import { assessClaims } from '../../src/compare/claims.js'
import { counted, plural } from '../../src/compare/format.js'
import { reberTask } from '../../src/compare/reber.js'
import { buildReport, lrDropStep } from '../../src/compare/report.js'
import { textTask } from '../../src/compare/text.js'
import { crafted } from './crafted.js'

const report = (steps: number, opts: Parameters<typeof crafted>[1] = {}) =>
  buildReport(crafted([{ cell: 'lstm', seeds: [{ metric: 0.5 }] }, { cell: 'gru', seeds: [{ metric: 0.5 }] }], { steps, ...opts }), { date: '2026-01-01', machine: 'm' })['report.md']

test('the lr drop is said only when it happens (failed before: "× 0.1 from step 2" for --steps 1)', () => {
  const schedule = { name: 'step' as const, at: 0.8, factor: 0.1 }
  expect([1, 2, 3, 5, 10, 200].map((steps) => lrDropStep(schedule, steps))).toEqual([null, 2, 3, 5, 9, 161])
  expect(report(1)).toMatch(/Task settings: length 20, batch 32, 1 step of Adam \(lr [\d.]+, constant lr: the run ends before the drop\)/)
  expect(report(10)).toMatch(/10 steps of Adam \(lr [\d.]+, × 0\.1 from step 9\)/)
})

test('counts take their plural', () => {
  expect([counted(1, 'run'), counted(2, 'run'), counted(1200, 'step'), plural(1, 'byte'), plural(0, 'byte')]).toEqual(['1 run', '2 runs', '1,200 steps', 'byte', 'bytes'])
})

test('a detail every cell shares is said once; an integer stays an integer (failed before: once per cell, "vocabulary size 76.0")', () => {
  const text = textTask('the quick brown fox jumps over the lazy dog. '.repeat(20))
  const result = crafted([{ cell: 'lstm', seeds: [{ metric: 3 }] }, { cell: 'gru', seeds: [{ metric: 3 }] }], { task: text })
  for (const c of result.cells) for (const s of c.seeds) s.details = { 'unigram bits per character': 4.25, 'vocabulary size': 28 }
  result.cells[1].seeds[0].details['own figure'] = 0.5
  const md = buildReport(result, { date: '', machine: '' })['report.md']
  result.cells[0].seeds[0].details = { accuracy: 1 }
  expect(buildReport(result, { date: '', machine: '' })['report.md']).toContain('- LSTM: accuracy 1.00\n') // a fraction, not a count
  expect(md.match(/unigram bits per character/g)).toHaveLength(1)
  expect(md).toContain('\n- every cell: unigram bits per character 4.25, vocabulary size 28\n- GRU: own figure 0.500\n')
})

test('the task title keeps its proper names mid-sentence (failed before: "embedded reber grammar")', () => {
  const result = crafted([{ cell: 'rnn', seeds: [{ metric: 0.5 }] }, { cell: 'lstm', seeds: [{ metric: 0.5 }] }, { cell: 'gru', seeds: [{ metric: 0.5 }] }], { task: reberTask })
  const evidence = assessClaims(result).map((c) => c.evidence).join(' ')
  expect(evidence).toContain('embedded Reber grammar')
  expect(evidence).not.toContain('reber grammar')
})
