// The worker thread of `seqgrad train --jobs N`: one shard of data-parallel training (optim/parallel-shard.ts),
// served on node:worker_threads' parentPort in place of a web worker's `self`.
import { parentPort } from 'node:worker_threads'
import { serveTrainingShard } from '../optim/parallel-shard.js'

const port = parentPort
if (port === null) throw new Error('train-worker.js runs as a worker thread of seqgrad train')

serveTrainingShard({
  postMessage: (message) => port.postMessage(message),
  addEventListener: (_type, listener) => port.on('message', (data: unknown) => listener({ data })),
})
