// The worker threads of data-parallel training: started when first needed, kept for the next call, each
// answering one request at a time. A worker that fails (its script throws, it cannot load, it exits) turns
// its pending request, and every later one, into an error naming it, so training never waits on a dead
// thread; close() terminates them all. Where a thread can keep the process alive (Node), an idle one does
// not: it is ref'd only while a request waits on it, so a pool left open lets the program end.
import { describe } from '../validation/checks.js'
import type { FromWorker, ToWorker, WorkerFactory, WorkerLike } from './parallel-protocol.js'
import { trainWorkerUrl } from './train-worker-url.js'

interface Channel {
  worker: WorkerLike
  waiting: { resolve(message: FromWorker): void; reject(error: Error): void } | null
  failure: Error | null
}

type WorkerConstructor = new (url: URL, options: { type: 'module' }) => WorkerLike

/** The standard Worker (browsers, Deno, Bun) running seqgrad's worker script as a module. */
function standardWorkerFactory(): WorkerFactory | null {
  const Worker = (globalThis as { Worker?: WorkerConstructor }).Worker
  return Worker === undefined ? null : () => new Worker(trainWorkerUrl(), { type: 'module' })
}

/** Worker threads for `trainLanguageModel({ workers })`, reusable across calls until closed. */
export class TrainingWorkers {
  readonly count: number
  private readonly create: WorkerFactory | null
  private readonly channels: Channel[] = []
  private closed = false
  private busy = false

  /**
   * `count` workers made by `create` (each running seqgrad's train-worker script); without it, the standard
   * Worker global. Node has none: there, nodeTrainingWorkers (seqgrad/node) passes one on node:worker_threads.
   */
  constructor(count: number, create?: WorkerFactory) {
    if (!Number.isInteger(count) || count < 1) throw new Error(`TrainingWorkers: count must be a positive integer, got ${describe(count)}`)
    if (create !== undefined && typeof create !== 'function') throw new Error(`TrainingWorkers: create must be a function returning a Worker, got ${describe(create)}`)
    this.count = count
    this.create = create ?? standardWorkerFactory()
  }

  /** Why these workers cannot train here (then training runs in one thread), or null. */
  unavailable(): string | null {
    const scope = globalThis as { crossOriginIsolated?: boolean }
    if (typeof SharedArrayBuffer === 'undefined' || scope.crossOriginIsolated === false) {
      const page = scope.crossOriginIsolated === false ? ' (the page is not cross-origin isolated: serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)' : ''
      return `SharedArrayBuffer is not available${page}`
    }
    if (this.create === null) return "this runtime has no Worker (in Node, pass workers: nodeTrainingWorkers(count) from 'seqgrad/node')"
    return null
  }

  /** Whether close() was called (by the caller, or by a training run that failed). */
  get isClosed(): boolean {
    return this.closed
  }

  /** @internal Claims the workers for one training run (each answers one request at a time); release() frees them. */
  claim(): void {
    if (this.busy) throw new Error('trainLanguageModel: these TrainingWorkers are training another model; one run at a time')
    this.busy = true
  }

  /** @internal */
  release(): void {
    this.busy = false
  }

  /** @internal Starts the workers that are not running yet. */
  start(): void {
    if (this.closed) throw new Error('TrainingWorkers: closed')
    const create = this.create
    if (create === null) throw new Error(`TrainingWorkers: ${this.unavailable()}`)
    while (this.channels.length < this.count) {
      const index = this.channels.length
      const channel: Channel = { worker: create(index), waiting: null, failure: null }
      channel.worker.unref?.()
      channel.worker.addEventListener('message', ({ data }) => {
        const message = data as FromWorker
        const waiting = channel.waiting
        channel.waiting = null
        channel.worker.unref?.()
        if (message.type === 'failed') waiting?.reject(new Error(`training worker ${index}: ${message.message}`))
        else waiting?.resolve(message)
      })
      channel.worker.addEventListener('error', (event) => {
        // the failure is reported here, as the rejection of what waits on the worker: without this, Deno
        // also reports it as an uncaught error of the worker and ends the process after the caller's catch
        event.preventDefault?.()
        // a browser reports a script it could not load with an empty message
        const why = event.message || (event.error instanceof Error ? event.error.message : 'it stopped without a message (could its script, train-worker.js, be loaded?)')
        channel.failure = new Error(`training worker ${index} failed: ${why}`)
        channel.waiting?.reject(channel.failure)
        channel.waiting = null
        channel.worker.unref?.()
      })
      this.channels.push(channel)
    }
  }

  /** @internal Sends `message` to worker `index` and resolves with its answer. */
  request(index: number, message: ToWorker): Promise<FromWorker> {
    const channel = this.channels[index]
    if (this.closed || channel === undefined) return Promise.reject(new Error('TrainingWorkers: closed'))
    if (channel.failure !== null) return Promise.reject(channel.failure)
    return new Promise((resolve, reject) => {
      channel.waiting = { resolve, reject }
      channel.worker.ref?.() // a pending answer keeps the process alive
      channel.worker.postMessage(message)
    })
  }

  /** Terminates the workers; a request under way rejects. Training with them again is refused. */
  close(): void {
    if (this.closed) return
    this.closed = true
    for (const channel of this.channels.splice(0)) {
      channel.waiting?.reject(new Error('TrainingWorkers: closed'))
      void channel.worker.terminate()
    }
  }
}
