// The seqgrad command end to end, on the built package (npm ci builds it): exit codes, usage lines, files
// written, reproducible results, and nothing half-written on failure.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = join(__dirname, '..', '..')
const cli = join(root, 'dist', 'esm', 'cli', 'main.js')

function seqgrad(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  if (!existsSync(cli)) throw new Error('dist/ is missing: run `npm run build` (npm ci runs it)')
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: root })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

const temp = () => mkdtempSync(join(tmpdir(), 'seqgrad-cli-'))
const tiny = ['--steps', '4', '--length', '6', '--hidden', '4', '--batch', '4']

test('--help on every command; no command is a usage error', () => {
  expect(seqgrad('--help').status).toBe(0)
  for (const command of ['compare', 'train', 'sample', 'gradcheck', 'bench']) {
    const { status, stdout } = seqgrad(command, '--help')
    expect(status).toBe(0)
    expect(stdout).toMatch(new RegExp(`^usage: seqgrad ${command}`))
  }
  const none = seqgrad()
  expect(none.status).toBe(2)
  expect(none.stdout).toMatch(/usage: seqgrad <command>/)
})

test('bad arguments: one line naming the problem, a usage line, exit code 2', () => {
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['compare', '--task', 'nope'], /--task must be one of adding, reber, copy, text, got 'nope'/],
    [['compare', '--cells', 'rnn,foo'], /'foo' is not a cell/],
    [['compare', '--length', 'abc'], /--length must be an integer, got 'abc'/],
    [['compare', '--steps', '0'], /--steps must be between 1 and/],
    [['compare', '--bogus'], /unknown option '--bogus'/],
    [['compare', '--task', 'text'], /--task text needs --data FILE/],
    [['train'], /give exactly one of --data FILE and --task reber/],
    [['sample'], /--checkpoint FILE is required/],
    [['sample', '--checkpoint', 'x', '--top-p', '2'], /--top-p must be greater than 0 and at most 1, got 2/],
  ]
  for (const [args, message] of cases) {
    const { status, stderr } = seqgrad(...args)
    expect({ args, status }).toEqual({ args, status: 2 })
    const lines = stderr.trim().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(message)
    expect(lines[1]).toMatch(/^usage: seqgrad/)
  }
})

test('runtime failures: one line, exit code 1, nothing written', () => {
  const dir = temp()
  const empty = join(dir, 'empty.txt')
  writeFileSync(empty, '')
  const blocker = join(dir, 'a-file')
  writeFileSync(blocker, 'x')
  const cases: [string[], RegExp][] = [
    [['compare', '--task', 'text', '--data', join(dir, 'missing.txt'), '--out', join(dir, 'out')], /cannot read --data .*missing.txt: no such file/],
    [['compare', '--task', 'text', '--data', empty, '--out', join(dir, 'out')], /--data .*empty.txt is empty/],
    [['compare', ...tiny, '--out', join(blocker, 'report')], /cannot write to the output directory \(--out\) .*a-file\/report: .*a-file is not a directory/],
    [['sample', '--checkpoint', join(dir, 'nothing.safetensors')], /cannot read checkpoint .*: no such file/],
    [['sample', '--checkpoint', empty], /empty.txt is not a seqgrad checkpoint \(a safetensors file starts with/],
  ]
  for (const [args, message] of cases) {
    const { status, stderr } = seqgrad(...args)
    expect({ args, status }).toEqual({ args, status: 1 })
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toMatch(message)
  }
  expect(readdirSync(dir).sort()).toEqual(['a-file', 'empty.txt'])
})

test('compare writes the report, JSON and well-formed SVG charts, and repeats under the same seed', () => {
  const runs = [temp(), temp()].map((dir) => {
    const { status, stdout } = seqgrad('compare', ...tiny, '--out', dir, '--seed', '3')
    expect(status).toBe(0)
    expect(stdout).toMatch(/\| RNN \(tanh\) \|/)
    expect(stdout).toMatch(/\| LSTM \|/)
    expect(stdout).toMatch(/\| GRU \|/)
    expect(readdirSync(dir).sort()).toEqual(['gradient-norms.svg', 'loss.svg', 'metric.svg', 'report.md', 'results.json'])
    for (const svg of ['gradient-norms.svg', 'loss.svg', 'metric.svg']) {
      const text = readFileSync(join(dir, svg), 'utf8')
      expect(text.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
      expect(text.trim().endsWith('</svg>')).toBe(true)
      expect(text).not.toMatch(/NaN|undefined/)
    }
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toMatch(/!\[gradient norms\]\(gradient-norms.svg\)/)
    // results.json schema version 1 (docs/results-schema.md)
    return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { schemaVersion: number; cells: { label: string; seeds: { metric: number | null; curves: { trainLoss: number[]; gradientNorms: { end: number[] } } }[] }[] }
  })
  const numbers = (r: (typeof runs)[number]) => r.cells.map((c) => [c.label, c.seeds.map((s) => [s.curves.trainLoss, s.metric, s.curves.gradientNorms.end])])
  expect(runs[0].schemaVersion).toBe(1)
  expect(numbers(runs[0])).toEqual(numbers(runs[1]))
  expect(runs[0].cells[0].seeds[0].curves.gradientNorms.end).toHaveLength(6)
})

test('train saves a checkpoint, resume continues it, sample generates text from it', () => {
  const dir = temp()
  const data = join(dir, 'text.txt')
  writeFileSync(data, 'the quick brown fox jumps over the lazy dog. '.repeat(40))
  const checkpoint = join(dir, 'model.safetensors')
  const args = ['--data', data, '--checkpoint', checkpoint, '--hidden', '8', '--embedding', '4', '--bptt', '8', '--batch', '4', '--every', '2']
  const first = seqgrad('train', ...args, '--steps', '2')
  expect(first.status).toBe(0)
  expect(first.stdout).toMatch(/step 2\/2 .*bits\/char/)
  const resumed = seqgrad('train', '--data', data, '--checkpoint', checkpoint, '--bptt', '8', '--batch', '4', '--every', '2', '--steps', '4', '--resume')
  expect(resumed.status).toBe(0)
  expect(resumed.stdout).toMatch(/resuming .* at step 2/)
  expect(resumed.stdout).toMatch(/step 4\/4 /)
  const sample = seqgrad('sample', '--checkpoint', checkpoint, '--prompt', 'the ', '--length', '20', '--seed', '1')
  expect(sample.status).toBe(0)
  expect(sample.stdout.startsWith('the ')).toBe(true)
  expect(sample.stdout.trimEnd().length).toBe(24)
  expect(seqgrad('sample', '--checkpoint', checkpoint, '--prompt', 'the ', '--length', '20', '--seed', '1').stdout).toBe(sample.stdout)
  const unknown = seqgrad('sample', '--checkpoint', checkpoint, '--prompt', 'Zebra')
  expect(unknown.status).toBe(1)
  expect(unknown.stderr).toMatch(/unknown character 'Z'/)
  expect(readdirSync(dir).sort()).toEqual(['model.safetensors', 'text.txt'])
})
