// The library's own gradient-check suite: every differentiable op, cell, layer, model and loss, checked
// with gradcheck (PyTorch's defaults: eps 1e-6, atol 1e-5, rtol 1e-3) on small float64 inputs drawn from a
// seeded generator; gradcheckReport gives each case's verdict with its worst absolute and relative errors.
// Inputs stay inside each op's domain and away from its kinks (relu/abs/clamp at their corners, max ties),
// where a finite difference straddles a point of non-differentiability and means nothing.
import { noGrad } from '../autograd/engine.js'
import { gradcheckReport, type GradcheckOptions } from '../autograd/gradcheck.js'
import { add, div, mul, pow, sub } from '../autograd/ops/arithmetic.js'
import { clone, to } from '../autograd/ops/cast.js'
import { dropout } from '../autograd/ops/dropout.js'
import { embedding } from '../autograd/ops/indexing.js'
import { cat, expand, reshape, slice, split, squeeze, stack, transpose, unsqueeze } from '../autograd/ops/layout.js'
import { linear } from '../autograd/ops/linear.js'
import { matmul } from '../autograd/ops/matmul.js'
import { max, mean, sum } from '../autograd/ops/reduce.js'
import { logSoftmax, softmax } from '../autograd/ops/softmax.js'
import { abs, clamp, exp, log, neg, relu, sigmoid, sign, sqrt, tanh } from '../autograd/ops/unary.js'
import { GRUCell, LSTMCell, RNNCell } from '../models/cells.js'
import { SequenceClassifier } from '../models/classifier.js'
import { LanguageModel, type CellName } from '../models/language-model.js'
import { LayerNorm, Linear } from '../models/layers.js'
import type { Module } from '../models/module.js'
import { GRU, LSTM, RNN, type Impl } from '../models/recurrent.js'
import { Seq2Seq } from '../models/seq2seq.js'
import { crossEntropy, l1Penalty, l2Penalty, mseLoss } from '../optim/losses.js'
import { rand, randn } from '../tensor/create.js'
import { defaultGenerator, Generator } from '../tensor/random.js'
import { Tensor } from '../tensor/tensor.js'

export type GradcheckGroup = 'op' | 'cell' | 'layer' | 'model' | 'loss'

export interface GradcheckCase {
  group: GradcheckGroup
  name: string
  run: () => GradcheckOutcome
}

export interface GradcheckOutcome {
  /** gradcheck's verdict. */
  passed: boolean
  /** Largest |analytical − numerical| over the compared entries (or projections). */
  worstAbsError: number
  /** Largest |analytical − numerical| / max(|numerical|, atol). */
  worstRelError: number
  /** Jacobian entries (full mode) or projections vᵀJu (fast mode) compared. */
  checked: number
  /** gradcheck's error when it failed. */
  message?: string
}

export interface GradcheckSuiteOptions {
  /** Seeds every case's inputs and parameters (and fast mode's projections); the same seed gives the same numbers. */
  seed?: number
  /** Check the bigger cases with random projections (gradcheck's fastMode) instead of whole Jacobians. */
  fast?: boolean
}

export interface RunGradcheckSuiteOptions extends GradcheckSuiteOptions {
  /** Runs only the cases this accepts. */
  filter?: (c: GradcheckCase) => boolean
  /** Called after each case with its outcome and how long it took. */
  onResult?: (c: GradcheckCase, o: GradcheckOutcome, ms: number) => void
  /** Runs these cases instead of `gradcheckCases(opts)` (still filtered). */
  cases?: readonly GradcheckCase[]
}

export interface GradcheckSuiteResult {
  cases: number
  failed: number
  results: { group: string; name: string; outcome: GradcheckOutcome; ms: number }[]
}

/** gradcheck's options but raiseException: a case reports, it does not throw. */
export type CheckGradientsOptions = Omit<GradcheckOptions, 'raiseException'>

type Fn = (...inputs: Tensor[]) => Tensor

/**
 * With `fast`, layer and model cases, and any case whose checked inputs hold more elements than this,
 * compare projections (gradcheck's fastMode) instead of whole Jacobians.
 */
export const FAST_MODE_THRESHOLD = 48

// ---------------------------------------------------------------------------------------------------------
// Measuring a case

/**
 * gradcheck's verdict on `fn` at `inputs` (its message when it fails), with the worst absolute and relative
 * errors and the number of entries (or, in fast mode, projections) compared. A case that throws fails with
 * the error as its message.
 */
export function checkGradients(fn: Fn, inputs: readonly Tensor[], opts: CheckGradientsOptions = {}): GradcheckOutcome {
  try {
    return gradcheckReport(fn, inputs, opts)
  } catch (error) {
    return { passed: false, worstAbsError: NaN, worstRelError: NaN, checked: 0, message: error instanceof Error ? error.message : String(error) }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Inputs: float64 leaves from the case's own generator

type Shape = readonly number[]

function leaf(t: Tensor): Tensor {
  t.requiresGrad = true
  return t
}

/** N(0, 1) draws. */
function normal(g: Generator, shape: Shape): Tensor {
  return randn(shape, { dtype: 'float64', generator: g, requiresGrad: true })
}

/** U(lo, hi) draws. */
function uniform(g: Generator, shape: Shape, lo: number, hi: number): Tensor {
  const t = rand(shape, { dtype: 'float64', generator: g })
  for (let i = 0; i < t.size; i++) t.data[i] = lo + (hi - lo) * t.data[i]
  return leaf(t)
}

/** Values of either sign at least `lo` from zero: for divisors. */
function nonZero(g: Generator, shape: Shape, lo = 0.5, hi = 1.5): Tensor {
  const t = uniform(g, shape, lo, hi)
  for (let i = 0; i < t.size; i++) if (g.uniform53() < 0.5) t.data[i] = -t.data[i]
  return t
}

/** N(0, 1) draws pushed at least `margin` away from each kink point (relu's and abs's 0, clamp's bounds). */
function awayFrom(g: Generator, shape: Shape, kinks: readonly number[], margin = 0.1): Tensor {
  const t = normal(g, shape)
  for (let i = 0; i < t.size; i++) {
    for (const k of kinks) {
      const d = t.data[i] - k
      if (Math.abs(d) < margin) t.data[i] = k + (d < 0 ? -1 : 1) * (margin + Math.abs(d))
    }
  }
  return t
}

/** Pairwise at least 0.15 apart (a shuffled ladder plus jitter): no ties for max. */
function distinct(g: Generator, shape: Shape): Tensor {
  const t = uniform(g, shape, 0, 0.1)
  const n = t.size
  const order = Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) {
    const j = g.randint(i + 1)
    ;[order[i], order[j]] = [order[j], order[i]]
  }
  for (let i = 0; i < n; i++) t.data[i] += 0.25 * order[i] - 0.125 * n
  return t
}

function indices(g: Generator, shape: Shape, n: number): Tensor {
  const size = shape.reduce((a, b) => a * b, 1)
  return new Tensor(Int32Array.from({ length: size }, () => g.randint(n)), shape)
}

/**
 * A module built without disturbing the default generator (construction draws its initial weights there),
 * then given fresh parameters from the case's generator, U(−bound, bound), so the case depends on the seed only.
 */
function build<M extends Module>(g: Generator, make: () => M, bound = 0.6): M {
  const saved = defaultGenerator.getState()
  let module: M
  try {
    module = make()
  } finally {
    defaultGenerator.setState(saved)
  }
  for (const p of module.parameters()) g.fillUniform(p.data as Float64Array, -bound, bound)
  return module
}

/** Every tensor flattened and joined: one output holding all of a layer's results. */
function joined(...ts: (Tensor | null | undefined)[]): Tensor {
  return cat(ts.filter((t): t is Tensor => t instanceof Tensor).map((t) => t.reshape([-1])), 0)
}

// ---------------------------------------------------------------------------------------------------------
// The cases

interface Built {
  fn: Fn
  inputs: Tensor[]
  /** A larger finite-difference step, for a case whose forward rounds (a float32 round trip). */
  eps?: number
}

interface Spec {
  group: GradcheckGroup
  name: string
  build: (g: Generator) => Built
}

const f64 = 'float64' as const

function opSpecs(): Spec[] {
  const op = (name: string, b: (g: Generator) => Built): Spec => ({ group: 'op', name, build: b })
  const unary = (name: string, f: (x: Tensor) => Tensor, input: (g: Generator) => Tensor): Spec => op(name, (g) => ({ fn: f, inputs: [input(g)] }))
  const binary = (name: string, f: (a: Tensor, b: Tensor) => Tensor, a: (g: Generator) => Tensor, b: (g: Generator) => Tensor): Spec =>
    op(name, (g) => ({ fn: f, inputs: [a(g), b(g)] }))
  const n = (shape: Shape) => (g: Generator) => normal(g, shape)
  const pos = (shape: Shape, lo = 0.5, hi = 2) => (g: Generator) => uniform(g, shape, lo, hi)
  const nz = (shape: Shape) => (g: Generator) => nonZero(g, shape)

  return [
    // Elementwise arithmetic, same shapes and broadcast shapes, and with a number.
    binary('add [2, 3] + [2, 3]', add, n([2, 3]), n([2, 3])),
    binary('add broadcast [2, 1, 3] + [4, 1]', add, n([2, 1, 3]), n([4, 1])),
    unary('add scalar [2, 3] + 1.5', (x) => add(x, 1.5), n([2, 3])),
    binary('sub [3, 4] − [4] (broadcast)', sub, n([3, 4]), n([4])),
    binary('sub broadcast [3, 1] − [1, 4]', sub, n([3, 1]), n([1, 4])),
    unary('sub scalar [2, 3] − 0.5 (method)', (x) => x.sub(0.5), n([2, 3])),
    binary('mul [2, 3] ⊙ [2, 3]', mul, n([2, 3]), n([2, 3])),
    binary('mul broadcast [2, 3, 1] ⊙ [3, 4]', mul, n([2, 3, 1]), n([3, 4])),
    unary('mul scalar [2, 3] · −2', (x) => mul(x, -2), n([2, 3])),
    unary('mul same tensor x ⊙ x', (x) => mul(x, x), n([2, 3])),
    binary('div [2, 3] / [2, 3]', div, n([2, 3]), nz([2, 3])),
    binary('div broadcast [3] / [2, 3]', div, n([3]), nz([2, 3])),
    unary('div scalar [2, 3] / 2.5', (x) => div(x, 2.5), n([2, 3])),
    binary('pow tensor exponent [2, 3] ^ [2, 3]', pow, pos([2, 3]), n([2, 3])),
    binary('pow tensor exponent broadcast [2, 3] ^ [3]', pow, pos([2, 3]), n([3])),
    unary('pow scalar exponent x ^ 3', (x) => pow(x, 3), n([2, 3])),
    unary('pow scalar exponent x ^ 0.5', (x) => pow(x, 0.5), pos([2, 3])),
    unary('pow scalar exponent x ^ −1.5 (method)', (x) => x.pow(-1.5), pos([2, 3])),
    // Elementwise functions, each inside its domain.
    unary('neg', neg, n([2, 3])),
    unary('exp', exp, n([2, 3])),
    unary('log (x in [0.5, 2])', log, pos([2, 3])),
    unary('sqrt (x in [0.5, 2])', sqrt, pos([2, 3])),
    unary('tanh', tanh, n([2, 3])),
    unary('sigmoid', sigmoid, n([2, 3])),
    unary('relu (x away from 0)', relu, (g) => awayFrom(g, [3, 4], [0])),
    unary('abs (x away from 0)', abs, (g) => awayFrom(g, [3, 4], [0])),
    unary('sign (zero derivative, x away from 0)', sign, (g) => awayFrom(g, [2, 3], [0])),
    unary('clamp [−0.5, 0.5] (x away from the bounds)', (x) => clamp(x, -0.5, 0.5), (g) => awayFrom(g, [3, 4], [-0.5, 0.5])),
    unary('clamp min 0.2 only', (x) => clamp(x, 0.2), (g) => awayFrom(g, [3, 4], [0.2])),
    unary('clamp max −0.3 only (method)', (x) => x.clamp(null, -0.3), (g) => awayFrom(g, [3, 4], [-0.3])),
    // Matrix products.
    binary('matmul 2-d [3, 4] @ [4, 2]', matmul, n([3, 4]), n([4, 2])),
    binary('matmul batched broadcast [2, 1, 3, 4] @ [3, 4, 2]', matmul, n([2, 1, 3, 4]), n([3, 4, 2])),
    binary('matmul batched [2, 3, 4] @ [2, 4, 2] (method)', (a, b) => a.matmul(b), n([2, 3, 4]), n([2, 4, 2])),
    binary('matmul vector @ matrix [4] @ [4, 3]', matmul, n([4]), n([4, 3])),
    binary('matmul matrix @ vector [3, 4] @ [4]', matmul, n([3, 4]), n([4])),
    binary('matmul vector @ vector [4] @ [4]', matmul, n([4]), n([4])),
    // Reductions, over everything and along dims.
    unary('sum all', (x) => sum(x), n([2, 3, 2])),
    unary('sum dim 1', (x) => sum(x, 1), n([2, 3, 2])),
    unary('sum dims [0, 2] keepDim', (x) => sum(x, [0, 2], true), n([2, 3, 2])),
    unary('mean all', (x) => mean(x), n([2, 3, 2])),
    unary('mean dim −1 keepDim', (x) => mean(x, -1, true), n([2, 3, 2])),
    unary('mean dims [0, 1] (method)', (x) => x.mean([0, 1]), n([2, 3, 2])),
    unary('max all (no ties)', (x) => max(x), (g) => distinct(g, [3, 4])),
    unary('max dim 1 (no ties)', (x) => max(x, 1), (g) => distinct(g, [2, 3, 4])),
    unary('max dim 0 keepDim (no ties)', (x) => max(x, 0, true), (g) => distinct(g, [3, 4])),
    unary('softmax dim −1', (x) => softmax(x, -1), n([3, 4])),
    unary('softmax dim 0 of [3, 2, 2]', (x) => softmax(x, 0), n([3, 2, 2])),
    unary('logSoftmax dim −1', (x) => logSoftmax(x, -1), n([3, 4])),
    unary('logSoftmax dim 1 of [2, 3, 2] (method)', (x) => x.logSoftmax(1), n([2, 3, 2])),
    // Layout.
    unary('reshape [2, 3, 2] → [3, −1]', (x) => reshape(x, [3, -1]), n([2, 3, 2])),
    unary('transpose (last two dims)', (x) => transpose(x), n([2, 3, 4])),
    unary('transpose dims 0 and 2', (x) => transpose(x, 0, 2), n([2, 3, 4])),
    unary('slice dim 1 [1, 3)', (x) => slice(x, 1, 1, 3), n([2, 4, 3])),
    unary('slice dim −1 from −2', (x) => x.slice(-1, -2), n([2, 4, 3])),
    op('cat three tensors along dim 0', (g) => ({ fn: (a, b, c) => cat([a, b, c], 0), inputs: [normal(g, [1, 3]), normal(g, [2, 3]), normal(g, [3, 3])] })),
    op('cat along dim −1 (concat method)', (g) => ({ fn: (a, b) => a.concat(b, -1), inputs: [normal(g, [2, 2, 1]), normal(g, [2, 2, 3])] })),
    unary('split equal pieces along dim 1', (x) => {
      const [a, b, c] = split(x, 2, 1) // sizes 2, 2, 1
      return cat([c, b.mul(3), a.exp()], 1)
    }, n([2, 5])),
    unary('split sections [1, 3] along dim 0 (one piece used)', (x) => split(x, [1, 3], 0)[1], n([4, 2])),
    unary('expand [3, 1] → [2, 3, 4]', (x) => expand(x, [2, 3, 4]), n([3, 1])),
    op('stack along dim 1', (g) => ({ fn: (a, b) => stack([a, b], 1), inputs: [normal(g, [2, 3]), normal(g, [2, 3])] })),
    unary('unsqueeze and squeeze', (x) => squeeze(unsqueeze(x, 1).mul(2), 1), n([3, 2])),
    // Linear, embedding, dropout and copies.
    op('linear with bias, 3-d input', (g) => ({ fn: linear, inputs: [normal(g, [2, 2, 3]), normal(g, [4, 3]), normal(g, [4])] })),
    op('linear without bias', (g) => ({ fn: (x, W) => linear(x, W), inputs: [normal(g, [3, 3]), normal(g, [2, 3])] })),
    op('embedding (repeated indices)', (g) => {
      const ids = new Tensor(Int32Array.from([1, 0, 3, 3, 3, 2]), [2, 3])
      return { fn: (W) => embedding(W, ids), inputs: [normal(g, [5, 3])] }
    }),
    unary('dropout in eval (identity)', (x) => dropout(x, 0.4, false), n([3, 4])),
    op('dropout with a fixed mask (seeded generator)', (g) => {
      const maskSeed = g.randint(2 ** 31)
      // A fresh generator per call: every evaluation draws the same mask.
      return { fn: (x) => dropout(x, 0.4, true, new Generator(maskSeed)), inputs: [normal(g, [3, 4])] }
    }),
    unary('clone', (x) => clone(x).mul(x), n([2, 3])),
    op('to float32 and back (eps 1e-2 for the float32 rounding)', (g) => ({ fn: (x) => to(to(x, 'float32'), f64).mul(x), inputs: [normal(g, [2, 3])], eps: 1e-2 })),
  ]
}

/**
 * For relu cells: draws again (from the same generator, so still deterministic) until at least a third of the
 * outputs are non-zero, so that a case never checks a network whose units are all switched off.
 */
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

type RecurrentKind = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru'
const KINDS: readonly RecurrentKind[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru']
const KIND_NAMES: Record<RecurrentKind, string> = { rnn_tanh: 'RNN tanh', rnn_relu: 'RNN relu', lstm: 'LSTM', gru: 'GRU' }

function cellSpecs(): Spec[] {
  const D = 3
  const H = 3
  const B = 2
  const specs: Spec[] = []
  const make = (kind: RecurrentKind, bias: boolean) => {
    const opts = { inputSize: D, hiddenSize: H, bias, dtype: f64 }
    if (kind === 'lstm') return new LSTMCell(opts)
    if (kind === 'gru') return new GRUCell(opts)
    return new RNNCell({ ...opts, nonlinearity: kind === 'rnn_relu' ? 'relu' : 'tanh' })
  }
  const variants: { label: string; bias: boolean; unbatched: boolean }[] = [
    { label: 'with bias', bias: true, unbatched: false },
    { label: 'without bias', bias: false, unbatched: false },
    { label: 'unbatched', bias: true, unbatched: true },
  ]
  for (const kind of KINDS) {
    for (const { label, bias, unbatched } of variants) {
      const name = `${kind === 'lstm' ? 'LSTMCell' : kind === 'gru' ? 'GRUCell' : `RNNCell ${kind === 'rnn_relu' ? 'relu' : 'tanh'}`} ${label}`
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

function layerSpecs(): Spec[] {
  const D = 2
  const H = 2
  const T = 3
  const B = 2
  const specs: Spec[] = []
  interface Variant { numLayers: number; bidirectional: boolean; impl: Impl; batchFirst?: boolean; unbatched?: boolean; bias?: boolean }
  const layerCase = (kind: RecurrentKind, v: Variant): Spec => {
    const parts = [
      `${v.numLayers} layer${v.numLayers > 1 ? 's' : ''}`,
      v.bidirectional ? 'bidirectional' : 'unidirectional',
      v.impl,
      ...(v.batchFirst ? ['batchFirst'] : []),
      ...(v.unbatched ? ['unbatched'] : []),
      ...(v.bias === false ? ['without bias'] : []),
    ]
    return {
      group: 'layer',
      name: `${KIND_NAMES[kind]}, ${parts.join(', ')}`,
      build: liveIf(kind === 'rnn_relu', (g) => {
        const opts = { inputSize: D, hiddenSize: H, numLayers: v.numLayers, bidirectional: v.bidirectional, impl: v.impl, batchFirst: v.batchFirst ?? false, bias: v.bias ?? true, dtype: f64 }
        const layer = build(g, () => (kind === 'lstm' ? new LSTM(opts) : kind === 'gru' ? new GRU(opts) : new RNN({ ...opts, nonlinearity: kind === 'rnn_relu' ? 'relu' : 'tanh' })))
        const states = v.numLayers * (v.bidirectional ? 2 : 1)
        const x = normal(g, v.unbatched ? [T, D] : v.batchFirst ? [B, T, D] : [T, B, D])
        const stateShape = v.unbatched ? [states, H] : [states, B, H]
        const h0 = normal(g, stateShape)
        if (layer instanceof LSTM) {
          const c0 = normal(g, stateShape)
          return { fn: (xx, hh, cc) => { const r = layer.forward(xx, { h: hh, c: cc }); return joined(r.output, r.h, r.c) }, inputs: [x, h0, c0, ...layer.parameters()] }
        }
        return { fn: (xx, hh) => { const r = layer.forward(xx, { h: hh }); return joined(r.output, r.h) }, inputs: [x, h0, ...layer.parameters()] }
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
  }
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

function modelSpecs(): Spec[] {
  const specs: Spec[] = []
  const V = 5
  const B = 2
  const T = 3
  for (const cell of ['rnn', 'lstm', 'gru'] as const satisfies readonly CellName[]) {
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
  const classifier = (cell: CellName, bidirectional: boolean, tokens: boolean): Spec => ({
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

function lossSpecs(): Spec[] {
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
function caseSeed(seed: number, name: string): number {
  let hash = 0x811c9dc5
  const text = `${seed}\u0000${name}`
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}

function checkSeed(seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) throw new Error(`gradcheck suite: seed must be a non-negative safe integer, got ${String(seed)}`)
  return seed
}

/**
 * Every case of the suite: ops, cells, layers, models and losses. Each case draws its inputs (and its
 * module's parameters) from a generator seeded by `seed` and its own name when it runs, so cases are
 * independent of each other and of the default generator, and the same seed gives the same numbers.
 * With `fast`, the layer and model cases and those with more than FAST_MODE_THRESHOLD checked elements
 * compare projections (gradcheck's fastMode); without it every case compares whole Jacobians.
 */
export function gradcheckCases(opts: GradcheckSuiteOptions = {}): GradcheckCase[] {
  const seed = checkSeed(opts.seed ?? 0)
  const fast = opts.fast ?? false
  const specs = [...opSpecs(), ...cellSpecs(), ...layerSpecs(), ...modelSpecs(), ...lossSpecs()]
  return specs.map(({ group, name, build: make }) => ({
    group,
    name,
    run: () => {
      const s = caseSeed(seed, name)
      const { fn, inputs, eps } = make(new Generator(s))
      const elements = inputs.reduce((acc, t) => acc + (t.requiresGrad ? t.size : 0), 0)
      const big = group === 'layer' || group === 'model' || elements > FAST_MODE_THRESHOLD
      return checkGradients(fn, inputs, { fastMode: fast && big, seed: s, ...(eps === undefined ? {} : { eps }) })
    },
  }))
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now())

/** Runs the suite (or `opts.cases`), case by case; a case that throws counts as failed, with the error as its message. */
export function runGradcheckSuite(opts: RunGradcheckSuiteOptions = {}): GradcheckSuiteResult {
  const all = opts.cases ?? gradcheckCases(opts)
  const selected = opts.filter ? all.filter(opts.filter) : [...all]
  const results: GradcheckSuiteResult['results'] = []
  let failed = 0
  for (const c of selected) {
    const began = now()
    let outcome: GradcheckOutcome
    try {
      outcome = c.run()
    } catch (error) {
      outcome = { passed: false, worstAbsError: NaN, worstRelError: NaN, checked: 0, message: error instanceof Error ? error.message : String(error) }
    }
    const ms = now() - began
    if (!outcome.passed) failed++
    results.push({ group: c.group, name: c.name, outcome, ms })
    opts.onResult?.(c, outcome, ms)
  }
  return { cases: results.length, failed, results }
}
