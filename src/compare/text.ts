// A character language model of the user's text (`--data FILE`) as a comparison task. The text's characters
// are the vocabulary; the first 90% trains, the last 10% is held out. Training walks windows of `length`
// characters along `batchSize` parallel streams, carrying the hidden state from one window to the next
// (detached), as the truncated-BPTT trainer does; the metric is the bits per character of the held-out
// text (its first 20,000 characters, so that a long file keeps evaluation quick). A unigram model — each
// character's frequency in the training text, add-one smoothed — sets the bar: a cell solves the task when
// its bits per character are at most 0.9 × the unigram's, i.e. when context buys it 10%. Choosing a
// learning rate never reads the held-out 10%: a selection run trains on the first 90% of the training part
// and is scored on its last 10%.
import { batchStreams, streamWindow } from '../data/batching.js'
import { CharTokenizer } from '../data/char-tokenizer.js'
import { type CellKind, type RecurrentState } from '../models/recurrent.js'
import { Tensor } from '../tensor/tensor.js'
import { toCellSpec, type CellSpec } from './cell-spec.js'
import type { CellRun, RunPurpose, Task, TaskSettings } from './task.js'
import { detached, heldOutBits, TokenModel, tokenGradientNorms } from './token-model.js'
import { countParameters, initializeVariant } from './variants.js'

const HELD_OUT = 0.1
const SOLVED_RATIO = 0.9
const EMBEDDING_DIM = 16
const MAX_VALIDATION = 20_000
const PROBE_WINDOWS = 32

/**
 * Bits per character of `validation` under the character frequencies of `train`, add-one smoothed over a
 * vocabulary of `vocabSize` ids, so a character never seen in training still costs a finite amount.
 */
export function unigramBitsPerCharacter(train: ArrayLike<number>, validation: ArrayLike<number>, vocabSize: number): number {
  const counts = new Float64Array(vocabSize).fill(1)
  for (let i = 0; i < train.length; i++) counts[train[i]]++
  const total = train.length + vocabSize
  let bits = 0
  for (let i = 0; i < validation.length; i++) bits -= Math.log2(counts[validation[i]] / total)
  return bits / validation.length
}

/** The character language model task on `text`. */
export function textTask(text: string): Task {
  if (typeof text !== 'string' || text.length === 0) throw new Error('text task: the text is empty; give a text file with --data')
  const tokenizer = new CharTokenizer(text)
  const ids = tokenizer.encode(text)
  const split = Math.floor(ids.length * (1 - HELD_OUT))
  const train = ids.subarray(0, split)
  const validation = ids.subarray(split, Math.min(ids.length, split + MAX_VALIDATION))
  const unigram = unigramBitsPerCharacter(train, validation, tokenizer.vocabSize) // the held-out part is never empty
  const bar = SOLVED_RATIO * unigram
  const textModel = (spec: CellSpec, hidden: number): TokenModel => {
    const model = new TokenModel(spec, { vocabSize: tokenizer.vocabSize, embeddingDim: EMBEDDING_DIM, hiddenSize: hidden })
    initializeVariant(model.rnn, spec)
    return model
  }

  return {
    name: 'text',
    ref: { name: 'text', text },
    title: 'Character language model',
    metricName: 'test bits per character',
    metricUnit: 'bits',
    lossName: 'cross-entropy (nats)',
    lowerIsBetter: true,
    verdictRule: `solved when the test bits per character (the held-out last 10%) are at most ${SOLVED_RATIO} × the unigram model's ${unigram.toFixed(3)} (${bar.toFixed(3)}): beating a unigram model by 10%`,
    threshold: { quantity: 'test bits per character', value: bar, comparison: '<=' },
    baseline: { value: unigram, label: `unigram (${unigram.toFixed(2)} bpc)` },
    longRange: null,
    defaultLength: 64,
    defaultSteps: (length) => Math.max(100, Math.round(32_000 / length)),
    learningRate: 0.01,
    parameterCount: (cell, hidden) => countParameters(() => textModel(cell, hidden)),
    create(cell: CellKind | CellSpec, { length, hidden, batchSize }: TaskSettings, purpose: RunPurpose = 'train'): CellRun {
      const needed = batchSize * (length + 1)
      if (train.length < needed || validation.length < length + 1) {
        throw new Error(
          `text task: the text has ${ids.length} characters, too few for ${batchSize} streams with windows of ${length}: ` +
            `the first 90% (${train.length}) must hold batch × (window + 1) = ${needed} characters and the last 10% (${validation.length}) at least window + 1 = ${length + 1}; ` +
            `give a longer text (at least ${Math.max(Math.ceil(needed / (1 - HELD_OUT)), Math.ceil((length + 1) / HELD_OUT))} characters) or a smaller --batch or --length`,
        )
      }
      const model = textModel(toCellSpec(cell), hidden)
      // Selection holds out the training part's last 10% (when that leaves a window per stream on both sides).
      const cut = Math.floor(train.length * (1 - HELD_OUT))
      const selecting = purpose === 'select' && cut >= needed && train.length - cut >= length + 1
      const trainOn = selecting ? train.subarray(0, cut) : train
      const tuneOn = selecting ? train.subarray(cut) : null
      const batches = batchStreams('text task', trainOn, batchSize, length)
      const streamsFor = (tokens: ArrayLike<number>) => Math.min(batchSize, Math.floor(tokens.length / (length + 1)))

      // Probe windows spread evenly over the training text; the last loss predicts the character after each.
      const probeCount = Math.min(PROBE_WINDOWS, train.length - length) // a probe reads no held-out text
      const probeInputs = Tensor.zeros([probeCount, length], 'int32')
      const probeLast = new Int32Array(probeCount)
      for (let b = 0; b < probeCount; b++) {
        const start = probeCount === 1 ? 0 : Math.floor((b * (train.length - length - 1)) / (probeCount - 1))
        probeInputs.data.set(train.subarray(start, start + length), b * length)
        probeLast[b] = train[start + length]
      }

      // The data is the text itself, in order: the seed only initialises the model (the runner seeds it).
      let window = 0
      let carried: RecurrentState | null = null
      return {
        model,
        tokensPerStep: batchSize * length,
        trainLoss: () => {
          if (window % batches.windows === 0) carried = null // each pass over the streams starts from a zero state
          const { inputs, targets } = streamWindow(batches, window)
          const { loss, state } = model.windowLoss(inputs, targets, carried ?? undefined)
          carried = detached(state)
          window = (window + 1) % batches.windows
          return loss
        },
        evaluate: (split = 'test') => {
          // A selection run whose training part is too short to split is refused, never scored on the test text.
          if (split === 'validation' && tuneOn === null) throw new Error(`text task: the training part (${train.length} characters) is too short to hold out a validation split for choosing the learning rate; give a longer text or a single --lr`)
          const tokens = split === 'test' ? validation : (tuneOn as Int32Array)
          const bpc = heldOutBits(model, tokens, { batchSize: streamsFor(tokens), bptt: length })
          return { metric: bpc, solved: bpc <= bar, details: { 'unigram bits per character': unigram, 'vocabulary size': tokenizer.vocabSize } }
        },
        gradientNorms: () => tokenGradientNorms(model, probeInputs, probeLast),
      }
    },
  }
}
