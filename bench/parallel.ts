// W-LSTM-128 in this thread against the same step in N worker threads, alternating in one process:
// `npx tsc -p tsconfig.bench.json && node build/bench/parallel.js [--workers 2] [--rounds 5] [--steps 8]`
// (npm run bench runs it with the defaults).
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { runParallelBench } from '../src/bench/parallel.js'
import { nodeTrainingWorkers } from '../src/cli/train-workers.js'

const { values } = parseArgs({ options: { workers: { type: 'string', default: '2' }, rounds: { type: 'string', default: '5' }, steps: { type: 'string', default: '8' } } })
const count = (flag: string, text: string): number => {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) {
    console.error(`parallel: --${flag} must be a positive integer, got ${text}`)
    process.exit(2)
  }
  return n
}
const pool = nodeTrainingWorkers(count('workers', values.workers), fileURLToPath(new URL('../src/cli/train-worker.js', import.meta.url)))
try {
  await runParallelBench(pool, { rounds: count('rounds', values.rounds), steps: count('steps', values.steps) })
} finally {
  pool.close()
}
