// `seqgrad train`: a character language model on a text file (or on generated embedded Reber text), trained
// by truncated BPTT, with a checkpoint written atomically every --every steps, at the end and on Ctrl-C;
// --resume continues from the checkpoint exactly where it stopped. Everything that can fail is checked
// before the first step: the options, the checkpoint path, the data's length and the memory it needs.
import { statSync } from 'node:fs'
import { CharTokenizer } from '../../data/char-tokenizer.js'
import { embeddedReberText } from '../../data/tasks/reber.js'
import { loadCheckpoint, saveCheckpoint, type JsonValue } from '../../io/checkpoint.js'
import { LanguageModel } from '../../models/language-model.js'
import { Adam } from '../../optim/adam.js'
import type { TrainerState } from '../../optim/trainer.js'
import { Generator, manualSeed } from '../../tensor/random.js'
import { choiceOption, integerOption, numberOption, parseCommand, sizeOption, UsageError } from '../args.js'
import { checkFileTarget, checkpointProblem, removeStaleTemporaries, writeFileAtomic } from '../files.js'
import { lockCheckpoint } from '../lock.js'
import { checkMemory, defaultMemoryLimit, estimateMemory, withTrainWorkers } from '../memory.js'
import { fingerprint, holdOut, readTextFile, type DataFingerprint } from '../text.js'
import { checkResumeData, checkResumeOptions, readLanguageModelExtra, whyNotCheckpoint, type LanguageModelExtra, type TrainingOptions } from './train-checkpoint.js'
import { runTraining } from './train-loop.js'

export { readLanguageModelExtra, type LanguageModelExtra } from './train-checkpoint.js'

/** The defaults, as --help and the README state them. */
export const TRAIN_DEFAULTS = {
  cell: 'lstm', hidden: 128, layers: 1, embedding: 32, dropout: 0, bptt: 64, batch: 16, steps: 2000, lr: 0.003, seed: 0, every: 200, jobs: 1,
  checkpoint: 'seqgrad-model.safetensors',
} as const
const D = TRAIN_DEFAULTS

export const TRAIN_USAGE = `usage: seqgrad train (--data FILE | --task reber) [--cell ${D.cell}|gru|rnn] [--hidden ${D.hidden}] [--layers ${D.layers}]
                     [--embedding ${D.embedding}] [--dropout ${D.dropout}] [--bptt ${D.bptt}] [--batch ${D.batch}] [--steps ${D.steps}] [--lr ${D.lr}]
                     [--seed ${D.seed}] [--checkpoint ${D.checkpoint}] [--every ${D.every}] [--resume] [--force]
                     [--jobs ${D.jobs}] [--max-memory SIZE]

Trains a character language model by truncated backpropagation through time: the text is cut into B
parallel streams and read in windows of T characters; the last tenth is held out for validation (bits per
character). A checkpoint (weights, optimizer, generator, position, tokenizer, options, a fingerprint of
the data) is written every N steps, at the end, and on Ctrl-C, SIGTERM or SIGHUP (which exit with 130, 143
or 129); with --resume, training continues from it exactly. A checkpoint is replaced only by a complete new
one, and --force replaces only a checkpoint, never another file. While it runs, train holds FILE.lock: a
second train on the same checkpoint is refused.

  --data FILE        the text to model (UTF-8); or --task reber: generated embedded Reber grammar strings
  --cell C           lstm, gru or rnn (default ${D.cell})
  --hidden H         hidden size (default ${D.hidden})
  --layers L         stacked layers (default ${D.layers})
  --embedding E      embedding size (default ${D.embedding})
  --dropout P        between layers and on outputs (default ${D.dropout})
  --bptt T           window length (default ${D.bptt})
  --batch B          parallel streams (default ${D.batch})
  --steps N          total optimizer steps, counting those before a --resume (default ${D.steps})
  --lr R             Adam learning rate, > 0 (default ${D.lr})
  --seed S           seed (default ${D.seed})
  --checkpoint FILE  where to save (default ${D.checkpoint})
  --every N          checkpoint interval in steps (default ${D.every})
  --resume           continue from --checkpoint; options given again must match it
  --force            replace an existing --checkpoint with a new model; with --resume, continue on other data
  --jobs J           worker threads sharing each batch's streams (at most --batch); the gradients are
                     summed in a fixed order, so a run repeats for a given J and differs from another J by
                     float32 rounding only; a checkpoint resumes with any J (default ${D.jobs})
  --max-memory SIZE  refuse a configuration estimated to need more, such as 512M or 2G
                     (default: half of this machine's memory)`

const u = TRAIN_USAGE

/** The text to train on, and its fingerprint: the file, or Reber strings generated from the seed. */
function trainingText(data: string | undefined, task: string | undefined, seed: number): { text: string; fingerprint: DataFingerprint } {
  if ((data === undefined) === (task === undefined)) throw new UsageError('give exactly one of --data FILE and --task reber', u)
  if (data !== undefined) return readTextFile(data)
  const text = embeddedReberText(3000, new Generator(seed))
  return { text, fingerprint: fingerprint('reber', new TextEncoder().encode(text)) }
}

export async function trainCommand(argv: string[]): Promise<number> {
  const options = {
    data: { type: 'string' }, task: { type: 'string' }, cell: { type: 'string' }, hidden: { type: 'string' }, layers: { type: 'string' },
    embedding: { type: 'string' }, dropout: { type: 'string' }, bptt: { type: 'string' }, batch: { type: 'string' }, steps: { type: 'string' },
    lr: { type: 'string' }, seed: { type: 'string' }, checkpoint: { type: 'string' }, every: { type: 'string' }, resume: { type: 'boolean' },
    force: { type: 'boolean' }, jobs: { type: 'string' }, 'max-memory': { type: 'string' },
  } as const
  const { values: v } = parseCommand(argv, options, u)
  if (v.help) {
    process.stdout.write(`${u}\n`)
    return 0
  }
  if (v.task !== undefined) choiceOption('task', v.task, 'reber', ['reber'], u)
  // Every option is read (and range-checked) whether or not the checkpoint will supply it.
  const model = {
    cell: v.cell === undefined ? undefined : choiceOption('cell', v.cell, D.cell, ['lstm', 'gru', 'rnn'], u),
    hidden: v.hidden === undefined ? undefined : integerOption('hidden', v.hidden, D.hidden, 1, 100000, u),
    layers: v.layers === undefined ? undefined : integerOption('layers', v.layers, D.layers, 1, 64, u),
    embedding: v.embedding === undefined ? undefined : integerOption('embedding', v.embedding, D.embedding, 1, 100000, u),
    dropout: numberOption('dropout', v.dropout, undefined, 0, 0.99, u),
  }
  const given: Partial<TrainingOptions> = {
    bptt: v.bptt === undefined ? undefined : integerOption('bptt', v.bptt, D.bptt, 1, 100000, u),
    batch: v.batch === undefined ? undefined : integerOption('batch', v.batch, D.batch, 1, 65536, u),
    lr: numberOption('lr', v.lr, undefined, 0, 10, u, { above: true }),
    seed: v.seed === undefined ? undefined : integerOption('seed', v.seed, D.seed, 0, Number.MAX_SAFE_INTEGER, u),
  }
  const steps = integerOption('steps', v.steps, D.steps, 1, 100_000_000, u)
  const every = integerOption('every', v.every, D.every, 1, 100_000_000, u)
  const jobs = integerOption('jobs', v.jobs, D.jobs, 1, 256, u)
  const limit = sizeOption('max-memory', v['max-memory'], defaultMemoryLimit(), u)
  const path = v.checkpoint ?? D.checkpoint

  checkFileTarget(path, '--checkpoint') // a file can be made there: so can its lock
  if (v.data !== undefined && sameFile(path, v.data)) throw new UsageError(`--checkpoint ${path} is the --data file; give another --checkpoint`, u)
  // one run at a time on a checkpoint: two would each overwrite the other's steps
  const release = lockCheckpoint(path, (line) => process.stdout.write(`${line}\n`))
  try {
    return await trainLocked(v, model, given, { steps, every, jobs, limit, path })
  } finally {
    release()
  }
}

type Flags = { data?: string; task?: string; resume?: boolean; force?: boolean; every?: string; 'max-memory'?: string }
type ModelFlags = { cell?: LanguageModelExtra['config']['cell']; hidden?: number; layers?: number; embedding?: number; dropout?: number }

/** The run itself, with the checkpoint locked: every check of the checkpoint's state is made under the lock. */
async function trainLocked(v: Flags, model: ModelFlags, given: Partial<TrainingOptions>, { steps, every, jobs, limit, path }: { steps: number; every: number; jobs: number; limit: number; path: string }): Promise<number> {
  const exists = checkFileTarget(path, '--checkpoint')
  if (exists && v.force && !v.resume) {
    const why = whyNotCheckpoint(path)
    if (why !== null) throw new UsageError(`--checkpoint ${path} exists and is not a seqgrad checkpoint (${why}); --force replaces only a checkpoint, so give another --checkpoint`, u)
  }
  if (exists && !v.resume && !v.force) throw new UsageError(`--checkpoint ${path} already exists: add --resume to continue it, or --force to train a new model in its place`, u)
  if (!exists && v.resume) throw new Error(`--resume: there is no checkpoint at ${path} yet (train without --resume to start one)`)
  let resumed: { bytes: Uint8Array; extra: LanguageModelExtra } | null = null
  if (v.resume) {
    resumed = readLanguageModelExtra(path)
    checkResumeOptions(path, resumed.extra, { model, training: given }, u)
  }
  const training: TrainingOptions = { bptt: D.bptt, batch: D.batch, lr: D.lr, seed: D.seed, ...resumed?.extra.training, ...definedOnly(given) }
  const data = trainingText(v.data, v.task, training.seed)
  if (resumed !== null) checkResumeData(path, resumed.extra, data.fingerprint, v.force === true, u)

  const tokenizer = resumed === null ? new CharTokenizer(data.text) : CharTokenizer.fromJSON(resumed.extra.tokenizer)
  const extra: LanguageModelExtra = resumed?.extra ?? {
    kind: 'language-model',
    tokenizer: tokenizer.toJSON(),
    config: {
      vocabSize: tokenizer.vocabSize, embeddingDim: model.embedding ?? D.embedding, hiddenSize: model.hidden ?? D.hidden, numLayers: model.layers ?? D.layers,
      cell: model.cell ?? D.cell, dropout: model.dropout ?? D.dropout, tieWeights: false,
    },
  }
  extra.training = training
  extra.data = data.fingerprint
  const ids = encode(tokenizer, data.text, v.data)
  const { batch, bptt } = training
  if (jobs > batch) throw new UsageError(`--jobs ${jobs} is more than the ${batch} streams of --batch: each thread trains whole streams`, u)
  const notes: string[] = []
  const split = holdOut(ids, batch, bptt, (line) => notes.push(line))
  const { config } = extra
  const network = { cell: config.cell, inputSize: config.embeddingDim, hidden: config.hiddenSize, layers: config.numLayers, vocabulary: config.vocabSize, outputs: config.vocabSize, headPerStep: true }
  const estimate = withTrainWorkers(
    estimateMemory(network, { train: { batch, steps: bptt }, evaluation: { batch: split.validation?.streams ?? 0, steps: bptt }, dataBytes: 12 * ids.length, checkpoints: true }),
    network, jobs, split.train.length,
  )
  const shrink = resumed === null ? '--hidden, --layers, --batch or --bptt' : '--batch or --bptt'
  checkMemory(estimate, limit, { shrink, ...(jobs > 1 ? { also: 'give fewer --jobs' } : {}), limitSource: v['max-memory'] === undefined ? "half of this machine's memory" : `--max-memory ${v['max-memory']}`, usage: u })

  removeStaleTemporaries(path)
  manualSeed(training.seed)
  const lm = new LanguageModel(config)
  const optimizer = new Adam(lm.parameters(), { lr: training.lr })
  let state: TrainerState | undefined
  if (resumed !== null) {
    const loaded = (() => {
      try {
        return loadCheckpoint(resumed.bytes, { model: lm, optimizer })
      } catch (error) {
        throw new Error(`cannot resume from ${path}: ${checkpointProblem(error)}`)
      }
    })()
    resumed.bytes = new Uint8Array(0) // the file's bytes are not needed any more
    state = loaded.trainer
    if (loaded.step >= steps) {
      process.stdout.write(`${path} is already at step ${loaded.step}, and --steps is ${steps}: nothing to do (give a larger --steps to train further)\n`)
      return 0
    }
    process.stdout.write(`resuming ${path} at step ${loaded.step}\n`)
  }
  for (const note of notes) process.stdout.write(`${note}\n`)
  process.stdout.write(
    `${config.cell} ${config.numLayers}×${config.hiddenSize} on ${ids.length.toLocaleString('en-US')} characters (vocabulary ${tokenizer.vocabSize}), ${steps} steps${jobs > 1 ? ` in ${jobs} threads` : ''}, checkpoint ${path}\n`,
  )
  const json = extra as unknown as Record<string, JsonValue>
  return runTraining({
    model: lm, optimizer, train: split.train, validation: split.validation, batch, bptt, steps, every, jobs, state, path,
    save: (s) => writeFileAtomic(path, saveCheckpoint({ model: lm, optimizer, step: s.step, trainer: s, extra: json })),
    resumeCommand: resumeCommand(v.data, path, steps, v.every, jobs),
  })
}

/** Whether two paths name one file (the same device and inode: links and other spellings included). */
function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a)
    const y = statSync(b)
    return x.dev === y.dev && x.ino === y.ino
  } catch {
    return false // --data is checked, with its own message, when it is read
  }
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>
}

/** The ids of `text` in the (possibly resumed) vocabulary; a character it lacks is named with the flag. */
function encode(tokenizer: CharTokenizer, text: string, data: string | undefined): Int32Array {
  try {
    return tokenizer.encode(text)
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/^[\w.]+: /, '').split(';')[0]
    throw new Error(`--data ${data ?? ''} has a character the checkpoint's vocabulary lacks: ${reason}`)
  }
}

const quote = (s: string) => (/^[\w./@%+=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)

/** The command that continues the run: with its --jobs too, which a checkpoint does not record and float32 rounding depends on. */
function resumeCommand(data: string | undefined, path: string, steps: number, every: string | undefined, jobs: number): string {
  const source = data === undefined ? '--task reber' : `--data ${quote(data)}`
  return `seqgrad train ${source} --checkpoint ${quote(path)} --resume --steps ${steps}${every === undefined ? '' : ` --every ${every}`}${jobs > 1 ? ` --jobs ${jobs}` : ''}`
}
