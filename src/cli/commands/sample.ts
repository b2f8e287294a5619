// `seqgrad sample`: text from a checkpoint written by `seqgrad train`.
import { CharTokenizer } from '../../data/char-tokenizer.js'
import { loadCheckpoint } from '../../io/checkpoint.js'
import { checkpointProblem } from '../files.js'
import { LanguageModel } from '../../models/language-model.js'
import { integerOption, numberOption, parseCommand, UsageError } from '../args.js'
import { readLanguageModelExtra } from './train-checkpoint.js'

/** The defaults, as --help and the README state them. */
export const SAMPLE_DEFAULTS = { length: 200, temperature: 1, seed: 0 } as const
const D = SAMPLE_DEFAULTS

export const SAMPLE_USAGE = `usage: seqgrad sample --checkpoint FILE [--prompt TEXT] [--length ${D.length}] [--temperature ${D.temperature}] [--top-k K] [--top-p P]
                      [--seed ${D.seed}]

Generates N characters after the prompt, sampling with the given temperature, top-k and top-p (nucleus).
The same seed gives the same text.

  --checkpoint FILE  a checkpoint written by seqgrad train
  --prompt TEXT      the text to continue (default: the first character of the vocabulary)
  --length N         characters to generate (default ${D.length})
  --temperature T    0 is greedy, above 1 more random (default ${D.temperature})
  --top-k K          draw only from the K likeliest characters (default: all)
  --top-p P          draw only from the likeliest characters whose probabilities sum to P (default: all)
  --seed S           seed (default ${D.seed})`

export function sampleCommand(argv: string[]): void {
  const options = {
    checkpoint: { type: 'string' }, prompt: { type: 'string' }, length: { type: 'string' }, temperature: { type: 'string' },
    'top-k': { type: 'string' }, 'top-p': { type: 'string' }, seed: { type: 'string' },
  } as const
  const { values } = parseCommand(argv, options, SAMPLE_USAGE)
  if (values.help) return void process.stdout.write(`${SAMPLE_USAGE}\n`)
  const u = SAMPLE_USAGE
  if (values.checkpoint === undefined) throw new UsageError('--checkpoint FILE is required', u)
  const length = integerOption('length', values.length, D.length, 0, 10_000_000, u)
  const temperature = numberOption('temperature', values.temperature, D.temperature, 0, 1000, u) as number
  const topK = integerOption('top-k', values['top-k'], 0, 0, 10_000_000, u) || undefined
  const topP = numberOption('top-p', values['top-p'], undefined, 0, 1, u, { above: true })
  const seed = integerOption('seed', values.seed, D.seed, 0, Number.MAX_SAFE_INTEGER, u)
  if (values.prompt !== undefined && values.prompt.length === 0) throw new UsageError('--prompt must hold at least one character', u)
  const { bytes, extra } = readLanguageModelExtra(values.checkpoint)
  const tokenizer = CharTokenizer.fromJSON(extra.tokenizer)
  const model = new LanguageModel(extra.config)
  try {
    loadCheckpoint(bytes, { model })
  } catch (error) {
    throw new Error(`cannot load ${values.checkpoint}: ${checkpointProblem(error)}`)
  }
  const prompt = values.prompt ?? tokenizer.decode([0])
  let promptIds: Int32Array
  try {
    promptIds = tokenizer.encode(prompt)
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/^[\w.]+: /, '').split(';')[0]
    throw new Error(`--prompt has a character the model never saw: ${reason} (its vocabulary has ${tokenizer.vocabSize} characters)`)
  }
  const ids = model.generate({ prompt: Array.from(promptIds), maxTokens: length, temperature, topK, topP, seed })
  process.stdout.write(`${prompt}${tokenizer.decode(ids)}\n`)
}
