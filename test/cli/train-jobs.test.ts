// `seqgrad train --jobs N`: the batch's streams trained in N worker threads. The same N repeats bit for bit,
// also across a resume; another N differs by float32 rounding only; a checkpoint of --jobs 2 resumes with
// --jobs 1 and the other way round; Ctrl-C saves; --jobs must not exceed --batch.
import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadSafetensors } from '../../src/io/safetensors.js'
import { cli, expectFailure, LiveRun, seqgrad, temp, textFile } from './run-cli.js'

const tiny = ['--hidden', '12', '--embedding', '6', '--bptt', '8', '--batch', '6']

/** Every tensor of a checkpoint (weights, Adam's state, the carried hidden state), by name. */
function tensors(path: string): Record<string, number[]> {
  const { tensors: all } = loadSafetensors(new Uint8Array(readFileSync(path)))
  return Object.fromEntries(Object.keys(all).sort().map((name) => [name, Array.from(all[name].data)]))
}
const weights = (path: string) => Object.values(tensors(path)).flat()

function expectClose(a: number[], b: number[], tolerance: number) {
  expect(a.length).toBe(b.length)
  expect(Math.max(...a.map((x, i) => Math.abs(x - b[i])))).toBeLessThan(tolerance)
}

test('--jobs 2 repeats bit for bit, across a resume too, equals --jobs 1 within rounding, and checkpoints move between them', () => {
  const dir = temp()
  const data = textFile(dir)
  const train = (name: string, steps: number, jobs: number, resume = false) => {
    const run = seqgrad(['train', '--data', data, '--checkpoint', join(dir, name), ...tiny, '--steps', String(steps), '--every', '3', '--jobs', String(jobs), ...(resume ? ['--resume'] : [])])
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' })
    return run
  }
  const first = train('a.st', 8, 2)
  expect(first.stdout).toMatch(/, 8 steps in 2 threads, checkpoint /)
  train('b.st', 8, 2)
  expect(readFileSync(join(dir, 'a.st'))).toEqual(readFileSync(join(dir, 'b.st')))
  expect(Object.keys(tensors(join(dir, 'a.st')))).toContain('trainer.h')
  // 5 steps, then 3 more: the same file as 8 at once
  train('c.st', 5, 2)
  train('c.st', 8, 2, true)
  expect(tensors(join(dir, 'c.st'))).toEqual(tensors(join(dir, 'a.st')))
  const single = train('one.st', 8, 1)
  expect(single.stdout).not.toMatch(/threads/)
  expectClose(weights(join(dir, 'a.st')), weights(join(dir, 'one.st')), 1e-5)
  // a --jobs 2 checkpoint continued with --jobs 1, and a --jobs 1 one with --jobs 2
  train('d.st', 5, 2)
  train('d.st', 8, 1, true)
  train('e.st', 5, 1)
  train('e.st', 8, 2, true)
  expectClose(weights(join(dir, 'd.st')), weights(join(dir, 'one.st')), 1e-5)
  expectClose(weights(join(dir, 'e.st')), weights(join(dir, 'one.st')), 1e-5)
}, 120_000)

test('--jobs beyond --batch, or not a count: a usage error before anything is written', () => {
  const dir = temp()
  const data = textFile(dir)
  const checkpoint = join(dir, 'c.st')
  expectFailure(seqgrad(['train', '--data', data, '--checkpoint', checkpoint, ...tiny, '--jobs', '7']), 2, /^seqgrad: --jobs 7 is more than the 6 streams of --batch: each thread trains whole streams$/)
  expectFailure(seqgrad(['train', '--data', data, '--checkpoint', checkpoint, ...tiny, '--jobs', '0']), 2, /--jobs/)
  expect(existsSync(checkpoint)).toBe(false)
  expect(existsSync(`${checkpoint}.lock`)).toBe(false)
})

test('Ctrl-C during --jobs 2: the step finishes, the checkpoint is saved and resumes', async () => {
  const dir = temp()
  const data = textFile(dir)
  const checkpoint = join(dir, 'c.st')
  const run = new LiveRun(['train', '--data', data, '--checkpoint', checkpoint, ...tiny, '--steps', '1000000', '--every', '1000000', '--jobs', '2'], dir)
  try {
    await run.waitFor(/step +\d+\/1000000 +loss/)
    run.child.kill('SIGINT')
    const { code } = await run.exited
    expect(code).toBe(130)
    const step = Number(/saved .*c\.st at step (\d+) of 1000000/.exec(run.stderr)?.[1])
    expect(step).toBeGreaterThan(0)
    expect(existsSync(`${checkpoint}.lock`)).toBe(false)
    const resumed = seqgrad(['train', '--data', data, '--checkpoint', checkpoint, '--resume', '--steps', String(step + 2), '--jobs', '2'], { cwd: dir })
    expect({ status: resumed.status, stderr: resumed.stderr }).toEqual({ status: 0, stderr: '' })
    expect(resumed.stdout).toMatch(new RegExp(`resuming .* at step ${step}\\n`))
  } finally {
    run.child.kill('SIGKILL')
  }
}, 60_000)

test('Ctrl-C during --jobs 2 on a terminal: the stop notice and the final message each start a line, and nothing is redrawn after the notice', async () => {
  const dir = temp()
  const data = textFile(dir)
  // a terminal's view: stdout claims a TTY (so the progress line is redrawn with \r), stdout and stderr share one file in order
  const preload = join(dir, 'tty.cjs')
  writeFileSync(preload, "Object.defineProperty(process.stdout, 'isTTY', { value: true })\n")
  const screen = join(dir, 'screen.txt')
  const fd = openSync(screen, 'w')
  // steps slower than the redraw interval (100 ms), so the step that finishes after Ctrl-C would redraw
  const args = ['train', '--data', data, '--checkpoint', join(dir, 'c.st'), '--hidden', '384', '--embedding', '32', '--bptt', '200', '--batch', '4', '--steps', '1000000', '--every', '1000000', '--jobs', '2']
  const child = spawn(process.execPath, ['--require', preload, cli, ...args], { cwd: dir, stdio: ['ignore', fd, fd] })
  closeSync(fd)
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  try {
    const deadline = Date.now() + 30_000
    while (!/\rstep +\d+\/1000000/.test(readFileSync(screen, 'utf8'))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no progress line: ${readFileSync(screen, 'utf8').slice(-500)}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    const all = readFileSync(screen, 'utf8')
    const notice = all.indexOf('seqgrad: SIGINT: finishing this step')
    const stopped = all.indexOf('seqgrad: stopped by SIGINT; saved ')
    expect({ notice: notice > 0, stopped: stopped > notice }).toEqual({ notice: true, stopped: true })
    expect(all[notice - 1]).toBe('\n')
    expect(all[stopped - 1]).toBe('\n')
    expect(all.slice(notice)).not.toContain('\r')
    expect(all.endsWith('\n')).toBe(true)
  } finally {
    child.kill('SIGKILL')
  }
}, 60_000)
