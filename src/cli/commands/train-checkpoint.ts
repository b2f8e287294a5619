// What a `seqgrad train` checkpoint keeps besides the weights — the model's description, the tokenizer,
// the options that must not change on --resume and a fingerprint of the data — and the checks --resume
// makes with it.
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs'
import type { CharTokenizerJSON } from '../../data/char-tokenizer.js'
import { loadSafetensors } from '../../io/safetensors.js'
import type { LanguageModelOptions } from '../../models/language-model.js'
import { UsageError } from '../args.js'
import { describeFsError } from '../files.js'
import type { DataFingerprint } from '../text.js'

/** The options a run keeps: --resume takes them from the checkpoint and refuses different ones. */
export interface TrainingOptions {
  bptt: number
  batch: number
  lr: number
  seed: number
}

/** What a language-model checkpoint keeps besides the weights, so `sample` and `--resume` can rebuild it. */
export interface LanguageModelExtra {
  kind: 'language-model'
  /** train has no flags for recurrentDropout and inputDropout, so its models have none and the config leaves them out; its models run the fused path. */
  config: Required<Omit<LanguageModelOptions, 'dtype' | 'recurrentDropout' | 'inputDropout' | 'impl'>>
  tokenizer: CharTokenizerJSON
  /** Absent in checkpoints written before they were recorded. */
  training?: TrainingOptions
  data?: DataFingerprint
}

/** Reads the model description from a checkpoint file, or says why it is not a language-model checkpoint. */
export function readLanguageModelExtra(path: string): { bytes: Uint8Array; extra: LanguageModelExtra } {
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(readFileSync(path))
  } catch (error) {
    throw new Error(`cannot read checkpoint ${path}: ${describeFsError(error)}`)
  }
  let extra: Partial<LanguageModelExtra> | null
  try {
    const { metadata } = loadSafetensors(bytes)
    extra = metadata.extra === undefined ? null : (JSON.parse(metadata.extra) as Partial<LanguageModelExtra>)
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/^\w+: /, '')
    throw new Error(`${path} is not a seqgrad checkpoint (${reason})`)
  }
  if (extra?.kind !== 'language-model' || extra.config === undefined || extra.tokenizer === undefined) {
    throw new Error(`${path} is not a seqgrad language-model checkpoint (written by seqgrad train)`)
  }
  return { bytes, extra: extra as LanguageModelExtra }
}

/** The format tag saveCheckpoint writes in the safetensors metadata (src/io/checkpoint.ts). */
const CHECKPOINT_FORMAT = 'seqgrad-checkpoint-1'

/**
 * Why the file at `path` is not a seqgrad checkpoint, or null when it is one: read from its safetensors
 * header only (the length, the JSON, its format tag), never the weights, so it is cheap on a large file.
 */
export function whyNotCheckpoint(path: string): string | null {
  let fd: number | null = null
  try {
    fd = openSync(path, 'r')
    const size = statSync(path).size
    const read = (length: number, position: number) => {
      const bytes = new Uint8Array(length)
      return bytes.subarray(0, readSync(fd as number, bytes, 0, length, position))
    }
    const prefix = read(8, 0)
    if (prefix.length < 8) return `it has ${size} bytes, no safetensors header`
    const length = new DataView(prefix.buffer).getBigUint64(0, true)
    if (length === 0n || length > BigInt(Math.min(size - 8, 100 * 2 ** 20))) return 'it does not start with a safetensors header'
    let header: unknown
    try {
      header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(read(Number(length), 8)))
    } catch {
      return 'it does not start with a safetensors header'
    }
    const format = (header as { __metadata__?: { format?: unknown } } | null)?.__metadata__?.format
    return format === CHECKPOINT_FORMAT ? null : 'a safetensors file, but not a seqgrad checkpoint'
  } catch (error) {
    return `it cannot be read: ${describeFsError(error)}`
  } finally {
    if (fd !== null) closeSync(fd)
  }
}

/** The model options as flags: what --resume compares with the checkpoint's config. */
export const MODEL_FLAGS = { cell: 'cell', hidden: 'hiddenSize', layers: 'numLayers', embedding: 'embeddingDim', dropout: 'dropout' } as const

/**
 * --resume continues the run as it was: an option given again must match the checkpoint (model options
 * always; the training options when the checkpoint records them). `given` holds the parsed flags.
 */
export function checkResumeOptions(
  path: string,
  extra: LanguageModelExtra,
  given: { model: Partial<Record<keyof typeof MODEL_FLAGS, string | number>>; training: Partial<TrainingOptions> },
  usage: string,
): void {
  const differs: string[] = []
  for (const [flag, key] of Object.entries(MODEL_FLAGS) as [keyof typeof MODEL_FLAGS, (typeof MODEL_FLAGS)[keyof typeof MODEL_FLAGS]][]) {
    const value = given.model[flag]
    if (value !== undefined && value !== extra.config[key]) differs.push(`--${flag} ${value} (the checkpoint has ${extra.config[key]})`)
  }
  if (extra.training !== undefined) {
    for (const [flag, value] of Object.entries(given.training) as [keyof TrainingOptions, number | undefined][]) {
      if (value !== undefined && value !== extra.training[flag]) differs.push(`--${flag} ${value} (the checkpoint has ${extra.training[flag]})`)
    }
  }
  if (differs.length > 0) {
    throw new UsageError(`--resume continues ${path} as it was trained, but ${differs.join(', ')} differ${differs.length === 1 ? 's' : ''}; drop ${differs.length === 1 ? 'it' : 'them'}, or train a new model into another --checkpoint`, usage)
  }
}

/** Refuses to resume on other data than the checkpoint's, unless forced. */
export function checkResumeData(path: string, extra: LanguageModelExtra, data: DataFingerprint, force: boolean, usage: string): void {
  const was = extra.data
  if (was === undefined || force || (was.bytes === data.bytes && was.sha256 === data.sha256)) return
  const described = was.source === 'reber' ? 'generated Reber text' : `${was.source} (${was.bytes.toLocaleString('en-US')} bytes, sha256 ${was.sha256.slice(0, 12)}…)`
  const now = data.source === 'reber' ? 'the generated Reber text' : `--data ${data.source}`
  throw new UsageError(`--resume: ${now} is not the data ${path} was trained on, ${described}; give that data, or add --force to continue on this`, usage)
}
