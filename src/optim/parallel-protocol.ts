// What the main thread and a training worker say to each other in data-parallel training. Parameters and
// gradients never travel in messages: they live in SharedArrayBuffers that both sides view (the parameters
// once, written by the main thread after each optimizer step; the gradients one slot per worker, written
// by that worker), so a step's messages carry only a window index and a loss.
import type { LanguageModelOptions } from '../models/language-model.js'
import type { KernelSettings } from '../tensor/kernels/wasm-kernels.js'

/** The part of the standard `Worker` that seqgrad uses; a Node worker_threads Worker needs a small adapter. */
export interface WorkerLike {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  addEventListener(type: 'error', listener: (event: { message?: string; error?: unknown; preventDefault?(): void }) => void): void
  terminate(): unknown
  /** Node's worker_threads: whether the thread keeps the process alive. An idle worker is unref'd, a busy one ref'd. */
  ref?(): void
  unref?(): void
}

/** Starts worker number `index` running seqgrad's training worker script (train-worker.js). */
export type WorkerFactory = (index: number) => WorkerLike

/** The worker's side of the channel: `self` in a web worker, an adapter over parentPort in Node. */
export interface WorkerScope {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
}

/** A hidden state's rows for one worker: h (and c) as [layers·dirs, rows, H], flat. */
export interface ShardState {
  h: Float32Array | Float64Array
  c: Float32Array | Float64Array | null
  shape: number[]
}

export type ToWorker =
  | {
      type: 'init'
      config: Required<LanguageModelOptions>
      /** Each parameter's requiresGrad, in model.parameters() order (a frozen one gets no gradient). */
      requiresGrad: boolean[]
      /** Every parameter, flat, in model.parameters() order. */
      params: SharedArrayBuffer
      /** One slot of parameter-count elements per worker; this worker writes slot `index`. */
      grads: SharedArrayBuffer
      index: number
      /** This worker's streams: rows [B_k, length] of the batch, row-major. */
      streams: Int32Array
      length: number
      bptt: number
      hidden: ShardState | null
      /** The main thread's kernels: exact or not, and a module handed over (useWasmKernels), so the worker computes as it does. */
      kernels: KernelSettings
    }
  | {
      type: 'step'
      window: number
      /** A new pass starts from a zero state. */
      reset: boolean
      /** Tokens in the whole batch's window: the loss is the sum of this worker's divided by it. */
      tokens: number
      /** Seeds the worker's generator before the step (its dropout draws); null when the model has none. */
      seed: number | null
    }
  | { type: 'state' }

export type FromWorker =
  | { type: 'ready' }
  | { type: 'stepped'; lossSum: number }
  | { type: 'state'; hidden: ShardState | null }
  | { type: 'failed'; message: string }

/** Rows [start, end) of the batch that worker `k` of `workers` owns: contiguous, sizes differing by at most one. */
export function shardRows(batchSize: number, workers: number, k: number): [number, number] {
  const base = Math.floor(batchSize / workers)
  const extra = batchSize % workers
  const start = k * base + Math.min(k, extra)
  return [start, start + base + (k < extra ? 1 : 0)]
}
