// Where `seqgrad compare` trains its units: in this thread, one after another (--jobs 1), or in --jobs
// worker threads (compare-worker.js) fed from a queue, the longest units first so that the last to finish
// is a short one. Units are plain data and depend on nothing but themselves, so the results are the same
// numbers whichever thread runs them, in whatever order they finish; they come back in the order given.
import { existsSync, realpathSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { Task } from '../compare/task.js'
import { startUnit, type RunUnit, type UnitProgress, type UnitResult } from '../compare/unit.js'

/** What the main thread posts to a worker: one unit to train. */
export interface ToWorker {
  unit: RunUnit
  /** Progress events per unit (evenly spaced), of which the worker posts at most one per progressMs. */
  progressEvents: number
  progressMs: number
}

/** What a worker posts back. */
export type FromWorker = { type: 'progress'; id: number; event: UnitProgress } | { type: 'result'; result: UnitResult } | { type: 'failed'; id: number; message: string }

export interface UnitEvents {
  onProgress?(unit: RunUnit, event: UnitProgress): void
  onResult?(unit: RunUnit, result: UnitResult): void
}

export interface UnitScheduler {
  /** How many units train at once. */
  readonly jobs: number
  /** Trains `units`; the results come in the order of `units`. */
  run(units: readonly RunUnit[], events?: UnitEvents): Promise<UnitResult[]>
  /** Ends the workers (a run under way rejects with a StoppedError). */
  close(): Promise<void>
}

/** The run was stopped from outside (a signal): not a failure of the units. */
export class StoppedError extends Error {}

const PROGRESS_EVENTS = 50
const PROGRESS_MS = 100

const SLICE_MS = 250

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * --jobs 1: every unit in this thread, one after another, in slices of a quarter second with a turn of the
 * event loop between them, so that Ctrl-C (close) is seen within a slice. Slicing changes no number: a
 * unit's steps are the same whether they run in one go or one at a time.
 */
export function inProcessScheduler(task: Task): UnitScheduler {
  let closed = false
  return {
    jobs: 1,
    async run(units, events = {}) {
      const results: UnitResult[] = []
      for (const unit of units) {
        const onProgress = events.onProgress && ((e: UnitProgress) => events.onProgress?.(unit, e))
        const runner = startUnit(unit, { task, progressEvents: PROGRESS_EVENTS, ...(onProgress ? { onProgress } : {}) })
        while (!runner.done) {
          if (closed) throw new StoppedError('the run was stopped')
          const sliceEnd = performance.now() + SLICE_MS
          while (runner.step() && performance.now() < sliceEnd);
          await nextTurn() // here a signal or a closed pipe is seen
        }
        const result = runner.result()
        events.onResult?.(unit, result)
        results.push(result)
      }
      return results
    },
    async close() {
      closed = true
    },
  }
}

/** The worker script beside the running seqgrad command (dist/esm/cli/compare-worker.js). */
export function workerScript(): string {
  const path = join(dirname(realpathSync(process.argv[1])), 'compare-worker.js')
  if (!existsSync(path)) throw new Error(`cannot run the comparison in worker threads: ${path} is missing (rebuild with npm run build, or give --jobs 1)`)
  return path
}

const GATES = { rnn: 1, lstm: 4, gru: 3 } as const

/** A unit's cost, roughly: for ordering the queue only (longest first). */
const cost = (u: RunUnit) => u.steps * (1 + GATES[u.cell.kind]) * (u.settings.hidden + 16) ** 2 * u.settings.length

interface Slot {
  worker: Worker
  unit: RunUnit | null
}

/** --jobs N: up to N worker threads, started when first needed and kept for the next run. */
export class WorkerPool implements UnitScheduler {
  private readonly slots: Slot[] = []
  private closed = false
  private abort: ((error: Error) => void) | null = null

  constructor(
    readonly jobs: number,
    private readonly script: string,
    private readonly describe: (unit: RunUnit) => string,
  ) {}

  run(units: readonly RunUnit[], events: UnitEvents = {}): Promise<UnitResult[]> {
    if (this.closed) return Promise.reject(new StoppedError('the worker threads were stopped'))
    const queue = [...units].sort((a, b) => cost(b) - cost(a) || a.id - b.id)
    const results = new Map<number, UnitResult>()
    while (this.slots.length < Math.min(this.jobs, units.length)) {
      // A worker's error after the run has settled (another worker failed first) is already answered:
      // this listener keeps it from becoming an uncaught 'error' event that would replace the first message.
      const worker = new Worker(this.script).on('error', () => {})
      this.slots.push({ worker, unit: null })
    }
    const slots = this.slots.slice(0, Math.min(this.jobs, units.length))
    return new Promise<UnitResult[]>((resolve, reject) => {
      const detach: (() => void)[] = []
      let settled = false
      const settle = (error: Error | null) => {
        if (settled) return
        settled = true
        this.abort = null
        for (const off of detach) off()
        if (error !== null) reject(error)
        else resolve(units.map((u) => results.get(u.id) as UnitResult))
      }
      this.abort = (error) => settle(error)
      const feed = (slot: Slot) => {
        const unit = queue.shift()
        slot.unit = unit ?? null
        if (unit !== undefined) slot.worker.postMessage({ unit, progressEvents: PROGRESS_EVENTS, progressMs: PROGRESS_MS } satisfies ToWorker)
        else if (slots.every((s) => s.unit === null)) settle(null)
      }
      for (const slot of slots) {
        const crashed = (why: string) => settle(new Error(`a worker thread ${why}${slot.unit === null ? '' : ` while training ${this.describe(slot.unit)}`}`))
        const onMessage = (message: FromWorker) => {
          const unit = slot.unit
          if (unit === null || settled) return
          if (message.type === 'progress') events.onProgress?.(unit, message.event)
          else if (message.type === 'failed') settle(new Error(`${this.describe(unit)} failed: ${message.message}`))
          else {
            results.set(message.result.id, message.result)
            events.onResult?.(unit, message.result)
            feed(slot)
          }
        }
        const onError = (error: Error) => crashed(`failed (${error.message.split('\n')[0]})`)
        const onExit = (code: number) => crashed(`stopped unexpectedly (exit code ${code})`)
        const onMessageError = () => crashed('sent a message that could not be read')
        slot.worker.on('message', onMessage).on('error', onError).on('exit', onExit).on('messageerror', onMessageError)
        detach.push(() => slot.worker.off('message', onMessage).off('error', onError).off('exit', onExit).off('messageerror', onMessageError))
      }
      for (const slot of slots) feed(slot)
    })
  }

  async close(): Promise<void> {
    this.closed = true
    this.abort?.(new StoppedError('the worker threads were stopped'))
    const workers = this.slots.splice(0).map((s) => s.worker)
    await Promise.all(workers.map((w) => w.terminate()))
  }
}
