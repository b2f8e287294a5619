// TrainingWorkers for Node: each a node:worker_threads Worker running train-worker.js (beside this file),
// seen through the part of the standard Worker interface that the trainer uses. A thread that exits or
// cannot load reports an error, so a run never waits on it.
import { existsSync, realpathSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { WorkerLike } from '../optim/parallel-protocol.js'
import { TrainingWorkers } from '../optim/training-workers.js'

type Listener = (event: { data?: unknown; message?: string; error?: unknown }) => void

/** Wraps a worker_threads Worker as a standard Worker: 'message' events with data, 'error' on a failure or an exit. */
export function asWorkerLike(worker: Worker): WorkerLike {
  const on = (type: 'message' | 'error', listener: Listener) => {
    if (type === 'message') worker.on('message', (data: unknown) => listener({ data }))
    else {
      worker.on('error', (error: Error) => listener({ message: error.message.split('\n')[0], error }))
      worker.on('messageerror', () => listener({ message: 'it sent a message that could not be read' }))
      worker.on('exit', (code: number) => listener({ message: `it stopped (exit code ${code})` }))
    }
  }
  return { postMessage: (message) => worker.postMessage(message), addEventListener: on as WorkerLike['addEventListener'], terminate: () => worker.terminate() }
}

/** `count` training threads running `script` (default: train-worker.js beside the running seqgrad command). */
export function nodeTrainingWorkers(count: number, script: string = join(dirname(realpathSync(process.argv[1])), 'train-worker.js')): TrainingWorkers {
  if (!existsSync(script)) throw new Error(`cannot train in worker threads: ${script} is missing (rebuild with npm run build, or give --jobs 1)`)
  // a worker's error after a run has failed is already answered: this keeps it from being an uncaught 'error' event
  return new TrainingWorkers(count, () => asWorkerLike(new Worker(script).on('error', () => {})))
}
