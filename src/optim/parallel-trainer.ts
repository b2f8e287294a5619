// Data-parallel truncated BPTT: the batch's B streams are shared among worker threads, each owning fixed
// rows (shardRows) and their carried hidden state. A step: every worker runs its rows' window and writes
// its gradient slot; the main thread sums the slots in worker order (so a run repeats bit for bit for a
// given worker count), clips and steps the optimizer once, and writes the parameters back to the shared
// buffer. The loss is the mean over all B·T tokens, as in one thread: each worker's summed cross-entropy
// is divided by the whole window's token count, so one worker and two differ only by float32 rounding.
import { defaultGenerator } from '../tensor/random.js'
import { Tensor } from '../tensor/tensor.js'
import { accumulateInto } from '../tensor/kernels/elementwise.js'
import { kernelSettings } from '../tensor/kernels/wasm-kernels.js'
import { describe } from '../validation/checks.js'
import type { RecurrentState } from '../models/recurrent.js'
import { shardRows, type ShardState } from './parallel-protocol.js'
import { startRun, trainLanguageModel, type TrainLanguageModelOptions, type TrainResult } from './trainer.js'
import { TrainingWorkers } from './training-workers.js'

export interface ParallelOptions {
  /**
   * Worker threads to share the batch's streams among: a count (the standard Worker, started and
   * terminated by this call) or TrainingWorkers (kept for the next call). Where workers or
   * SharedArrayBuffer are missing, training runs in this thread and the result's notice says why.
   */
  workers: number | TrainingWorkers
}

type FloatArray = Float32Array | Float64Array

/** Rows [start, end) of a [layers, B, H] state, flat. */
function stateRows(s: Tensor, start: number, end: number): FloatArray {
  const [layers, B, H] = s.shape
  const out = s.dtype === 'float64' ? new Float64Array(layers * (end - start) * H) : new Float32Array(layers * (end - start) * H)
  for (let l = 0; l < layers; l++) out.set((s.data as FloatArray).subarray((l * B + start) * H, (l * B + end) * H), l * (end - start) * H)
  return out
}

function shardState(s: RecurrentState | null, start: number, end: number): ShardState | null {
  if (s === null) return null
  const [layers, , H] = s.h.shape
  return { h: stateRows(s.h, start, end), c: s.c ? stateRows(s.c, start, end) : null, shape: [layers, end - start, H] }
}

/** The whole batch's state from the workers' rows, in worker order (new arrays of `dtype`: a message's may come from another realm). */
function joinStates(parts: (ShardState | null)[], batchSize: number, dtype: 'float32' | 'float64'): RecurrentState | null {
  if (parts.some((p) => p === null)) return null
  const shards = parts as ShardState[]
  const [layers, , H] = shards[0].shape
  const join = (pick: (p: ShardState) => FloatArray) => {
    const out = dtype === 'float64' ? new Float64Array(layers * batchSize * H) : new Float32Array(layers * batchSize * H)
    let row = 0
    for (const p of shards) {
      const rows = p.shape[1]
      for (let l = 0; l < layers; l++) out.set(pick(p).subarray(l * rows * H, (l + 1) * rows * H), (l * batchSize + row) * H)
      row += rows
    }
    return new Tensor(out, [layers, batchSize, H])
  }
  const h = join((p) => p.h)
  return shards[0].c === null ? { h } : { h, c: join((p) => p.c as FloatArray) }
}

function checkWorkers(opts: TrainLanguageModelOptions & ParallelOptions): number {
  const { workers, batchSize } = opts
  if (workers instanceof TrainingWorkers) {
    if (workers.isClosed) throw new Error('trainLanguageModel: the TrainingWorkers given as workers were closed')
  } else if (!(Number.isInteger(workers) && workers >= 1)) {
    throw new Error(`trainLanguageModel: workers must be a positive integer or TrainingWorkers, got ${describe(workers)}`)
  }
  const count = workers instanceof TrainingWorkers ? workers.count : workers
  if (Number.isInteger(batchSize) && count > batchSize) throw new Error(`trainLanguageModel: workers (${count}) must be at most batchSize (${batchSize}): each worker trains whole streams`)
  return count
}

/** trainLanguageModel with `workers`: in worker threads where they can run, else in this one (saying why). */
export async function trainInParallel(opts: TrainLanguageModelOptions & ParallelOptions): Promise<TrainResult> {
  const count = checkWorkers(opts)
  const given = opts.workers instanceof TrainingWorkers ? opts.workers : null
  const pool = given ?? (count > 1 ? new TrainingWorkers(count) : null)
  const notice = pool?.unavailable() ?? null
  if (pool === null || notice !== null) {
    const { workers: _, ...single } = opts
    return { ...trainLanguageModel(single), threads: 1, ...(notice === null ? {} : { notice: `${notice}; training ran in one thread` }) }
  }
  pool.claim()
  try {
    return await trainWithWorkers(opts, pool)
  } catch (error) {
    pool.close() // a worker may be mid-step or dead: none is fit for another run
    throw error
  } finally {
    pool.release()
    if (given === null) pool.close()
  }
}

async function trainWithWorkers(opts: TrainLanguageModelOptions, pool: TrainingWorkers): Promise<TrainResult> {
  const run = startRun(opts)
  const { batches, state, params } = run
  const { model } = opts
  const { dtype } = model.config
  const size = params.reduce((n, p) => n + p.size, 0)
  const bytes = dtype === 'float64' ? 8 : 4
  const sharedParams = new SharedArrayBuffer(size * bytes)
  const sharedGrads = new SharedArrayBuffer(pool.count * size * bytes)
  const view = (buffer: SharedArrayBuffer, offset: number): FloatArray => (dtype === 'float64' ? new Float64Array(buffer, offset * 8, size) : new Float32Array(buffer, offset * 4, size))
  const paramView = view(sharedParams, 0)
  const slots = Array.from({ length: pool.count }, (_, k) => view(sharedGrads, k * size))
  const publish = () => {
    let offset = 0
    for (const p of params) {
      paramView.set(p.data as FloatArray, offset)
      offset += p.size
    }
  }
  const workers = Array.from({ length: pool.count }, (_, k) => k)
  const all = async <T>(ask: (k: number) => Promise<T>): Promise<T[]> => Promise.all(workers.map(ask))

  const { length, bptt, batchSize } = batches
  const rows = state.hidden?.h.shape[1]
  if (rows !== undefined && rows !== batchSize) throw new Error(`trainLanguageModel: resume.hidden holds ${rows} streams but batchSize is ${batchSize}`)
  publish()
  pool.start()
  await all((k) => {
    const [start, end] = shardRows(batchSize, pool.count, k)
    const streams = batches.streams.slice(start * length, end * length)
    return pool.request(k, { type: 'init', config: model.config, requiresGrad: params.map((p) => p.requiresGrad), params: sharedParams, grads: sharedGrads, index: k, streams, length, bptt, hidden: shardState(state.hidden, start, end), kernels: kernelSettings() })
  })
  const { dropout: outputDropout, recurrentDropout, inputDropout } = model.config
  const dropout = outputDropout > 0 || recurrentDropout > 0 || inputDropout > 0
  while (run.more()) {
    const reset = state.window % batches.windows === 0
    const tokens = batchSize * Math.min(bptt, length - 1 - (state.window % batches.windows) * bptt)
    // each worker's dropout masks from a seed drawn here, so the run repeats and a checkpoint's generator resumes it
    const base = dropout ? defaultGenerator.nextUint32() * 2 ** 20 : null
    const replies = await all((k) => pool.request(k, { type: 'step', window: state.window, reset, tokens, seed: base === null ? null : base + k }))
    let lossSum = 0
    for (const reply of replies) if (reply.type === 'stepped') lossSum += reply.lossSum
    const lossValue = lossSum / tokens
    run.checkLoss(lossValue)
    let offset = 0
    for (const p of params) {
      if (p.requiresGrad) {
        const grad = Tensor.zeros(p.shape, p.dtype)
        for (const slot of slots) accumulateInto(grad.data, slot.subarray(offset, offset + p.size))
        p.grad = grad
      } else p.grad = null // frozen, as backward leaves it in one thread
      offset += p.size
    }
    const more = run.finishStep(lossValue, tokens, null)
    publish()
    if (!more) break
  }
  const parts = await all(async (k) => {
    const reply = await pool.request(k, { type: 'state' })
    return reply.type === 'state' ? reply.hidden : null
  })
  state.hidden = joinStates(parts, batchSize, dtype)
  return { ...run.result(), threads: pool.count }
}
