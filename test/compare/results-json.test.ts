// results.json against its schema (docs/results-schema.md): a validator written from the document checks a
// real run's file and a hand-made one with a diverged seed; the document lists exactly the validator's fields.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { copyTask } from '../../src/compare/copy.js'
import { buildReport } from '../../src/compare/report.js'
import { RESULTS_SCHEMA_VERSION } from '../../src/compare/results-json.js'
import { runComparison } from '../../src/compare/runner.js'
import { crafted } from './crafted.js'

type Check = (v: unknown, path: string) => string[]
const is = (ok: (v: unknown) => boolean, what: string): Check => (v, path) => (ok(v) ? [] : [`${path}: expected ${what}, got ${JSON.stringify(v)}`])
const num = is((v) => typeof v === 'number' && Number.isFinite(v), 'a number')
const int = is((v) => Number.isSafeInteger(v), 'an integer')
const str = is((v) => typeof v === 'string', 'a string')
const bool = is((v) => typeof v === 'boolean', 'a boolean')
const oneOf = (...values: unknown[]): Check => is((v) => values.includes(v), `one of ${values.join(', ')}`)
const orNull = (check: Check): Check => (v, path) => (v === null ? [] : check(v, path))
const arrayOf = (check: Check): Check => (v, path) => (Array.isArray(v) ? v.flatMap((x, i) => check(x, `${path}[${i}]`)) : [`${path}: expected an array`])
const record = (check: Check): Check => (v, path) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.entries(v).flatMap(([k, x]) => check(x, `${path}.${k}`)) : [`${path}: expected an object`])
const pair = arrayOf(num)
interface Shape {
  fields: Record<string, Check>
}
const shapes: Record<string, Shape> = {}
const object = (name: string, fields: Record<string, Check>): Check => {
  shapes[name] = { fields }
  return (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return [`${path}: expected an object`]
    return Object.entries(fields).flatMap(([key, check]) => (key in v ? check((v as Record<string, unknown>)[key], `${path}.${key}`) : [`${path}.${key}: missing`]))
  }
}
const spread = orNull(object('spread', { median: num, min: num, max: num }))
const seed = object('seeds', {
  seed: int, metric: orNull(num), finalLoss: orNull(num), solved: bool, solvedAtStep: orNull(int), divergedAtStep: orNull(int), trainSeconds: num, tokensPerSecond: num, details: record(num),
  curves: object('curves', { trainLoss: arrayOf(num), metric: arrayOf(pair), gradientNorms: object('gradientNorms', { start: arrayOf(num), end: arrayOf(num) }) }),
})
const cell = object('cells', {
  label: str, kind: oneOf('rnn', 'lstm', 'gru'), options: object('options', {}), spec: str, hiddenSize: int, parameters: int, memoryBytes: int,
  memory: object('memory', { parameters: int, gradients: int, optimizerState: int, activations: int }), lr: num,
  lrSelection: arrayOf(object('lrSelection', { lr: num, validationMetric: orNull(num) })), solved: int, seedCount: int,
  reliability: oneOf('solved', 'unreliable', 'not solved'), verdict: str, metric: spread, finalLoss: spread, trainSeconds: num, tokensPerSecond: num, solvedAtStep: orNull(num), seeds: arrayOf(seed),
})
const results = object('top', {
  schemaVersion: oneOf(1), date: str, machine: str,
  task: object('task', { name: oneOf('adding', 'reber', 'copy', 'text'), title: str, longRange: orNull(str) }),
  settings: object('settings', { length: int, batchSize: int, hidden: int, steps: int, seeds: arrayOf(int), match: oneOf('hidden', 'params'), learningRates: arrayOf(num), selectionSteps: orNull(int), clipNorm: num, evaluations: int, optimizer: oneOf('Adam'), lrSchedule: object('lrSchedule', { name: oneOf('step'), at: num, factor: num }) }),
  metric: object('metric', { name: str, unit: orNull(str), lowerIsBetter: bool, threshold: object('threshold', { quantity: str, value: num, comparison: oneOf('<', '<=', '>=') }), rule: str, baseline: orNull(object('baseline', { value: num, label: str })) }),
  loss: object('loss', { name: str }),
  cells: arrayOf(cell),
  claims: arrayOf(object('claims', { id: oneOf('gru-fewer-parameters', 'gru-trains-faster', 'lstm-more-memory', 'gated-long-range', 'lstm-complex-gru-simple'), claim: str, verdict: oneOf('supported', 'not supported', 'depends', 'cannot test'), evidence: str })),
})

/** Also: k and N agree with the seeds, the verdict with k of N, memoryBytes with its parts. */
function consistencyProblems(json: { cells: { solved: number; seedCount: number; verdict: string; memoryBytes: number; memory: Record<string, number>; seeds: { solved: boolean }[] }[] }): string[] {
  return json.cells.flatMap((c, i) => [
    ...(c.seedCount === c.seeds.length ? [] : [`cells[${i}].seedCount`]),
    ...(c.solved === c.seeds.filter((s) => s.solved).length ? [] : [`cells[${i}].solved`]),
    ...(c.verdict.endsWith(`${c.solved} of ${c.seedCount}`) ? [] : [`cells[${i}].verdict`]),
    ...(c.memoryBytes === Object.values(c.memory).reduce((a, b) => a + b, 0) ? [] : [`cells[${i}].memoryBytes`]),
  ])
}

const date = { date: '2026-01-02', machine: 'test machine' }

test('a real run: results.json is valid against the schema, version 1, every number accounted for', () => {
  const result = runComparison({ task: copyTask, cells: ['rnn', { kind: 'lstm', options: { forgetBias: 2 } }], settings: { length: 2, hidden: 4, batchSize: 2, seed: 5 }, steps: 3, seeds: 2, evaluations: 2, learningRates: [0.01, 0.02], selectionSteps: 1 })
  const files = buildReport(result, date)
  const text = files['results.json']
  expect(files['report.md']).toMatch(/\n- LSTM, forget bias 2: lr 0\.0[12] chosen; validation recall accuracy by lr: 0\.01 → [\d.]+, 0\.02 → [\d.]+\.\n/)
  const json = JSON.parse(text)
  expect(results(json, 'results')).toEqual([])
  expect(consistencyProblems(json)).toEqual([])
  expect(json.schemaVersion).toBe(RESULTS_SCHEMA_VERSION)
  expect(json.cells[1]).toMatchObject({ label: 'LSTM, forget bias 2', kind: 'lstm', options: { forgetBias: 2 }, spec: 'lstm:forget-bias=2', hiddenSize: 4 })
  expect(json.cells[1].lrSelection.map((s: { lr: number }) => s.lr)).toEqual([0.01, 0.02])
  expect(json.settings).toMatchObject({ seeds: [5, 6], selectionSteps: 1, learningRates: [0.01, 0.02] })
  expect(json.metric).toMatchObject({ name: 'recall accuracy', threshold: { quantity: 'recall accuracy', value: 0.99, comparison: '>=' } })
  // Arrays of numbers sit on one line each; the rest is indented.
  expect(text).toMatch(/\n +"trainLoss": \[[^\n\]]+\],\n/)
  // The validator catches what it should.
  expect(results({ ...json, schemaVersion: 2, cells: [{ ...json.cells[0], seeds: [{ ...json.cells[0].seeds[0], metric: 'x' }] }] }, 'r')).toEqual([
    'r.schemaVersion: expected one of 1, got 2',
    'r.cells[0].seeds[0].metric: expected a number, got "x"',
  ])
})

test('a hand-made result with a diverged seed is valid too (nulls where numbers are missing)', () => {
  const json = JSON.parse(buildReport(crafted([{ cell: 'gru', seeds: [{ metric: 0.99, solved: true }, { metric: null, divergedAt: 2 }] }]), date)['results.json'])
  expect(results(json, 'results')).toEqual([])
  expect(consistencyProblems(json)).toEqual([])
  expect(json.cells[0].seeds[1]).toMatchObject({ metric: null, finalLoss: null, divergedAtStep: 2, solved: false })
})

test('docs/results-schema.md documents exactly the fields the validator checks', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'results-schema.md'), 'utf8')
  const section = (heading: string) => {
    const start = doc.indexOf(`\n${heading}\n`)
    expect({ heading, found: start >= 0 }).toEqual({ heading, found: true })
    const body = doc.slice(start + heading.length + 2).split(/\n#/)[0]
    return [...body.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1]).sort()
  }
  const keys = (name: string) => Object.keys(shapes[name].fields).sort()
  expect(section('## Top level')).toEqual(keys('top'))
  expect(section('## `settings`')).toEqual(keys('settings'))
  expect(section('## `metric`')).toEqual(keys('metric'))
  expect(section('## `cells[]`')).toEqual(keys('cells'))
  expect(section('### `cells[].seeds[]`')).toEqual(keys('seeds'))
  expect(section('## `claims[]`')).toEqual(keys('claims'))
  expect(doc).toContain(`# \`results.json\` (schema version ${RESULTS_SCHEMA_VERSION})`)
})
