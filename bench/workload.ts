// One workload, for bench/compare: `node build/bench/workload.js W-LSTM-128 --warmup 3 --steps 10` prints
// one JSON line {contender, workload, samplesMs}. The other contenders print the same line.
import { parseArgs } from 'node:util'
import { WORKLOADS, timeWorkload } from '../src/bench/workloads.js'

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { warmup: { type: 'string', default: '3' }, steps: { type: 'string', default: '10' }, seed: { type: 'string', default: '0' } },
})
const name = positionals[0]
const workload = WORKLOADS[name]
if (positionals.length !== 1 || workload === undefined) {
  console.error(`usage: workload <${Object.keys(WORKLOADS).join(' | ')}> [--warmup N] [--steps N] [--seed N]; got ${positionals.join(' ') || 'no workload'}`)
  process.exit(2)
}
const count = (flag: string, text: string, min: number): number => {
  const n = Number(text)
  if (!Number.isInteger(n) || n < min) {
    console.error(`workload: --${flag} must be an integer ≥ ${min}, got ${text}`)
    process.exit(2)
  }
  return n
}
const samplesMs = timeWorkload(workload, {
  warmup: count('warmup', values.warmup, 0),
  steps: count('steps', values.steps, 1),
  seed: count('seed', values.seed, 0),
})
console.log(JSON.stringify({ contender: 'seqgrad', workload: name, samplesMs }))
