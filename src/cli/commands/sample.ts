// `seqgrad sample`: text from a checkpoint written by `seqgrad train`.
import { CharTokenizer } from '../../data/char-tokenizer.js'
import { loadCheckpoint } from '../../io/checkpoint.js'
import { LanguageModel } from '../../models/language-model.js'
import { integerOption, numberOption, parseCommand, UsageError } from '../args.js'
import { readLanguageModelExtra } from './train.js'

export const SAMPLE_USAGE = `usage: seqgrad sample --checkpoint FILE [--prompt TEXT] [--length N] [--temperature T] [--top-k K] [--top-p P] [--seed S]

Generates N characters (default 200) after the prompt (default: the first character of the vocabulary),
sampling with the given temperature (default 1; 0 is greedy), top-k and top-p (nucleus). The same seed
gives the same text.`

export function sampleCommand(argv: string[]): void {
  const options = {
    checkpoint: { type: 'string' }, prompt: { type: 'string' }, length: { type: 'string' }, temperature: { type: 'string' },
    'top-k': { type: 'string' }, 'top-p': { type: 'string' }, seed: { type: 'string' },
  } as const
  const { values } = parseCommand(argv, options, SAMPLE_USAGE)
  if (values.help) return void process.stdout.write(`${SAMPLE_USAGE}\n`)
  const u = SAMPLE_USAGE
  if (values.checkpoint === undefined) throw new UsageError('--checkpoint FILE is required', u)
  const length = integerOption('length', values.length, 200, 0, 10_000_000, u)
  const temperature = numberOption('temperature', values.temperature, 1, 0, 1000, u) as number
  const topK = integerOption('top-k', values['top-k'], 0, 0, 10_000_000, u) || undefined
  const topP = numberOption('top-p', values['top-p'], undefined, Number.MIN_VALUE, 1, u)
  const seed = integerOption('seed', values.seed, 0, 0, Number.MAX_SAFE_INTEGER, u)
  const { bytes, extra } = readLanguageModelExtra(values.checkpoint)
  const tokenizer = CharTokenizer.fromJSON(extra.tokenizer)
  const model = new LanguageModel(extra.config)
  loadCheckpoint(bytes, { model })
  const prompt = values.prompt ?? tokenizer.decode([0])
  if (prompt.length === 0) throw new UsageError('--prompt must hold at least one character', u)
  const ids = model.generate({ prompt: Array.from(tokenizer.encode(prompt)), maxTokens: length, temperature, topK, topP, seed })
  process.stdout.write(`${prompt}${tokenizer.decode(ids)}\n`)
}
