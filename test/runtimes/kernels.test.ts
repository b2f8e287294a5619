// The float32 kernels' two variants in real runtimes (test/runtimes/kernels.mjs on the built package):
// Node 20 without relaxed SIMD takes the exact kernels; Node 20 with --experimental-wasm-relaxed-simd, Deno
// and Bun take relaxed SIMD's multiply-add, whose matmul and mat-vec stay within float32 accumulation's
// bound of the float64 sum, fused or not as the engine chooses; and in each, useExactKernels(true) gives
// float32 accumulation in k order bit for bit, as today. jest itself runs on Node 20 without the flag, so
// the in-process kernel tests (test/tensor) see the exact kernels.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

interface Report {
  runtime: string
  relaxedSimd: boolean
  fma: boolean
  fused: { matmul: string; matvec: string } | null
  problems: string[]
}

const root = join(__dirname, '..', '..')
const bin = (name: string) => join(root, 'node_modules', '.bin', name)
const script = join(__dirname, 'kernels.mjs')

function report(command: string, args: string[], env: Record<string, string> = {}): Promise<Report> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: __dirname, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('{"runtime"'))
      if (code === 0 && line !== undefined) resolve(JSON.parse(line) as Report)
      else reject(new Error(`${command} ${args.join(' ')} exited with code ${code}\nstdout:\n${stdout}\nstderr:\n${stderr}`))
    })
  })
}

let scratch = ''
const reports = new Map<string, Report>()

beforeAll(async () => {
  for (const file of ['dist/esm/index.js', 'dist/esm/internals.js']) {
    if (!existsSync(join(root, file))) throw new Error(`${file} is missing: run \`npm run build\` (npm ci runs it)`)
  }
  scratch = mkdtempSync(join(tmpdir(), 'seqgrad-kernels-'))
  const runs: [string, Promise<Report>][] = [
    ['node', report(process.execPath, [script])],
    ['node relaxed-simd', report(process.execPath, ['--experimental-wasm-relaxed-simd', script])],
    ['deno', report(bin('deno'), ['run', '--no-lock', '--allow-read', script], { DENO_DIR: join(scratch, 'deno'), DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' })],
    ['bun', report(bin('bun'), ['run', script], { DO_NOT_TRACK: '1' })],
  ]
  const done = await Promise.all(runs.map(([, r]) => r))
  runs.forEach(([label], i) => reports.set(label, done[i]))
  console.log(`kernel variants: ${done.map((r) => `${r.runtime}: ${r.fma ? `FMA (${r.fused!.matmul === 'fused' ? 'fused' : 'not fused'} here)` : 'exact'}`).join('; ')}`)
}, 120_000)

afterAll(() => {
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true })
})

const reportOf = (label: string): Report => {
  const found = reports.get(label)
  if (found === undefined) throw new Error(`no report from ${label}: see the error of beforeAll`)
  return found
}

test.each(['node', 'node relaxed-simd', 'deno', 'bun'])('%s: the kernels chosen are within float32\'s bound, and useExactKernels(true) gives float32 accumulation in k order bit for bit', (label) => {
  expect(reportOf(label).problems).toEqual([])
})

test('relaxed SIMD\'s multiply-add is chosen exactly where it validates: Node 20 with the flag, Deno, Bun; not Node 20 without it', () => {
  const relaxedByDefault = Number(process.versions.node.split('.')[0]) >= 22
  const chosen = Object.fromEntries([...reports].map(([label, { relaxedSimd, fma }]) => [label, { relaxedSimd, fma }]))
  expect(chosen).toEqual({
    node: { relaxedSimd: relaxedByDefault, fma: relaxedByDefault },
    'node relaxed-simd': { relaxedSimd: true, fma: true },
    deno: { relaxedSimd: true, fma: true },
    bun: { relaxedSimd: true, fma: true },
  })
})

test('the matmul and the mat-vec of one runtime agree on fusing (one instruction, one engine)', () => {
  for (const label of ['node relaxed-simd', 'deno', 'bun']) {
    const { fused } = reportOf(label)
    expect({ label, matvec: fused?.matvec }).toEqual({ label, matvec: fused?.matmul })
  }
})
