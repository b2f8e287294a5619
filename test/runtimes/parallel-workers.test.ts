// Data-parallel training on the standard Worker where the runtime has one (Deno, Bun): workers: 2 starts two
// module workers on the shipped script (dist/esm/optim/train-worker.js), trains in them, ends them (the
// process exits), and gives one thread's losses to float32 rounding. Needs `npm run build`.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

const root = join(__dirname, '..', '..')
const script = join(__dirname, 'parallel-workers.mjs')

test.each([
  ['deno', ['run', '--allow-read', script]],
  ['bun', [script]],
])('%s: workers: 2 trains in two standard Workers, equal to one thread within float32 rounding', (runtime, args) => {
  if (!existsSync(join(root, 'dist', 'esm', 'optim', 'train-worker.js'))) throw new Error('dist/ is missing: run `npm run build`')
  const stdout = execFileSync(join(root, 'node_modules', '.bin', runtime), args, { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } })
  const [one, two] = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { threads: number; notice: string | null; losses: number[] }[]
  expect([one.threads, two.threads, two.notice]).toEqual([1, 2, null])
  expect(two.losses).toHaveLength(6)
  for (let i = 0; i < 6; i++) expect(Math.abs(two.losses[i] - one.losses[i])).toBeLessThan(1e-5)
}, 60_000)

test('Node worker threads use the main thread\'s kernels: after useExactKernels(true) under relaxed SIMD, the same bits as without it', () => {
  const script = join(__dirname, 'exact-workers.mjs')
  const run = (flags: string[]) => JSON.parse(execFileSync(process.execPath, [...flags, script], { cwd: root, encoding: 'utf8', timeout: 60_000 }).trim()) as { fmaBefore: boolean; threads: number; bits: string }
  const relaxed = run(['--experimental-wasm-relaxed-simd'])
  const plain = run([])
  // the flag does give the multiply-add here, so the two runs would differ if the workers ignored the choice
  expect([relaxed.fmaBefore, plain.fmaBefore, relaxed.threads, plain.threads]).toEqual([true, false, 2, 2])
  expect(relaxed.bits === plain.bits).toBe(true)
}, 60_000)

test.each([
  ['deno', ['run', '--allow-read', join(__dirname, 'failing-worker.mjs')]],
  ['bun', [join(__dirname, 'failing-worker.mjs')]],
])('%s: a worker that fails reaches the caller as a rejection, and the program goes on after catching it', (runtime, args) => {
  const r = spawnSync(join(root, 'node_modules', '.bin', runtime), args, { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } })
  // (Bun's message of the worker's error carries the code frame, over several lines)
  expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: expect.stringMatching(/^caught: training worker \d failed: [^]*fails on purpose[^]*\nalive\n$/) })
}, 60_000)
