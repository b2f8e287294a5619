// Two `seqgrad train` runs on one checkpoint would each overwrite the other's steps (the later save wins, and
// the other's "done" line is false): while train runs it holds <checkpoint>.lock, a second run is refused at
// once, the lock goes however the run ends, and one left by a killed run (its pid gone) is taken over.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { LiveRun, seqgrad, STACK_TRACE, temp, textFile } from './run-cli.js'

const tiny = ['--hidden', '8', '--embedding', '4', '--bptt', '8', '--batch', '4']

/** The pid of a process that has exited. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout
  return Number(pid)
}

describe('one train at a time on a checkpoint', () => {
  test('a second train on the checkpoint is refused at once, naming the pid; the first saves on Ctrl-C and removes its lock', async () => {
    const dir = temp()
    const data = textFile(dir)
    const checkpoint = join(dir, 'c.st')
    expect(seqgrad(['train', '--data', data, '--checkpoint', checkpoint, ...tiny, '--steps', '1']).status).toBe(0)
    const first = new LiveRun(['train', '--data', data, '--checkpoint', checkpoint, '--resume', '--steps', '1000000', '--every', '1000000'], dir)
    try {
      await first.waitFor(/step +\d+\/1000000 +loss/)
      expect(readFileSync(`${checkpoint}.lock`, 'utf8')).toMatch(new RegExp(`^${first.child.pid}\\n\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\n$`))
      const before = readFileSync(checkpoint)
      for (const extra of [['--resume', '--steps', '400'], ['--force', '--steps', '2'], ['--steps', '2']]) {
        const second = seqgrad(['train', '--data', data, '--checkpoint', checkpoint, ...extra, ...(extra[0] === '--resume' ? [] : tiny)], { cwd: dir })
        expect({ status: second.status, stdout: second.stdout }).toEqual({ status: 2, stdout: '' })
        const lines = second.stderr.trimEnd().split('\n')
        expect(lines).toHaveLength(1)
        expect(lines[0]).toMatch(
          new RegExp(`^seqgrad: --checkpoint .*c\\.st is in use by another seqgrad train, pid ${first.child.pid} \\(started [^)]+\\): wait for it to finish or stop it, or give another --checkpoint \\(if no such run is going, remove .*c\\.st\\.lock\\)$`),
        )
        expect(second.stderr).not.toMatch(STACK_TRACE)
        expect(second.ms).toBeLessThan(5_000)
      }
      expect(readFileSync(checkpoint).equals(before)).toBe(true)
      first.child.kill('SIGINT')
      const { code } = await first.exited
      expect(code).toBe(130)
      expect(first.stderr).toMatch(/stopped by SIGINT; saved .*c\.st at step \d+ of 1000000/)
      expect(readdirSync(dir).sort()).toEqual(['c.st', 'text.txt'])
      const step = Number(/at step (\d+)/.exec(first.stderr)?.[1])
      expect(step).toBeGreaterThan(1)
      const resumed = seqgrad(['train', '--data', data, '--checkpoint', checkpoint, '--resume', '--steps', String(step + 1)])
      expect(resumed.status).toBe(0)
      expect(resumed.stdout).toMatch(new RegExp(`resuming .* at step ${step}\\n`))
    } finally {
      first.child.kill('SIGKILL')
    }
  }, 60_000)

  test('a lock left by kill -9 is taken over with a note, and the run resumes from the last checkpoint', async () => {
    const dir = temp()
    const data = textFile(dir)
    const checkpoint = join(dir, 'c.st')
    const killed = new LiveRun(['train', '--data', data, '--checkpoint', checkpoint, ...tiny, '--steps', '1000000', '--every', '5'], dir)
    await killed.waitFor(/step +\d+\/1000000 +loss .*saved/)
    killed.child.kill('SIGKILL')
    await killed.exited
    expect(existsSync(`${checkpoint}.lock`)).toBe(true)
    const saved = Math.max(...[...killed.stdout.matchAll(/step +(\d+)\/1000000 +loss .*saved/g)].map((m) => Number(m[1])))
    const target = saved + 2000 // more than the killed run can have taken after its last line was read
    const resumed = seqgrad(['train', '--data', data, '--checkpoint', checkpoint, '--resume', '--steps', String(target), '--every', '1000000'], { cwd: dir })
    expect({ status: resumed.status, stderr: resumed.stderr }).toEqual({ status: 0, stderr: '' })
    expect(resumed.stdout.split('\n')[0]).toMatch(new RegExp(`^note: took over the lock .*c\\.st\\.lock left by pid ${killed.child.pid} \\(started [^)]+\\), which is no longer running$`))
    expect(Number(/resuming .* at step (\d+)/.exec(resumed.stdout)?.[1])).toBeGreaterThanOrEqual(saved)
    expect(resumed.stdout).toMatch(new RegExp(`done: .*c\\.st holds step ${target}`))
    expect(readdirSync(dir).sort()).toEqual(['c.st', 'text.txt'])
  }, 60_000)

  test('a stale lock of a pid that is gone is taken over; one of a live process (pid 1) is respected', () => {
    const dir = temp()
    const data = textFile(dir)
    const checkpoint = join(dir, 'c.st')
    const pid = deadPid()
    writeFileSync(`${checkpoint}.lock`, `${pid}\n2026-01-01T00:00:00.000Z\n`)
    const run = seqgrad(['train', '--data', data, '--checkpoint', checkpoint, ...tiny, '--steps', '2'], { cwd: dir })
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' })
    expect(run.stdout.split('\n')[0]).toMatch(new RegExp(`^note: took over the lock .*c\\.st\\.lock left by pid ${pid} \\(started 2026-01-01T00:00:00\\.000Z\\), which is no longer running$`))
    expect(readdirSync(dir).sort()).toEqual(['c.st', 'text.txt'])

    // pid 1 is alive whoever runs the test (kill(1, 0) is EPERM unless root): the lock stands
    writeFileSync(`${checkpoint}.lock`, '1\n2026-01-01T00:00:00.000Z\n')
    const before = readFileSync(checkpoint)
    const refused = seqgrad(['train', '--data', data, '--checkpoint', checkpoint, '--resume', '--steps', '4'], { cwd: dir })
    expect(refused.status).toBe(2)
    expect(refused.stderr).toMatch(/^seqgrad: --checkpoint .*c\.st is in use by another seqgrad train, pid 1 \(started 2026-01-01T00:00:00\.000Z\)/)
    expect(readFileSync(checkpoint).equals(before)).toBe(true)
    expect(readFileSync(`${checkpoint}.lock`, 'utf8')).toBe('1\n2026-01-01T00:00:00.000Z\n')
  })
})

describe('the lock goes however the run ends', () => {
  test('a normal finish, nothing to do, a refused --resume, an unknown character and a closed pipe leave no lock', () => {
    const dir = temp()
    const data = textFile(dir)
    const checkpoint = join(dir, 'c.st')
    const other = textFile(dir, 'other.txt', 40, 'a different text, with other letters: xyz. ')
    const runs: [string[], number][] = [
      [['--data', data, ...tiny, '--steps', '2'], 0], // done
      [['--data', data, '--resume', '--steps', '2'], 0], // already at step 2: nothing to do
      [['--data', data, '--resume', '--hidden', '9', '--steps', '3'], 2], // options differ
      [['--data', other, '--resume', '--steps', '3'], 2], // other data
      [['--data', other, '--resume', '--force', '--steps', '3'], 1], // a character the vocabulary lacks
    ]
    for (const [args, status] of runs) {
      const run = seqgrad(['train', '--checkpoint', checkpoint, ...args], { cwd: dir })
      expect({ args, status: run.status }).toEqual({ args, status })
      expect(readdirSync(dir).sort()).toEqual(['c.st', 'other.txt', 'text.txt'])
    }
    // a closed pipe: the reader goes after the first line; the run saves and exits 0
    const piped = spawnSync('sh', ['-c', `node ${JSON.stringify(join(__dirname, '..', '..', 'dist', 'esm', 'cli', 'main.js'))} train --data ${data} --checkpoint ${checkpoint} --resume --steps 1000000 --every 1 | head -1`], { encoding: 'utf8', timeout: 30_000 })
    expect(piped.status).toBe(0)
    expect(readdirSync(dir).sort()).toEqual(['c.st', 'other.txt', 'text.txt'])
  })

  test('Ctrl-C twice (quit without saving) and SIGTERM remove the lock too', async () => {
    const dir = temp()
    const data = textFile(dir)
    for (const signals of [['SIGINT', 'SIGINT'], ['SIGTERM']] as NodeJS.Signals[][]) {
      const checkpoint = join(dir, `${signals.length}.st`)
      const run = new LiveRun(['train', '--data', data, '--checkpoint', checkpoint, ...tiny, '--steps', '1000000', '--every', '1000000'], dir)
      await run.waitFor(/step +\d+\/1000000 +loss/)
      expect(existsSync(`${checkpoint}.lock`)).toBe(true)
      for (const signal of signals) run.child.kill(signal)
      const { code } = await run.exited
      expect(code).toBe(signals[0] === 'SIGINT' ? 130 : 143)
      expect(existsSync(`${checkpoint}.lock`)).toBe(false)
    }
    expect(readdirSync(dir).filter((name) => name.endsWith('.lock'))).toEqual([])
  }, 60_000)
})
