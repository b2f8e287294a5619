// How much memory a configuration needs, estimated from its sizes alone before anything is allocated, so
// that `--hidden 100000` is refused at once with a number instead of failing minutes later inside a typed
// array or WebAssembly.Memory.grow(). The estimate counts float32 buffers: the parameters, their
// gradients and Adam's two moments; the activations a training window keeps for BPTT and the gradients
// backward makes of them; an evaluation pass; and, for `compare`, the step-by-step graph of the gradient
// norm probe. It errs high (1 to 2.5 times the peak resident memory measured on five configurations of
// train and compare, 0.3 to 9 GB), not low.
import { totalmem } from 'node:os'
import type { CellKind } from '../models/recurrent.js'
import { UsageError } from './args.js'

const FLOAT = 4
const GATES: Record<CellKind, number> = { rnn: 1, lstm: 4, gru: 3 }

/** A recurrent network: an input (an embedding, or features), the recurrent layers, and a linear head. */
export interface NetworkShape {
  cell: CellKind
  inputSize: number
  hidden: number
  layers: number
  /** Rows of the embedding table (0: the input is features, not tokens). */
  vocabulary: number
  /** Classes of the linear head. */
  outputs: number
  /** The head reads every step (a language model) or one step per sequence. */
  headPerStep: boolean
}

/** A batch of sequences: B × T. */
export interface Pass {
  batch: number
  steps: number
}

export interface Workload {
  train: Pass
  evaluation: Pass
  /** compare's gradient-norm probe: the reference equations step by step, recorded for backward. */
  probe?: Pass
  /** The data held while training (text and its ids). */
  dataBytes: number
  /** Checkpoints are serialised in memory before they are written. */
  checkpoints: boolean
}

export interface MemoryEstimate {
  bytes: number
  /** Named parts, largest first, for the message. */
  parts: [string, number][]
  /** What the SIMD matmul needs in WebAssembly memory (part of bytes; it cannot pass 4 GiB). */
  wasmBytes: number
  /** Elements of the largest single array (a typed array holds at most 2^32 − 1). */
  largestArray: number
}

export function parameterCount(n: NetworkShape): number {
  const G = GATES[n.cell], H = n.hidden
  let count = n.vocabulary * n.inputSize + (n.outputs * H + n.outputs)
  for (let l = 0; l < n.layers; l++) count += G * H * ((l === 0 ? n.inputSize : H) + H) + 2 * G * H
  return count
}

/** Floats a forward pass of `pass` keeps alive, and (when training) what backward adds. */
function activations(n: NetworkShape, { batch, steps }: Pass, training: boolean): number {
  const G = GATES[n.cell], H = n.hidden, BT = batch * steps
  const head = n.headPerStep ? BT * n.outputs : batch * n.outputs
  let floats = BT * n.inputSize + 3 * head
  for (let l = 0; l < n.layers; l++) {
    const D = l === 0 ? n.inputSize : H
    // the input projection / gates of every step, h, c and aux per step, the packed output, and the
    // layout copies around the layer (batch-first in, batch-first out)
    floats += BT * (G * H + 6 * H + D)
  }
  if (!training) return floats
  let backward = BT * n.inputSize + 3 * head
  for (let l = 0; l < n.layers; l++) backward += BT * (2 * G * H + 4 * H + (l === 0 ? n.inputSize : H))
  return floats + backward
}

/** The probe runs one layer's equations op by op: every intermediate of every step stays on the tape. */
function probeActivations(n: NetworkShape, { batch, steps }: Pass): number {
  const G = GATES[n.cell], H = n.hidden
  return 2 * batch * steps * (6 * G * H + 8 * H + n.inputSize)
}

// The SIMD matmul works in WebAssembly memory, which only grows: a product's output block of at most
// 4,096 rows × 512 columns, two packing blocks, and for the recurrence the packed W_hh (H × G·H), which
// is what can outgrow WebAssembly's 4 GiB.
const WASM_LIMIT = 2 ** 32
const WASM_BLOCK_FLOATS = 4096 * 512 + 128 * 256 + 256 * 512
/** What Node, its compiled code and the collector's slack take besides the buffers (measured: 40–100 MB). */
const NODE_BYTES = 100 * 2 ** 20
const NODE_PART = 'Node itself'
/** What a worker thread of compare takes besides its buffers: its own V8 heap, modules and code (measured: 27 MB). */
const WORKER_BYTES = 40 * 2 ** 20
/** A typed array holds at most 2^32 − 1 elements. */
const ARRAY_LIMIT = 2 ** 32 - 1

/** Elements of the largest array of a pass: the gates of every step, the logits, or a weight. */
function largestArray(n: NetworkShape, { batch, steps }: Pass): number {
  const G = GATES[n.cell], H = n.hidden, BT = batch * steps
  const headRows = n.headPerStep ? BT : batch
  return Math.max(BT * G * H, headRows * n.outputs, G * H * Math.max(n.inputSize, H), n.vocabulary * n.inputSize, n.outputs * H)
}

function wasmBytes(n: NetworkShape): number {
  return (WASM_BLOCK_FLOATS + n.hidden * GATES[n.cell] * n.hidden) * FLOAT
}

export function estimateMemory(n: NetworkShape, w: Workload): MemoryEstimate {
  const P = parameterCount(n)
  const training = activations(n, w.train, true) * FLOAT
  const evaluation = activations(n, w.evaluation, false) * FLOAT
  // Training, evaluation and the probe take turns, but each pass's buffers are garbage only when the
  // collector gets to them, and measured peaks show it often has not: they are counted together.
  const parts: [string, number][] = [
    ['parameters and gradients', 2 * P * FLOAT],
    ['Adam state', 2 * P * FLOAT],
    ['a training window', training],
    ['an evaluation pass', evaluation],
    ['WebAssembly matmul memory', wasmBytes(n)],
    ['data', w.dataBytes],
    [NODE_PART, NODE_BYTES],
  ]
  if (w.probe) parts.push(['the gradient-norm probe', probeActivations(n, w.probe) * FLOAT])
  if (w.checkpoints) parts.push(['a checkpoint', 3 * P * FLOAT])
  const bytes = parts.reduce((sum, [, b]) => sum + b, 0)
  const largest = Math.max(largestArray(n, w.train), largestArray(n, w.evaluation))
  return { bytes, parts: parts.filter(([, b]) => b > 0).sort((a, b) => b[1] - a[1]), wasmBytes: wasmBytes(n), largestArray: largest }
}

/**
 * What `train --jobs N` adds (N > 1): N worker threads, each with its own copy of the parameters and their
 * gradients, WebAssembly memory and streams, and the shared parameters and gradient slots. The training
 * window's activations are the same in all: each worker holds its own rows' part.
 */
export function withTrainWorkers(estimate: MemoryEstimate, n: NetworkShape, jobs: number, trainTokens: number): MemoryEstimate {
  if (jobs <= 1) return estimate
  const P = parameterCount(n)
  const parts: [string, number][] = [
    ...estimate.parts,
    [`${jobs} worker threads`, jobs * WORKER_BYTES],
    [`${jobs} × parameters and gradients in the workers`, jobs * 2 * P * FLOAT],
    ['shared parameters and gradient slots', (1 + jobs) * P * FLOAT],
    [`${jobs} × WebAssembly matmul memory in the workers`, jobs * wasmBytes(n)],
    ["the workers' streams", 4 * trainTokens],
  ]
  return { ...estimate, bytes: parts.reduce((sum, [, b]) => sum + b, 0), parts: parts.sort((a, b) => b[1] - a[1]) }
}

/** The default limit: half of this machine's memory, leaving the rest to the system and Node itself. */
export function defaultMemoryLimit(): number {
  return Math.floor(totalmem() / 2)
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} ${value === 1 ? 'byte' : 'bytes'}` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

/**
 * Refuses a configuration whose estimate exceeds `limit`, naming the estimate, its largest parts and the
 * options that shrink them (`also`: another remedy, said after them). A usage error: the fix is in the
 * command line.
 */
export function checkMemory(estimate: MemoryEstimate, limit: number, { shrink, also, limitSource, usage }: { shrink: string; also?: string; limitSource: string; usage: string }): void {
  const largest = estimate.parts.slice(0, 2).map(([name, b]) => `${name} ${formatBytes(b)}`).join(', ')
  const fix = `make ${shrink} smaller${also === undefined ? '' : `, ${also}`}`
  if (estimate.bytes > limit) {
    throw new UsageError(
      `this configuration needs about ${formatBytes(estimate.bytes)} of memory (${largest}), more than the limit of ${formatBytes(limit)} (${limitSource}); ${fix}, or raise --max-memory`,
      usage,
    )
  }
  if (estimate.largestArray > ARRAY_LIMIT) {
    throw new UsageError(`this configuration needs an array of ${estimate.largestArray.toExponential(2)} numbers, more than the 2^32 − 1 an array can hold; ${fix}`, usage)
  }
  if (estimate.wasmBytes > WASM_LIMIT) {
    throw new UsageError(`this configuration needs ${formatBytes(estimate.wasmBytes)} of WebAssembly memory for its matrix products, more than the 4 GB it can have; ${fix}`, usage)
  }
}

// `compare`'s models and passes, as src/compare/{adding,copy,reber,text}.ts build them: the test sets and
// probes (512 and 32 sequences), Reber's 16 test streams of 540 symbols, and the text task's held-out tenth
// (at most 20,000 characters) read in the training batch's streams.
const COMPARE_TEST = 512
const COMPARE_PROBE = 32

export interface CompareWorkload {
  task: 'adding' | 'reber' | 'copy' | 'text'
  length: number
  batch: number
  /** The text task's text: its length and its distinct characters. */
  text: { characters: number; vocabulary: number } | null
}

/** One run of `compare`: a cell at its own hidden size (its variant's, or the one --match params chose). */
export function compareRunMemory({ task, length, batch, text }: CompareWorkload, { cell, hidden }: { cell: CellKind; hidden: number }): MemoryEstimate {
  const network = { cell, hidden, layers: 1 }
  const passes = (steps: number, evaluation: Pass) => ({ train: { batch, steps }, evaluation, probe: { batch: COMPARE_PROBE, steps }, checkpoints: false })
  switch (task) {
    case 'adding':
      return estimateMemory({ ...network, inputSize: 2, vocabulary: 0, outputs: 1, headPerStep: false }, { ...passes(length, { batch: COMPARE_TEST, steps: length }), dataBytes: 0 })
    case 'copy':
      return estimateMemory({ ...network, inputSize: 10, vocabulary: 0, outputs: 8, headPerStep: true }, { ...passes(length + 11, { batch: COMPARE_TEST, steps: length + 11 }), dataBytes: 0 })
    case 'reber':
      return estimateMemory({ ...network, inputSize: 8, vocabulary: 7, outputs: 7, headPerStep: true }, { ...passes(length, { batch: 16, steps: 540 }), dataBytes: 0 })
    case 'text': {
      const { characters, vocabulary } = text ?? { characters: 0, vocabulary: 1 }
      const held = Math.min(20_000, Math.ceil(characters / 10))
      const evaluation = { batch: Math.max(1, Math.min(batch, Math.floor(held / (length + 1)))), steps: length }
      return estimateMemory({ ...network, inputSize: 16, vocabulary, outputs: vocabulary, headPerStep: true }, { ...passes(length, evaluation), dataBytes: 10 * characters })
    }
  }
}

/**
 * What `compare` needs at its peak: `concurrent` runs of its largest cell at once, each in a worker thread
 * of its own that holds its own model, passes, data and WebAssembly memory; Node itself once. The parts
 * say how many runs they count ('2 × a training window').
 */
export function compareMemory(workload: CompareWorkload, cells: readonly { cell: CellKind; hidden: number }[], concurrent: number): MemoryEstimate {
  const largest = cells.map((c) => compareRunMemory(workload, c)).reduce((a, b) => (b.bytes > a.bytes ? b : a))
  if (concurrent <= 1) return largest
  const parts = largest.parts.map(([name, bytes]): [string, number] => (name === NODE_PART ? [name, bytes] : [`${concurrent} × ${name}`, concurrent * bytes]))
  parts.push([`${concurrent} worker threads`, concurrent * WORKER_BYTES])
  return { ...largest, bytes: parts.reduce((sum, [, b]) => sum + b, 0), parts: parts.sort((a, b) => b[1] - a[1]) }
}
