// Next-symbol prediction on embedded Reber grammar text as a comparison task. Each cell's language model
// reads `batchSize` endless streams of embedded Reber strings in windows of `length` symbols, carrying its
// hidden state from window to window (detached: truncated BPTT). Most symbols need only the last few — the
// grammar offers one or two legal successors — but the second-to-last symbol of every string must repeat
// its second one, across the whole inner string: the long-range dependency. The metric is the held-out
// cross-entropy per symbol (against the grammar's optimum); the verdict is the top-1 accuracy on those
// long-range symbols, solved at 95%, reported apart from the accuracy on the rest (a prediction counts as
// right there when the grammar allows it). A model that forgets the outer symbol scores 50% on them. The
// data of seed s: training streams from s, the test streams from s + 1, the gradient probe from s + 2, the
// validation streams (learning-rate selection) from s + 3.
import { noGrad } from '../autograd/engine.js'
import { embeddedReberEntropies, embeddedReberNextSymbols, embeddedReberString, REBER_SYMBOLS } from '../data/tasks/reber.js'
import { type CellKind, type RecurrentState } from '../models/recurrent.js'
import { argmax } from '../models/sampling.js'
import { crossEntropy } from '../optim/losses.js'
import { Generator } from '../tensor/random.js'
import { Tensor } from '../tensor/tensor.js'
import { toCellSpec, type CellSpec } from './cell-spec.js'
import type { CellRun, Task, TaskSettings } from './task.js'
import { detached, TokenModel, tokenGradientNorms } from './token-model.js'
import { countParameters, initializeVariant } from './variants.js'

const SOLVED_ACCURACY = 0.95
const EMBEDDING_DIM = 8
const EVAL_STREAMS = 16
const EVAL_LENGTH = 500
/** Symbols each test stream reads before scoring starts: training never starts a string from a zero state. */
const EVAL_WARMUP = 40
const PROBE_WINDOWS = 32

/** A window of symbol ids with what each prediction in it is scored against. */
export interface ReberWindow {
  inputs: Int32Array
  /** targets[i] = the symbol after inputs[i]. */
  targets: Int32Array
  /** legal[i]: the symbols the grammar allows after inputs[0..i] (the next string's B after a final E). */
  legal: string[]
  /** 1 where targets[i] is a long-range symbol (the second-to-last of its string), else 0. */
  longRange: Uint8Array
}

const symbolId = (symbol: string): number => REBER_SYMBOLS.indexOf(symbol)

/** The first `length` predictions along the embedded Reber strings `strings`, one after another. */
export function reberWindow(strings: readonly string[], length: number): ReberWindow {
  const text = strings.join('')
  if (text.length < length + 1) throw new Error(`reberWindow: ${text.length} symbols are too few for a window of ${length} and its targets`)
  const legal: string[] = []
  const longRange = new Uint8Array(length)
  for (const s of strings) {
    if (legal.length >= length) break
    const next = embeddedReberNextSymbols(s)
    next[next.length - 1] = 'B' // in a stream, another string follows
    const atInnerE = legal.length + s.length - 3 // the prediction made there is of the long-range symbol
    if (atInnerE < length) longRange[atInnerE] = 1
    legal.push(...next)
  }
  const ids = Int32Array.from(text.slice(0, length + 1), symbolId)
  return { inputs: ids.slice(0, length), targets: ids.slice(1), legal: legal.slice(0, length), longRange }
}

/**
 * Top-1 accuracies of `predicted` (one symbol id per position of `window`): on the long-range symbols,
 * correct when equal to the target; on the rest, correct when the grammar allows the predicted symbol.
 */
export function reberAccuracies(window: ReberWindow, predicted: ArrayLike<number>): { longRange: number; rest: number } {
  if (predicted.length !== window.targets.length) throw new Error(`reberAccuracies: ${predicted.length} predictions for a window of ${window.targets.length}`)
  let longRangeRight = 0
  let longRangeCount = 0
  let restRight = 0
  for (let i = 0; i < predicted.length; i++) {
    if (window.longRange[i] === 1) {
      longRangeCount++
      if (predicted[i] === window.targets[i]) longRangeRight++
    } else if (window.legal[i].includes(REBER_SYMBOLS[predicted[i]] ?? '-')) restRight++
  }
  const restCount = predicted.length - longRangeCount
  return { longRange: longRangeCount === 0 ? NaN : longRangeRight / longRangeCount, rest: restCount === 0 ? NaN : restRight / restCount }
}

/** Whole embedded strings from `generator` until they hold at least `symbols` symbols. */
function stringsOf(symbols: number, generator: Generator): string[] {
  const strings: string[] = []
  for (let total = 0; total < symbols; total += strings[strings.length - 1].length) strings.push(embeddedReberString(generator))
  return strings
}

/** Rows of windows as one window (row-major, as a [rows, T] tensor holds them). */
function stacked(rows: readonly ReberWindow[]): ReberWindow {
  const join = (pick: (w: ReberWindow) => Int32Array) => Int32Array.from(rows.flatMap((w) => [...pick(w)]))
  return { inputs: join((w) => w.inputs), targets: join((w) => w.targets), legal: rows.flatMap((w) => w.legal), longRange: Uint8Array.from(rows.flatMap((w) => [...w.longRange])) }
}

/** The predictions of `w` from position `start` on. */
function sliceWindow(w: ReberWindow, start: number): ReberWindow {
  return { inputs: w.inputs.slice(start), targets: w.targets.slice(start), legal: w.legal.slice(start), longRange: w.longRange.slice(start) }
}

function intTensor(data: Int32Array, shape: number[]): Tensor {
  const t = Tensor.zeros(shape, 'int32')
  t.data.set(data)
  return t
}

const ENTROPIES = embeddedReberEntropies()

function reberModel(spec: CellSpec, hidden: number): TokenModel {
  const model = new TokenModel(spec, { vocabSize: REBER_SYMBOLS.length, embeddingDim: EMBEDDING_DIM, hiddenSize: hidden })
  initializeVariant(model.rnn, spec)
  return model
}

/** EVAL_STREAMS held-out streams from `generator`: the inputs with warm-up, and the windows scored after it. */
function heldOut(generator: Generator): { inputs: Tensor; scored: ReberWindow } {
  const rows = Array.from({ length: EVAL_STREAMS }, () => reberWindow(stringsOf(EVAL_WARMUP + EVAL_LENGTH + 1, generator), EVAL_WARMUP + EVAL_LENGTH))
  return { inputs: intTensor(stacked(rows).inputs, [EVAL_STREAMS, EVAL_WARMUP + EVAL_LENGTH]), scored: stacked(rows.map((w) => sliceWindow(w, EVAL_WARMUP))) }
}

export const reberTask: Task = {
  name: 'reber',
  ref: { name: 'reber' },
  title: 'Embedded Reber grammar',
  metricName: 'test cross-entropy per symbol',
  metricUnit: 'nats',
  lossName: 'cross-entropy (nats)',
  lowerIsBetter: true,
  verdictRule: `solved when the top-1 accuracy on the long-range symbols (each string's second-to-last, which repeats its second) reaches ${SOLVED_ACCURACY}; forgetting the second symbol scores 0.5`,
  threshold: { quantity: 'long-range accuracy', value: SOLVED_ACCURACY, comparison: '>=' },
  baseline: { value: ENTROPIES.optimal, label: `grammar's optimum (${ENTROPIES.optimal.toFixed(3)} nats)` },
  longRange: "each string's second symbol, repeated at its second-to-last across the whole inner string",
  defaultLength: 40,
  defaultSteps: (length) => Math.max(100, Math.round(12_000 / length)),
  learningRate: 0.01,
  parameterCount: (cell, hidden) => countParameters(() => reberModel(cell, hidden)),
  create(cell: CellKind | CellSpec, { length, hidden, batchSize, seed }: TaskSettings): CellRun {
    const model = reberModel(toCellSpec(cell), hidden)
    const data = new Generator(seed)
    const test = heldOut(new Generator(seed + 1))
    let validation: ReturnType<typeof heldOut> | undefined // made when first asked for: only selection runs need it

    // Probe windows end at an inner E, so the last loss is the prediction of a long-range symbol.
    const probeGenerator = new Generator(seed + 2)
    const probeInputs = Tensor.zeros([PROBE_WINDOWS, length], 'int32')
    const probeLast = new Int32Array(PROBE_WINDOWS)
    for (let b = 0; b < PROBE_WINDOWS; b++) {
      let text = ''
      do text += embeddedReberString(probeGenerator)
      while (text.length - 2 < length)
      const end = text.length - 2 // the long-range symbol
      probeInputs.data.set(Int32Array.from(text.slice(end - length, end), symbolId), b * length)
      probeLast[b] = symbolId(text[end])
    }

    // Endless training streams: each keeps the symbols it has not yet consumed, topped up with whole strings.
    const streams: string[] = Array.from({ length: batchSize }, () => '')
    let carried: RecurrentState | undefined
    return {
      model,
      tokensPerStep: batchSize * length,
      trainLoss: () => {
        const inputs = Tensor.zeros([batchSize, length], 'int32')
        const targets = Tensor.zeros([batchSize, length], 'int32')
        for (let b = 0; b < batchSize; b++) {
          while (streams[b].length < length + 1) streams[b] += embeddedReberString(data)
          for (let t = 0; t < length; t++) {
            inputs.data[b * length + t] = symbolId(streams[b][t])
            targets.data[b * length + t] = symbolId(streams[b][t + 1])
          }
          streams[b] = streams[b].slice(length) // the last target is the next window's first input
        }
        const { logits, state } = model.forward(inputs, carried)
        carried = detached(state)
        return crossEntropy(logits.reshape([batchSize * length, REBER_SYMBOLS.length]), targets.reshape([batchSize * length]))
      },
      evaluate: (split = 'test') => {
        const set = split === 'test' ? test : (validation ??= heldOut(new Generator(seed + 3)))
        const V = REBER_SYMBOLS.length
        const logits = noGrad(() => model.forward(set.inputs).logits.slice(1, EVAL_WARMUP).reshape([EVAL_STREAMS * EVAL_LENGTH, V]))
        const loss = noGrad(() => crossEntropy(logits, set.scored.targets).item())
        const predicted = Int32Array.from({ length: EVAL_STREAMS * EVAL_LENGTH }, (_, i) => argmax(logits.data.subarray(i * V, (i + 1) * V)))
        const { longRange, rest } = reberAccuracies(set.scored, predicted)
        return {
          metric: loss,
          solved: longRange >= SOLVED_ACCURACY,
          details: {
            'long-range accuracy': longRange,
            'accuracy on the rest': rest,
            'optimal cross-entropy': ENTROPIES.optimal,
            'forgetful cross-entropy': ENTROPIES.forgetful,
            'unigram cross-entropy': ENTROPIES.unigram,
          },
        }
      },
      gradientNorms: () => tokenGradientNorms(model, probeInputs, probeLast),
    }
  },
}
