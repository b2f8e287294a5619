// Writes test/fixtures/tfjs/recurrent.json: TensorFlow.js's own numbers for its recurrent layers, run
// by tfjs-layers 4.22 (the copy bench/compare installs) on its CPU backend in float32. Each case is a
// SimpleRNN, LSTM or GRU built from a model.json-style config (snake_case, as tfjs writes it) with seeded
// weights and input; it records the layer's config, weights, input, every step's output, the last state,
// and the gradients of L = Σ output ⊙ w (w seeded too) for every weight. (Not for the input: the gradient
// of its unstack fails in tfjs-layers 4.22's Node bundle, which carries its own copy of tfjs-core's ops.) The cases cover
// tfjs's defaults (hard_sigmoid gates; its GRU is Keras's reset_after=False), sigmoid, SimpleRNN's tanh,
// relu and linear, no bias, weights large enough to put gates on hard σ's clip, and pre-activations at
// exactly ±2.5, where tfjs's clipByValue still passes the gradient.
//
//   cd bench/compare && npm ci   (once)
//   node scripts/gen-tfjs-fixtures.mjs
//
// The tests read only the committed file.
import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// The CommonJS builds from bench/compare, so that tfjs-layers and this file share one tfjs-core engine.
const require = createRequire(join(root, 'bench', 'compare', 'package.json'))
const tf = require('@tensorflow/tfjs-core')
require('@tensorflow/tfjs-backend-cpu')
const tfl = require('@tensorflow/tfjs-layers')
const { version } = require('@tensorflow/tfjs-layers/package.json')

await tf.setBackend('cpu')
await tf.ready()

/** mulberry32: a small seeded generator, so the fixtures are the same on every run. */
function generator(seed) {
  let a = seed >>> 0
  return (lo, hi) => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296
    return Math.fround(lo + (hi - lo) * u)
  }
}

const uniform = (draw, n, scale) => Array.from({ length: n }, () => draw(-scale, scale))
const GATES = { simple_rnn: 1, lstm: 4, gru: 3 }
const FACTORY = { simple_rnn: tfl.layers.simpleRNN, lstm: tfl.layers.lstm, gru: tfl.layers.gru }

/**
 * One case: the layer of `kind` with `args` (tfjs's camelCase arguments) on [B, T, D] input; weights from
 * the seed in [−scale, scale], or `weights` given as flat arrays in Keras's layout.
 */
function runCase({ name, kind, args, B, T, D, U, seed, scale = 1, weights, x }) {
  const draw = generator(seed)
  const G = GATES[kind]
  const useBias = args.useBias ?? true
  const given = weights ?? {
    kernel: uniform(draw, D * G * U, scale),
    recurrent_kernel: uniform(draw, U * G * U, scale),
    ...(useBias ? { bias: uniform(draw, G * U, scale) } : {}),
  }
  const input = x ?? uniform(draw, B * T * D, 1)
  const w = uniform(draw, B * T * U, 1)

  // The recurrent initializer does not matter (the weights are set below), but tfjs's default, orthogonal,
  // needs tfjs-core's chained ops. The layer runs eagerly; a twin without returnState (a Sequential takes
  // one output) in a model writes the model.json config.
  const make = (more) => FACTORY[kind]({ units: U, returnSequences: true, recurrentInitializer: 'glorotUniform', ...more, ...args })
  const layer = make({ returnState: true })
  const model = tfl.sequential({ layers: [make({ inputShape: [T, D] })] })
  const shapes = { kernel: [D, G * U], recurrent_kernel: [U, G * U], bias: [G * U] }
  const order = ['kernel', 'recurrent_kernel', ...(useBias ? ['bias'] : [])]
  layer.apply(tf.zeros([1, T, D])) // builds the weights
  layer.setWeights(order.map((k) => tf.tensor(given[k], shapes[k])))
  const config = model.toJSON(null, false).config.layers[0].config

  const xT = tf.tensor(input, [B, T, D])
  const wT = tf.tensor(w, [B, T, U])
  const [seq, h, c] = layer.apply(xT)
  const loss = (xx) => tf.sum(tf.mul(layer.apply(xx)[0], wT))
  const { grads } = tf.variableGrads(() => loss(xT), layer.trainableWeights.map((v) => v.val))
  const gradOf = (k) => Array.from(grads[layer.trainableWeights[order.indexOf(k)].val.name].dataSync())
  return {
    name,
    kind,
    config,
    B, T, D, U,
    weights: Object.fromEntries(order.map((k) => [k, given[k]])),
    x: input,
    w,
    output: Array.from(seq.dataSync()),
    h: Array.from(h.dataSync()),
    ...(c === undefined ? {} : { c: Array.from(c.dataSync()) }),
    grads: Object.fromEntries(order.map((k) => [k, gradOf(k)])),
  }
}

/** Weights for one unit, one input: every gate's pre-activation at x = 1, h0 = 0 is its kernel entry. */
function oneUnit(kernel) {
  return { kernel, recurrent_kernel: kernel.map(() => 0.5), bias: kernel.map(() => 0) }
}

const sizes = { B: 3, T: 5, D: 4, U: 5 }
const cases = [
  runCase({ name: 'simple_rnn tanh', kind: 'simple_rnn', args: {}, ...sizes, seed: 1 }),
  runCase({ name: 'simple_rnn relu', kind: 'simple_rnn', args: { activation: 'relu' }, ...sizes, seed: 2 }),
  runCase({ name: 'simple_rnn linear', kind: 'simple_rnn', args: { activation: 'linear' }, ...sizes, seed: 3, scale: 0.5 }),
  runCase({ name: 'lstm (tfjs default: hard_sigmoid)', kind: 'lstm', args: {}, ...sizes, seed: 4 }),
  runCase({ name: 'lstm hard_sigmoid, gates on the clip', kind: 'lstm', args: {}, ...sizes, seed: 5, scale: 2 }),
  runCase({ name: 'lstm sigmoid', kind: 'lstm', args: { recurrentActivation: 'sigmoid' }, ...sizes, seed: 6 }),
  runCase({ name: 'lstm hard_sigmoid without bias', kind: 'lstm', args: { useBias: false }, ...sizes, seed: 7 }),
  runCase({ name: 'gru (tfjs default: hard_sigmoid, reset_after=False)', kind: 'gru', args: {}, ...sizes, seed: 8 }),
  runCase({ name: 'gru hard_sigmoid, gates on the clip', kind: 'gru', args: {}, ...sizes, seed: 9, scale: 2 }),
  runCase({ name: 'gru sigmoid', kind: 'gru', args: { recurrentActivation: 'sigmoid' }, ...sizes, seed: 10 }),
  runCase({ name: 'gru hard_sigmoid without bias', kind: 'gru', args: { useBias: false }, ...sizes, seed: 11 }),
  // a = +2.5 and −2.5 exactly: LSTM blocks [i | f | c | o], GRU blocks [z | r | h]
  runCase({ name: 'lstm hard_sigmoid at a = ±2.5', kind: 'lstm', args: {}, B: 1, T: 1, D: 1, U: 1, seed: 12, weights: oneUnit([2.5, -2.5, 0.5, 2.5]), x: [1] }),
  runCase({ name: 'lstm hard_sigmoid at a = −2.5 (o)', kind: 'lstm', args: {}, B: 1, T: 1, D: 1, U: 1, seed: 13, weights: oneUnit([-2.5, 2.5, 0.5, -2.5]), x: [1] }),
  runCase({ name: 'gru hard_sigmoid at a = ±2.5', kind: 'gru', args: {}, B: 1, T: 2, D: 1, U: 1, seed: 14, weights: oneUnit([2.5, -2.5, 0.5]), x: [1, 0] }),
  runCase({ name: 'gru hard_sigmoid at a = −2.5 (z)', kind: 'gru', args: {}, B: 1, T: 2, D: 1, U: 1, seed: 15, weights: oneUnit([-2.5, 2.5, 0.5]), x: [1, 0] }),
]

const out = join(root, 'test', 'fixtures', 'tfjs')
mkdirSync(out, { recursive: true })
const file = { generator: 'scripts/gen-tfjs-fixtures.mjs', tfjsLayers: version, backend: tf.getBackend(), cases }
writeFileSync(join(out, 'recurrent.json'), `${JSON.stringify(file)}\n`)
console.log(`wrote ${cases.length} cases to test/fixtures/tfjs/recurrent.json (tfjs-layers ${version}, ${tf.getBackend()})`)
