// Second derivatives through the cells' equations (the reference path): gradgradcheck on lstmCell, gruCell,
// gruResetBeforeCell and rnnCell, on the cell modules, the reference layers and the losses of the gradcheck
// suite. The fused layers' backward is hand-derived kernels with no graph: createGraph refuses it by name.
import { cellSpecs, layerSpecs, lossSpecs } from '../../src/gradcheck/module-cases.js'
import { GRU, Generator, LSTM, Linear, RNN, Tensor, grad, gradgradcheck, gradgradcheckReport, gruCell, gruResetBeforeCell, lstmCell, randn, rnnCell, type CellParams } from '../../src/index.js'
import { expectPlainError } from '../helpers/errors.js'
import { expectClose } from '../autograd/helpers.js'

const D = 3
const H = 2
const B = 2

function params(g: Generator, gates: number): Tensor[] {
  const n = (shape: number[]) => randn(shape, { dtype: 'float64', generator: g, requiresGrad: true })
  return [n([B, D]), n([B, H]), n([gates * H, D]), n([gates * H, H]), n([gates * H]), n([gates * H])]
}
const cellParams = (W_ih: Tensor, W_hh: Tensor, b_ih: Tensor, b_hh: Tensor): CellParams => ({ W_ih, W_hh, b_ih, b_hh })

describe('gradgradcheck on the cells, every input and parameter', () => {
  test('lstmCell: h′ and c′', () => {
    const g = new Generator(1)
    const c = randn([B, H], { dtype: 'float64', generator: g, requiresGrad: true })
    const [x, h, ...p] = params(g, 4)
    const fn = (xx: Tensor, hh: Tensor, cc: Tensor, Wi: Tensor, Wh: Tensor, bi: Tensor, bh: Tensor) => {
      const next = lstmCell(xx, { h: hh, c: cc }, cellParams(Wi, Wh, bi, bh))
      return next.h.cat(next.c, 1)
    }
    expect(gradgradcheck(fn as (...t: Tensor[]) => Tensor, [x, h, c, ...p])).toBe(true)
  })

  test.each([
    ['gruCell', gruCell],
    ['gruResetBeforeCell', gruResetBeforeCell],
  ] as const)('%s', (_name, cell) => {
    const [x, h, ...p] = params(new Generator(2), 3)
    expect(gradgradcheck((xx, hh, Wi, Wh, bi, bh) => cell(xx, hh, cellParams(Wi, Wh, bi, bh)), [x, h, ...p])).toBe(true)
  })

  test.each(['tanh', 'relu'] as const)('rnnCell %s', (nonlinearity) => {
    const [x, h, ...p] = params(new Generator(3), 1)
    expect(gradgradcheck((xx, hh, Wi, Wh, bi, bh) => rnnCell(xx, hh, cellParams(Wi, Wh, bi, bh), nonlinearity), [x, h, ...p])).toBe(true)
  })
})

describe('the gradcheck suite’s cells, reference layers and losses pass gradgradcheck', () => {
  const cases = [...cellSpecs(), ...layerSpecs().filter((s) => s.name.includes('reference') && !s.name.includes('2 layers')), ...lossSpecs()]
  test.each(cases.map((s) => [s.name, s] as const))('%s', (_name, spec) => {
    const { fn, inputs } = spec.build(new Generator(9))
    expect(gradgradcheckReport(fn, inputs, { fastMode: inputs.length > 3 }).message).toBeUndefined()
  })
})

describe('the fused layers refuse createGraph, naming impl: reference', () => {
  const layers = [
    ['LSTM', 'fused_lstm', (impl: 'fused' | 'reference') => new LSTM({ inputSize: D, hiddenSize: H, dtype: 'float64', impl })],
    ['GRU', 'fused_gru', (impl: 'fused' | 'reference') => new GRU({ inputSize: D, hiddenSize: H, dtype: 'float64', impl })],
    ['RNN', 'fused_rnn_tanh', (impl: 'fused' | 'reference') => new RNN({ inputSize: D, hiddenSize: H, dtype: 'float64', impl })],
  ] as const
  test.each(layers)('%s', (_name, op, make) => {
    const x = randn([4, B, D], { dtype: 'float64', generator: new Generator(4), requiresGrad: true })
    const fused = make('fused')
    const reference = make('reference')
    reference.loadStateDict(fused.stateDict())
    const loss = (layer: LSTM | GRU | RNN) => layer.forward(x).output.tanh().sum()
    const message = new RegExp(`^createGraph: ${op} has no double backward .*: it is the fused path's hand-derived backward; build the layer, or the model, with impl: 'reference' \\(the cells' equations\\) instead$`)
    expectPlainError(() => grad(loss(fused), [x], { createGraph: true }), message)
    expectPlainError(() => loss(fused).backward({ createGraph: true }), message)
    // refused before anything runs: no parameter's .grad is half-accumulated
    for (const p of fused.parameters()) expect(p.grad).toBeNull()
    expect(x.grad).toBeNull()
    // without createGraph the fused layer is as before; the reference layer gives the same gradient with a graph
    const [plain] = grad(loss(fused), [x])
    const [withGraph] = grad(loss(reference), [x], { createGraph: true })
    expect(withGraph?.gradFn).not.toBeNull()
    expectClose((withGraph as Tensor).data, (plain as Tensor).data, 1e-10, 1e-12)
  })

  test('a gradient taken above a fused layer does not run its backward, so createGraph works there', () => {
    const lstm = new LSTM({ inputSize: D, hiddenSize: H, dtype: 'float64' })
    const decoder = new Linear({ inFeatures: H, outFeatures: 1, dtype: 'float64' })
    const x = randn([4, B, D], { dtype: 'float64', generator: new Generator(6), requiresGrad: true })
    const penaltyGrad = (out: Tensor) => {
      const [dOut] = grad(decoder.forward(out).tanh().sum(), [out], { createGraph: true }) // the decoder's part of the graph only
      return grad(dOut.pow(2).sum(), [decoder.weight])[0]
    }
    const out = lstm.forward(x).output
    const detached = out.detach()
    detached.requiresGrad = true
    expect(Array.from(penaltyGrad(out).data)).toEqual(Array.from(penaltyGrad(detached).data))
    expectPlainError(() => grad(decoder.forward(out).tanh().sum(), [x], { createGraph: true }), /fused_lstm has no double backward/)
    // backward reaches every leaf, so it is refused, before the decoder's weights get any .grad
    expectPlainError(() => decoder.forward(out).tanh().sum().backward({ createGraph: true }), /fused_lstm has no double backward/)
    expect(decoder.weight.grad).toBeNull()
  })
})

