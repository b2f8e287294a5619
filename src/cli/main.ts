#!/usr/bin/env node
// The `seqgrad` command. Mistakes in the command line print one line and a usage line and exit with code 2;
// failures while running print one line and exit with code 1. No stack trace reaches the terminal: every
// error, even one nobody expected, is its message on one line.
import { readFileSync, realpathSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { UsageError } from './args.js'
import { benchCommand, BENCH_USAGE } from './commands/bench.js'
import { compareCommand, COMPARE_USAGE } from './commands/compare.js'
import { gradcheckCommand, GRADCHECK_USAGE } from './commands/gradcheck.js'
import { sampleCommand, SAMPLE_USAGE } from './commands/sample.js'
import { trainCommand, TRAIN_USAGE } from './commands/train.js'
import { LockedError } from './lock.js'
import { guardOutput } from './output.js'

/** Each command returns its exit code, or nothing for success. */
type Run = (argv: string[]) => number | void | Promise<number | void>

const COMMANDS: Record<string, { run: Run; usage: string; summary: string }> = {
  compare: { run: compareCommand, usage: COMPARE_USAGE, summary: 'train RNN, LSTM and GRU on one task and report which fits' },
  train: { run: trainCommand, usage: TRAIN_USAGE, summary: 'train a character language model, saving checkpoints' },
  sample: { run: sampleCommand, usage: SAMPLE_USAGE, summary: 'generate text from a checkpoint' },
  gradcheck: { run: gradcheckCommand, usage: GRADCHECK_USAGE, summary: 'check every op, cell and layer gradient numerically' },
  bench: { run: benchCommand, usage: BENCH_USAGE, summary: 'measure matmul, autograd and the fused cells' },
}

const HELP = `usage: seqgrad <command> [options]    (seqgrad help <command>, or seqgrad <command> --help, for its options)

${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

  --version  print the version`

/** The version in the package.json above this script (dist/esm/cli/main.js, or dist/cjs/…). */
function version(): string {
  for (let dir = dirname(realpathSync(process.argv[1])); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown }
      if (pkg.name === 'seqgrad' && typeof pkg.version === 'string') return pkg.version
    } catch {
      // no package.json here (or dist/cjs's, which has no name): look further up
    }
    if (dirname(dir) === dir) return 'unknown'
  }
}

/** An error's message without a leading function name ("loadSafetensors: …"): the user typed flags, not calls. */
export function plainMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.replace(/^[A-Za-z]\w*(\.\w+)?(\([^)]*\))?: /, '').split('\n')[0]
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(`${HELP}\n`)
    return name === undefined ? 2 : 0
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`seqgrad ${version()}\n`)
    return 0
  }
  try {
    if (name === 'help') {
      const topic = rest.length === 0 ? { usage: HELP } : COMMANDS[rest[0]]
      if (topic === undefined || rest.length > 1) throw new UsageError(`help takes one command name, one of ${Object.keys(COMMANDS).join(', ')}`, HELP)
      process.stdout.write(`${topic.usage}\n`)
      return 0
    }
    const command = COMMANDS[name]
    if (command === undefined) throw new UsageError(`unknown command '${name}'`, HELP)
    return (await command.run(rest)) ?? 0
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`seqgrad: ${error.message}\n${error.usage.split('\n')[0]}\n`)
      return 2
    }
    if (error instanceof LockedError) {
      process.stderr.write(`seqgrad: ${error.message}\n`) // not a mistake in the arguments: no usage line
      return 2
    }
    process.stderr.write(`seqgrad: ${plainMessage(error)}\n`)
    return 1
  }
}

// The last resort: whatever escapes (an error in a callback, a rejected promise) is one line, not a trace.
const fail = (error: unknown) => {
  process.stderr.write(`seqgrad: ${plainMessage(error)}\n`)
  process.exit(1)
}
process.on('uncaughtException', fail)
process.on('unhandledRejection', fail)
guardOutput()
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
}, fail)
