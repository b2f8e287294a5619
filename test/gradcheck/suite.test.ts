// The gradient-check suite: every case passes (fast mode over the whole suite, whole Jacobians for a few),
// it names every op of the API, a wrong backward is caught and measured, and a seed fixes every number.
import { checkGradients, FAST_MODE_THRESHOLD, gradcheckCases, runGradcheckSuite, type GradcheckCase, type GradcheckOutcome, type GradcheckSuiteResult } from '../../src/gradcheck/suite.js'
import { defaultGenerator, defineOp, Generator, randn, type Tensor } from '../../src/index.js'

// The Tensor methods listed in ../shared/design/API.md that are differentiable.
const API_OPS = [
  'add', 'sub', 'mul', 'div', 'neg', 'pow', 'exp', 'log', 'sqrt', 'tanh', 'sigmoid', 'relu', 'abs', 'clamp',
  'matmul', 'sum', 'mean', 'max', 'softmax', 'logSoftmax', 'reshape', 'transpose', 'slice', 'cat', 'split',
]
// The other differentiable free functions that src/index.ts exports.
const OTHER_OPS = ['stack', 'expand', 'unsqueeze', 'squeeze', 'linear', 'embedding', 'dropout', 'clone', 'to', 'sign']

const mentions = (name: string, word: string) => new RegExp(`(^|[^A-Za-z])${word}($|[^A-Za-z])`).test(name)

// x ↦ x², with a backward that forgets the factor 2.
const badSquare = defineOp({
  name: 'badSquare',
  forward: (x) => x.mul(x),
  backward: (dy, [x]) => [dy.mul(x)],
})

function badCase(fastMode: boolean): GradcheckCase {
  return {
    group: 'op',
    name: `badSquare (wrong backward${fastMode ? ', fast mode' : ''})`,
    run: () => checkGradients(badSquare, [randn([2, 3], { dtype: 'float64', generator: new Generator(5), requiresGrad: true })], { fastMode, seed: 5 }),
  }
}

const numbers = (r: GradcheckSuiteResult) => r.results.map(({ name, outcome }) => [name, outcome.worstAbsError, outcome.worstRelError, outcome.checked])

describe('the gradient-check suite', () => {
  let fast: GradcheckSuiteResult
  const seen: { name: string; outcome: GradcheckOutcome; ms: number }[] = []

  beforeAll(() => {
    const before = defaultGenerator.getState()
    fast = runGradcheckSuite({ fast: true, onResult: (c, outcome, ms) => seen.push({ name: c.name, outcome, ms }) })
    // The suite draws from its own generators only.
    expect(Array.from(defaultGenerator.getState())).toEqual(Array.from(before))
  })

  test('every case passes in fast mode, with small measured errors', () => {
    const failures = fast.results.filter((r) => !r.outcome.passed).map((r) => `${r.group} ${r.name}: ${r.outcome.message}`)
    expect(failures).toEqual([])
    for (const { name, outcome } of fast.results) {
      expect({ name, finite: Number.isFinite(outcome.worstAbsError) && Number.isFinite(outcome.worstRelError) }).toEqual({ name, finite: true })
      expect({ name, small: outcome.worstAbsError < 1e-5 && outcome.worstRelError < 1e-3 }).toEqual({ name, small: true })
      expect(outcome.checked).toBeGreaterThan(0)
      expect(outcome.message).toBeUndefined()
    }
  })

  test('results add up, and onResult sees every case in order', () => {
    expect(fast.cases).toBe(fast.results.length)
    expect(fast.failed).toBe(fast.results.filter((r) => !r.outcome.passed).length)
    expect(fast.cases).toBe(gradcheckCases().length)
    expect(seen.map((s) => s.name)).toEqual(fast.results.map((r) => r.name))
    expect(seen.map((s) => s.outcome)).toEqual(fast.results.map((r) => r.outcome))
    for (const r of fast.results) expect(r.ms).toBeGreaterThanOrEqual(0)
    const perGroup = (g: string) => fast.results.filter((r) => r.group === g).length
    expect(['op', 'cell', 'layer', 'model', 'loss'].map(perGroup).reduce((a, b) => a + b)).toBe(fast.cases)
    for (const g of ['op', 'cell', 'layer', 'model', 'loss']) expect(perGroup(g)).toBeGreaterThan(0)
    expect(new Set(fast.results.map((r) => r.name)).size).toBe(fast.cases) // names are unique
  })

  test('a case names every differentiable op of the API', () => {
    const opNames = gradcheckCases().filter((c) => c.group === 'op').map((c) => c.name)
    const missing = [...API_OPS, ...OTHER_OPS].filter((op) => !opNames.some((name) => mentions(name, op)))
    expect(missing).toEqual([])
    // pow both ways, matmul batched with broadcasting, reductions with and without dims, dropout both ways.
    for (const pattern of [/^pow tensor exponent/, /^pow scalar exponent/, /^matmul 2-d/, /^matmul batched broadcast/, /^sum all/, /^sum dim/, /^mean all/, /^mean dim/, /^max all/, /^max dim/, /^dropout in eval/, /^dropout with a fixed mask/, /broadcast/]) {
      expect({ pattern: String(pattern), found: opNames.some((n) => pattern.test(n)) }).toEqual({ pattern: String(pattern), found: true })
    }
  })

  test('the cells, layers, models and losses are all there', () => {
    const names = (group: string) => gradcheckCases().filter((c) => c.group === group).map((c) => c.name)
    const cells = names('cell')
    const hard = ' recurrentActivation: hardSigmoid'
    for (const cell of ['RNNCell tanh', 'RNNCell relu', 'RNNCell linear', 'LSTMCell', `LSTMCell${hard}`, 'GRUCell', `GRUCell${hard}`, `GRUCell resetAfter: false,${hard}`]) {
      for (const variant of ['with bias', 'without bias']) expect(cells).toContain(`${cell} ${variant}`)
    }
    const layers = names('layer')
    for (const kind of ['RNN tanh', 'RNN relu', 'RNN linear', 'LSTM', `LSTM${hard}`, 'GRU', `GRU${hard}`, `GRU resetAfter: false,${hard}`]) {
      for (const layersCount of ['1 layer', '2 layers']) {
        for (const dir of ['unidirectional', 'bidirectional']) {
          for (const impl of ['fused', 'reference']) expect(layers).toContain(`${kind}, ${layersCount}, ${dir}, ${impl}`)
        }
      }
      expect(layers.some((n) => n.startsWith(`${kind},`) && n.includes('batchFirst'))).toBe(true)
      expect(layers.some((n) => n.startsWith(`${kind},`) && n.includes('unbatched'))).toBe(true)
    }
    // the LSTM's projection, along both paths
    for (const impl of ['fused', 'reference']) expect(layers).toContain(`LSTM, 2 layers, bidirectional, ${impl}, projSize 1`)
    const models = names('model')
    for (const cell of ['rnn', 'lstm', 'gru']) expect(models).toContain(`LanguageModel ${cell}`)
    expect(models.some((n) => n.startsWith('SequenceClassifier') && n.includes('lengths'))).toBe(true)
    expect(models.some((n) => n.startsWith('Seq2Seq'))).toBe(true)
    const losses = names('loss')
    for (const loss of ['crossEntropy', 'ignoreIndex', 'mseLoss', 'l1Penalty', 'l2Penalty']) expect(losses.some((n) => n.includes(loss))).toBe(true)
  })

  test('fast mode compares one projection per input for the bigger cases, whole Jacobians for the small ones', () => {
    const byName = new Map(fast.results.map((r) => [r.name, r.outcome]))
    // LSTM, 1 layer, unidirectional: x, h0, c0 and four parameter tensors.
    expect(byName.get('LSTM, 1 layer, unidirectional, fused')?.checked).toBe(7)
    expect(byName.get('LSTMCell without bias')?.checked).toBe(5) // x, h, c, weight_ih, weight_hh
    // add [2, 3] + [2, 3]: 6 outputs × 12 input elements, below the threshold.
    expect(FAST_MODE_THRESHOLD).toBeGreaterThanOrEqual(12)
    expect(byName.get('add [2, 3] + [2, 3]')?.checked).toBe(72)
  })

  test('a few cases with whole Jacobians', () => {
    const chosen = new Set([
      'matmul batched broadcast [2, 1, 3, 4] @ [3, 4, 2]',
      'GRUCell with bias',
      'LSTM, 1 layer, bidirectional, fused',
      'LSTM, 2 layers, bidirectional, fused, projSize 1',
      'RNN relu, 2 layers, unidirectional, reference',
      'SequenceClassifier rnn, float inputs, lengths [3, 1, 2]',
      'crossEntropy ignoreIndex (two rows ignored)',
    ])
    const full = runGradcheckSuite({ filter: (c) => chosen.has(c.name) })
    expect(full.cases).toBe(chosen.size)
    expect(full.results.filter((r) => !r.outcome.passed).map((r) => `${r.name}: ${r.outcome.message}`)).toEqual([])
    const byName = new Map(full.results.map((r) => [r.name, r.outcome]))
    // Every entry of the Jacobian: (24 + 24 input elements) × 36 output elements.
    expect(byName.get('matmul batched broadcast [2, 1, 3, 4] @ [3, 4, 2]')?.checked).toBe(48 * 36)
    for (const { outcome } of full.results) {
      expect(outcome.worstAbsError).toBeLessThan(1e-6)
      expect(outcome.worstRelError).toBeLessThan(1e-3)
    }
  })

  test('a wrong backward fails, with gradcheck\'s message and a large worst error', () => {
    const result = runGradcheckSuite({ cases: [badCase(false), ...gradcheckCases().filter((c) => c.name === 'neg'), badCase(true)] })
    expect(result.cases).toBe(3)
    expect(result.failed).toBe(2)
    const [full, neg, fastBad] = result.results.map((r) => r.outcome)
    expect(neg.passed).toBe(true)
    expect(full.passed).toBe(false)
    expect(full.message).toMatch(/Jacobian mismatch for input 0/)
    // The analytical diagonal is x, the numerical one 2x: off by |x|, half the true value.
    expect(full.worstAbsError).toBeGreaterThan(0.1)
    expect(full.worstRelError).toBeCloseTo(0.5, 6)
    expect(full.checked).toBe(36)
    expect(fastBad.passed).toBe(false)
    expect(fastBad.message).toMatch(/projection/)
    expect(fastBad.worstAbsError).toBeGreaterThan(1e-3)
    expect(fastBad.checked).toBe(1)
  })

  test('a case that throws counts as failed, with the error', () => {
    const throwing: GradcheckCase = {
      group: 'model',
      name: 'throws',
      run: () => {
        throw new Error('no such model')
      },
    }
    const result = runGradcheckSuite({ cases: [throwing] })
    expect(result.failed).toBe(1)
    expect(result.results[0].outcome).toMatchObject({ passed: false, checked: 0, message: 'no such model' })
    // Inputs gradcheck refuses (float32) fail with its explanation.
    const x = randn([2], { requiresGrad: true })
    const outcome = checkGradients((t: Tensor) => t.exp(), [x])
    expect(outcome.passed).toBe(false)
    expect(outcome.message).toMatch(/float64/)
  })

  test('the same seed gives the same numbers; another seed gives others', () => {
    const sample = new Set(['div broadcast [3] / [2, 3]', 'max dim 1 (no ties)', 'GRUCell unbatched', 'RNN relu, 1 layer, bidirectional, fused', 'LanguageModel gru', 'crossEntropy labelSmoothing 0.1'])
    const filter = (c: GradcheckCase) => sample.has(c.name)
    const a = runGradcheckSuite({ seed: 7, fast: true, filter })
    const b = runGradcheckSuite({ seed: 7, fast: true, filter })
    const c = runGradcheckSuite({ seed: 8, fast: true, filter })
    expect(a.cases).toBe(sample.size)
    expect(numbers(b)).toEqual(numbers(a))
    expect(numbers(c)).not.toEqual(numbers(a))
    expect(c.failed).toBe(0)
    // The default seed is 0, and a case's numbers do not depend on which other cases run.
    const zero = runGradcheckSuite({ seed: 0, fast: true, filter })
    expect(numbers(zero)).toEqual(numbers({ ...fast, results: fast.results.filter((r) => sample.has(r.name)) }))
  })

  test('the seed must be a non-negative safe integer', () => {
    expect(() => gradcheckCases({ seed: -1 })).toThrow(/seed/)
    expect(() => gradcheckCases({ seed: 1.5 })).toThrow(/seed/)
  })
})
