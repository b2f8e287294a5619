// `seqgrad train`: a character language model on a text file (or on generated embedded Reber text), trained
// by truncated BPTT, with a checkpoint written atomically every --every steps and at the end; --resume
// continues from the checkpoint exactly where it stopped.
import { existsSync, readFileSync } from 'node:fs'
import { CharTokenizer, type CharTokenizerJSON } from '../../data/char-tokenizer.js'
import { embeddedReberText } from '../../data/tasks/reber.js'
import { loadCheckpoint, saveCheckpoint, type JsonValue } from '../../io/checkpoint.js'
import { loadSafetensors } from '../../io/safetensors.js'
import { LanguageModel, type LanguageModelOptions } from '../../models/language-model.js'
import { Adam } from '../../optim/adam.js'
import { trainLanguageModel, type TrainerState } from '../../optim/trainer.js'
import { Generator, manualSeed } from '../../tensor/random.js'
import { choiceOption, integerOption, numberOption, parseCommand, UsageError } from '../args.js'
import { writeFileAtomic } from '../files.js'

export const TRAIN_USAGE = `usage: seqgrad train (--data FILE | --task reber) [--cell lstm|gru|rnn] [--hidden H] [--layers L] [--embedding E]
                     [--dropout P] [--bptt T] [--batch B] [--steps N] [--lr R] [--seed S]
                     [--checkpoint FILE] [--every N] [--resume]

Trains a character language model by truncated backpropagation through time: the text is cut into B
parallel streams and read in windows of T characters; the last tenth is held out for validation (bits per
character). A checkpoint (weights, optimizer, generator, position, tokenizer) is written every N steps and
at the end; with --resume, training continues from it exactly.

  --data FILE       the text to model (or --task reber: generated embedded Reber grammar strings)
  --cell            lstm (default), gru or rnn        --hidden   hidden size (default 128)
  --layers          stacked layers (default 1)        --embedding  embedding size (default 32)
  --dropout         between layers and on outputs (default 0)
  --bptt            window length (default 64)        --batch    parallel streams (default 16)
  --steps           total optimizer steps (default 2000)   --lr    Adam learning rate (default 0.003)
  --seed            seed (default 0)                  --every    checkpoint interval (default 200)
  --checkpoint FILE where to save (default seqgrad-model.safetensors)
  --resume          continue from --checkpoint`

/** What a language-model checkpoint keeps besides the weights, so `sample` and `--resume` can rebuild it. */
export interface LanguageModelExtra {
  kind: 'language-model'
  config: Required<Omit<LanguageModelOptions, 'dtype'>>
  tokenizer: CharTokenizerJSON
}

/** Reads the model description from a checkpoint file, or says why it is not a language-model checkpoint. */
export function readLanguageModelExtra(path: string): { bytes: Uint8Array; extra: LanguageModelExtra } {
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(readFileSync(path))
  } catch (error) {
    throw new Error(`cannot read checkpoint ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`)
  }
  const { metadata } = loadSafetensors(bytes)
  const extra = metadata.extra === undefined ? null : (JSON.parse(metadata.extra) as Partial<LanguageModelExtra>)
  if (extra?.kind !== 'language-model' || extra.config === undefined || extra.tokenizer === undefined) {
    throw new Error(`${path} is not a seqgrad language-model checkpoint (written by seqgrad train)`)
  }
  return { bytes, extra: extra as LanguageModelExtra }
}

function readTrainingText(data: string | undefined, task: string | undefined, seed: number): string {
  if ((data === undefined) === (task === undefined)) throw new UsageError('give exactly one of --data FILE and --task reber', TRAIN_USAGE)
  if (task !== undefined) return embeddedReberText(3000, new Generator(seed))
  try {
    const text = readFileSync(data as string, 'utf8')
    if (text.length === 0) throw new Error('the file is empty')
    return text
  } catch (error) {
    throw new Error(`cannot use --data ${data}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`)
  }
}

export function trainCommand(argv: string[]): void {
  const options = {
    data: { type: 'string' }, task: { type: 'string' }, cell: { type: 'string' }, hidden: { type: 'string' }, layers: { type: 'string' },
    embedding: { type: 'string' }, dropout: { type: 'string' }, bptt: { type: 'string' }, batch: { type: 'string' }, steps: { type: 'string' },
    lr: { type: 'string' }, seed: { type: 'string' }, checkpoint: { type: 'string' }, every: { type: 'string' }, resume: { type: 'boolean' },
  } as const
  const { values } = parseCommand(argv, options, TRAIN_USAGE)
  if (values.help) return void process.stdout.write(`${TRAIN_USAGE}\n`)
  const u = TRAIN_USAGE
  if (values.task !== undefined) choiceOption('task', values.task, 'reber', ['reber'], u)
  const seed = integerOption('seed', values.seed, 0, 0, Number.MAX_SAFE_INTEGER, u)
  const bptt = integerOption('bptt', values.bptt, 64, 1, 100000, u)
  const batchSize = integerOption('batch', values.batch, 16, 1, 65536, u)
  const steps = integerOption('steps', values.steps, 2000, 1, 100_000_000, u)
  const every = integerOption('every', values.every, 200, 1, 100_000_000, u)
  const lr = numberOption('lr', values.lr, 0.003, 0, 10, u) as number
  const path = values.checkpoint ?? 'seqgrad-model.safetensors'
  const text = readTrainingText(values.data, values.task, seed)

  let extra: LanguageModelExtra
  let resumeBytes: Uint8Array | null = null
  if (values.resume) {
    if (!existsSync(path)) throw new Error(`--resume: there is no checkpoint at ${path}`)
    const architecture = ['cell', 'hidden', 'layers', 'embedding', 'dropout'].filter((k) => values[k as keyof typeof values] !== undefined)
    if (architecture.length > 0) throw new UsageError(`--resume takes the model from the checkpoint; drop --${architecture.join(', --')}`, u)
    ;({ bytes: resumeBytes, extra } = readLanguageModelExtra(path))
  } else {
    const tokenizer = new CharTokenizer(text)
    extra = {
      kind: 'language-model',
      tokenizer: tokenizer.toJSON(),
      config: {
        vocabSize: tokenizer.vocabSize,
        embeddingDim: integerOption('embedding', values.embedding, 32, 1, 100000, u),
        hiddenSize: integerOption('hidden', values.hidden, 128, 1, 100000, u),
        numLayers: integerOption('layers', values.layers, 1, 1, 64, u),
        cell: choiceOption('cell', values.cell, 'lstm', ['lstm', 'gru', 'rnn'], u),
        dropout: numberOption('dropout', values.dropout, 0, 0, 0.99, u) as number,
        tieWeights: false,
      },
    }
  }
  const tokenizer = CharTokenizer.fromJSON(extra.tokenizer)
  const ids = tokenizer.encode(text)
  const split = Math.floor(ids.length * 0.9)
  manualSeed(seed)
  const model = new LanguageModel(extra.config)
  const optimizer = new Adam(model.parameters(), { lr })
  let state: TrainerState | undefined
  if (resumeBytes !== null) {
    const loaded = loadCheckpoint(resumeBytes, { model, optimizer })
    state = loaded.trainer
    process.stdout.write(`resuming ${path} at step ${loaded.step}\n`)
  }
  const save = (trainer: TrainerState) => writeFileAtomic(path, saveCheckpoint({ model, optimizer, step: trainer.step, trainer, extra: extra as unknown as Record<string, JsonValue> }))
  const { cell, hiddenSize, numLayers } = extra.config
  process.stdout.write(`${cell} ${numLayers}×${hiddenSize} on ${ids.length} characters (vocabulary ${tokenizer.vocabSize}), ${steps} steps, checkpoint ${path}\n`)
  while ((state?.step ?? 0) < steps) {
    const target = Math.min(steps, (state?.step ?? 0) + every)
    const result = trainLanguageModel({
      model, optimizer, train: ids.subarray(0, split), validation: ids.subarray(split), batchSize, bptt, steps: target, clipNorm: 1, evalEvery: every, resume: state,
    })
    state = result.state
    const last = result.history[result.history.length - 1]
    const evaluation = result.evaluations[result.evaluations.length - 1]
    process.stdout.write(`step ${state.step}  loss ${last.loss.toFixed(4)}  validation ${evaluation.bitsPerToken.toFixed(4)} bits/char\n`)
    save(state)
  }
  process.stdout.write(`saved ${path}\n`)
}
