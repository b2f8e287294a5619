// The package's entry points: the root (`seqgrad`) is the core plus what is built on it, the tasks' data
// grouped as `data` (also `seqgrad/data`), the plumbing in `seqgrad/internals`, and the comparison in
// `seqgrad/compare` (not in the root), Node's worker threads for parallel training in `seqgrad/node`; each subpath is built for ESM and CommonJS with types, and the
// browser bundle still carries the data helpers the demo uses.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import * as core from '../src/core.js'
import * as compareModule from '../src/compare/index.js'
import * as dataModule from '../src/data/index.js'
import * as seqgrad from '../src/index.js'
import * as internals from '../src/internals.js'
import * as nodeModule from '../src/cli/train-workers.js'

const root = join(__dirname, '..')
const names = (module: object) => Object.keys(module).sort()
const has = (module: object, name: string) => name in module

/** Plumbing that left the root: the two sequence paths, one step by name, the stacked-gate counts, the stepper. */
const INTERNAL = ['fusedSequence', 'referenceSequence', 'traceSequence', 'cellStep', 'GATE_COUNT', 'splitBiases', 'CellStack', 'fixedMatVec', 'drawIndex']
const DATA = ['batchStreams', 'streamWindow', 'addingBatch', 'ADDING_BASELINE_MSE', 'copyBatch', 'copyRecallAccuracy', 'embeddedReberString', 'embeddedReberText', 'embeddedReberEntropies', 'embeddedReberNextSymbols', 'isEmbeddedReber', 'reberString', 'REBER_SYMBOLS']

test('src/index.ts re-exports the core and adds to it, without repeating a line of src/core.ts', () => {
  const index = readFileSync(join(root, 'src', 'index.ts'), 'utf8')
  expect(index).toMatch(/^export \* from '\.\/core\.js'$/m)
  const coreLines = readFileSync(join(root, 'src', 'core.ts'), 'utf8').split('\n').filter((line) => line.startsWith('export '))
  expect(coreLines.length).toBeGreaterThan(20)
  expect(coreLines.filter((line) => index.includes(line))).toEqual([])
  for (const name of names(core)) expect({ name, same: (seqgrad as Record<string, unknown>)[name] === (core as Record<string, unknown>)[name] }).toEqual({ name, same: true })
})

test('the root keeps the user API (API.md\'s names, gradcheckReport, GATE_NAMES, CharTokenizer) and leaves the plumbing to seqgrad/internals', () => {
  const contract = 'tensor zeros ones randn rand arange manualSeed Tensor add sub mul div pow matmul cat argmax noGrad grad defineOp gradcheck gradcheckReport fromNdarray toNdarray GATE_NAMES RNNCell LSTMCell GRUCell RNN LSTM GRU Linear Embedding Dropout LayerNorm Module crossEntropy mseLoss SGD Adam AdamW RMSprop clipGradNorm clipGradValue saveSafetensors loadSafetensors fromKerasWeights toKerasWeights LanguageModel SequenceClassifier Seq2Seq CharTokenizer saveCheckpoint loadCheckpoint sampleToken'
  for (const name of contract.split(' ')) expect({ name, inRoot: has(seqgrad, name) }).toEqual({ name, inRoot: true })
  for (const name of INTERNAL) {
    expect({ name, inRoot: has(seqgrad, name), inCore: has(core, name), inInternals: has(internals, name) }).toEqual({ name, inRoot: false, inCore: false, inInternals: true })
  }
  // the root's argmax is the tensor op; the array helper of the sampler is an internal
  expect(seqgrad.argmax(seqgrad.tensor([[1, 5], [7, 2]]), 1).toArray()).toEqual([1, 0])
  expect(internals.argmax([1, 5, 5])).toBe(1)
  expect(has(core, 'CharTokenizer')).toBe(false)
})

test('seqgrad/data groups the tasks\' data and stream batching; the root has the same module as the namespace data, not loose names', () => {
  expect(names(dataModule)).toEqual([...DATA].sort())
  expect(names(seqgrad.data)).toEqual(names(dataModule))
  for (const name of DATA) {
    expect({ name, same: (seqgrad.data as Record<string, unknown>)[name] === (dataModule as Record<string, unknown>)[name], loose: has(seqgrad, name) }).toEqual({ name, same: true, loose: false })
  }
  expect(seqgrad.data.addingBatch(2, 6).x.shape).toEqual([2, 6, 2])
})

test('seqgrad/compare has what a comparison takes in any runtime, and none of it is in the root', () => {
  const steps = 'parseCellSpecs taskByName resolveTask planComparison planSelectionUnits chooseLearningRates planUnits runUnit startUnit summarize runComparison resultsTable resultsTableData comparisonCharts assessClaims claimsSummary buildReport resultsJson'
  for (const name of steps.split(' ')) {
    expect({ name, inCompare: typeof (compareModule as Record<string, unknown>)[name], inRoot: has(seqgrad, name) }).toEqual({ name, inCompare: 'function', inRoot: false })
  }
  // a unit's input is plain data from the plan, and its result goes back to summarize
  const task = compareModule.taskByName('adding')
  const plan = compareModule.planComparison({ task, cells: compareModule.parseCellSpecs('lstm'), settings: { length: 4, hidden: 3, batchSize: 2, seed: 0 }, steps: 2 })
  const units = compareModule.planUnits(plan)
  const result = compareModule.summarize(plan, task, units, units.map((u) => compareModule.runUnit(JSON.parse(JSON.stringify(u)))))
  expect(compareModule.resultsTable(result).split('\n')).toHaveLength(3)
})

/** Runs `script` with node (as CommonJS, or as an ES module with --input-type=module) from the repository root. */
const runNode = (script: string, ...flags: string[]) => execFileSync(process.execPath, [...flags, '-e', script], { cwd: root, encoding: 'utf8' }).trim()

test.each([
  ['./data', 'data/index', dataModule],
  ['./internals', 'internals', internals],
  ['./compare', 'compare/index', compareModule],
  ['./node', 'cli/train-workers', nodeModule],
] as const)('package.json exports %s for ESM and CommonJS with types, and the built files load with the source\'s names', (subpath, file, source) => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }
  expect(pkg.exports[subpath]).toEqual({
    import: { types: `./dist/esm/${file}.d.ts`, default: `./dist/esm/${file}.js` },
    require: { types: `./dist/cjs/${file}.d.ts`, default: `./dist/cjs/${file}.js` },
  })
  for (const built of [`esm/${file}`, `cjs/${file}`]) {
    for (const ext of ['.js', '.d.ts']) if (!existsSync(join(root, 'dist', `${built}${ext}`))) throw new Error(`dist/${built}${ext} is missing: run \`npm run build\``)
  }
  const specifier = `seqgrad${subpath.slice(1)}`
  const fromRequire = runNode(`console.log(Object.keys(require('${specifier}')).sort().join(','))`)
  const fromImport = runNode(`import('${specifier}').then((s) => console.log(Object.keys(s).sort().join(',')))`, '--input-type=module')
  expect(fromImport).toBe(fromRequire)
  expect(fromRequire.split(',')).toEqual(names(source))
})

test('the built browser bundle (what web/ loads) has data.addingBatch and data.embeddedReberString, and argmax as the tensor op', () => {
  const bundle = join(root, 'dist', 'browser', 'seqgrad.min.js')
  if (!existsSync(bundle)) throw new Error('dist/browser/seqgrad.min.js is missing: run `npm run build`')
  const script = [
    `const s = await import(${JSON.stringify(pathToFileURL(bundle).href)})`,
    'const reber = s.data.embeddedReberString(new s.Generator(11))',
    'console.log(JSON.stringify([typeof s.data.addingBatch, s.data.addingBatch(3, 5).target.shape, reber[0], s.tensor([2, 9, 4]).argmax().item(), "embeddedReberString" in s]))',
  ].join('\n')
  expect(JSON.parse(runNode(script, '--input-type=module'))).toEqual(['function', [3, 1], 'B', 1, false])
})
