// What the README's "Commands" section promises is what the commands say and do: its lines are each
// command's --help synopsis, and every default they show is the one --help states and the code uses.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BENCH_DEFAULTS } from '../../src/cli/commands/bench.js'
import { COMPARE_DEFAULTS } from '../../src/cli/commands/compare.js'
import { GRADCHECK_DEFAULTS } from '../../src/cli/commands/gradcheck.js'
import { SAMPLE_DEFAULTS } from '../../src/cli/commands/sample.js'
import { TRAIN_DEFAULTS } from '../../src/cli/commands/train.js'
import { root, seqgrad, temp, textFile } from './run-cli.js'

const DEFAULTS: Record<string, Record<string, string | number>> = {
  compare: COMPARE_DEFAULTS, train: TRAIN_DEFAULTS, sample: SAMPLE_DEFAULTS, gradcheck: GRADCHECK_DEFAULTS, bench: BENCH_DEFAULTS,
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim()

/** The README's command lines, continuation lines joined, comments dropped, by command. */
function readmeSynopses(): Record<string, string> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## Commands\n'), readme.indexOf('\n## ', readme.indexOf('## Commands\n') + 1))
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? ''
  const synopses: Record<string, string> = {}
  let current = ''
  for (const line of block.split('\n')) {
    const text = line.replace(/\s+#.*$/, '')
    if (/^seqgrad /.test(text)) current = /^seqgrad (\w+)/.exec(text)?.[1] ?? ''
    if (current !== '' && text.trim() !== '') synopses[current] = squash(`${synopses[current] ?? ''} ${text}`)
  }
  return synopses
}

/** `--help`'s synopsis (the lines before the first blank one) and its "(default X)" per option. */
function help(command: string): { synopsis: string; defaults: Record<string, string> } {
  const { stdout, status } = seqgrad([command, '--help'])
  expect(status).toBe(0)
  const [head, ...body] = stdout.split('\n\n')
  const defaults: Record<string, string> = {}
  for (const [, name, value] of body.join('\n').matchAll(/^ {2}--([\w-]+)[^\n]*?(?:\n {10,}[^\n]*?)*\(default ([^):]+)\)/gm)) defaults[name] = value
  return { synopsis: squash(head.replace(/^usage: /, '')), defaults }
}

test("the README's command lines are the commands' own --help synopses", () => {
  const readme = readmeSynopses()
  expect(Object.keys(readme).sort()).toEqual(Object.keys(DEFAULTS).sort())
  for (const command of Object.keys(DEFAULTS)) expect({ command, line: readme[command] }).toEqual({ command, line: help(command).synopsis })
})

test('every default the README shows is the one --help states and the command uses', () => {
  const readme = readmeSynopses()
  for (const [command, defaults] of Object.entries(DEFAULTS)) {
    const stated = help(command).defaults
    // [--name value]: a value that is not a CAPITAL placeholder is the default (the first of a|b|c)
    const shown = [...readme[command].matchAll(/\[--([\w-]+) ([^\]\sA-Z][^\]\s]*)\]/g)].map(([, name, value]) => [name, value.split('|')[0]])
    expect(shown.length).toBeGreaterThan(0)
    for (const [name, value] of shown) {
      expect({ command, name, readme: value, help: stated[name], code: String(defaults[name]) }).toEqual({ command, name, readme: value, help: value, code: value })
    }
    // and every default the code has is shown
    expect(Object.keys(defaults).sort()).toEqual(shown.map(([name]) => name).sort())
  }
})

test('sample without --temperature samples as --temperature 1 does (the README once said 0.8)', () => {
  const dir = temp()
  const data = textFile(dir)
  const checkpoint = join(dir, 'model.safetensors')
  const trained = seqgrad(['train', '--data', data, '--checkpoint', checkpoint, '--hidden', '8', '--embedding', '4', '--bptt', '8', '--batch', '4', '--steps', '2'])
  expect(trained.status).toBe(0)
  const sample = (...extra: string[]) => seqgrad(['sample', '--checkpoint', checkpoint, '--prompt', 'the ', '--length', '40', '--seed', '3', ...extra]).stdout
  expect(sample()).toBe(sample('--temperature', String(SAMPLE_DEFAULTS.temperature)))
  expect(sample()).not.toBe(sample('--temperature', '0.8'))
})
