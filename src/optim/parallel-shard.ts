// A training worker's side of data-parallel training: it owns a fixed set of the batch's streams (rows) and a
// copy of the model. Each step it reads the parameters the main thread wrote, runs its rows' window forward
// and backward, and writes its gradient to its own slot; the main thread sums the slots in worker order,
// clips and steps the optimizer once. Its loss is its rows' summed cross-entropy divided by the token count
// of the whole batch, so the slots add up to the gradient of the single-thread mean loss.
import { streamWindow, type StreamBatches } from '../data/batching.js'
import { LanguageModel } from '../models/language-model.js'
import type { RecurrentState } from '../models/recurrent.js'
import { applyKernelSettings } from '../tensor/kernels/wasm-kernels.js'
import { manualSeed } from '../tensor/random.js'
import { Tensor } from '../tensor/tensor.js'
import { crossEntropy } from './losses.js'
import type { FromWorker, ShardState, ToWorker, WorkerScope } from './parallel-protocol.js'

type FloatArray = Float32Array | Float64Array

interface Shard {
  model: LanguageModel
  params: Tensor[]
  /** The shared parameters, flat. */
  shared: FloatArray
  /** This worker's gradient slot, flat. */
  grads: FloatArray
  batches: StreamBatches
  hidden: RecurrentState | null
}

const floatView = (dtype: string, buffer: SharedArrayBuffer, offset: number, length: number): FloatArray =>
  dtype === 'float64' ? new Float64Array(buffer, offset * 8, length) : new Float32Array(buffer, offset * 4, length)

function initShard(message: Extract<ToWorker, { type: 'init' }>): Shard {
  applyKernelSettings(message.kernels)
  const model = new LanguageModel(message.config) // its initial values are replaced by the shared ones at each step
  model.train()
  const params = model.parameters()
  params.forEach((p, i) => (p.requiresGrad = message.requiresGrad[i]))
  const count = params.reduce((n, p) => n + p.size, 0)
  const { dtype } = message.config
  const rows = message.streams.length / message.length
  const { length, bptt } = message
  const batches: StreamBatches = { streams: message.streams, batchSize: rows, length, bptt, windows: Math.ceil((length - 1) / bptt) }
  return {
    model, params, batches,
    shared: floatView(dtype, message.params, 0, count),
    grads: floatView(dtype, message.grads, message.index * count, count),
    hidden: message.hidden === null ? null : fromShardState(message.hidden),
  }
}

function fromShardState(s: ShardState): RecurrentState {
  const h = new Tensor(s.h, s.shape)
  return s.c === null ? { h } : { h, c: new Tensor(s.c, s.shape) }
}

function toShardState(s: RecurrentState | null): ShardState | null {
  if (s === null) return null
  return { h: s.h.data.slice() as FloatArray, c: s.c ? (s.c.data.slice() as FloatArray) : null, shape: [...s.h.shape] }
}

/** One step on this worker's rows; returns their summed cross-entropy. */
function step(shard: Shard, { window, reset, tokens, seed }: Extract<ToWorker, { type: 'step' }>): number {
  if (reset) shard.hidden = null
  let offset = 0
  for (const p of shard.params) {
    p.data.set(shard.shared.subarray(offset, offset + p.size))
    p.grad = null
    offset += p.size
  }
  if (seed !== null) manualSeed(seed)
  const { inputs, targets } = streamWindow(shard.batches, window)
  const { logits, state } = shard.model.forward(inputs, shard.hidden ?? undefined)
  const [B, T, V] = logits.shape
  const sum = crossEntropy(logits.reshape([B * T, V]), targets.reshape([B * T]), { reduction: 'sum' })
  sum.div(tokens).backward()
  offset = 0
  for (const p of shard.params) {
    if (p.grad === null) shard.grads.fill(0, offset, offset + p.size)
    else shard.grads.set(p.grad.data as FloatArray, offset)
    offset += p.size
  }
  shard.hidden = { h: state.h.detach(), ...(state.c ? { c: state.c.detach() } : {}) }
  return sum.item()
}

/** Answers the main thread's messages on `scope` until the worker is terminated. */
export function serveTrainingShard(scope: WorkerScope): void {
  let shard: Shard | null = null
  const post = (message: FromWorker) => scope.postMessage(message)
  scope.addEventListener('message', ({ data }) => {
    const message = data as ToWorker
    try {
      if (message.type === 'init') {
        shard = initShard(message)
        post({ type: 'ready' })
      } else if (shard === null) throw new Error(`a '${message.type}' message came before 'init'`)
      else if (message.type === 'step') post({ type: 'stepped', lossSum: step(shard, message) })
      else post({ type: 'state', hidden: toShardState(shard.hidden) })
    } catch (error) {
      post({ type: 'failed', message: error instanceof Error ? error.message : String(error) })
    }
  })
}
