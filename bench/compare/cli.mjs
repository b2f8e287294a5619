// The command-line contract shared by every contender (seqgrad's bench/workload.ts follows it too):
//   <contender> <WORKLOAD> --warmup N --steps N
// prints exactly one JSON line {contender, workload, samplesMs} on stdout; everything else goes to stderr.
import { parseArgs } from 'node:util'

export const WORKLOAD_NAMES = ['W-LSTM-128', 'W-GRU-128', 'W-RNN-128', 'W-LSTM-512', 'W-GEN', 'MM-32x193x512', 'MM-512']

// The fixed shapes of the workloads, as the issue states them.
export const VOCAB = 65
export const WINDOW = 64
export const GEN_TOKENS = 1000
export const TRAIN = {
  'W-LSTM-128': { cell: 'lstm', hidden: 128, batch: 32 },
  'W-GRU-128': { cell: 'gru', hidden: 128, batch: 32 },
  'W-RNN-128': { cell: 'rnn', hidden: 128, batch: 32 },
  'W-LSTM-512': { cell: 'lstm', hidden: 512, batch: 64 },
}
export const MATMUL = {
  'MM-32x193x512': { m: 32, k: 193, n: 512 },
  'MM-512': { m: 512, k: 512, n: 512 },
}

// Tiny Shakespeare's 65 characters: the vocabulary a 65-way character LM is usually trained on.
export const CHARSET = "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/** `extra` declares a contender's own options (parseArgs style); their values come back as `options`. */
export function parseCli(contender, extra = {}) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { warmup: { type: 'string', default: '3' }, steps: { type: 'string', default: '10' }, ...extra },
  })
  const workload = positionals[0]
  const warmup = Number(values.warmup)
  const steps = Number(values.steps)
  if (positionals.length !== 1 || !WORKLOAD_NAMES.includes(workload) || !(warmup >= 0) || !(steps >= 1)) {
    const own = Object.keys(extra).map((name) => ` [--${name} ${extra[name].type === 'boolean' ? '' : 'X'}]`.replace(' ]', ']')).join('')
    console.error(`usage: ${contender} <${WORKLOAD_NAMES.join(' | ')}> [--warmup N] [--steps N]${own}`)
    process.exit(2)
  }
  // Libraries that log to stdout (tfjs's Node hint, for one) must not corrupt the JSON line.
  console.log = console.error
  return { workload, warmup: Math.floor(warmup), steps: Math.floor(steps), options: values }
}

/** Runs `warmup` untimed units, then returns the wall time in ms of each of `steps` timed units. */
export function timeUnits(unit, warmup, steps) {
  for (let i = 0; i < warmup; i++) unit()
  const samplesMs = []
  for (let i = 0; i < steps; i++) {
    const start = performance.now()
    unit()
    samplesMs.push(performance.now() - start)
  }
  return samplesMs
}

/** `extra` carries facts the orchestrator needs beyond the samples, e.g. {batch: 1} for brain.js. */
export function emit(contender, workload, samplesMs, extra = {}) {
  process.stdout.write(JSON.stringify({ contender, workload, samplesMs, ...extra }) + '\n')
}

/** Exit code 3 tells the orchestrator "this contender cannot run this workload" (printed as n/a). */
export function unsupported(contender, workload, why) {
  console.error(`${contender}: ${workload} not supported: ${why}`)
  process.exit(3)
}

/** Small seeded generator (mulberry32) so every run sees the same data. */
export function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
