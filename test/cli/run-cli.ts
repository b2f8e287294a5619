// Running the built `seqgrad` command as a user would, for the CLI tests: synchronously with a deadline, or
// as a live process whose output can be awaited line by line (to send it a signal mid-run).
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const root = join(__dirname, '..', '..')
export const cli = join(root, 'dist', 'esm', 'cli', 'main.js')

export interface Run {
  status: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  ms: number
}

/** Runs `seqgrad ...args` to the end, or kills it after `timeout` ms (a hang shows as status null). */
export function seqgrad(args: string[], { timeout = 30_000, cwd = root, input }: { timeout?: number; cwd?: string; input?: string } = {}): Run {
  if (!existsSync(cli)) throw new Error('dist/ is missing: run `npm run build` (npm ci runs it)')
  const started = Date.now()
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd, timeout, input, killSignal: 'SIGKILL' })
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started }
}

export const temp = () => mkdtempSync(join(tmpdir(), 'seqgrad-cli-'))

/** A text file of `repeat` copies of a sentence, in `dir`. */
export function textFile(dir: string, name = 'text.txt', repeat = 40, sentence = 'the quick brown fox jumps over the lazy dog. '): string {
  const path = join(dir, name)
  writeFileSync(path, sentence.repeat(repeat))
  return path
}

/** Node's own crash output: a stack frame, an internal module, a re-thrown error's caret. */
export const STACK_TRACE = /^\s+at |node:internal|^\s*\^+\s*$|Error: .*\n\s+at /m

/**
 * The run failed as the CLI promises: exit code `status`, one line naming the problem (2: plus the usage
 * line), no stack trace.
 */
export function expectFailure(run: Run, status: 1 | 2, message: RegExp): void {
  const lines = run.stderr.trimEnd().split('\n')
  expect({ status: run.status, first: lines[0] }).toEqual({ status, first: expect.stringMatching(message) })
  expect(lines).toHaveLength(status === 2 ? 2 : 1)
  if (status === 2) expect(lines[1]).toMatch(/^usage: seqgrad/)
  expect(run.stderr).not.toMatch(STACK_TRACE)
}

/** A running `seqgrad` whose output lines can be awaited. */
export class LiveRun {
  readonly child: ChildProcessWithoutNullStreams
  stdout = ''
  stderr = ''
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>

  constructor(args: string[], cwd = root) {
    this.child = spawn(process.execPath, [cli, ...args], { cwd })
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk))
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk))
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })))
  }

  /** Resolves once stdout matches `pattern` (or `ready` says so); rejects after `timeout` ms or if the process ends first. */
  async waitFor(pattern: RegExp | (() => boolean), timeout = 30_000): Promise<void> {
    const deadline = Date.now() + timeout
    const ready = typeof pattern === 'function' ? pattern : () => pattern.test(this.stdout)
    while (!ready()) {
      if (this.child.exitCode !== null) throw new Error(`seqgrad exited (${this.child.exitCode}) before ${pattern}: ${this.stdout}${this.stderr}`)
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeout} ms: ${this.stdout}${this.stderr}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
}
