// bench/compare's own logic, without timing anything: the seqgrad runner's detection of
// trainLanguageModel's `workers` option, the rows of runtimes and libraries that are not installed, and
// the targets read as met or missed. The runner runs against a stand-in for dist/esm, so these tests
// hold whether or not the real build has data-parallel training.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const compareDir = join(__dirname, '..', '..', 'bench', 'compare')
let scratch = ''

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'seqgrad-bench-compare-'))
})
afterAll(() => {
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true })
})

/**
 * A stand-in for dist/esm/index.js: the names seqgrad.mjs imports, with a trainLanguageModel that
 * ignores `workers`, checks it, or checks it and returns a promise; each "step" takes 2 ms, except in
 * 'burst', whose onStep calls all come at the end; 'falls-back' trains in one thread and says why, as
 * where no Worker can start. It prints the options it trained with; `workers` given as a pool of Node
 * threads (nodeTrainingWorkers below) prints as 'pool of N'.
 */
type Trainer = 'ignores' | 'checks' | 'checks-async' | 'burst' | 'falls-back'

function standIn(trainer: Trainer): string {
  const check = "if (typeof opts.workers === 'number' && !(Number.isInteger(opts.workers) && opts.workers >= 1)) throw new Error('trainLanguageModel: workers must be a positive integer or a pool, got ' + opts.workers)"
  const train = [
    trainer === 'ignores' ? '' : check,
    'if (opts.steps === 0) return { history: [] }',
    "console.error('trained ' + JSON.stringify({ workers: typeof opts.workers === 'object' ? 'pool of ' + opts.workers.count : opts.workers, batchSize: opts.batchSize, bptt: opts.bptt, steps: opts.steps, clipNorm: opts.clipNorm, tokens: opts.train.length }))",
    trainer === 'burst'
      ? 'for (let s = 0; s < opts.steps; s++) opts.onStep?.({ step: s + 1 })'
      : 'for (let s = 0; s < opts.steps; s++) { const until = performance.now() + 2; while (performance.now() < until); opts.onStep?.({ step: s + 1 }) }',
    trainer === 'falls-back'
      ? "return { history: [], threads: 1, notice: 'this runtime has no Worker; training ran in one thread' }"
      : "return { history: [], threads: typeof opts.workers === 'object' ? opts.workers.count : opts.workers }",
  ].join('\n')
  return `
class Params { constructor() { this.data = new Float32Array(65 * 65) } }
export class LanguageModel { constructor() { this.embedding = { weight: new Params() } } parameters() { return [] } }
export class Adam { constructor() {} }
export class Generator { constructor() { this.n = 0 } randint(k) { return this.n++ % k } fillUniform() {} }
export class Tensor { static zeros() { return { data: new Float32Array(1 << 20) } } }
export class LSTM {} export class GRU {} export class RNN {} export class Linear {}
export const clipGradNorm = () => 0, crossEntropy = () => 0, matmul = () => 0, manualSeed = () => {}
export const noGrad = (fn) => fn(), hasSimd = () => true, hasFma = () => false
export ${trainer === 'checks-async' ? 'async ' : ''}function trainLanguageModel(opts) {
${train}
}
`
}

/** Node's threads as the package's seqgrad/node entry makes them: here a pool that says when it is closed. */
const nodeEntry = "export function nodeTrainingWorkers(count) { return { count, close: () => console.error('pool closed') } }\n"

/**
 * A copy of bench/compare beside a stand-in dist/, as the repository lays them out; with `nodeThreads`,
 * a package.json whose exports name a seqgrad/node entry.
 */
function project(name: string, trainer: Trainer, nodeThreads = false): string {
  const root = join(scratch, name)
  mkdirSync(join(root, 'bench', 'compare'), { recursive: true })
  mkdirSync(join(root, 'dist', 'esm', 'cli'), { recursive: true })
  for (const file of ['seqgrad.mjs', 'cli.mjs', 'run.mjs', 'targets.mjs', 'package.json']) copyFileSync(join(compareDir, file), join(root, 'bench', 'compare', file))
  writeFileSync(join(root, 'dist', 'esm', 'index.js'), standIn(trainer))
  if (nodeThreads) {
    writeFileSync(join(root, 'dist', 'esm', 'cli', 'train-workers.js'), nodeEntry)
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'seqgrad', type: 'module', exports: { './node': { import: { default: './dist/esm/cli/train-workers.js' } } } }))
  }
  return join(root, 'bench', 'compare')
}

function node(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 60_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('seqgrad.mjs --workers', () => {
  test('a build whose trainLanguageModel ignores workers: exit 3, "not available", nothing trained', () => {
    const r = node(project('ignores', 'ignores'), 'seqgrad.mjs', 'W-LSTM-128', '--workers', '2', '--warmup', '1', '--steps', '2')
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 3, stdout: '' })
    expect(r.stderr).toContain('not available: trainLanguageModel has no workers option in this build')
    expect(r.stderr).not.toContain('trained')
  })

  test.each(['checks', 'checks-async'] as const)('a build that reads workers (%s): the workload\'s step through trainLanguageModel, one sample per timed step', (trainer) => {
    const r = node(project(trainer, trainer), 'seqgrad.mjs', 'W-LSTM-128', '--workers', '2', '--warmup', '1', '--steps', '3')
    expect(r.status).toBe(0)
    const trained = JSON.parse(r.stderr.split('\n').find((l) => l.startsWith('trained '))!.slice('trained '.length)) as Record<string, number>
    // 1 warm-up + 3 timed steps over windows of 64 on 32 streams, clipped at 5, and a window to spare
    expect(trained).toEqual({ workers: 2, batchSize: 32, bptt: 64, steps: 4, clipNorm: 5, tokens: 32 * (5 * 64 + 1) })
    const line = JSON.parse(r.stdout.trim()) as { contender: string; workload: string; samplesMs: number[]; workers: number }
    expect({ contender: line.contender, workload: line.workload, workers: line.workers, samples: line.samplesMs.length }).toEqual({ contender: 'seqgrad', workload: 'W-LSTM-128', workers: 2, samples: 3 })
    expect(Math.min(...line.samplesMs)).toBeGreaterThanOrEqual(2)
  })

  test('in Node, the workers are the threads of the package\'s seqgrad/node entry, closed after the run', () => {
    const r = node(project('node-threads', 'checks', true), 'seqgrad.mjs', 'W-LSTM-128', '--workers', '2', '--warmup', '1', '--steps', '2')
    expect(r.status).toBe(0)
    expect(r.stderr).toContain('"workers":"pool of 2"')
    expect(r.stderr).toContain('pool closed')
    expect((JSON.parse(r.stdout.trim()) as { samplesMs: number[] }).samplesMs).toHaveLength(2)
  })

  test('training that ran in one thread instead of the workers is "not available", with the reason', () => {
    const r = node(project('falls-back', 'falls-back'), 'seqgrad.mjs', 'W-LSTM-128', '--workers', '2', '--warmup', '1', '--steps', '2')
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 3, stdout: '' })
    expect(r.stderr).toContain('not available: this runtime has no Worker; training ran in one thread')
  })

  test('onStep calls that come in a burst after training are refused, not timed as steps of no time', () => {
    const r = node(project('burst', 'burst'), 'seqgrad.mjs', 'W-LSTM-128', '--workers', '2', '--warmup', '1', '--steps', '3')
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 1, stdout: '' })
    expect(r.stderr).toContain("trainLanguageModel's onStep calls came")
  })

  test('generation has no workers: exit 3 saying so', () => {
    const r = node(project('gen', 'checks'), 'seqgrad.mjs', 'W-GEN', '--workers', '2')
    expect(r.status).toBe(3)
    expect(r.stderr).toContain('--workers applies to the training workloads')
  })

  test('--workers 0 is a usage error', () => {
    const r = node(project('zero', 'checks'), 'seqgrad.mjs', 'W-LSTM-128', '--workers', '0')
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('--workers must be a positive integer, got 0')
  })
})

test('run.mjs: a runtime or library that is missing is a row saying so, and the run goes on', () => {
  // No node_modules beside the copy: no Deno, no Bun, no TensorFlow.js, no brain.js.
  const dir = project('missing', 'ignores')
  const r = node(dir, 'run.mjs', '--no-build', '--rounds', '1', '--steps', '1', '--workloads', 'W-LSTM-128', '--contenders', 'seqgrad-deno,seqgrad-bun,seqgrad-2-workers,tfjs-wasm,brain.js', '--out', join(dir, 'r.json'))
  expect(r.status).toBe(0)
  const rows = r.stdout.split('\n').filter((l) => l.startsWith('| W-LSTM-128 |')).map((l) => l.split(' | ').slice(1, 4).join(' | '))
  expect(rows).toEqual([
    'seqgrad, Deno | 0 | not installed',
    'seqgrad, Bun | 0 | not installed',
    'seqgrad, Node 20, 2 workers | 0 | not available',
    'tfjs-wasm (1 thread) | 0 | not installed',
    'brain.js | 0 | not installed',
  ].map((row) => row.replace('Node 20', `Node ${process.versions.node.split('.')[0]}`)))
  expect(r.stdout).toContain('not available: trainLanguageModel has no workers option in this build.')
  expect(r.stdout).toMatch(/W-LSTM-128 with 2 workers: at or below PyTorch's 1-thread time: seqgrad, Node \d+, 2 workers not available/)
})

describe('targets.mjs', () => {
  /** evaluateTargets on the given rows, in a child (the module is ESM). */
  function evaluate(results: Record<string, Record<string, Record<string, unknown>>>): string[] {
    const url = pathToFileURL(join(compareDir, 'targets.mjs')).href
    const code = `import { evaluateTargets } from '${url}'\nconsole.log(JSON.stringify(evaluateTargets(${JSON.stringify(results)}, (r) => r, (x) => String(Math.round(x * 100) / 100))))`
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    return JSON.parse(r.stdout) as string[]
  }

  test('each target met or missed with its figure, on the rows it applies to', () => {
    const lines = evaluate({
      'W-LSTM-128': {
        pytorch: { timePerToken: 1 },
        'tfjs-wasm': { timePerToken: 25 },
        'seqgrad-node': { timePerToken: 2.5, fma: false },
        'seqgrad-node-rsimd': { timePerToken: 1.4, fma: true },
        'seqgrad-deno': { timePerToken: 1.6, fma: true },
        'seqgrad-bun': { status: 'not installed' },
        'seqgrad-2-workers': { status: 'not available' },
      },
      'W-GEN': { pytorch: { timePerToken: 10 }, 'seqgrad-node': { timePerToken: 5 }, 'seqgrad-deno': { timePerToken: 5.1 } },
    })
    expect(lines).toEqual([
      "W-LSTM-128 on Node 20, one thread: at most 2× PyTorch-OpenBLAS-1-thread's time: seqgrad-node missed: 2.5× PyTorch's time",
      "W-LSTM-128 where relaxed SIMD is on, one thread: at most 1.5× PyTorch's time: seqgrad-node-rsimd met: 1.4× PyTorch's time; seqgrad-deno missed: 1.6× PyTorch's time",
      "W-LSTM-128 with 2 workers: at or below PyTorch's 1-thread time: seqgrad-2-workers not available",
      'W-LSTM-128 on one thread: at least 10× faster than tfjs-wasm (one thread): seqgrad-node met: 10× faster; seqgrad-node-rsimd met: 17.86× faster; seqgrad-deno met: 15.63× faster; seqgrad-bun not installed',
      'W-LSTM-128 with both cores: at least 20× faster than tfjs-wasm (one thread): seqgrad-2-workers not available',
      "W-GEN: at or below half of PyTorch's latency: seqgrad-node met: 0.5× PyTorch's time; seqgrad-node-rsimd not in this run; seqgrad-deno missed: 0.51× PyTorch's time; seqgrad-bun not in this run",
    ])
  })

  test('without PyTorch or the workload, a target is not measured, never met', () => {
    const lines = evaluate({ 'W-GEN': { pytorch: { status: 'not installed' }, 'seqgrad-node': { timePerToken: 1 } } })
    expect(lines[0]).toBe('W-LSTM-128 on Node 20, one thread: at most 2× PyTorch-OpenBLAS-1-thread\'s time: not measured (W-LSTM-128 not in this run)')
    expect(lines[5]).toMatch(/^W-GEN: at or below half of PyTorch's latency: seqgrad-node not comparable \(pytorch not installed\); /)
    expect(lines.join('\n')).not.toContain(' met')
  })
})
