// --data that never ends: a device or a pipe is refused at once instead of being read forever.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

const cli = join(__dirname, '..', '..', 'dist', 'esm', 'cli', 'main.js')

test.each([['train', '--steps', '1'], ['compare', '--task', 'text', '--steps', '1']])('%s --data /dev/zero is refused in one line, not read forever', (...args) => {
  if (!existsSync(cli)) throw new Error('dist/ is missing: run `npm run build` (npm ci runs it)')
  const started = Date.now()
  const run = spawnSync(process.execPath, [cli, ...args, '--data', '/dev/zero'], { encoding: 'utf8', timeout: 20_000 })
  expect({ status: run.status, stderr: run.stderr.trim() }).toEqual({ status: 1, stderr: 'seqgrad: --data /dev/zero is not a regular file (a device, pipe or socket); give a text file' })
  expect(Date.now() - started).toBeLessThan(10_000)
})
