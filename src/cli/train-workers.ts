// TrainingWorkers for Node (the `seqgrad/node` entry): each a node:worker_threads Worker running
// cli/train-worker.js, seen through the part of the standard Worker interface that the trainer uses. A
// thread that exits or cannot load reports an error, so a run never waits on it.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { WorkerLike } from '../optim/parallel-protocol.js'
import { trainWorkerUrl } from '../optim/train-worker-url.js'
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
  return {
    postMessage: (message) => worker.postMessage(message),
    addEventListener: on as WorkerLike['addEventListener'],
    terminate: () => worker.terminate(),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
  }
}

/** The Node worker script in the package: dist/esm/cli/train-worker.js, beside the web one's folder (also from CommonJS). */
export const nodeTrainWorkerScript = (): string => fileURLToPath(new URL('../cli/train-worker.js', trainWorkerUrl()))

/** `count` training threads for trainLanguageModel({ workers }) in Node, running `script` (default: the package's). */
export function nodeTrainingWorkers(count: number, script: string = nodeTrainWorkerScript()): TrainingWorkers {
  if (!existsSync(script)) throw new Error(`cannot train in worker threads: ${script} is missing (rebuild with npm run build, or give --jobs 1)`)
  // a worker's error after a run has failed is already answered: this keeps it from being an uncaught 'error' event
  return new TrainingWorkers(count, () => asWorkerLike(new Worker(script).on('error', () => {})))
}
