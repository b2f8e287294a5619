// Data-parallel training on the standard Worker where the runtime has one (Deno, Bun): workers: 2 starts two
// module workers on the shipped script (dist/esm/optim/train-worker.js), trains in them, ends them (the
// process exits), and gives one thread's losses to float32 rounding. Needs `npm run build`.
import { execFileSync } from 'node:child_process'
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
