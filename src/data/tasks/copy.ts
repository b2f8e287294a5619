// The copy (delayed recall) task (Hochreiter & Schmidhuber 1997; in this form Arjovsky et al. 2016): a
// sequence shows `count` symbols from an alphabet, then blanks for `delay` steps, then a "go" marker, then
// `count` more blanks during which the model must output the symbols it saw, in order. Before recall the
// target is the blank. Inputs are one-hot over the alphabet, the blank and the go marker.
import { defaultGenerator, type Generator } from '../../tensor/random.js'
import { Tensor } from '../../tensor/tensor.js'
import { checkOptionKeys, describe } from '../../validation/checks.js'

export interface CopyOptions {
  /** Symbols to remember (k); 5 by default. */
  count?: number
  /** Alphabet size; 8 by default. Symbols are 0 … alphabet − 1, the blank is `alphabet`, go is `alphabet + 1`. */
  alphabet?: number
  dtype?: 'float32' | 'float64'
}

export interface CopyBatch {
  /** [B, T, alphabet + 2] one-hot inputs, T = 2·count + delay + 1. */
  x: Tensor
  /** [B, T] int32: the blank's id, except the symbols themselves on the recall steps. */
  targets: Tensor
  /** [B, count]: the symbols shown, per sequence. */
  symbols: Int32Array
  /** The first recall step (the one after the go marker); recall runs to the end of the sequence. */
  recallStart: number
  /** The blank's id (= alphabet), as input channel and as target class; the go marker is blank + 1. */
  blank: number
}

function checkInteger(name: string, value: unknown, min: number): number {
  if (!Number.isInteger(value) || (value as number) < min) throw new Error(`copyBatch: ${name} must be an integer ≥ ${min}, got ${describe(value)}`)
  return value as number
}

/** `batchSize` copy sequences with a delay of `delay` blank steps between the symbols and the go marker. */
export function copyBatch(batchSize: number, delay: number, generator: Generator = defaultGenerator, opts: CopyOptions = {}): CopyBatch {
  checkInteger('batchSize', batchSize, 1)
  checkInteger('delay', delay, 0)
  checkOptionKeys('copyBatch', opts, ['count', 'alphabet', 'dtype'])
  const count = checkInteger('count', opts.count ?? 5, 1)
  const alphabet = checkInteger('alphabet', opts.alphabet ?? 8, 1)
  const blank = alphabet
  const go = alphabet + 1
  const channels = alphabet + 2
  const recallStart = count + delay + 1
  const T = recallStart + count
  const x = Tensor.zeros([batchSize, T, channels], opts.dtype ?? 'float32')
  const targets = Tensor.zeros([batchSize, T], 'int32')
  const symbols = new Int32Array(batchSize * count)
  for (let b = 0; b < batchSize; b++) {
    for (let j = 0; j < count; j++) symbols[b * count + j] = generator.randint(alphabet)
    for (let t = 0; t < T; t++) {
      const input = t < count ? symbols[b * count + t] : t === recallStart - 1 ? go : blank
      x.data[(b * T + t) * channels + input] = 1
      targets.data[b * T + t] = t >= recallStart ? symbols[b * count + t - recallStart] : blank
    }
  }
  return { x, targets, symbols, recallStart, blank }
}

/** The fraction of recall steps where `predicted` — one symbol per recall step, [B, count] row-major — is right. */
export function copyRecallAccuracy(batch: CopyBatch, predicted: ArrayLike<number>): number {
  const { symbols } = batch
  const [B, T] = batch.targets.shape
  if (predicted.length !== symbols.length) {
    throw new Error(`copyRecallAccuracy: ${predicted.length} predictions for ${B} sequences of ${T - batch.recallStart} recall steps (expected ${symbols.length})`)
  }
  let right = 0
  for (let i = 0; i < symbols.length; i++) if (predicted[i] === symbols[i]) right++
  return right / symbols.length
}
