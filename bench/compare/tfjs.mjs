// TensorFlow.js 4.22: `node tfjs.mjs <WORKLOAD> --warmup N --steps N [--backend cpu|wasm]`.
// cpu is its pure-JS CPU backend; wasm its WebAssembly backend (XNNPACK, SIMD), on one thread, loading the
// .wasm files shipped in the package from disk, so it runs offline.
// Written the way a tfjs user would: tf.layers recurrent layer + dense decoder, tf.variableGrads,
// a global-norm clip done by hand (tfjs has none), tf.train.adam.
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { GEN_TOKENS, MATMUL, TRAIN, VOCAB, WINDOW, emit, parseCli, rng, timeUnits } from './cli.mjs'

const { workload, warmup, steps, options } = parseCli('tfjs', { backend: { type: 'string', default: 'cpu' } })
const backend = options.backend
if (backend !== 'cpu' && backend !== 'wasm') {
  console.error(`tfjs: --backend must be cpu or wasm, got ${backend}`)
  process.exit(2)
}
const CONTENDER = `tfjs-${backend}`

// The CommonJS builds, so that tfjs-layers and this file share one tfjs-core instance (one engine).
const require = createRequire(import.meta.url)
const tf = require('@tensorflow/tfjs-core')
require('@tensorflow/tfjs-backend-cpu')
const tfl = require('@tensorflow/tfjs-layers')

let wasmInfo = {}
if (backend === 'wasm') {
  const wasm = require('@tensorflow/tfjs-backend-wasm')
  // The directory of the package's own tfjs-backend-wasm*.wasm files: no download.
  wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'))}/`)
  // One thread, to compare with single-threaded runs (in Node it never starts more: tfjs turns its
  // threaded build off there).
  wasm.setThreadsCount(1)
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend failed to initialise')
  await tf.ready()
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')
  if (!simd) throw new Error('tfjs: this runtime has no WebAssembly SIMD; the wasm backend would run its scalar build')
  wasmInfo = { simd, threads: wasm.getThreadsCount() }
} else {
  await tf.setBackend('cpu')
  await tf.ready()
}
if (tf.getBackend() !== backend) throw new Error(`tfjs: asked for the ${backend} backend, running on ${tf.getBackend()}`)

// The recurrent weights are glorot-uniform, not tfjs's default orthogonal: orthogonal init runs a QR in
// JS that takes minutes for H=512 and makes no difference to the time of a step.
function recurrentLayer(cell, hidden) {
  const args = { units: hidden, returnSequences: true, recurrentInitializer: 'glorotUniform' }
  if (cell === 'lstm') return tfl.layers.lstm(args)
  // tfjs's GRU only implements reset_after=false (r ⊙ h before W_hn): same FLOPs as PyTorch's variant.
  if (cell === 'gru') return tfl.layers.gru(args)
  return tfl.layers.simpleRNN({ ...args, activation: 'tanh' })
}

// tf.oneHot gives int32; the layers want float32.
const oneHot = (ids, shape) => tf.cast(tf.oneHot(tf.tensor(ids, shape, 'int32'), VOCAB), 'float32')

function globalNormClip(grads, maxNorm) {
  const names = Object.keys(grads)
  const norm = Math.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))).dataSync()[0])
  const scale = Math.min(1, maxNorm / (norm + 1e-6))
  const out = {}
  for (const n of names) out[n] = scale < 1 ? tf.mul(grads[n], scale) : grads[n]
  return out
}

function prepareTraining({ cell, hidden, batch }) {
  const rnn = recurrentLayer(cell, hidden)
  const decoder = tfl.layers.dense({ units: VOCAB })
  const optimizer = tf.train.adam(2e-3)
  const next = rng(1)
  const tokens = (n) => Int32Array.from({ length: n }, () => Math.floor(next() * VOCAB))
  // One fixed batch-major window: x one-hot [B, T, V], targets one-hot [B, T, V].
  const x = oneHot(tokens(batch * WINDOW), [batch, WINDOW])
  const y = oneHot(tokens(batch * WINDOW), [batch, WINDOW])
  const loss = () => tf.losses.softmaxCrossEntropy(y, decoder.apply(rnn.apply(x)))
  // A one-token forward builds the layers' weights, so variableGrads sees them.
  tf.tidy(() => decoder.apply(rnn.apply(tf.zeros([1, 1, VOCAB]))))
  return () => {
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(loss)
      optimizer.applyGradients(globalNormClip(grads, 5))
      value.dataSync()
    })
  }
}

// Batch-1 generation: the LSTM-128 layer's cell stepped with explicit state, one tidy per token,
// sampling with tf.multinomial from the logits (temperature 1).
function prepareGeneration() {
  const hidden = 128
  const lstm = recurrentLayer('lstm', hidden)
  const decoder = tfl.layers.dense({ units: VOCAB })
  tf.tidy(() => decoder.apply(lstm.apply(tf.zeros([1, 1, VOCAB]))))
  const cell = lstm.cell
  let seed = 0
  return () => {
    let h = tf.zeros([1, hidden])
    let c = tf.zeros([1, hidden])
    let token = 0
    for (let t = 0; t < GEN_TOKENS; t++) {
      const [h2, c2, next] = tf.tidy(() => {
        const x = oneHot([token], [1])
        const [, hNew, cNew] = cell.call([x, h, c], {})
        const sample = tf.multinomial(decoder.apply(hNew), 1, seed++)
        return [hNew, cNew, sample]
      })
      token = next.dataSync()[0]
      tf.dispose([h, c, next])
      h = h2
      c = c2
    }
    tf.dispose([h, c])
  }
}

function prepareMatmul({ m, k, n }) {
  const a = tf.randomUniform([m, k], -1, 1, 'float32', 1)
  const b = tf.randomUniform([k, n], -1, 1, 'float32', 2)
  return () => {
    const out = tf.matMul(a, b)
    out.dataSync()
    out.dispose()
  }
}

const unit =
  workload in TRAIN ? prepareTraining(TRAIN[workload]) : workload in MATMUL ? prepareMatmul(MATMUL[workload]) : prepareGeneration()
emit(CONTENDER, workload, timeUnits(unit, warmup, steps), wasmInfo)
