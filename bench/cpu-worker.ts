// The training worker of bench/parallel-cpu.ts: seqgrad's own (parallel-shard.ts), which also answers
// { type: 'cpu' } with the CPU time its thread has used (Linux: /proc/thread-self/stat), in ms.
import { parentPort } from 'node:worker_threads'
import { serveTrainingShard } from '../src/optim/parallel-shard.js'
import { threadCpuMs } from './thread-cpu.js'

const port = parentPort
if (port === null) throw new Error('cpu-worker.js runs as a worker thread')
const listeners: ((event: { data: unknown }) => void)[] = []
port.on('message', (data: { type: string }) => {
  if (data.type === 'cpu') port.postMessage({ type: 'state', hidden: null, cpuMs: threadCpuMs() })
  else for (const listener of listeners) listener({ data })
})
serveTrainingShard({ postMessage: (message) => port.postMessage(message), addEventListener: (_type, listener) => listeners.push(listener) })
