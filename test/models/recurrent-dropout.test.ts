// recurrentDropout and inputDropout on the RNN, LSTM and GRU layers: the layer draws the documented masks
// (one per sequence, per layer and direction, input then recurrent, from the seeded generator) and runs the
// sequence functions under them, which recurrent-dropout.test.ts in test/cells/fused checks against PyTorch;
// evaluation mode and p = 0 are exactly the path without dropout and draw nothing; gradcheck through whole
// stacks with the masks held fixed by reseeding; the options' checks, and the models that pass them on.
import { dropoutMask } from '../../src/autograd/ops/dropout.js'
import type { CellMode } from '../../src/cells/kinds.js'
import { referenceSequence } from '../../src/cells/sequence.js'
import {
  GRU, LSTM, LanguageModel, RNN, SequenceClassifier, Tensor, cat, defaultGenerator, dropout, gradcheck, manualSeed, randn, stack, tensor,
  type Impl, type RecurrentOptions,
} from '../../src/index.js'
import { maxDiff } from '../helpers/max-diff.js'

const MODES: CellMode[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru', 'gru_reset_before']
type Layer = RNN | LSTM | GRU

function layerOf(mode: CellMode, opts: RecurrentOptions): Layer {
  if (mode === 'lstm') return new LSTM(opts)
  if (mode === 'gru' || mode === 'gru_reset_before') return new GRU({ ...opts, resetAfter: mode === 'gru' })
  return new RNN({ ...opts, nonlinearity: mode === 'rnn_relu' ? 'relu' : 'tanh' })
}

interface Run {
  output: Tensor
  h: Tensor
  c?: Tensor
}

function forward(layer: Layer, x: Tensor, h0: Tensor, c0: Tensor): Run {
  return layer instanceof LSTM ? layer.forward(x, { h: h0, c: c0 }) : layer.forward(x, { h: h0 })
}

/**
 * What the layer should compute in training mode, written out from the documentation with the reference
 * sequence: per layer, per direction, m_x = mask [B, D] then m_h = mask [B, H], x ⊙ m_x in, m_h on h
 * entering W_hh; then PyTorch's dropout between layers. Input [T, B, D]; draws from the default generator.
 */
function byTheDocs(layer: Layer, mode: CellMode, x: Tensor, h0: Tensor, c0: Tensor): Run {
  const dirs = layer.directions
  let input = x
  const hs: Tensor[] = []
  const cs: Tensor[] = []
  const B = x.shape[1]
  for (let l = 0; l < layer.numLayers; l++) {
    const outputs: Tensor[] = []
    for (let d = 0; d < dirs; d++) {
      const k = l * dirs + d
      const mx = layer.inputDropout > 0 ? dropoutMask([B, input.shape[2]], layer.inputDropout, 'float64') : null
      const mh = layer.recurrentDropout > 0 ? dropoutMask([B, layer.hiddenSize], layer.recurrentDropout, 'float64') : null
      const pick = (s: Tensor) => s.slice(0, k, k + 1).squeeze(0)
      const r = referenceSequence(mode, mx === null ? input : input.mul(mx), pick(h0), mode === 'lstm' ? pick(c0) : null, layer.cellParams(l, d), d === 1, { recurrent: mh })
      outputs.push(r.output)
      hs.push(r.h)
      if (r.c !== null) cs.push(r.c)
    }
    input = outputs.length === 1 ? outputs[0] : cat(outputs, -1)
    if (l < layer.numLayers - 1) input = dropout(input, layer.dropout, true)
  }
  return { output: input, h: stack(hs, 0), c: cs.length === 0 ? undefined : stack(cs, 0) }
}

const T = 4, B = 3, D = 2, H = 3

function inputs(layers: number, dirs: number, seed: number): { x: Tensor; h0: Tensor; c0: Tensor } {
  manualSeed(seed)
  const f64 = { dtype: 'float64' as const }
  return { x: randn([T, B, D], f64), h0: randn([layers * dirs, B, H], f64), c0: randn([layers * dirs, B, H], f64) }
}

describe('the masks a layer draws', () => {
  for (const mode of MODES) {
    for (const impl of ['fused', 'reference'] as Impl[]) {
      test(`${mode}, ${impl}: 2 layers, bidirectional, both options and dropout between layers are the documented computation`, () => {
        const layer = layerOf(mode, { inputSize: D, hiddenSize: H, numLayers: 2, bidirectional: true, dropout: 0.3, recurrentDropout: 0.4, inputDropout: 0.5, impl, dtype: 'float64' })
        const { x, h0, c0 } = inputs(2, 2, 7)
        manualSeed(123)
        const got = forward(layer, x, h0, c0)
        const afterLayer = Array.from(defaultGenerator.getState())
        manualSeed(123)
        const want = byTheDocs(layer, mode, x, h0, c0)
        expect(Array.from(defaultGenerator.getState())).toEqual(afterLayer) // the same number of draws
        const tol = impl === 'fused' ? 1e-12 : 0
        expect(maxDiff(got.output.data, want.output.data)).toBeLessThanOrEqual(tol)
        expect(maxDiff(got.h.data, want.h.data)).toBeLessThanOrEqual(tol)
        if (want.c !== undefined) expect(maxDiff(got.c?.data ?? [], want.c.data)).toBeLessThanOrEqual(tol)
      })
    }
  }

  test('batchFirst and unbatched inputs draw the same masks as [T, B, D]', () => {
    const opts = { inputSize: D, hiddenSize: H, recurrentDropout: 0.4, inputDropout: 0.5, dtype: 'float64' as const }
    const layer = new LSTM(opts)
    const first = new LSTM({ ...opts, batchFirst: true })
    first.loadStateDict(layer.stateDict())
    const { x, h0, c0 } = inputs(1, 1, 8)
    manualSeed(5)
    const timeFirst = layer.forward(x, { h: h0, c: c0 })
    manualSeed(5)
    const batchFirst = first.forward(x.transpose(0, 1), { h: h0, c: c0 })
    expect(maxDiff(batchFirst.output.transpose(0, 1).data, timeFirst.output.data)).toBe(0)
    const one = x.slice(1, 0, 1)
    manualSeed(5)
    const batched = layer.forward(one, { h: h0.slice(1, 0, 1), c: c0.slice(1, 0, 1) })
    manualSeed(5)
    const unbatched = layer.forward(one.squeeze(1), { h: h0.slice(1, 0, 1).squeeze(1), c: c0.slice(1, 0, 1).squeeze(1) })
    expect(maxDiff(unbatched.output.data, batched.output.data)).toBe(0)
  })

  test('the same seed gives the same result; each call draws fresh masks; the masks change the result', () => {
    const layer = new GRU({ inputSize: D, hiddenSize: H, recurrentDropout: 0.5, dtype: 'float64' })
    const { x, h0 } = inputs(1, 1, 9)
    manualSeed(1)
    const a = layer.forward(x, { h: h0 }).output.data
    const b = layer.forward(x, { h: h0 }).output.data
    manualSeed(1)
    expect(Array.from(layer.forward(x, { h: h0 }).output.data)).toEqual(Array.from(a))
    expect(maxDiff(a, b)).toBeGreaterThan(0)
    layer.eval()
    expect(maxDiff(layer.forward(x, { h: h0 }).output.data, a)).toBeGreaterThan(0)
  })

  test('recorded gates are traced under the same masks: an RNN’s traced h is its output, an LSTM’s last c its c', () => {
    const { x, h0, c0 } = inputs(1, 1, 10)
    for (const impl of ['fused', 'reference'] as Impl[]) {
      const rnn = new RNN({ inputSize: D, hiddenSize: H, recurrentDropout: 0.5, inputDropout: 0.5, impl, dtype: 'float64' })
      const r = rnn.forward(x, { h: h0 }, { recordGates: true })
      expect(maxDiff(r.gates[0].h.data, r.output.data)).toBeLessThanOrEqual(1e-12)
      const lstm = new LSTM({ inputSize: D, hiddenSize: H, recurrentDropout: 0.5, inputDropout: 0.5, impl, dtype: 'float64' })
      const l = lstm.forward(x, { h: h0, c: c0 }, { recordGates: true })
      expect(maxDiff(l.gates[0].c.slice(0, T - 1, T).data, l.c.data)).toBeLessThanOrEqual(1e-12)
    }
  })
})

describe('evaluation mode and p = 0', () => {
  for (const mode of MODES) {
    test(`${mode}: evaluation is bit for bit the layer without the options and draws nothing; so is training with p = 0`, () => {
      for (const impl of ['fused', 'reference'] as Impl[]) {
        const base = { inputSize: D, hiddenSize: H, numLayers: 2, bidirectional: true, impl }
        const plain = layerOf(mode, base)
        const dropping = layerOf(mode, { ...base, recurrentDropout: 0.5, inputDropout: 0.5 })
        const zero = layerOf(mode, { ...base, recurrentDropout: 0, inputDropout: 0 })
        dropping.loadStateDict(plain.stateDict())
        zero.loadStateDict(plain.stateDict())
        const { x, h0, c0 } = inputs(2, 2, 11)
        const [x32, h32, c32] = [x, h0, c0].map((t) => t.to('float32'))
        const want = forward(plain, x32, h32, c32)
        dropping.eval()
        const state = Array.from(defaultGenerator.getState())
        for (const layer of [dropping, zero]) {
          const got = forward(layer, x32, h32, c32)
          expect(Array.from(got.output.data)).toEqual(Array.from(want.output.data))
          expect(Array.from(got.h.data)).toEqual(Array.from(want.h.data))
        }
        expect(Array.from(defaultGenerator.getState())).toEqual(state)
      }
    })
  }
})

describe('gradcheck in training mode, the masks held fixed by reseeding before every evaluation', () => {
  for (const mode of MODES) {
    for (const impl of ['fused', 'reference'] as Impl[]) {
      // the reference path one way only, for time: the layer's masks per direction are checked above
      const dirs = impl === 'fused' ? 2 : 1
      test(`${mode}, ${impl}: 2 layers, ${dirs === 2 ? 'bidirectional' : 'unidirectional'}, both options`, () => {
        const layer = layerOf(mode, { inputSize: D, hiddenSize: H, numLayers: 2, bidirectional: dirs === 2, recurrentDropout: 0.4, inputDropout: 0.3, impl, dtype: 'float64' })
        const { x, h0, c0 } = inputs(2, dirs, 12)
        const leaves = [x, h0, ...(layer instanceof LSTM ? [c0] : []), ...layer.parameters()]
        for (const t of leaves) t.requiresGrad = true
        const fn = (xx: Tensor, hh: Tensor, ...rest: Tensor[]) => {
          manualSeed(77)
          const r = forward(layer, xx, hh, layer instanceof LSTM ? rest[0] : hh)
          return cat([r.output.reshape([-1]), r.h.reshape([-1]), ...(r.c === undefined ? [] : [r.c.reshape([-1])])])
        }
        expect(gradcheck(fn, leaves)).toBe(true)
      })
    }
  }
})

describe('the options', () => {
  test('recurrentDropout and inputDropout must be numbers in [0, 1), named in the error', () => {
    for (const name of ['recurrentDropout', 'inputDropout']) {
      for (const bad of [1, -0.1, Number.NaN, '0.2', true]) {
        const opts = { inputSize: 2, hiddenSize: 3, [name]: bad } as unknown as RecurrentOptions
        for (const [make, where] of [[(o: RecurrentOptions) => new LSTM(o), 'LSTM'], [(o: RecurrentOptions) => new GRU(o), 'GRU'], [(o: RecurrentOptions) => new RNN(o), 'RNN']] as const) {
          expect(() => make(opts)).toThrow(new RegExp(`^${where}: ${name} must be a number in \\[0, 1\\), got `))
        }
        expect(() => new LanguageModel({ vocabSize: 5, embeddingDim: 2, hiddenSize: 3, [name]: bad })).toThrow(`LanguageModel: ${name} must be a number in [0, 1)`)
        expect(() => new SequenceClassifier({ inputSize: 2, hiddenSize: 3, numClasses: 2, [name]: bad })).toThrow(`SequenceClassifier: ${name} must be a number in [0, 1)`)
      }
    }
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 3, recurrentDropout: 0.25, inputDropout: 0.1 })
    expect([lstm.recurrentDropout, lstm.inputDropout, new GRU({ inputSize: 2, hiddenSize: 3 }).recurrentDropout]).toEqual([0.25, 0.1, 0])
  })

  test('LanguageModel and SequenceClassifier pass both to their recurrent layer, which drops in training only', () => {
    manualSeed(3)
    const lm = new LanguageModel({ vocabSize: 6, embeddingDim: 3, hiddenSize: 4, numLayers: 2, cell: 'gru', recurrentDropout: 0.3, inputDropout: 0.2 })
    expect([lm.rnn.recurrentDropout, lm.rnn.inputDropout, lm.rnn.dropout]).toEqual([0.3, 0.2, 0])
    const tokens = tensor([[1, 2, 3, 4, 5]], { dtype: 'int32' })
    expect(maxDiff(lm.forward(tokens).logits.data, lm.forward(tokens).logits.data)).toBeGreaterThan(0)
    lm.eval()
    expect(maxDiff(lm.forward(tokens).logits.data, lm.forward(tokens).logits.data)).toBe(0)
    const clf = new SequenceClassifier({ inputSize: 2, hiddenSize: 3, numClasses: 2, recurrentDropout: 0.5, inputDropout: 0.4 })
    expect([clf.rnn.recurrentDropout, clf.rnn.inputDropout]).toEqual([0.5, 0.4])
  })
})

describe('dropoutMask', () => {
  test('each element 0 with probability p, else exactly 1/(1 − p); dropout multiplies by the same draws', () => {
    manualSeed(4)
    const m = dropoutMask([200, 500], 0.3, 'float32')
    const zeros = m.data.filter((v) => v === 0).length / m.size
    expect(Math.abs(zeros - 0.3)).toBeLessThan(0.01)
    expect(m.data.every((v) => v === 0 || v === Math.fround(1 / 0.7))).toBe(true)
    const x = randn([4, 5], { dtype: 'float64' })
    const state = defaultGenerator.getState()
    const y = dropout(x, 0.4, true)
    defaultGenerator.setState(state)
    expect(Array.from(y.data)).toEqual(Array.from(x.mul(dropoutMask([4, 5], 0.4, 'float64')).data))
  })
})
