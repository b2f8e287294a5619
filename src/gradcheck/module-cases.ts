// The gradcheck suite's cell, layer, model and loss cases.
import { noGrad } from '../autograd/engine.js'
import { recurrentActivationOf, type CellMode, type RecurrentActivation } from '../cells/kinds.js'
import type { Nonlinearity } from '../cells/rnn.js'
import { GRUCell, LSTMCell, RNNCell } from '../models/cells.js'
import { SequenceClassifier } from '../models/classifier.js'
import { LanguageModel } from '../models/language-model.js'
import { LayerNorm, Linear } from '../models/layers.js'
import { type CellKind, GRU, LSTM, RNN, type Impl } from '../models/recurrent.js'
import { Seq2Seq } from '../models/seq2seq.js'
import { crossEntropy, l1Penalty, l2Penalty, mseLoss } from '../optim/losses.js'
import { defaultGenerator, Generator } from '../tensor/random.js'
import { awayFrom, build, f64, indices, joined, normal, type Built, type Spec } from './inputs.js'
import type { Fn } from './suite.js'

function liveIf(relu: boolean, make: (g: Generator) => Built): (g: Generator) => Built {
  if (!relu) return make
  const liveFraction = ({ fn, inputs }: Built) => {
    const out = noGrad(() => fn(...inputs)).data
    return out.filter((v) => v !== 0).length / out.length
  }
  return (g) => {
    let built = make(g)
    for (let attempt = 1; attempt < 20 && liveFraction(built) < 1 / 3; attempt++) built = make(g)
    return built
  }
}

/** run() with the default generator in `state`, put back as it was afterwards. */
function withDefaultGenerator<T>(state: Uint32Array, run: () => T): T {
  const saved = defaultGenerator.getState()
  defaultGenerator.setState(state)
  try {
    return run()
  } finally {
    defaultGenerator.setState(saved)
  }
}

type RecurrentKind = CellMode
const KINDS: readonly RecurrentKind[] = ['rnn_tanh', 'rnn_relu', 'rnn_linear', 'lstm', 'lstm_hard_sigmoid', 'gru', 'gru_hard_sigmoid', 'gru_reset_before', 'gru_reset_before_hard_sigmoid']
const HARD = ' recurrentActivation: hardSigmoid'
const KIND_NAMES: Record<RecurrentKind, string> = {
  rnn_tanh: 'RNN tanh', rnn_relu: 'RNN relu', rnn_linear: 'RNN linear', lstm: 'LSTM', lstm_hard_sigmoid: `LSTM${HARD}`,
  gru: 'GRU', gru_hard_sigmoid: `GRU${HARD}`, gru_reset_before: 'GRU resetAfter: false', gru_reset_before_hard_sigmoid: `GRU resetAfter: false,${HARD}`,
}
const CELL_NAMES = Object.fromEntries(KINDS.map((kind) => [kind, KIND_NAMES[kind].replace(/^(RNN|LSTM|GRU)/, '$1Cell')])) as Record<RecurrentKind, string>

/** The cell's or layer's options that pick a mode's equations. */
function modeOptions(kind: RecurrentKind): { nonlinearity?: Nonlinearity; recurrentActivation?: RecurrentActivation; resetAfter?: boolean } {
  const recurrentActivation = recurrentActivationOf(kind)
  if (kind.startsWith('rnn_')) return { nonlinearity: kind.slice(4) as Nonlinearity }
  if (kind.startsWith('lstm')) return { recurrentActivation }
  return { recurrentActivation, resetAfter: !kind.startsWith('gru_reset_before') }
}

export function cellSpecs(): Spec[] {
  const D = 3
  const H = 3
  const B = 2
  const specs: Spec[] = []
  const make = (kind: RecurrentKind, bias: boolean) => {
    const opts = { inputSize: D, hiddenSize: H, bias, dtype: f64 }
    if (kind.startsWith('lstm')) return new LSTMCell({ ...opts, ...modeOptions(kind) })
    if (kind.startsWith('gru')) return new GRUCell({ ...opts, ...modeOptions(kind) })
    return new RNNCell({ ...opts, ...modeOptions(kind) })
  }
  const variants: { label: string; bias: boolean; unbatched: boolean }[] = [
    { label: 'with bias', bias: true, unbatched: false },
    { label: 'without bias', bias: false, unbatched: false },
    { label: 'unbatched', bias: true, unbatched: true },
  ]
  for (const kind of KINDS) {
    for (const { label, bias, unbatched } of variants) {
      const name = `${CELL_NAMES[kind]} ${label}`
      specs.push({
        group: 'cell',
        name,
        build: liveIf(kind === 'rnn_relu', (g) => {
          const cell = build(g, () => make(kind, bias))
          const lead = unbatched ? [] : [B]
          const x = normal(g, [...lead, D])
          const h = normal(g, [...lead, H])
          if (cell instanceof LSTMCell) {
            const c = normal(g, [...lead, H])
            return { fn: (xx, hh, cc) => { const r = cell.forward(xx, { h: hh, c: cc }); return joined(r.h, r.c) }, inputs: [x, h, c, ...cell.parameters()] }
          }
          return { fn: (xx, hh) => cell.forward(xx, { h: hh }).h, inputs: [x, h, ...cell.parameters()] }
        }),
      })
    }
  }
  return specs
}

export function layerSpecs(): Spec[] {
  const D = 2
  const H = 2
  const T = 3
  const B = 2
  const specs: Spec[] = []
  interface Variant { numLayers: number; bidirectional: boolean; impl: Impl; batchFirst?: boolean; unbatched?: boolean; bias?: boolean; projSize?: number; masked?: boolean; padded?: 'lengths' | 'mask' }
  // sequence 0 of length 1, sequence 1 whole; the mask skips a leading and two trailing steps
  const padding = { lengths: { lengths: [1, T] }, mask: { mask: [[0, 1, 1], [1, 0, 0]] } }
  const layerCase = (kind: RecurrentKind, v: Variant): Spec => {
    const parts = [
      `${v.numLayers} layer${v.numLayers > 1 ? 's' : ''}`,
      v.bidirectional ? 'bidirectional' : 'unidirectional',
      v.impl,
      ...(v.batchFirst ? ['batchFirst'] : []),
      ...(v.unbatched ? ['unbatched'] : []),
      ...(v.bias === false ? ['without bias'] : []),
      ...(v.projSize ? [`projSize ${v.projSize}`] : []),
      ...(v.masked ? ['recurrentDropout 0.4 and inputDropout 0.3 (masks fixed)'] : []),
      ...(v.padded === 'lengths' ? ['lengths [1, 3]'] : v.padded === 'mask' ? ['mask [[0, 1, 1], [1, 0, 0]]'] : []),
    ]
    return {
      group: 'layer',
      name: `${KIND_NAMES[kind]}, ${parts.join(', ')}`,
      build: liveIf(kind === 'rnn_relu', (g) => {
        const dropouts = v.masked ? { recurrentDropout: 0.4, inputDropout: 0.3 } : {}
        const opts = { inputSize: D, hiddenSize: H, numLayers: v.numLayers, bidirectional: v.bidirectional, impl: v.impl, batchFirst: v.batchFirst ?? false, bias: v.bias ?? true, dtype: f64, ...dropouts }
        const layer = build(g, () => {
          if (kind.startsWith('lstm')) return new LSTM({ ...opts, ...modeOptions(kind), ...(v.projSize ? { projSize: v.projSize } : {}) })
          if (kind.startsWith('gru')) return new GRU({ ...opts, ...modeOptions(kind) })
          return new RNN({ ...opts, ...modeOptions(kind) })
        })
        const states = v.numLayers * (v.bidirectional ? 2 : 1)
        const x = normal(g, v.unbatched ? [T, D] : v.batchFirst ? [B, T, D] : [T, B, D])
        const stateShape = v.unbatched ? [states, H] : [states, B, H]
        const h0 = normal(g, v.projSize ? [...stateShape.slice(0, -1), v.projSize] : stateShape) // h is projSize wide
        // The masks come from the default generator: every evaluation starts it from the case's own state and restores it after
        const draws = v.masked ? new Generator(g.randint(2 ** 31)).getState() : null
        const fixed = (fn: Fn): Fn => (draws === null ? fn : (...args) => withDefaultGenerator(draws, () => fn(...args)))
        const steps = v.padded === undefined ? undefined : padding[v.padded]
        if (layer instanceof LSTM) {
          const c0 = normal(g, stateShape)
          return { fn: fixed((xx, hh, cc) => { const r = layer.forward(xx, { h: hh, c: cc }, steps); return joined(r.output, r.h, r.c) }), inputs: [x, h0, c0, ...layer.parameters()] }
        }
        return { fn: fixed((xx, hh) => { const r = layer.forward(xx, { h: hh }, steps); return joined(r.output, r.h) }), inputs: [x, h0, ...layer.parameters()] }
      }),
    }
  }
  for (const kind of KINDS) {
    for (const numLayers of [1, 2]) {
      for (const bidirectional of [false, true]) {
        for (const impl of ['fused', 'reference'] as const) specs.push(layerCase(kind, { numLayers, bidirectional, impl }))
      }
    }
    specs.push(layerCase(kind, { numLayers: 1, bidirectional: false, impl: 'fused', batchFirst: true }))
    specs.push(layerCase(kind, { numLayers: 1, bidirectional: true, impl: 'reference', batchFirst: true }))
    specs.push(layerCase(kind, { numLayers: 1, bidirectional: false, impl: 'fused', unbatched: true }))
    specs.push(layerCase(kind, { numLayers: 1, bidirectional: true, impl: 'reference', unbatched: true }))
    specs.push(layerCase(kind, { numLayers: 1, bidirectional: false, impl: 'fused', bias: false }))
    specs.push(layerCase(kind, { numLayers: 2, bidirectional: true, impl: 'fused', masked: true }))
    specs.push(layerCase(kind, { numLayers: 2, bidirectional: false, impl: 'reference', masked: true }))
    specs.push(layerCase(kind, { numLayers: 2, bidirectional: true, impl: 'fused', padded: 'lengths' }))
    specs.push(layerCase(kind, { numLayers: 1, bidirectional: true, impl: 'reference', padded: 'lengths' }))
    specs.push(layerCase(kind, { numLayers: 1, bidirectional: true, impl: 'fused', padded: 'mask' }))
  }
  // padding under dropout's masks
  specs.push(layerCase('lstm', { numLayers: 2, bidirectional: true, impl: 'fused', masked: true, padded: 'lengths' }))
  specs.push(layerCase('gru_reset_before', { numLayers: 1, bidirectional: true, impl: 'fused', masked: true, padded: 'mask' }))
  // the LSTM's projection W_hr (projSize < hiddenSize = 2)
  for (const impl of ['fused', 'reference'] as const) {
    specs.push(layerCase('lstm', { numLayers: 1, bidirectional: false, impl, projSize: 1 }))
    specs.push(layerCase('lstm', { numLayers: 2, bidirectional: true, impl, projSize: 1 }))
  }
  specs.push(layerCase('lstm', { numLayers: 1, bidirectional: true, impl: 'fused', unbatched: true, bias: false, projSize: 1 }))
  for (const impl of ['fused', 'reference'] as const) specs.push(layerCase('lstm_hard_sigmoid', { numLayers: 2, bidirectional: true, impl, projSize: 1 }))
  specs.push(layerCase('lstm', { numLayers: 2, bidirectional: true, impl: 'fused', projSize: 1, padded: 'lengths' }))
  specs.push(layerCase('lstm', { numLayers: 1, bidirectional: true, impl: 'reference', projSize: 1, padded: 'mask' }))
  specs.push({
    group: 'layer',
    name: 'Linear module, 3-d input',
    build: (g) => {
      const m = build(g, () => new Linear({ inFeatures: 3, outFeatures: 2, dtype: f64 }))
      return { fn: (x) => m.forward(x), inputs: [normal(g, [2, 2, 3]), ...m.parameters()] }
    },
  })
  specs.push({
    group: 'layer',
    name: 'LayerNorm over the last dim',
    build: (g) => {
      const m = build(g, () => new LayerNorm({ normalizedShape: 4, dtype: f64 }))
      return { fn: (x) => m.forward(x), inputs: [normal(g, [3, 4]), ...m.parameters()] }
    },
  })
  return specs
}

export function modelSpecs(): Spec[] {
  const specs: Spec[] = []
  const V = 5
  const B = 2
  const T = 3
  for (const cell of ['rnn', 'lstm', 'gru'] as const satisfies readonly CellKind[]) {
    specs.push({
      group: 'model',
      name: `LanguageModel ${cell}`,
      build: (g) => {
        const lm = build(g, () => new LanguageModel({ vocabSize: V, embeddingDim: 3, hiddenSize: 3, cell, dtype: f64 }))
        const tokens = indices(g, [B, T], V)
        return { fn: () => { const r = lm.forward(tokens); return joined(r.logits, r.state.h, r.state.c) }, inputs: lm.parameters() }
      },
    })
  }
  specs.push({
    group: 'model',
    name: 'LanguageModel lstm, 2 layers, tied weights, initial state',
    build: (g) => {
      const lm = build(g, () => new LanguageModel({ vocabSize: V, embeddingDim: 3, hiddenSize: 3, numLayers: 2, cell: 'lstm', tieWeights: true, dtype: f64 }))
      const tokens = indices(g, [B, T], V)
      const h = normal(g, [2, B, 3])
      const c = normal(g, [2, B, 3])
      return { fn: (hh, cc) => { const r = lm.forward(tokens, { h: hh, c: cc }); return joined(r.logits, r.state.h, r.state.c) }, inputs: [h, c, ...lm.parameters()] }
    },
  })
  const classifier = (cell: CellKind, bidirectional: boolean, tokens: boolean): Spec => ({
    group: 'model',
    name: `SequenceClassifier ${cell}${bidirectional ? ' bidirectional' : ''}, ${tokens ? 'token' : 'float'} inputs, lengths [3, 1, 2]`,
    build: (g) => {
      const lengths = [3, 1, 2]
      const common = { hiddenSize: 3, numClasses: 3, cell, bidirectional, dtype: f64 }
      if (tokens) {
        const m = build(g, () => new SequenceClassifier({ ...common, vocabSize: V, embeddingDim: 2 }))
        const x = indices(g, [3, 3], V)
        return { fn: () => m.forward(x, lengths), inputs: m.parameters() }
      }
      const m = build(g, () => new SequenceClassifier({ ...common, inputSize: 2 }))
      return { fn: (x) => m.forward(x, lengths), inputs: [normal(g, [3, 3, 2]), ...m.parameters()] }
    },
  })
  specs.push(classifier('lstm', true, false), classifier('gru', false, false), classifier('rnn', false, false), classifier('gru', true, true))
  for (const cell of ['gru', 'lstm'] as const) {
    specs.push({
      group: 'model',
      name: `Seq2Seq ${cell} (teacher forcing)`,
      build: (g) => {
        const m = build(g, () => new Seq2Seq({ sourceVocabSize: 4, targetVocabSize: 4, embeddingDim: 2, hiddenSize: 3, cell, dtype: f64 }))
        const source = indices(g, [B, 3], 4)
        const target = indices(g, [B, 2], 4)
        return { fn: () => m.forward(source, target), inputs: m.parameters() }
      },
    })
  }
  return specs
}

export function lossSpecs(): Spec[] {
  const loss = (name: string, b: (g: Generator) => Built): Spec => ({ group: 'loss', name, build: b })
  return [
    loss('crossEntropy mean', (g) => {
      const targets = indices(g, [4], 5)
      return { fn: (x) => crossEntropy(x, targets), inputs: [normal(g, [4, 5])] }
    }),
    loss('crossEntropy sum', (g) => {
      const targets = Array.from(indices(g, [4], 5).data)
      return { fn: (x) => crossEntropy(x, targets, { reduction: 'sum' }), inputs: [normal(g, [4, 5])] }
    }),
    loss('crossEntropy none', (g) => {
      const targets = Int32Array.from(indices(g, [4], 5).data)
      return { fn: (x) => crossEntropy(x, targets, { reduction: 'none' }), inputs: [normal(g, [4, 5])] }
    }),
    loss('crossEntropy ignoreIndex (two rows ignored)', (g) => {
      const targets = [1, -100, 4, -100, 0]
      return { fn: (x) => crossEntropy(x, targets, { ignoreIndex: -100 }), inputs: [normal(g, [5, 5])] }
    }),
    loss('crossEntropy ignoreIndex 2 (a class), sum', (g) => {
      const targets = [2, 0, 2, 3]
      return { fn: (x) => crossEntropy(x, targets, { ignoreIndex: 2, reduction: 'sum' }), inputs: [normal(g, [4, 4])] }
    }),
    loss('crossEntropy labelSmoothing 0.1', (g) => {
      const targets = indices(g, [3], 4)
      return { fn: (x) => crossEntropy(x, targets, { labelSmoothing: 0.1 }), inputs: [normal(g, [3, 4])] }
    }),
    loss('crossEntropy 3-d logits [2, 3, 4], targets [2, 3]', (g) => {
      const targets = indices(g, [2, 3], 4)
      return { fn: (x) => crossEntropy(x, targets), inputs: [normal(g, [2, 3, 4])] }
    }),
    loss('mseLoss mean (input and target)', (g) => ({ fn: (x, y) => mseLoss(x, y), inputs: [normal(g, [3, 4]), normal(g, [3, 4])] })),
    loss('mseLoss sum', (g) => ({ fn: (x, y) => mseLoss(x, y, { reduction: 'sum' }), inputs: [normal(g, [3, 4]), normal(g, [3, 4])] })),
    loss('mseLoss none, target broadcast [4]', (g) => ({ fn: (x, y) => mseLoss(x, y, { reduction: 'none' }), inputs: [normal(g, [3, 4]), normal(g, [4])] })),
    loss('l1Penalty over two tensors (away from 0)', (g) => ({ fn: (a, b) => l1Penalty([a, b]), inputs: [awayFrom(g, [3, 2], [0]), awayFrom(g, [4], [0])] })),
    loss('l2Penalty over two tensors', (g) => ({ fn: (a, b) => l2Penalty([a, b]), inputs: [normal(g, [3, 2]), normal(g, [4])] })),
  ]
}

/** FNV-1a of the text: a per-case seed that depends on the suite's seed and the case's name only. */
