// The runtime matrix: the conformance scenario (conformance.mjs: train a small LSTM from a seed, generate,
// round-trip safetensors) run on the built package in Node, Deno, Bun and workerd, each binary installed
// by `npm ci` from the lock file (exact-pinned devDependencies), and Node 20 again with relaxed SIMD
// (--experimental-wasm-relaxed-simd). Every runtime must take the fastest kernel path it allows: the kernels
// seqgrad compiles, with relaxed SIMD's multiply-add exactly where the runtime validates it (Deno, Bun,
// Node with the flag), else the precompiled dist/seqgrad-kernels.wasm (workerd), which holds the exact
// kernels. And it must give Node's numbers (test/runtimes/compare.cjs): bit for bit where both ran the exact
// SIMD kernels, whether compiled by seqgrad or handed over precompiled; to float32 rounding where one ran
// the multiply-add (fused or not, as the engine chooses) or the scalar fallback. Chromium runs the same
// scenario in the browser test (npm run test:browser).
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

interface Result {
  runtime: string
  kernels: 'emitted' | 'precompiled' | 'none'
  simd: boolean
  fma: boolean
  relaxedSimd: boolean
  losses: number[]
  generated: number[]
  text: string
  simdBeforeModule?: boolean
  kernelFile?: string
  emittedKernels?: string
}
const { compareWithNode, kernelPathProblems } = require('./compare.cjs') as {
  compareWithNode: (node: Result, other: Result) => string[]
  kernelPathProblems: (result: Result) => string[]
}

const root = join(__dirname, '..', '..')
const bin = (name: string) => join(root, 'node_modules', '.bin', name)
const version = (pkg: string) => (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version

/** Runs a command to its end; resolves with what it printed, rejects with its output if it failed. */
function run(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<{ stdout: string; ms: number }> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, NO_COLOR: '1', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve({ stdout, ms: Date.now() - started })
      else reject(new Error(`${command} ${args.join(' ')} exited with code ${code}\nstdout:\n${stdout}\nstderr:\n${stderr}`))
    })
  })
}

/** The one JSON line a runner prints. */
function resultOf(stdout: string, what: string): Result {
  const line = stdout.split('\n').find((l) => l.startsWith('{"runtime"'))
  if (line === undefined) throw new Error(`${what} printed no result line:\n${stdout}`)
  return JSON.parse(line) as Result
}

let scratch = ''
const results = new Map<string, Result>()
const timings: string[] = []
let readmeWorker = ''

beforeAll(async () => {
  for (const file of ['dist/esm/index.js', 'dist/esm/internals.js', 'dist/seqgrad-kernels.wasm']) {
    if (!existsSync(join(root, file))) throw new Error(`${file} is missing: run \`npm run build\` (npm ci runs it)`)
  }
  for (const name of ['deno', 'bun', 'workerd', 'esbuild']) {
    if (!existsSync(bin(name))) throw new Error(`node_modules/.bin/${name} is missing: ${name} is an exact-pinned devDependency of seqgrad, and \`npm ci\` installs it (its binary comes inside the npm package)`)
  }
  scratch = mkdtempSync(join(tmpdir(), 'seqgrad-runtimes-'))
  const runner = join(__dirname, 'run.mjs')
  // Worker projects, as a user of seqgrad writes one: the package in node_modules, a wrangler.json naming
  // the entry, which workerd bundles with esbuild as wrangler does, importing .wasm files as modules. Each
  // in a directory of its own (workerd keeps its bundle there), each serving on a port of its own choosing.
  const workerProject = (name: string, files: Record<string, string>, config: Record<string, unknown>) => {
    const dir = join(scratch, name)
    mkdirSync(join(dir, 'node_modules'), { recursive: true })
    symlinkSync(root, join(dir, 'node_modules', 'seqgrad'), 'dir')
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text)
    writeFileSync(join(dir, 'wrangler.json'), JSON.stringify({ compatibility_date: '2026-11-01', ...config }))
    return run(bin('workerd'), ['test', '--socket-addr', 'http=127.0.0.1:0', 'wrangler.json'], { cwd: dir, env: { WORKERD_ESBUILD: bin('esbuild') } })
  }
  const source = (file: string) => readFileSync(join(__dirname, file), 'utf8')
  // the README's Worker as written, its fetch handler called by a test handler
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const example = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).find((code) => code.includes("from 'seqgrad/kernels.wasm'"))
  if (example === undefined) throw new Error('the README has no Worker example importing seqgrad/kernels.wasm')
  const readmeTest = "import worker from './example.mjs'\nexport default { async test() { console.log(await (await worker.fetch(new Request('http://example/'))).text()) } }\n"
  const readmeRun = workerProject('readme-worker', { 'example.mjs': example, 'test.mjs': readmeTest }, { main: 'test.mjs' })

  const denoEnv = { DENO_DIR: join(scratch, 'deno'), DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' }
  const deno = (kernels: string) => run(bin('deno'), ['run', '--no-lock', '--allow-read', runner, kernels], { cwd: scratch, env: denoEnv })
  const bun = (kernels: string) => run(bin('bun'), ['run', runner, kernels], { cwd: scratch, env: { DO_NOT_TRACK: '1' } })
  const node = (kernels: string, ...flags: string[]) => run(process.execPath, [...flags, runner, kernels], { cwd: scratch })
  const runs: [string, Promise<{ stdout: string; ms: number }>][] = [
    ['node', node('emitted')],
    ['node precompiled', node('precompiled')],
    ['node without WebAssembly', node('none')],
    ['node relaxed-simd', node('emitted', '--experimental-wasm-relaxed-simd')],
    ['deno', deno('emitted')],
    ['deno precompiled', deno('precompiled')],
    ['bun', bun('emitted')],
    ['bun precompiled', bun('precompiled')],
    [
      'workerd',
      workerProject('conformance-worker', { 'worker.mjs': source('workerd/worker.mjs'), 'conformance.mjs': source('conformance.mjs') }, { main: 'worker.mjs', vars: { RUNTIME: `workerd ${version('workerd')}` } }),
    ],
  ]
  // all at once, and all awaited together, so that one failing leaves no other unobserved
  const [outputs, readmeOutput] = await Promise.all([Promise.all(runs.map(([, done]) => done)), readmeRun])
  runs.forEach(([label], i) => {
    results.set(label, resultOf(outputs[i].stdout, label))
    const { fma, kernels } = results.get(label)!
    timings.push(`${label} ${outputs[i].ms} ms (${kernels}${fma ? ', FMA' : ''})`)
  })
  readmeWorker = readmeOutput.stdout.trim()
  console.log(`runtime matrix: ${timings.join(', ')}`)
}, 180_000)

afterAll(() => {
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true })
})

const result = (label: string): Result => {
  const found = results.get(label)
  if (found === undefined) throw new Error(`no result from ${label}: see the error of beforeAll`)
  return found
}

test('Node, on the kernels seqgrad compiles at load time, is the reference: SIMD, a sane run, and the shipped .wasm is what it emits', () => {
  const node = result('node')
  expect(node.runtime).toBe(`node ${process.versions.node}`)
  expect(kernelPathProblems(node)).toEqual([])
  expect(compareWithNode(node, node)).toEqual([])
  expect(node.kernelFile).toBe(node.emittedKernels)
})

test.each([['deno', 'deno'], ['bun', 'bun'], ['workerd', 'workerd'], ['node relaxed-simd', 'node']])('%s takes the fastest kernel path it allows and gives Node\'s numbers: bit for bit on the exact kernels, to float32 rounding with FMA', (label, runtime) => {
  const other = result(label)
  expect(other.runtime.split(' ')[0]).toBe(runtime)
  expect(kernelPathProblems(other)).toEqual([])
  expect(compareWithNode(result('node'), other)).toEqual([])
})

test('the kernels seqgrad compiles use relaxed SIMD\'s multiply-add where the runtime has relaxed SIMD: Deno, Bun, Node 20 with the flag (Node ≥ 22 without); the precompiled file never does', () => {
  const relaxedByDefault = Number(process.versions.node.split('.')[0]) >= 22
  const paths = Object.fromEntries([...results].map(([label, { fma, relaxedSimd }]) => [label, { fma, relaxedSimd }]))
  const path = (fma: boolean, relaxedSimd = fma) => ({ fma, relaxedSimd })
  expect(paths).toEqual({
    node: path(relaxedByDefault),
    'node precompiled': path(false, relaxedByDefault),
    'node without WebAssembly': path(false),
    'node relaxed-simd': path(true),
    deno: path(true),
    'deno precompiled': path(false, true),
    bun: path(true),
    'bun precompiled': path(false, true),
    workerd: path(false, true),
  })
})

test('workerd refuses to compile WebAssembly at run time: the SIMD path runs there only through the precompiled module', () => {
  const workerd = result('workerd')
  expect({ simdBeforeModule: workerd.simdBeforeModule, kernels: workerd.kernels, simd: workerd.simd }).toEqual({ simdBeforeModule: false, kernels: 'precompiled', simd: true })
})

test.each(['node precompiled', 'deno precompiled', 'bun precompiled'])('%s: the kernels from dist/seqgrad-kernels.wasm give the exact kernels\' numbers bit for bit', (label) => {
  const other = result(label)
  expect({ kernels: other.kernels, simd: other.simd, fma: other.fma }).toEqual({ kernels: 'precompiled', simd: true, fma: false })
  expect(compareWithNode(result('node'), other)).toEqual([])
})

test('without WebAssembly the scalar fallback runs, hasSimd() says so, and the numbers are Node\'s to float32 rounding', () => {
  const scalar = result('node without WebAssembly')
  expect({ kernels: scalar.kernels, simd: scalar.simd }).toEqual({ kernels: 'none', simd: false })
  expect(compareWithNode(result('node'), scalar)).toEqual([])
})

test('Deno and Bun emit the same kernel bytes as Node and as the shipped file', () => {
  const fingerprints = ['node', 'deno', 'bun'].flatMap((label) => [result(label).emittedKernels, result(label).kernelFile])
  expect(new Set(fingerprints).size).toBe(1)
})

test('the README\'s Cloudflare Worker runs as written in workerd, on the SIMD kernels', () => {
  expect(readmeWorker).toBe('{"simd":true,"shape":[20,1,32]}')
})
