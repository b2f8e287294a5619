// --cells: every form parses to plain data with defaults left out, every mistake is a CellSpecError naming
// the part at fault, and each variant has its own label; the variant is applied when the task builds its
// model (identity init, the forget bias, ReLU), from the seeded generator where it draws.
import { CellSpecError, cellLabel, formatCellSpec, parseCellSpecs, type CellSpec } from '../../src/compare/cell-spec.js'
import { copyTask } from '../../src/compare/copy.js'
import { reberTask } from '../../src/compare/reber.js'
import type { GRU, RNN } from '../../src/models/recurrent.js'
import { manualSeed } from '../../src/tensor/random.js'

const settings = { length: 3, hidden: 6, batchSize: 2, seed: 4 }

test('every form: kinds, irnn, each option, whitespace; defaults left out', () => {
  expect(parseCellSpecs('rnn,lstm,gru')).toEqual([
    { kind: 'rnn', options: {} },
    { kind: 'lstm', options: {} },
    { kind: 'gru', options: {} },
  ])
  expect(parseCellSpecs(' irnn , rnn:nonlinearity=relu , rnn:init=identity, rnn:nonlinearity=relu:init=identity:hidden=7')).toEqual([
    { kind: 'rnn', options: { nonlinearity: 'relu', init: 'identity' } },
    { kind: 'rnn', options: { nonlinearity: 'relu' } },
    { kind: 'rnn', options: { init: 'identity' } },
    { kind: 'rnn', options: { nonlinearity: 'relu', init: 'identity', hidden: 7 } },
  ])
  expect(parseCellSpecs('lstm:forget-bias=2,lstm:forget-bias=-0.5:hidden=64,lstm:forget-bias=1e0:hidden=3')).toEqual([
    { kind: 'lstm', options: { forgetBias: 2 } },
    { kind: 'lstm', options: { forgetBias: -0.5, hidden: 64 } },
    { kind: 'lstm', options: { forgetBias: 1, hidden: 3 } },
  ])
  // Spelling out a default gives the default cell.
  expect(parseCellSpecs('rnn:nonlinearity=tanh:init=default')).toEqual([{ kind: 'rnn', options: {} }])
  expect(parseCellSpecs('gru:reset-after=false, gru')).toEqual([{ kind: 'gru', options: { resetAfter: false } }, { kind: 'gru', options: {} }])
  expect(parseCellSpecs('gru:reset-after=true:hidden=5,irnn:hidden=9')).toEqual([
    { kind: 'gru', options: { hidden: 5 } },
    { kind: 'rnn', options: { nonlinearity: 'relu', init: 'identity', hidden: 9 } },
  ])
})

test('labels and the canonical form of each variant', () => {
  const cases: [string, string, string][] = [
    ['rnn', 'RNN (tanh)', 'rnn'],
    ['rnn:nonlinearity=relu', 'RNN (ReLU)', 'rnn:nonlinearity=relu'],
    ['rnn:init=identity', 'RNN (tanh), identity init', 'rnn:init=identity'],
    ['irnn', 'IRNN', 'irnn'],
    ['rnn:init=identity:nonlinearity=relu', 'IRNN', 'irnn'],
    ['lstm', 'LSTM', 'lstm'],
    ['lstm:forget-bias=2', 'LSTM, forget bias 2', 'lstm:forget-bias=2'],
    ['lstm:hidden=64:forget-bias=1.5', 'LSTM, forget bias 1.5, hidden 64', 'lstm:forget-bias=1.5:hidden=64'],
    ['gru', 'GRU', 'gru'],
    ['gru:hidden=12', 'GRU, hidden 12', 'gru:hidden=12'],
    ['gru:reset-after=false', 'GRU (Cho et al. 2014)', 'gru:reset-after=false'],
    ['gru:hidden=9:reset-after=false', 'GRU (Cho et al. 2014), hidden 9', 'gru:reset-after=false:hidden=9'],
  ]
  for (const [text, label, canonical] of cases) {
    const [spec] = parseCellSpecs(text)
    expect({ text, label: cellLabel(spec), canonical: formatCellSpec(spec) }).toEqual({ text, label, canonical })
    expect(parseCellSpecs(canonical)).toEqual([spec]) // the canonical form reads back as the same cell
  }
})

test('mistakes are CellSpecErrors that name the bad part', () => {
  const cases: [string, RegExp, string][] = [
    ['', /--cells is empty/, ''],
    ['rnn,,gru', /empty entry \(number 2 in 'rnn,,gru'\)/, ''],
    ['rnn,foo', /'foo' in 'foo' is not a cell; expected rnn, irnn, lstm or gru/, 'foo'],
    ['lstm:forget-bias', /'forget-bias' in 'lstm:forget-bias' is not KEY=VALUE/, 'forget-bias'],
    ['lstm:=2', /'=2' in 'lstm:=2' is not KEY=VALUE/, '=2'],
    ['lstm:forget-bias=', /is not KEY=VALUE/, 'forget-bias='],
    ['lstm:nonlinearity=relu', /lstm has no option 'nonlinearity' \(in 'lstm:nonlinearity=relu'\); lstm takes forget-bias, hidden/, 'nonlinearity=relu'],
    ['gru:forget-bias=1', /gru has no option 'forget-bias'.*gru takes reset-after, hidden/, 'forget-bias=1'],
    ['rnn:nonlinearity=sigmoid', /nonlinearity must be tanh or relu, got 'sigmoid'/, 'nonlinearity=sigmoid'],
    ['rnn:init=orthogonal', /init must be identity or default, got 'orthogonal'/, 'init=orthogonal'],
    ['lstm:forget-bias=two', /forget-bias must be a number between -100 and 100 \(the total b_if \+ b_hf\), got 'two'/, 'forget-bias=two'],
    ['lstm:forget-bias=1e9', /forget-bias must be a number/, 'forget-bias=1e9'],
    ['lstm:forget-bias=Infinity', /forget-bias must be a number/, 'forget-bias=Infinity'],
    ['gru:reset-after=maybe', /reset-after must be true or false, got 'maybe'/, 'reset-after=maybe'],
    ['lstm:hidden=0', /hidden must be an integer from 1 to 4096, got '0'/, 'hidden=0'],
    ['lstm:hidden=2.5', /hidden must be an integer/, 'hidden=2.5'],
    ['lstm:hidden=9999', /hidden must be an integer from 1 to 4096/, 'hidden=9999'],
    ['lstm:hidden=4:hidden=5', /'hidden' is given twice in 'lstm:hidden=4:hidden=5'/, 'hidden=5'],
    ['irnn:nonlinearity=tanh', /irnn already means rnn:nonlinearity=relu:init=identity/, 'nonlinearity=tanh'],
    ['rnn,rnn:nonlinearity=tanh', /names one cell twice: 'rnn' and 'rnn:nonlinearity=tanh' are both rnn/, 'rnn:nonlinearity=tanh'],
    ['irnn,rnn:init=identity:nonlinearity=relu', /are both irnn/, 'rnn:init=identity:nonlinearity=relu'],
    ['gru,gru:reset-after=true', /are both gru/, 'gru:reset-after=true'],
  ]
  for (const [text, message, part] of cases) {
    let error: unknown
    try {
      parseCellSpecs(text)
    } catch (e) {
      error = e
    }
    expect({ text, isSpecError: error instanceof CellSpecError }).toEqual({ text, isSpecError: true })
    expect({ text, message: (error as Error).message }).toEqual({ text, message: expect.stringMatching(message) })
    expect({ text, part: (error as CellSpecError).part }).toEqual({ text, part })
  }
})

test("an explicit hidden size equal to the run's is the same cell: refused as a duplicate (accepted before)", () => {
  expect(() => parseCellSpecs('lstm,lstm:hidden=32', 32)).toThrow(new CellSpecError("--cells names one cell twice: 'lstm' and 'lstm:hidden=32' are both lstm at hidden size 32, the run's (--hidden)", 'lstm:hidden=32'))
  expect(() => parseCellSpecs('gru:hidden=16,gru', 16)).toThrow(/'gru:hidden=16' and 'gru' are both gru at hidden size 16/)
  expect(() => parseCellSpecs('lstm:hidden=8,lstm:hidden=8', 32)).toThrow(/are both lstm:hidden=8$/)
  expect(parseCellSpecs('lstm,lstm:hidden=32', 16)).toHaveLength(2) // another size: another cell
})

describe('the variant is applied when the task builds its model', () => {
  const layerOf = (spec: CellSpec) => {
    manualSeed(settings.seed)
    return copyTask.create(spec, settings).model.namedParameters()
  }

  test('identity init: W_hh = I, biases 0, W_ih ~ N(0, 0.001²) from the seeded generator; ReLU equations', () => {
    const p = layerOf({ kind: 'rnn', options: { nonlinearity: 'relu', init: 'identity' } })
    const H = settings.hidden
    expect(Array.from(p['rnn.weight_hh_l0'].data)).toEqual(Array.from({ length: H * H }, (_, i) => (i % (H + 1) === 0 ? 1 : 0)))
    expect(Array.from(p['rnn.bias_ih_l0'].data).every((v) => v === 0) && Array.from(p['rnn.bias_hh_l0'].data).every((v) => v === 0)).toBe(true)
    const wih = Array.from(p['rnn.weight_ih_l0'].data)
    expect(Math.max(...wih.map(Math.abs))).toBeLessThan(0.006)
    expect(wih.some((v) => v !== 0)).toBe(true)
    expect(Array.from(layerOf({ kind: 'rnn', options: { nonlinearity: 'relu', init: 'identity' } })['rnn.weight_ih_l0'].data)).toEqual(wih) // the seed decides
    const nonlinearity = (spec: CellSpec | 'rnn') => (copyTask.create(spec, settings).model as unknown as { rnn: RNN }).rnn.nonlinearity
    expect([nonlinearity('rnn'), nonlinearity({ kind: 'rnn', options: { nonlinearity: 'relu' } })]).toEqual(['tanh', 'relu'])
  })

  test('forget bias B: b_if + b_hf = B exactly, the rest as the default LSTM of that seed', () => {
    const H = settings.hidden
    const plain = layerOf({ kind: 'lstm', options: {} })
    const biased = layerOf({ kind: 'lstm', options: { forgetBias: 2 } })
    const bih = biased['rnn.bias_ih_l0'].data
    const bhh = biased['rnn.bias_hh_l0'].data
    for (let j = H; j < 2 * H; j++) expect(bih[j] + bhh[j]).toBe(2)
    for (const j of [0, H - 1, 2 * H, 4 * H - 1]) expect([bih[j], bhh[j]]).toEqual([plain['rnn.bias_ih_l0'].data[j], plain['rnn.bias_hh_l0'].data[j]])
    expect(Array.from(biased['rnn.weight_hh_l0'].data)).toEqual(Array.from(plain['rnn.weight_hh_l0'].data))
    expect(Array.from(biased['head.weight'].data)).toEqual(Array.from(plain['head.weight'].data))
  })

  test("gru:reset-after=false builds the GRU of Cho et al. 2014: the same parameters, other equations", () => {
    const cho = { kind: 'gru', options: { resetAfter: false } } as const
    manualSeed(settings.seed)
    const run = copyTask.create(cho, settings)
    const layer = (run.model as unknown as { rnn: GRU }).rnn
    expect([layer.resetAfter, layer.cellKind]).toEqual([false, 'gru_reset_before'])
    expect(copyTask.parameterCount(cho, 6)).toBe(copyTask.parameterCount({ kind: 'gru', options: {} }, 6))
    const plain = layerOf({ kind: 'gru', options: {} })
    expect(Array.from(run.model.namedParameters()['rnn.weight_hh_l0'].data)).toEqual(Array.from(plain['rnn.weight_hh_l0'].data)) // same draws
    manualSeed(settings.seed)
    expect(run.trainLoss(1).item()).not.toBe(copyTask.create('gru', settings).trainLoss(1).item())
    expect(run.gradientNorms()).toHaveLength(2 * 5 + 3 + 1)
  })

  test('the token tasks take variants too, and hidden sizes per cell', () => {
    manualSeed(0)
    const model = reberTask.create({ kind: 'rnn', options: { nonlinearity: 'relu', init: 'identity' } }, { ...settings, length: 6 }).model as unknown as { rnn: RNN }
    expect(model.rnn.nonlinearity).toBe('relu')
    expect(Array.from(model.rnn.cellParams().W_hh.data.slice(0, 2))).toEqual([1, 0])
    expect(reberTask.parameterCount({ kind: 'gru', options: {} }, 5)).toBe(7 * 8 + 3 * 5 * (8 + 5 + 2) + 7 * 5 + 7)
  })
})
