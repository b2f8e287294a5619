// Batching a token stream for truncated BPTT: the stream is cut into B parallel streams (rows), and
// training walks windows of `bptt` steps along them, each window's targets being its inputs shifted by one.
import { Tensor } from '../tensor/tensor.js'
import { describe } from '../validation/checks.js'

export interface StreamBatches {
  /** [B, L] row-major: row b is the b-th consecutive piece of the stream. */
  streams: Int32Array
  batchSize: number
  length: number
  bptt: number
  /** Windows per pass over the streams; the last may be shorter than bptt. */
  windows: number
}

/** Splits `tokens` into `batchSize` streams (dropping the remainder) walked in windows of `bptt`. */
export function batchStreams(where: string, tokens: ArrayLike<number>, batchSize: number, bptt: number): StreamBatches {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${where}: batchSize must be a positive integer, got ${describe(batchSize)}`)
  if (!Number.isInteger(bptt) || bptt < 1) throw new Error(`${where}: bptt must be a positive integer, got ${describe(bptt)}`)
  const length = Math.floor(tokens.length / batchSize)
  if (length < bptt + 1) {
    throw new Error(
      `${where}: ${tokens.length} tokens are too few for ${batchSize} streams with bptt ${bptt}: each stream needs bptt + 1 tokens (a window and its targets), so at least ${batchSize * (bptt + 1)} tokens`,
    )
  }
  const streams = new Int32Array(batchSize * length)
  for (let b = 0; b < batchSize; b++) for (let i = 0; i < length; i++) streams[b * length + i] = tokens[b * length + i]
  return { streams, batchSize, length, bptt, windows: Math.ceil((length - 1) / bptt) }
}

/** Window `index` (wrapping around): inputs [B, T] and targets [B, T], T ≤ bptt. */
export function streamWindow(batches: StreamBatches, index: number): { inputs: Tensor; targets: Tensor } {
  const { streams, batchSize: B, length, bptt, windows } = batches
  const start = (index % windows) * bptt
  const T = Math.min(bptt, length - 1 - start)
  const inputs = Tensor.zeros([B, T], 'int32')
  const targets = Tensor.zeros([B, T], 'int32')
  for (let b = 0; b < B; b++) {
    inputs.data.set(streams.subarray(b * length + start, b * length + start + T), b * T)
    targets.data.set(streams.subarray(b * length + start + 1, b * length + start + 1 + T), b * T)
  }
  return { inputs, targets }
}
