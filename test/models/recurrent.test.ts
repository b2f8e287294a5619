// RNN, LSTM and GRU layers: fused == reference over random configurations, gradcheck through whole
// sequences, dropout only in training, state-dict and safetensors round trips, and clear errors.
import fc from 'fast-check'
import { GRU, gradcheck, loadSafetensors, LSTM, manualSeed, randn, RNN, saveSafetensors, type Impl, type Tensor } from '../../src/index.js'
import { layerCaseArbs, layerFor, runLayer, type Layer, type LayerCase } from '../helpers/layers.js'
import { maxDiff } from '../helpers/max-diff.js'

interface Config extends LayerCase {
  batchFirst: boolean
  unbatched: boolean
}

const configArb: fc.Arbitrary<Config> = fc.record({ ...layerCaseArbs, batchFirst: fc.boolean(), unbatched: fc.boolean() })

function makeLayer(c: Config, impl: Impl, dropout = 0): Layer {
  return layerFor(c, { batchFirst: c.batchFirst, dtype: 'float64', impl, dropout })
}

/** Output, h (and c) of the layer, concatenated flat so one functional covers them all. */
function runFlat(layer: Layer, x: Tensor, h0?: Tensor, c0?: Tensor): Tensor {
  const r = runLayer(layer, x, h0, c0)
  const parts = r.c === undefined ? [r.output, r.h] : [r.output, r.h, r.c]
  return parts.map((t) => t.reshape(-1)).reduce((a, b) => a.cat(b))
}

function inputsFor(c: Config) {
  const xShape = c.unbatched ? [c.T, c.D] : c.batchFirst ? [c.B, c.T, c.D] : [c.T, c.B, c.D]
  const stateShape = c.unbatched ? [c.numLayers * (c.bidirectional ? 2 : 1), c.H] : [c.numLayers * (c.bidirectional ? 2 : 1), c.B, c.H]
  const leaf = (shape: number[]) => randn(shape, { dtype: 'float64', requiresGrad: true })
  return { x: leaf(xShape), h0: c.withState ? leaf(stateShape) : undefined, c0: c.withState && c.kind === 'lstm' ? leaf(stateShape) : undefined }
}

test('the fused path equals the reference path, values and gradients (float64, ≤ 1e-12)', () => {
  fc.assert(
    fc.property(configArb, fc.integer({ min: 0, max: 1000 }), (c, seed) => {
      manualSeed(seed)
      const fused = makeLayer(c, 'fused')
      const reference = makeLayer(c, 'reference')
      reference.loadStateDict(fused.stateDict())
      const { x, h0, c0 } = inputsFor(c)
      const yFused = runFlat(fused, x, h0, c0)
      const probe = randn([yFused.size], { dtype: 'float64' })
      yFused.mul(probe).sum().backward()
      const fusedGrads = [x, h0, c0, ...fused.parameters()].map((t) => (t?.grad ? Array.from(t.grad.data) : []))
      for (const t of [x, h0, c0]) if (t) t.grad = null
      const yReference = runFlat(reference, x, h0, c0)
      yReference.mul(probe).sum().backward()
      const referenceGrads = [x, h0, c0, ...reference.parameters()].map((t) => (t?.grad ? Array.from(t.grad.data) : []))
      expect(maxDiff(yFused.data, yReference.data)).toBeLessThanOrEqual(1e-12)
      fusedGrads.forEach((g, i) => expect(maxDiff(g, referenceGrads[i])).toBeLessThanOrEqual(1e-12))
    }),
    { numRuns: 60 },
  )
})

test('gradcheck passes through whole sequences of every layer variant, on both paths', () => {
  fc.assert(
    fc.property(configArb, fc.constantFrom<Impl>('fused', 'reference'), (c, impl) => {
      const small = { ...c, T: Math.min(c.T, 3), numLayers: Math.min(c.numLayers, 2), D: Math.min(c.D, 3), H: Math.min(c.H, 3) }
      const layer = makeLayer(small, impl)
      const { x, h0, c0 } = inputsFor(small)
      const inputs = [x, ...(h0 ? [h0] : []), ...(c0 ? [c0] : []), ...layer.parameters()]
      return gradcheck(() => runFlat(layer, x, h0, c0), inputs, { fastMode: true })
    }),
    { numRuns: 40 },
  )
  // One full-Jacobian check per kind, bidirectional and two layers deep.
  for (const kind of ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'] as const) {
    const c: Config = { kind, T: 3, B: 2, D: 2, H: 2, numLayers: 2, bidirectional: true, batchFirst: false, bias: true, withState: true, unbatched: false }
    const layer = makeLayer(c, 'fused')
    const { x, h0, c0 } = inputsFor(c)
    expect(gradcheck(() => runFlat(layer, x, h0, c0), [x, h0 as Tensor, ...(c0 ? [c0] : []), ...layer.parameters()])).toBe(true)
  }
})

test('dropout between layers acts only in training mode, and repeats under a seed', () => {
  const c: Config = { kind: 'lstm', T: 4, B: 3, D: 3, H: 5, numLayers: 2, bidirectional: false, batchFirst: false, bias: true, withState: false, unbatched: false }
  manualSeed(1)
  const dropped = makeLayer(c, 'fused', 0.5)
  const plain = makeLayer(c, 'fused', 0)
  plain.loadStateDict(dropped.stateDict())
  const { x } = inputsFor(c)
  const clean = Array.from(runFlat(plain, x).data)
  dropped.eval()
  expect(Array.from(runFlat(dropped, x).data)).toEqual(clean)
  dropped.train()
  manualSeed(7)
  const first = Array.from(runFlat(dropped, x).data)
  manualSeed(7)
  expect(Array.from(runFlat(dropped, x).data)).toEqual(first)
  expect(maxDiff(first, clean)).toBeGreaterThan(1e-3)
})

test('state dicts use PyTorch names and survive a safetensors round trip bit for bit', () => {
  const layer = new LSTM({ inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true })
  expect(Object.keys(layer.stateDict())).toEqual([
    'weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0',
    'weight_ih_l0_reverse', 'weight_hh_l0_reverse', 'bias_ih_l0_reverse', 'bias_hh_l0_reverse',
    'weight_ih_l1', 'weight_hh_l1', 'bias_ih_l1', 'bias_hh_l1',
    'weight_ih_l1_reverse', 'weight_hh_l1_reverse', 'bias_ih_l1_reverse', 'bias_hh_l1_reverse',
  ])
  expect(layer.stateDict().weight_ih_l1.shape).toEqual([8, 4])
  const bytes = saveSafetensors(layer.stateDict())
  const copy = new LSTM({ inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true })
  copy.loadStateDict(loadSafetensors(bytes).tensors)
  const x = randn([4, 2, 3])
  expect(Array.from(copy.forward(x).output.data)).toEqual(Array.from(layer.forward(x).output.data))
})

test('bad input, state and options are errors that say what was expected and what came', () => {
  const lstm = new LSTM({ inputSize: 7, hiddenSize: 4, numLayers: 2 })
  expect(() => lstm.forward(randn([5, 3, 8]))).toThrow('LSTM.forward: x has shape [5, 3, 8] but inputSize is 7')
  expect(() => lstm.forward(randn([5, 3, 2, 7]))).toThrow(/x must be 3-d \[T, B, D\] or 2-d \[T, D\] \(unbatched\); got shape \[5, 3, 2, 7\]/)
  expect(() => lstm.forward(randn([5, 3, 7]), { h: randn([2, 3, 4]) } as { h: Tensor; c: Tensor })).toThrow(/must hold both h and c/)
  expect(() => lstm.forward(randn([5, 3, 7]), { h: randn([1, 3, 4]), c: randn([2, 3, 4]) })).toThrow(/initial h must be float32 \[2, 3, 4\].*got float32 \[1, 3, 4\]/)
  expect(() => new GRU({ inputSize: 3, hiddenSize: 0 })).toThrow(/hiddenSize must be a positive integer, got number 0/)
  expect(() => new RNN({ inputSize: 3, hiddenSize: 2, nonlinearity: 'sigmoid' as 'tanh' })).toThrow(/nonlinearity must be one of 'tanh', 'relu'/)
  expect(() => new LSTM({ inputSize: 3, hiddenSize: 2, dropout: 1 })).toThrow(/dropout must be a number in \[0, 1\), got number 1/)
  expect(() => new LSTM({ inputSize: 3, hidden_size: 2 } as unknown as { inputSize: number; hiddenSize: number })).toThrow(/unknown option 'hidden_size' \(did you mean hiddenSize\?\)/)
})
