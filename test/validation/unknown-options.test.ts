// Every options object of the public API refuses a key it does not know, as the constructors do:
// "where: unknown option 'key' (did you mean camelKey?); expected one of …". A misspelled option
// (PyTorch's snake_case, most often) would otherwise be dropped silently and give wrong numbers.
// Each row calls one function with a valid options object plus one wrong key, then with the valid one alone.
import {
  Adam, CharTokenizer, LanguageModel, SGD, Seq2Seq, arange, clipGradNorm, crossEntropy, defineOp, evaluateLanguageModel, full, grad, gradcheck, gradcheckReport, gradgradcheck, gradgradcheckReport, mseLoss, ones,
  padSequences, rand, randn, sampleToken, saveCheckpoint, tensor, type Tensor, tokenProbabilities, trainLanguageModel, zeros, data,
} from '../../src/index.js'
import { buildReport, lineChart, planComparison, planUnits, resultsJson, runComparison, runUnit, startUnit, taskByName } from '../../src/compare/index.js'
import { assertGradcheck, assertGradgradcheck, broadcastShapesArb, float64TensorArb, shapeArb } from '../../src/testing/index.js'
import { crafted } from '../compare/crafted.js'
import { expectPlainError } from '../helpers/errors.js'

type Options = Record<string, unknown>

interface Row {
  /** The name the error starts with. */
  where: string
  /** A valid options object for `call`. */
  valid: () => Options
  bad: string
  /** The hint the error gives, when the bad key is a valid key's snake_case. */
  hint?: string
  call: (opts: Options) => unknown
}

const x64 = () => tensor([0.5, -0.3, 0.8], { dtype: 'float64', requiresGrad: true })
const square = (t: Tensor) => t.mul(t).sum()
const model = () => new LanguageModel({ vocabSize: 5, embeddingDim: 2, hiddenSize: 3 })
const tokens = Array.from({ length: 40 }, (_, i) => (i * 3) % 5)
const trainOptions = (): Options => {
  const m = model()
  return { model: m, optimizer: new Adam(m.parameters(), { lr: 0.01 }), train: tokens, validation: tokens, batchSize: 2, bptt: 4, steps: 1, evalEvery: 1 }
}
const settings = { length: 2, hidden: 3, batchSize: 2, seed: 0 }
const planOptions = (): Options => ({ task: taskByName('adding'), cells: ['gru'], settings, steps: 1, evaluations: 1 })
const unit = () => planUnits(planComparison({ task: taskByName('adding'), cells: ['gru'], settings, steps: 1, evaluations: 1 }))[0]
const seq2seq = () => new Seq2Seq({ sourceVocabSize: 4, targetVocabSize: 4, embeddingDim: 2, hiddenSize: 3 })

const rows: Row[] = [
  { where: 'grad', bad: 'create_graph', hint: 'createGraph', valid: () => ({ createGraph: true, retainGraph: true, allowUnused: false }), call: (o) => { const x = x64(); return grad(square(x), [x], o as never) } },
  { where: 'backward', bad: 'create_graph', hint: 'createGraph', valid: () => ({ createGraph: true, retainGraph: true }), call: (o) => square(x64()).backward(o as never) },
  { where: 'backward', bad: 'retain_graph', hint: 'retainGraph', valid: () => ({ createGraph: false }), call: (o) => { const y = square(x64()); return y.backward(tensor(1, { dtype: 'float64' }), o as never) } },
  { where: 'defineOp(twice)', bad: 'once_differentiable', hint: 'onceDifferentiable', valid: () => ({ name: 'twice', forward: (t: Tensor) => t.mul(2), backward: (g: Tensor) => [g.mul(2)], onceDifferentiable: true }), call: (o) => defineOp(o as never) },
  { where: 'gradcheck', bad: 'epsilon', valid: () => ({ eps: 1e-6, atol: 1e-5, rtol: 1e-3, raiseException: true, fastMode: false, seed: 0 }), call: (o) => gradcheck(square, [x64()], o as never) },
  { where: 'gradcheck', bad: 'raise_exception', hint: 'raiseException', valid: () => ({ eps: 1e-6 }), call: (o) => gradcheckReport(square, [x64()], o as never) },
  { where: 'gradgradcheck', bad: 'epsilon', valid: () => ({ eps: 1e-6, gradOutputs: tensor(1, { dtype: 'float64' }) }), call: (o) => gradgradcheck(square, [x64()], o as never) },
  { where: 'gradgradcheck', bad: 'grad_outputs', hint: 'gradOutputs', valid: () => ({ fastMode: true }), call: (o) => gradgradcheckReport(square, [x64()], o as never) },
  { where: 'crossEntropy', bad: 'ignore_index', hint: 'ignoreIndex', valid: () => ({ ignoreIndex: 0, reduction: 'sum' }), call: (o) => crossEntropy(randn([2, 3]), [1, 2], o as never) },
  { where: 'crossEntropy', bad: 'label_smoothing', hint: 'labelSmoothing', valid: () => ({ labelSmoothing: 0.1 }), call: (o) => crossEntropy(randn([2, 3]), [1, 2], o as never) },
  { where: 'mseLoss', bad: 'reduce', valid: () => ({ reduction: 'none' }), call: (o) => mseLoss(randn([2]), randn([2]), o as never) },
  { where: 'padSequences', bad: 'padding_value', valid: () => ({ padValue: -100 }), call: (o) => padSequences([[1, 2], [3]], o as never) },
  { where: 'padSequences', bad: 'batchFirst', valid: () => ({}), call: (o) => padSequences([[1, 2], [3]], o as never) },
  { where: 'sampleToken', bad: 'top_k', hint: 'topK', valid: () => ({ topK: 2, topP: 0.9, temperature: 0.5 }), call: (o) => sampleToken([1, 2, 3], o as never) },
  { where: 'tokenProbabilities', bad: 'top_p', hint: 'topP', valid: () => ({ topP: 0.9 }), call: (o) => tokenProbabilities([1, 2, 3], o as never) },
  { where: 'LanguageModel.generate', bad: 'top_k', hint: 'topK', valid: () => ({ prompt: [1], maxTokens: 2, topK: 2, seed: 1, stopToken: 0 }), call: (o) => model().generate(o as never) },
  { where: 'LanguageModel.generate', bad: 'max_tokens', hint: 'maxTokens', valid: () => ({ prompt: [1], maxTokens: 2 }), call: (o) => [...model().stream(o as never)] },
  { where: 'Seq2Seq.decode', bad: 'max_length', hint: 'maxLength', valid: () => ({ bos: 0, eos: 1, maxLength: 3, strategy: 'sample', topK: 2, seed: 1 }), call: (o) => seq2seq().decode(tensor([[1, 2]], { dtype: 'int32' }), o as never) },
  { where: 'trainLanguageModel', bad: 'worker', valid: trainOptions, call: (o) => trainLanguageModel(o as never) },
  { where: 'trainLanguageModel', bad: 'clip_norm', hint: 'clipNorm', valid: trainOptions, call: (o) => trainLanguageModel(o as never) },
  { where: 'trainLanguageModel: earlyStop', bad: 'min_delta', hint: 'minDelta', valid: () => ({ patience: 2, minDelta: 0.1 }), call: (o) => trainLanguageModel({ ...trainOptions(), earlyStop: o } as never) },
  { where: 'evaluateLanguageModel', bad: 'seqLen', valid: () => ({ batchSize: 2, bptt: 4 }), call: (o) => evaluateLanguageModel(model(), tokens, o as never) },
  { where: 'clipGradNorm', bad: 'error_if_nonfinite', hint: 'errorIfNonfinite', valid: () => ({ errorIfNonfinite: true }), call: (o) => clipGradNorm([], 1, 2, o as never) },
  { where: 'copyBatch', bad: 'symbols', valid: () => ({ count: 2, alphabet: 3, dtype: 'float64' }), call: (o) => data.copyBatch(2, 1, undefined, o as never) },
  { where: 'CharTokenizer', bad: 'unk', valid: () => ({ unknown: '?' }), call: (o) => new CharTokenizer('abc', o as never) },
  { where: 'tensor', bad: 'requires_grad', hint: 'requiresGrad', valid: () => ({ shape: [2], dtype: 'float64', requiresGrad: true }), call: (o) => tensor([1, 2], o as never) },
  { where: 'zeros', bad: 'requires_grad', hint: 'requiresGrad', valid: () => ({ dtype: 'float64', requiresGrad: true }), call: (o) => zeros([2], o as never) },
  { where: 'ones', bad: 'device', valid: () => ({ dtype: 'int32' }), call: (o) => ones([2], o as never) },
  { where: 'full', bad: 'device', valid: () => ({ dtype: 'float64' }), call: (o) => full([2], 3, o as never) },
  { where: 'arange', bad: 'start', valid: () => ({ dtype: 'float64', requiresGrad: false }), call: (o) => arange(3, o as never) },
  { where: 'rand', bad: 'seed', valid: () => ({ dtype: 'float64', requiresGrad: true }), call: (o) => rand([2], o as never) },
  { where: 'randn', bad: 'seed', valid: () => ({ dtype: 'float64', generator: undefined }), call: (o) => randn([2], o as never) },
  { where: 'saveCheckpoint', bad: 'epoch', valid: () => { const m = model(); return { model: m, optimizer: new SGD(m.parameters(), { lr: 0.1 }), step: 0, extra: { a: 1 } } }, call: (o) => saveCheckpoint(o as never) },
  { where: 'shapeArb', bad: 'min_rank', hint: 'minRank', valid: () => ({ minRank: 1, maxRank: 2, minDim: 1, maxDim: 3 }), call: (o) => shapeArb(o as never) },
  { where: 'broadcastShapesArb', bad: 'maxLength', valid: () => ({ maxRank: 2 }), call: (o) => broadcastShapesArb(o as never) },
  { where: 'float64TensorArb', bad: 'requires_grad', hint: 'requiresGrad', valid: () => ({ min: -1, max: 1, minMagnitude: 0.1, requiresGrad: false }), call: (o) => float64TensorArb([2], o as never) },
  { where: 'assertGradcheck', bad: 'num_runs', hint: 'numRuns', valid: () => ({ numRuns: 2, fcSeed: 1, eps: 1e-6 }), call: (o) => assertGradcheck(square, [float64TensorArb([2])], o as never) },
  { where: 'assertGradgradcheck', bad: 'epsilon', valid: () => ({ numRuns: 2, fcSeed: 1, atol: 1e-5 }), call: (o) => assertGradgradcheck(square, [float64TensorArb([2])], o as never) },
  { where: 'planComparison', bad: 'clip_norm', hint: 'clipNorm', valid: planOptions, call: (o) => planComparison(o as never) },
  { where: 'runComparison', bad: 'on_progress', hint: 'onProgress', valid: () => ({ ...planOptions(), onProgress: () => undefined, progressEvents: 1 }), call: (o) => runComparison(o as never) },
  { where: 'startUnit', bad: 'progress_events', hint: 'progressEvents', valid: () => ({ progressEvents: 1 }), call: (o) => startUnit(unit(), o as never) },
  { where: 'startUnit', bad: 'tasks', valid: () => ({ task: taskByName('adding') }), call: (o) => runUnit(unit(), o as never) },
  { where: 'lineChart', bad: 'y_label', hint: 'yLabel', valid: () => ({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', points: [[0, 1], [1, 2]] }], width: 400 }), call: (o) => lineChart(o as never) },
  { where: 'buildReport', bad: 'host', valid: () => ({ date: '2026-01-01', machine: 'm' }), call: (o) => buildReport(crafted([{ cell: 'gru', seeds: [{ metric: 1 }] }]), o as never) },
  { where: 'resultsJson', bad: 'host', valid: () => ({ date: '2026-01-01', machine: 'm' }), call: (o) => resultsJson(crafted([{ cell: 'gru', seeds: [{ metric: 1 }] }]), o as never) },
  { where: 'taskByName', bad: 'corpus', valid: () => ({ text: 'abcabc' }), call: (o) => taskByName('text', o as never) },
]

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('options objects refuse unknown keys', () => {
  test.each(rows.map((r) => [`${r.where} { ${r.bad} }`, r] as const))('%s', (_, row) => {
    const message = expectPlainError(() => row.call({ ...row.valid(), [row.bad]: 1 }), new RegExp(`^${escape(row.where)}: unknown option '${escape(row.bad)}'`), /; expected one of /)
    if (row.hint !== undefined) expect(message).toContain(`(did you mean ${row.hint}?)`)
    for (const key of Object.keys(row.valid())) expect(message).toMatch(new RegExp(`expected one of .*\\b${key}\\b`))
  })

  test.each(rows.map((r) => [`${r.where} with its valid keys`, r] as const))('%s', (_, row) => {
    expect(() => row.call(row.valid())).not.toThrow()
  })
})

// an array (a prompt passed where the options go) has keys '0', '1', …: it was refused as "unknown option '0'"
test.each([
  ['an array', [1, 2, 3], /got the array \[1, 2, 3\]/],
  ['a typed array', Int32Array.of(1, 2), /got .*Int32Array/],
])('an options object that is %s is refused as such, naming the options', (_, value, shown) => {
  const message = expectPlainError(() => model().generate(value as never), /^LanguageModel\.generate: expected an options object, got /, shown)
  expect(message).toMatch(/; its options are prompt, maxTokens, .*stopToken$/)
})
