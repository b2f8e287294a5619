// Writes test/fixtures/tfjs/mask.json: what TensorFlow.js 4.22's recurrent layers give on masked input, for
// seqgrad's forward(x, state, { mask }) to be checked against. Run from the repository root after
// `cd bench/compare && npm ci` (tfjs is a dependency of that folder only, never of seqgrad):
//
//     node scripts/gen-tfjs-mask-fixtures.mjs
//
// Each case holds the layer (simpleRNN, lstm, gru with reset_after=false, as tfjs has it; alone or in a
// Bidirectional wrapper), its Keras weights per direction (kernel, recurrentKernel, bias), x [B, T, D], the
// mask [B, T] (with leading, inner and trailing masked steps and a fully masked row), the initial state of a
// lone layer, and tfjs's results: the output sequence [B, T, dirs·U] and the final states. The values are
// drawn from a fixed LCG and rounded to float32, so the file is the same on every run.
import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'bench', 'compare', 'package.json'))
const tf = require('@tensorflow/tfjs-core')
require('@tensorflow/tfjs-backend-cpu')
const tfl = require('@tensorflow/tfjs-layers')
await tf.setBackend('cpu')
await tf.ready()

let state = 20261206
const draw = () => {
  state = (state * 1103515245 + 12345) % 2 ** 31
  return Math.fround((state / 2 ** 31) * 2 - 1)
}
const values = (n) => Array.from({ length: n }, draw)
const GATES = { simple_rnn: 1, lstm: 4, gru: 3 }

function makeLayer(kind, U, goBackwards = false) {
  // glorotUniform: tfjs's orthogonal initializer fails in this build, and setWeights replaces the draw anyway
  const args = { units: U, returnSequences: true, returnState: true, goBackwards, recurrentInitializer: 'glorotUniform' }
  // sigmoid, not tfjs's default hardSigmoid: seqgrad's (and PyTorch's) gates
  if (kind === 'lstm') return tfl.layers.lstm({ ...args, recurrentActivation: 'sigmoid' })
  if (kind === 'gru') return tfl.layers.gru({ ...args, recurrentActivation: 'sigmoid' })
  return tfl.layers.simpleRNN({ ...args, activation: 'tanh' })
}

function weightsFor(kind, D, U) {
  const G = GATES[kind]
  return { kernel: values(D * G * U), recurrentKernel: values(U * G * U), bias: values(G * U) }
}

const tensors = (w, D, U, G) => [tf.tensor(w.kernel, [D, G * U]), tf.tensor(w.recurrentKernel, [U, G * U]), tf.tensor(w.bias, [G * U])]

function lone(kind, B, T, D, U, mask) {
  const G = GATES[kind]
  const weights = weightsFor(kind, D, U)
  const x = values(B * T * D)
  const stateCount = kind === 'lstm' ? 2 : 1
  const initial = Array.from({ length: stateCount }, () => values(B * U))
  const layer = makeLayer(kind, U)
  const xs = tf.tensor(x, [B, T, D])
  const run = () => layer.apply(xs, { mask: tf.tensor(mask, [B, T], 'bool'), initialState: initial.map((s) => tf.tensor(s, [B, U])) })
  run() // builds the layer, whose weights are then replaced
  layer.setWeights(tensors(weights, D, U, G))
  const [output, ...finals] = run()
  return {
    kind, bidirectional: false, B, T, D, U, x, mask, weights: [weights],
    h0: initial[0], c0: kind === 'lstm' ? initial[1] : undefined,
    output: Array.from(output.dataSync()), h: Array.from(finals[0].dataSync()), c: kind === 'lstm' ? Array.from(finals[1].dataSync()) : undefined,
  }
}

function bidirectional(kind, B, T, D, U, mask) {
  const G = GATES[kind]
  const forward = weightsFor(kind, D, U), backward = weightsFor(kind, D, U)
  const x = values(B * T * D)
  const layer = tfl.layers.bidirectional({ layer: makeLayer(kind, U), mergeMode: 'concat' })
  const run = () => layer.apply(tf.tensor(x, [B, T, D]), { mask: tf.tensor(mask, [B, T], 'bool') })
  run()
  layer.setWeights([...tensors(forward, D, U, G), ...tensors(backward, D, U, G)])
  const results = run()
  // [output, forward states…, backward states…]
  const n = kind === 'lstm' ? 2 : 1
  const data = (t) => Array.from(t.dataSync())
  return {
    kind, bidirectional: true, B, T, D, U, x, mask, weights: [forward, backward],
    output: data(results[0]),
    h: [...data(results[1]), ...data(results[1 + n])],
    c: kind === 'lstm' ? [...data(results[2]), ...data(results[2 + n])] : undefined,
  }
}

// Row 0 is whole, row 1 has leading and inner masked steps, row 2 trailing ones, row 3 none valid, row 4 one step
const MASK = [
  [1, 1, 1, 1, 1],
  [0, 0, 1, 0, 1],
  [1, 1, 0, 0, 0],
  [0, 0, 0, 0, 0],
  [0, 0, 0, 1, 0],
].flat()
const cases = []
for (const kind of ['simple_rnn', 'lstm', 'gru']) {
  cases.push(lone(kind, 5, 5, 3, 4, MASK))
  cases.push(bidirectional(kind, 5, 5, 3, 4, MASK))
}
const out = join(root, 'test', 'fixtures', 'tfjs')
mkdirSync(out, { recursive: true })
writeFileSync(join(out, 'mask.json'), JSON.stringify({ generator: 'scripts/gen-tfjs-mask-fixtures.mjs', tfjs: tfl.version_layers, cases }) + '\n')
console.log(`wrote ${cases.length} cases to ${join(out, 'mask.json')}`)
