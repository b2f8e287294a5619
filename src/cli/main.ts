#!/usr/bin/env node
// The `seqgrad` command. Mistakes in the command line print one line and a usage line and exit with code 2;
// failures while running print one line and exit with code 1.
import { UsageError } from './args.js'
import { benchCommand, BENCH_USAGE } from './commands/bench.js'
import { compareCommand, COMPARE_USAGE } from './commands/compare.js'
import { gradcheckCommand, GRADCHECK_USAGE } from './commands/gradcheck.js'
import { sampleCommand, SAMPLE_USAGE } from './commands/sample.js'
import { trainCommand, TRAIN_USAGE } from './commands/train.js'

/** Each command returns its exit code, or nothing for success. */
const COMMANDS: Record<string, { run: (argv: string[]) => number | void; usage: string; summary: string }> = {
  compare: { run: compareCommand, usage: COMPARE_USAGE, summary: 'train RNN, LSTM and GRU on one task and report which fits' },
  train: { run: trainCommand, usage: TRAIN_USAGE, summary: 'train a character language model, saving checkpoints' },
  sample: { run: sampleCommand, usage: SAMPLE_USAGE, summary: 'generate text from a checkpoint' },
  gradcheck: { run: gradcheckCommand, usage: GRADCHECK_USAGE, summary: 'check every op, cell and layer gradient numerically' },
  bench: { run: benchCommand, usage: BENCH_USAGE, summary: 'measure matmul, autograd and the fused cells' },
}

const HELP = `usage: seqgrad <command> [options]    (seqgrad <command> --help for its options)

${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}`

export function main(argv: string[]): number {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${HELP}\n`)
    return name === undefined ? 2 : 0
  }
  const command = COMMANDS[name]
  try {
    if (command === undefined) throw new UsageError(`unknown command '${name}'`, HELP)
    return command.run(rest) ?? 0
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`seqgrad: ${error.message}\n${error.usage.split('\n')[0]}\n`)
      return 2
    }
    process.stderr.write(`seqgrad: ${(error as Error).message}\n`)
    return 1
  }
}

process.exitCode = main(process.argv.slice(2))
