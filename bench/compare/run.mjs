// The comparison: `node run.mjs [--workloads a,b] [--contenders x,y] [--rounds N] [--steps N] [--out FILE] [--no-build]`.
// For each workload, runs rounds in which every contender takes a turn as a fresh child process
// (warm-ups, then a few timed steps), pools the samples across rounds and prints one table, with each
// row's time against PyTorch's (one thread) and TensorFlow.js's WebAssembly backend, then the targets.
// seqgrad runs as its built package (dist/esm) in each runtime: Node 20, Node 20 with relaxed SIMD,
// Deno, Bun, and Node with 2 workers where trainLanguageModel has that option.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { GEN_TOKENS, MATMUL, TRAIN, WINDOW, WORKLOAD_NAMES } from './cli.mjs'
import { SEQGRAD_PARALLEL, SEQGRAD_SINGLE, evaluateTargets } from './targets.mjs'

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = resolve(HERE, '../..')
const PYTHON = '/usr/bin/python3'
const BIN = (name) => join(ROOT, 'node_modules', '.bin', name)
const NODE = process.execPath

// Every row of the table: how to start it, and its name there. The runtimes are seqgrad's own
// devDependencies (npm ci in the root installs the deno and bun binaries, as test/runtimes uses them).
const CONTENDERS = {
  'seqgrad-node': { label: `seqgrad, Node ${process.versions.node.split('.')[0]}`, cmd: NODE, args: ['seqgrad.mjs'] },
  'seqgrad-node-rsimd': { label: `seqgrad, Node ${process.versions.node.split('.')[0]} + relaxed SIMD`, cmd: NODE, args: ['--experimental-wasm-relaxed-simd', 'seqgrad.mjs'] },
  'seqgrad-deno': { label: 'seqgrad, Deno', cmd: BIN('deno'), args: ['run', '--no-lock', '--allow-read', 'seqgrad.mjs'] },
  'seqgrad-bun': { label: 'seqgrad, Bun', cmd: BIN('bun'), args: ['run', 'seqgrad.mjs'] },
  [SEQGRAD_PARALLEL]: { label: `seqgrad, Node ${process.versions.node.split('.')[0]}, 2 workers`, cmd: NODE, args: ['seqgrad.mjs', '--workers', '2'] },
  'tfjs-wasm': { label: 'tfjs-wasm (1 thread)', cmd: NODE, args: ['tfjs.mjs', '--backend', 'wasm'] },
  'tfjs-cpu': { label: 'tfjs-cpu', cmd: NODE, args: ['tfjs.mjs', '--backend', 'cpu'] },
  pytorch: { label: 'PyTorch (1 thread)', cmd: PYTHON, args: ['torch_bench.py'] },
  'brain.js': { label: 'brain.js', cmd: NODE, args: ['brain.mjs'] },
}
const SEQGRAD_ROWS = [...SEQGRAD_SINGLE, SEQGRAD_PARALLEL]
const DEFAULT_WORKLOADS = ['W-LSTM-128', 'W-GRU-128', 'W-GEN']

// Children get one BLAS thread and quiet runtimes; Deno keeps its cache under results/ (git-ignored).
const CHILD_ENV = {
  ...process.env,
  OPENBLAS_NUM_THREADS: '1',
  OMP_NUM_THREADS: '1',
  NO_COLOR: '1',
  DO_NOT_TRACK: '1',
  DENO_NO_UPDATE_CHECK: '1',
  DENO_NO_PROMPT: '1',
  DENO_DIR: process.env.DENO_DIR ?? join(HERE, 'results', 'deno'),
}

// Per-round plans. A training step of tfjs-cpu takes seconds at H=128 and minutes at H=512, tfjs-wasm's
// about a second, so they get fewer warm-ups and steps there (the table prints every median's sample
// count). MM units take well under a second, so they get more steps per round.
const DEFAULT_WARMUP = 3
const SLOW = {
  'tfjs-cpu': {
    'W-LSTM-128': { warmup: 1, steps: 1, rounds: 2 },
    'W-GRU-128': { warmup: 1, steps: 1, rounds: 2 },
    'W-RNN-128': { warmup: 1, steps: 1, rounds: 2 },
    'W-LSTM-512': { warmup: 0, steps: 1, rounds: 1 },
    'W-GEN': { warmup: 1, steps: 2 },
  },
  'tfjs-wasm': {
    'W-LSTM-128': { warmup: 1, steps: 2 },
    'W-GRU-128': { warmup: 1, steps: 2 },
    'W-LSTM-512': { warmup: 1, steps: 1 },
  },
}
const MM_STEPS = 20

const { values: opts } = parseArgs({
  options: {
    workloads: { type: 'string', default: DEFAULT_WORKLOADS.join(',') },
    contenders: { type: 'string', default: Object.keys(CONTENDERS).join(',') },
    rounds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '4' },
    out: { type: 'string', default: join(HERE, 'results', 'latest.json') },
    'no-build': { type: 'boolean', default: false },
  },
})
const workloads = list(opts.workloads, WORKLOAD_NAMES, 'workload')
// 'seqgrad' stands for all of its rows.
const wanted = [...new Set(list(opts.contenders.replace(/\bseqgrad\b(?!-)/, SEQGRAD_ROWS.join(',')), Object.keys(CONTENDERS), 'contender'))]
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
function tail(text, lines = 8) {
  return String(text).trim().split('\n').slice(-lines).join('\n')
}

// ---------- availability: true, or why the row is empty ----------

const notes = []
const versions = {}
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
  const npmPackages = (...names) => names.every(resolves) || 'not installed (`npm ci` in bench/compare)'
  const seqgrad = SEQGRAD_ROWS.some((c) => wanted.includes(c)) ? buildSeqgrad() : true
  const available = {}
  for (const name of wanted) {
    if (name.startsWith('seqgrad-')) available[name] = seqgrad === true ? runtimeReady(name) : seqgrad
    else if (name === 'tfjs-cpu') available[name] = npmPackages('@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-cpu')
    else if (name === 'tfjs-wasm') available[name] = npmPackages('@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-wasm')
    else if (name === 'brain.js') available[name] = npmPackages('brain.js')
    else if (name === 'pytorch') available[name] = checkTorch()
  }
  return available
}

function buildSeqgrad() {
  if (!opts['no-build']) {
    if (!existsSync(join(ROOT, 'node_modules', 'typescript'))) return 'not installed (`npm ci` in the repository root)'
    console.error('building seqgrad (npm run build) ...')
    const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' })
    if (r.status !== 0) return `build failed: ${tail(r.stdout + r.stderr, 3)}`
  }
  return existsSync(join(ROOT, 'dist/esm/index.js')) || 'not built (dist/esm/index.js missing: `npm run build` in the repository root)'
}

/** The runtime answers --version (or, for Node's flag, accepts it). */
function runtimeReady(name) {
  const { cmd } = CONTENDERS[name]
  if (name === 'seqgrad-node-rsimd') {
    const r = spawnSync(NODE, ['--experimental-wasm-relaxed-simd', '-e', ''], { encoding: 'utf8' })
    return r.status === 0 || `not available: this Node refuses --experimental-wasm-relaxed-simd (${tail(r.stderr, 1)})`
  }
  if (cmd === NODE) return true
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8', env: CHILD_ENV })
  if (r.error || r.status !== 0) return `not installed (${cmd} missing: \`npm ci\` in the repository root installs it)`
  const first = r.stdout.trim().split('\n')[0]
  versions[name] = /^\d/.test(first) ? `${name.replace('seqgrad-', '')} ${first}` : first
  return true
}

let torchInfo = null
function checkTorch() {
  if (!existsSync(PYTHON)) return `not installed (${PYTHON} missing)`
  const r = spawnSync(PYTHON, ['torch_bench.py', '--info'], { cwd: HERE, encoding: 'utf8', env: CHILD_ENV })
  if (r.status !== 0) return `not installed (${PYTHON} has no usable torch: ${tail(r.stderr, 1)})`
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
  const { cmd, args } = CONTENDERS[contender]
  const argv = [...args, workload, '--warmup', String(warmup), '--steps', String(steps)]
  const r = spawnSync(cmd, argv, { cwd: HERE, env: CHILD_ENV, encoding: 'utf8', maxBuffer: 1 << 24, timeout: 20 * 60e3 })
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

// ---------- figures ----------

/** Tokens of one sample (1 for a matmul, so "per token" reads "per matmul"); `batch` overrides the workload's (brain.js trains at batch 1). */
function tokensPerSample(workload, batch) {
  if (workload in MATMUL) return 1
  if (workload === 'W-GEN') return GEN_TOKENS
  return WINDOW * (batch ?? TRAIN[workload].batch)
}

function median(values) {
  const s = values.slice().sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

function summarise(workload, entry) {
  const med = median(entry.samplesMs)
  return {
    median: med,
    min: Math.min(...entry.samplesMs),
    max: Math.max(...entry.samplesMs),
    timePerToken: med / tokensPerSample(workload, entry.batch),
    tokensPerSec: workload in MATMUL ? null : (tokensPerSample(workload, entry.batch) / med) * 1e3,
  }
}

/** Why a row has no median, as the table says it. */
function statusOf(entry) {
  if (entry.unavailable) return entry.unavailable.startsWith('not available') ? 'not available' : entry.unavailable.startsWith('not installed') ? 'not installed' : 'not run'
  if (entry.unsupported) return entry.unsupported.includes('not available') ? 'not available' : 'n/a'
  return entry.errors.length > 0 ? 'failed' : 'not run'
}

// ---------- main ----------

const started = Date.now()
const loadBefore = os.loadavg()
const available = checkContenders()
const contenders = wanted.filter((c) => available[c] === true)
for (const c of wanted) if (available[c] !== true) notes.push(`${CONTENDERS[c].label}: ${available[c]}.`)
// Read when the build is, since the tree can move during a long run.
const version = SEQGRAD_ROWS.some((c) => contenders.includes(c)) ? seqgradVersion() : null

const results = {}
for (const workload of workloads) {
  const byContender = Object.fromEntries(wanted.map((c) => [c, { samplesMs: [], warmup: [], errors: [], ...(available[c] === true ? {} : { unavailable: available[c] }) }]))
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
        for (const key of ['batch', 'runtime', 'fma', 'simd', 'threads']) if (out[key] !== undefined) entry[key] = out[key]
      }
      const status = out.unsupported ? out.unsupported : out.error ? `FAILED ${out.error}` : `${out.samplesMs.length} samples`
      console.error(`[${workload} round ${round + 1}/${rounds}] ${contender}: ${status} (${secs} s)`)
    }
  }
  for (const entry of Object.values(byContender)) {
    if (entry.samplesMs.length > 0) Object.assign(entry, summarise(workload, entry))
    else entry.status = statusOf(entry)
  }
  results[workload] = byContender
}

const fmt = (x, digits = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : Number(x.toPrecision(digits)).toLocaleString('en-US'))
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`
const label = (c) => CONTENDERS[c].label

function row(workload, contender) {
  const e = results[workload][contender]
  const name = e.batch === 1 && workload in TRAIN ? `${label(contender)} (batch 1)` : label(contender)
  if (!e.median) return [workload, name, '0', e.status, '–', '–', '–', '–']
  const warm = [...new Set(e.warmup)].join('/')
  const runs = e.warmup.length
  const n = `${e.samplesMs.length} (${plural(runs, 'run')}, ${warm} warm-up${warm === '1' ? '' : 's'})`
  const time = workload === 'W-GEN' ? `${fmt((e.median * 1e3) / GEN_TOKENS)} µs/token` : workload in MATMUL ? `${fmt(e.median)} ms/matmul` : `${fmt(e.median)} ms/step`
  const pytorch = results[workload].pytorch
  const wasm = results[workload]['tfjs-wasm']
  const vsTorch = pytorch?.timePerToken ? fmt(e.timePerToken / pytorch.timePerToken) : '–'
  const vsWasm = wasm?.timePerToken ? fmt(wasm.timePerToken / e.timePerToken) : '–'
  return [workload, name, n, time, `${fmt(e.min)}–${fmt(e.max)}`, fmt(e.tokensPerSec), vsTorch, vsWasm]
}

const header = ['workload', 'library, runtime', 'samples', 'median', 'min–max ms', 'tokens/s', 'time ÷ PyTorch (1 thread)', 'speed-up over tfjs-wasm']
const rows = workloads.flatMap((w) => wanted.map((c) => row(w, c)))
const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n')
const targetsInput = Object.fromEntries(workloads.map((w) => [w, results[w]]))
const targets = evaluateTargets(targetsInput, label, fmt)

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
    for (const [text, ws] of groups) out.push(`${c} on ${ws.join(', ')}: reduced to ${text}, because ${ws.includes('W-LSTM-512') && c === 'tfjs-cpu' ? 'one step takes minutes' : 'a unit takes a second or more'}.`)
  }
  return out
}

// Which seqgrad was measured: the work tree may hold changes not yet committed.
function seqgradVersion() {
  const git = (...args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? ''
  const sha = git('rev-parse', '--short', 'HEAD')
  if (!sha) return null
  return `${sha}${git('status', '--porcelain', '--', 'src') ? ' with uncommitted changes in src/' : ''}`
}

/** Which kernels each seqgrad runtime ran, from what its runner reported. */
function kernelNote() {
  const seen = new Map()
  for (const byC of Object.values(results)) {
    for (const c of SEQGRAD_ROWS) {
      const e = byC[c]
      if (e?.runtime && !seen.has(c)) seen.set(c, `${label(c)}: ${e.runtime}, ${e.simd ? 'SIMD' : 'no SIMD'}, ${e.fma ? 'relaxed SIMD\'s multiply-add kernels' : 'exact kernels'}`)
    }
  }
  return seen.size > 0 ? [`Kernels: ${[...seen.values()].join('; ')}.`] : []
}

const elapsed = (Date.now() - started) / 1e3
const footnotes = [
  'time ÷ PyTorch: the row\'s time per token (per matmul for MM) over PyTorch\'s on one thread; below 1 is faster than PyTorch. speed-up over tfjs-wasm: tfjs-wasm\'s time per token over the row\'s; above 1 is faster than tfjs-wasm.',
  'A run is one child process; samples are pooled over runs. W-GEN samples are ms per 1,000 tokens (so min–max reads as µs/token too). Training tokens = 64 × batch per step.',
  ...(contenders.includes('brain.js') ? ['brain.js trains one sequence at a time: its rows are batch 1 (64 tokens per step), compared per token.'] : []),
  ...(contenders.includes(SEQGRAD_PARALLEL) ? [`${label(SEQGRAD_PARALLEL)}: trainLanguageModel({ workers: 2 }) on the same model and window (a one-hot LanguageModel; in Node, on seqgrad/node's worker threads), each sample the time between two steps.`] : []),
  ...slowNotes(),
  ...kernelNote(),
  ...notes,
  ...[...new Set(wanted.flatMap((c) => workloads.map((w) => results[w][c]).filter((e) => e.unsupported?.includes('not available')).map((e) => `${label(c)}: ${e.unsupported.replace(/^.*not available: /, 'not available: ')}.`)))],
  `${plural(rounds, 'round')}, ${plural(stepsPerRound, 'timed step')} per run (MM: ${Math.max(MM_STEPS, stepsPerRound)}) after ${DEFAULT_WARMUP} warm-ups unless reduced above; contenders interleaved, one run each per round, the starting one rotating.`,
  ...(version ? [`seqgrad built from commit ${version}.`] : []),
  `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, load average ${loadBefore[0].toFixed(1)} before / ${os.loadavg()[0].toFixed(1)} after; Node ${process.version}${Object.values(versions).length ? `; ${Object.values(versions).join('; ')}` : ''}${torchInfo ? `; torch ${torchInfo.torch} (${torchInfo.threads} thread, BLAS ${torchInfo.blas.join(', ')})` : ''}.`,
  `Run time ${(elapsed / 60).toFixed(1)} min.`,
]
console.log(`${table}\n\n${footnotes.map((f) => `- ${f}`).join('\n')}\n\nTargets:\n${targets.map((t) => `- ${t}`).join('\n')}`)
for (const [workload, byContender] of Object.entries(results)) {
  for (const [contender, e] of Object.entries(byContender)) {
    for (const err of e.errors) console.error(`${workload} ${contender}: ${err}`)
  }
}

mkdirSync(dirname(resolve(opts.out)), { recursive: true })
const json = {
  date: new Date().toISOString(),
  options: { workloads, contenders: wanted, rounds, steps: stepsPerRound },
  seqgrad: version,
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, runtimes: versions, torch: torchInfo, loadBefore, loadAfter: os.loadavg() },
  runTimeS: elapsed,
  results,
  table,
  footnotes,
  targets,
}
writeFileSync(resolve(opts.out), JSON.stringify(json, null, 2) + '\n')
console.error(`wrote ${resolve(opts.out)}`)
