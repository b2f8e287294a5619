// The comparison: `node run.mjs [--workloads a,b] [--contenders x,y] [--rounds N] [--steps N] [--out FILE] [--no-build]`.
// For each workload, runs rounds in which every contender takes a turn as a fresh child process
// (warm-ups, then a few timed steps), pools the samples across rounds and prints one table.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { GEN_TOKENS, MATMUL, TRAIN, VOCAB, WINDOW, WORKLOAD_NAMES } from './cli.mjs'

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = resolve(HERE, '../..')
const PYTHON = '/usr/bin/python3'

const CONTENDERS = {
  seqgrad: { cwd: ROOT, cmd: process.execPath, args: ['build/bench/workload.js'] },
  'tfjs-cpu': { cwd: HERE, cmd: process.execPath, args: ['tfjs.mjs'] },
  pytorch: { cwd: HERE, cmd: PYTHON, args: ['torch_bench.py'] },
  'brain.js': { cwd: HERE, cmd: process.execPath, args: ['brain.mjs'] },
}

// Per-round plans. A training step of tfjs takes seconds at H=128 and minutes at H=512, so it gets fewer
// warm-ups and steps there (the table prints every median's sample count). MM units take well under a
// second, so they get more steps per round.
const DEFAULT_WARMUP = 3
const SLOW = {
  'tfjs-cpu': {
    'W-LSTM-128': { warmup: 1, steps: 2 },
    'W-GRU-128': { warmup: 1, steps: 2 },
    'W-RNN-128': { warmup: 1, steps: 2 },
    'W-LSTM-512': { warmup: 0, steps: 1, rounds: 1 },
  },
}
const MM_STEPS = 20

const { values: opts } = parseArgs({
  options: {
    workloads: { type: 'string', default: WORKLOAD_NAMES.join(',') },
    contenders: { type: 'string', default: Object.keys(CONTENDERS).join(',') },
    rounds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '4' },
    out: { type: 'string', default: join(HERE, 'results', 'latest.json') },
    'no-build': { type: 'boolean', default: false },
  },
})
const workloads = list(opts.workloads, WORKLOAD_NAMES, 'workload')
const wanted = list(opts.contenders, Object.keys(CONTENDERS), 'contender')
const rounds = positive(opts.rounds, 'rounds')
const stepsPerRound = positive(opts.steps, 'steps')

function list(text, known, what) {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean)
  const bad = items.filter((s) => !known.includes(s))
  if (bad.length > 0 || items.length === 0) fail(`unknown ${what} ${bad.join(', ')}; known: ${known.join(', ')}`)
  return items
}
function positive(text, what) {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) fail(`--${what} must be a positive integer, got ${text}`)
  return n
}
function fail(message) {
  console.error(`run: ${message}`)
  process.exit(2)
}

// ---------- availability ----------

const notes = []
function checkContenders() {
  const require = createRequire(join(HERE, 'package.json'))
  const resolves = (name) => {
    try {
      require.resolve(name)
      return true
    } catch {
      return false
    }
  }
  const available = {}
  for (const name of wanted) {
    if (name === 'seqgrad') available[name] = buildSeqgrad()
    else if (name === 'tfjs-cpu') {
      const ok = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-cpu'].every(resolves)
      available[name] = ok || 'not installed: run `npm ci` in bench/compare'
    } else if (name === 'brain.js') available[name] = resolves('brain.js') || 'not installed: run `npm ci` in bench/compare'
    else if (name === 'pytorch') available[name] = checkTorch()
  }
  return available
}

function buildSeqgrad() {
  if (!existsSync(join(ROOT, 'node_modules', 'typescript'))) return 'the repository root needs `npm ci` first'
  if (!opts['no-build']) {
    console.error('building seqgrad bench (npx tsc -p tsconfig.bench.json) ...')
    const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.bench.json'], { cwd: ROOT, encoding: 'utf8' })
    // tsc still emits on type errors; only a missing output is fatal.
    if (r.status !== 0) console.error(`tsc exited ${r.status}:\n${tail(r.stdout + r.stderr)}`)
  }
  return existsSync(join(ROOT, 'build/bench/workload.js')) || 'build/bench/workload.js missing after the build'
}

let torchInfo = null
function checkTorch() {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`
  const r = spawnSync(PYTHON, ['torch_bench.py', '--info'], { cwd: HERE, encoding: 'utf8' })
  if (r.status !== 0) return `${PYTHON} has no usable torch: ${tail(r.stderr, 1)}`
  torchInfo = JSON.parse(r.stdout.trim().split('\n').pop())
  if (!torchInfo.blas.some((lib) => lib.includes('openblas'))) {
    notes.push(`PyTorch is not using OpenBLAS (loaded: ${torchInfo.blas.join(', ') || 'none'}); apt-get install -y libopenblas0-pthread`)
  }
  return true
}

// ---------- running ----------

function plan(contender, workload, round) {
  const slow = SLOW[contender]?.[workload]
  if (slow?.rounds !== undefined && round >= slow.rounds) return null
  if (slow) return { warmup: slow.warmup, steps: Math.min(slow.steps, stepsPerRound) }
  return { warmup: DEFAULT_WARMUP, steps: workload in MATMUL ? Math.max(MM_STEPS, stepsPerRound) : stepsPerRound }
}

function runOnce(contender, workload, { warmup, steps }) {
  const { cmd, args, cwd } = CONTENDERS[contender]
  const argv = [...args, workload, '--warmup', String(warmup), '--steps', String(steps)]
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8', maxBuffer: 1 << 24, timeout: 20 * 60e3 })
  if (r.status === 3) return { unsupported: tail(r.stderr, 1) }
  const line = (r.stdout ?? '').trim().split('\n').pop()
  try {
    const parsed = JSON.parse(line)
    if (r.status === 0 && parsed.workload === workload && Array.isArray(parsed.samplesMs)) return parsed
  } catch {
    // falls through to the error below
  }
  return { error: `exit ${r.status ?? r.signal}: ${tail(r.stderr || r.error?.message || '', 3)}` }
}

function tail(text, lines = 8) {
  return String(text).trim().split('\n').slice(-lines).join('\n')
}

// ---------- figures ----------

const GATES = { lstm: 4, gru: 3, rnn: 1 }

/** Tokens and FLOPs of one sample; `batch` overrides the workload's batch (brain.js trains at batch 1). */
function perSample(workload, batch) {
  if (workload in MATMUL) {
    const { m, k, n } = MATMUL[workload]
    return { tokens: 0, flops: 2 * m * k * n }
  }
  if (workload === 'W-GEN') {
    const H = 128
    return { tokens: GEN_TOKENS, flops: GEN_TOKENS * 2 * ((VOCAB + H) * 4 * H + H * VOCAB) }
  }
  const { cell, hidden: H, batch: B0 } = TRAIN[workload]
  const B = batch ?? B0
  return { tokens: WINDOW * B, flops: 3 * WINDOW * (2 * B * (VOCAB + H) * GATES[cell] * H + 2 * B * H * VOCAB) }
}

function median(values) {
  const s = values.slice().sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

function summarise(workload, entry) {
  const { samplesMs, batch } = entry
  const med = median(samplesMs)
  const { tokens, flops } = perSample(workload, batch)
  return {
    median: med,
    min: Math.min(...samplesMs),
    max: Math.max(...samplesMs),
    tokensPerSec: tokens > 0 ? tokens / (med / 1e3) : null,
    gflops: flops / (med / 1e3) / 1e9,
  }
}

// ---------- main ----------

const started = Date.now()
const loadBefore = os.loadavg()
const available = checkContenders()
const contenders = wanted.filter((c) => available[c] === true)
for (const c of wanted) if (available[c] !== true) notes.push(`${c} not run: ${available[c]}`)
if (contenders.length === 0) fail(`no contender available:\n${notes.join('\n')}`)
// Read when the build is, since the tree can move during a long run.
const version = contenders.includes('seqgrad') ? seqgradVersion() : null

const results = {}
for (const workload of workloads) {
  const byContender = Object.fromEntries(contenders.map((c) => [c, { samplesMs: [], warmup: [], errors: [] }]))
  for (let round = 0; round < rounds; round++) {
    // Rotating the starting contender keeps any drift in the machine's load from favouring one of them.
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length])
    for (const contender of order) {
      const entry = byContender[contender]
      const p = plan(contender, workload, round)
      if (p === null || entry.unsupported) continue
      const t0 = Date.now()
      const out = runOnce(contender, workload, p)
      const secs = ((Date.now() - t0) / 1e3).toFixed(1)
      if (out.unsupported) entry.unsupported = out.unsupported
      else if (out.error) entry.errors.push(out.error)
      else {
        entry.samplesMs.push(...out.samplesMs)
        entry.warmup.push(p.warmup)
        if (out.batch !== undefined) entry.batch = out.batch
      }
      const status = out.unsupported ? 'n/a' : out.error ? `FAILED ${out.error}` : `${out.samplesMs.length} samples`
      console.error(`[${workload} round ${round + 1}/${rounds}] ${contender}: ${status} (${secs} s)`)
    }
  }
  for (const entry of Object.values(byContender)) if (entry.samplesMs.length > 0) Object.assign(entry, summarise(workload, entry))
  results[workload] = byContender
}

// Throughput ratio: seqgrad's tokens/s (GFLOP/s for MM) over the contender's; > 1 means seqgrad is faster.
function speedup(workload, entry) {
  const base = results[workload].seqgrad
  if (!base?.median || !entry.median) return null
  if (workload in MATMUL) return base.gflops / entry.gflops
  return base.tokensPerSec / entry.tokensPerSec
}

const fmt = (x, digits = 3) => (x === null || x === undefined ? '–' : Number(x.toPrecision(digits)).toLocaleString('en-US'))
const rows = []
for (const workload of workloads) {
  for (const contender of contenders) {
    const e = results[workload][contender]
    const name = e.batch === 1 && workload in TRAIN ? `${contender} (batch 1)` : contender
    if (!e.median) {
      const why = e.unsupported ? 'n/a' : e.errors.length ? 'failed' : 'not run'
      rows.push([workload, name, '0', why, '–', '–', '–', '–'])
      continue
    }
    const warm = [...new Set(e.warmup)].join('/')
    const runs = e.warmup.length
    const n = `${e.samplesMs.length} (${runs === 1 ? '1 run' : `${runs} runs`}, ${warm} warm-up${warm === '1' ? '' : 's'}${runs === 1 ? '' : ' each'})`
    const time = workload === 'W-GEN' ? `${fmt((e.median * 1e3) / GEN_TOKENS)} µs/token` : workload in MATMUL ? `${fmt(e.median)} ms/matmul` : `${fmt(e.median)} ms/step`
    const range = `${fmt(e.min)}–${fmt(e.max)}`
    const ratio = contender === 'seqgrad' ? '1' : fmt(speedup(workload, e))
    rows.push([workload, name, n, time, range, fmt(e.tokensPerSec), fmt(e.gflops), ratio])
  }
}
const header = ['workload', 'contender', 'samples', 'median', 'min–max ms', 'tokens/s', 'GFLOP/s', 'seqgrad speed ÷ contender']
const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n')

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`

// One note per distinct reduced plan, naming the workloads it applies to.
function slowNotes() {
  const out = []
  for (const [c, byW] of Object.entries(SLOW)) {
    if (!contenders.includes(c)) continue
    const groups = new Map()
    for (const [w, p] of Object.entries(byW)) {
      if (!workloads.includes(w)) continue
      const n = Math.min(p.steps, stepsPerRound)
      const text = `${plural(p.warmup, 'warm-up')} and ${plural(n, 'timed step')} per run${p.rounds ? `, first ${p.rounds === 1 ? 'round' : `${p.rounds} rounds`} only` : ''}`
      groups.set(text, [...(groups.get(text) ?? []), w])
    }
    for (const [text, ws] of groups) out.push(`${c} on ${ws.join(', ')}: reduced to ${text}, because one step takes ${ws.includes('W-LSTM-512') ? 'minutes' : 'seconds'}.`)
  }
  return out
}

// Which seqgrad was measured: the work tree may hold changes not yet committed.
function seqgradVersion() {
  const git = (...args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? ''
  const sha = git('rev-parse', '--short', 'HEAD')
  if (!sha) return null
  return `${sha}${git('status', '--porcelain', '--', 'src', 'bench') ? ' with uncommitted changes in src/ or bench/' : ''}`
}

const elapsed = (Date.now() - started) / 1e3
const footnotes = [
  'seqgrad speed ÷ contender: seqgrad tokens/s over the contender\'s (GFLOP/s for MM); above 1 seqgrad is faster.',
  'Training tokens = 64 × batch per step; GFLOP/s counts 3·T·[2·B·(V+H)·G·H + 2·B·H·V] per step (G = 4/3/1), 2mkn per matmul, 2·[(V+H)·4H + H·V] per generated token.',
  'A run is one child process; samples are pooled over runs. W-GEN samples are ms per 1,000 tokens (so min–max reads as µs/token too).',
  ...(contenders.includes('brain.js') ? ['brain.js trains one sequence at a time: its rows are batch 1 (64 tokens per step), compared on tokens/s.'] : []),
  ...slowNotes(),
  ...notes,
  `${plural(rounds, 'round')}, ${plural(stepsPerRound, 'timed step')} per run (MM: ${Math.max(MM_STEPS, stepsPerRound)}) after ${DEFAULT_WARMUP} warm-ups unless reduced above; contenders interleaved, one run each per round.`,
  ...(version ? [`seqgrad built from commit ${version}.`] : []),
  `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, load average ${loadBefore[0].toFixed(1)} before / ${os.loadavg()[0].toFixed(1)} after; Node ${process.version}${torchInfo ? `; torch ${torchInfo.torch} (${torchInfo.threads} thread, BLAS ${torchInfo.blas.join(', ')})` : ''}.`,
  `Run time ${(elapsed / 60).toFixed(1)} min.`,
]
console.log(`${table}\n\n${footnotes.map((f) => `- ${f}`).join('\n')}`)
for (const [workload, byContender] of Object.entries(results)) {
  for (const [contender, e] of Object.entries(byContender)) {
    for (const err of e.errors) console.error(`${workload} ${contender}: ${err}`)
  }
}

mkdirSync(dirname(resolve(opts.out)), { recursive: true })
const json = {
  date: new Date().toISOString(),
  options: { workloads, contenders, rounds, steps: stepsPerRound },
  seqgrad: version,
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, torch: torchInfo, loadBefore, loadAfter: os.loadavg() },
  runTimeS: elapsed,
  results: Object.fromEntries(
    Object.entries(results).map(([w, byC]) => [w, Object.fromEntries(Object.entries(byC).map(([c, e]) => [c, { ...e, speedup: c === 'seqgrad' ? 1 : speedup(w, e) }]))]),
  ),
  table,
  footnotes,
}
writeFileSync(resolve(opts.out), JSON.stringify(json, null, 2) + '\n')
console.error(`wrote ${resolve(opts.out)}`)
