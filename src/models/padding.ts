// Sequences of different lengths in one batch: the recurrent layers' `lengths` and `mask` options, checked
// and turned into one flag per step and sequence ([T·B], time-major, 1 = the step counts), which both
// paths of the cells read (src/cells/sequence.ts, src/cells/fused/valid-steps.ts); and padSequences, which
// makes such a batch.
import { cat, stack } from '../autograd/ops/layout.js'
import { formatShape } from '../tensor/shape.js'
import { Tensor } from '../tensor/tensor.js'
import { checkOptionKeys, describe } from '../validation/checks.js'
import type { ForwardOptions } from './cells.js'

/** The last argument of RNN, LSTM and GRU's forward. */
export interface SequenceForwardOptions extends ForwardOptions {
  /**
   * Each sequence's length (B integers in 1 … T, any order; a number array, any array-like of integers such
   * as an Int32Array, or an int32 tensor [B]; for unbatched x one value, a number or any of those holding
   * one): PyTorch's pack_padded_sequence(x, lengths, enforce_sorted=False) → layer →
   * pad_packed_sequence(…, total_length=T). The output keeps all T steps (pad_packed_sequence without
   * total_length would keep max(lengths)); steps from a sequence's length on are padding: their outputs are
   * 0, the final h (and c) are each sequence's state at its own last step, and a reverse direction starts at
   * each sequence's own end. A length of 0 is refused, as PyTorch refuses it; use `mask` for an empty row.
   */
  lengths?: ArrayLike<number> | Tensor | number
  /**
   * Keras's masking: [B, T] of 0 and 1 (a tensor of any dtype, or nested arrays; [T] for unbatched x),
   * [B, T] whether or not the layer is batchFirst. At a step of 0 the state is carried unchanged and the
   * output is 0 (Keras's zero_output_for_mask, which its Bidirectional sets for return_sequences;
   * TensorFlow.js and a lone Keras layer repeat the carried state there instead). Any steps may be
   * masked: leading ones keep the initial state, a fully masked row outputs 0 and keeps its initial
   * state. A reverse direction reads the steps from T − 1 down, skipping masked ones (Keras's
   * go_backwards on the reversed mask), so with a mask of each row's first L steps it equals `lengths`.
   */
  mask?: Tensor | readonly (readonly number[])[] | readonly number[]
}

export const SEQUENCE_OPTION_KEYS = ['lengths', 'mask'] as const

/** The flags of opts.lengths or opts.mask for x of T steps and B sequences, or null when neither is given. */
export function validSteps(where: string, opts: SequenceForwardOptions | undefined, T: number, B: number, unbatched: boolean): Uint8Array | null {
  const lengths = opts?.lengths, mask = opts?.mask
  if (lengths !== undefined && mask !== undefined) throw new Error(`${where}: give lengths or mask, not both`)
  if (lengths !== undefined) return lengthFlags(where, lengths, T, B, unbatched)
  if (mask !== undefined) return maskFlags(where, mask, T, B, unbatched)
  return null
}

function lengthFlags(where: string, lengths: unknown, T: number, B: number, unbatched: boolean): Uint8Array {
  const want = unbatched ? `one length (x is unbatched) in 1 … ${T}` : `${B} lengths (one per sequence), integers in 1 … ${T}`
  let values: ArrayLike<number>
  if (lengths instanceof Tensor) {
    if (lengths.dtype !== 'int32' || lengths.ndim !== 1) throw new Error(`${where}: lengths must be ${want}, as a number array or an int32 tensor [${B}]; got a ${lengths.dtype} tensor ${formatShape(lengths.shape)}`)
    values = lengths.data
  } else if (unbatched && typeof lengths === 'number') {
    values = [lengths]
  } else if (isArrayLike(lengths)) {
    values = lengths
  } else {
    throw new Error(`${where}: lengths must be ${want}, as ${unbatched ? 'a number, ' : ''}a number array (or an Int32Array, any array-like) or an int32 tensor; got ${describe(lengths)}`)
  }
  if (values.length !== B) throw new Error(`${where}: lengths must be ${want}; got ${values.length} values`)
  const flags = new Uint8Array(T * B)
  for (let b = 0; b < B; b++) {
    const n = values[b]
    if (!Number.isInteger(n) || n < 1 || n > T) {
      const why = n === 0 ? ' (an empty sequence has no last state: PyTorch refuses it too; a mask can leave a row empty)' : ''
      throw new Error(`${where}: lengths must be ${want}; lengths[${b}] is ${describe(n)}${why}`)
    }
    for (let t = 0; t < n; t++) flags[t * B + b] = 1
  }
  return flags
}

function isArrayLike(value: unknown): value is ArrayLike<number> {
  if (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) return true
  if (value === null || typeof value !== 'object') return false
  const n = (value as { length?: unknown }).length
  return typeof n === 'number' && Number.isInteger(n) && n >= 0
}

function maskFlags(where: string, mask: unknown, T: number, B: number, unbatched: boolean): Uint8Array {
  const shape = unbatched ? [T] : [B, T]
  const want = `a mask of 0 and 1 shaped ${formatShape(shape)} (${unbatched ? 'T' : 'B, T'})`
  let values: ArrayLike<number>
  if (mask instanceof Tensor) {
    if (mask.shape.length !== shape.length || mask.shape.some((n, k) => n !== shape[k])) throw new Error(`${where}: expected ${want}; got a tensor ${formatShape(mask.shape)}`)
    values = mask.data
  } else if (Array.isArray(mask)) {
    const rows = unbatched ? [mask] : (mask as unknown[])
    if (rows.length !== (unbatched ? 1 : B) || !rows.every((row) => Array.isArray(row) && row.length === T)) throw new Error(`${where}: expected ${want}; got ${describe(mask)} that is not ${formatShape(shape)}`)
    values = (rows as number[][]).flat()
  } else {
    throw new Error(`${where}: expected ${want}; got ${describe(mask)}`)
  }
  const flags = new Uint8Array(T * B)
  for (let k = 0; k < T * B; k++) {
    const v = values[k]
    if (v !== 0 && v !== 1) throw new Error(`${where}: the mask must hold only 0 and 1; element [${unbatched ? k : `${Math.floor(k / T)}, ${k % T}`}] is ${describe(v)}`)
    const b = unbatched ? 0 : Math.floor(k / T), t = unbatched ? k : k % T
    flags[t * B + b] = v
  }
  return flags
}

/**
 * Sequences of different lengths as one batch-first batch, padded at the end to the longest, with their
 * lengths (PyTorch's pad_sequence with batch_first=True): token id arrays give int32 [B, T], tensors
 * [L, …] give [B, T, …] in their dtype (differentiable). An empty sequence becomes a row of padding, as in
 * PyTorch (all empty: T = 0); its length 0 is one the layers' lengths refuse, as pack_padded_sequence does. padValue fills the padding (default 0; -100, the
 * default ignoreIndex of crossEntropy, makes padded targets count for nothing in a loss).
 */
export function padSequences(sequences: readonly (ArrayLike<number> | Tensor)[], opts: { padValue?: number } = {}): { padded: Tensor; lengths: number[] } {
  const where = 'padSequences'
  checkOptionKeys(where, opts, ['padValue'])
  const padValue = opts.padValue ?? 0
  if (!Array.isArray(sequences) || sequences.length === 0) throw new Error(`${where}: expected a non-empty array of sequences, got ${describe(sequences)}`)
  if (typeof padValue !== 'number' || !Number.isFinite(padValue)) throw new Error(`${where}: padValue must be a finite number, got ${describe(padValue)}`)
  const lengths = sequences.map((seq, b) => {
    const n = seq instanceof Tensor ? (seq.ndim >= 1 ? seq.shape[0] : -1) : seq?.length
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new Error(`${where}: sequences[${b}] must be an array of token ids or a tensor [L, …]; got ${seq instanceof Tensor ? `a tensor ${formatShape(seq.shape)}` : describe(seq)}`)
    return n
  })
  const T = Math.max(...lengths), B = sequences.length
  const first = sequences[0]
  if (first instanceof Tensor) {
    const rest = first.shape.slice(1)
    const rows = sequences.map((seq, b) => {
      if (!(seq instanceof Tensor) || seq.dtype !== first.dtype || formatShape(seq.shape.slice(1)) !== formatShape(rest)) {
        throw new Error(`${where}: sequences[${b}] must be a ${first.dtype} tensor [L, ${rest.join(', ')}] like sequences[0]; got ${seq instanceof Tensor ? `${seq.dtype} ${formatShape(seq.shape)}` : describe(seq)}`)
      }
      if (seq.shape[0] === T) return seq
      const pad = Tensor.zeros([T - seq.shape[0], ...rest], seq.dtype)
      pad.data.fill(padValue)
      return seq.shape[0] === 0 ? pad : cat([seq, pad], 0)
    })
    return { padded: stack(rows, 0), lengths }
  }
  if (!isInt32(padValue)) throw new Error(`${where}: padValue must be an int32 integer for token ids (in ${INT32_RANGE}), got ${padValue}`)
  const padded = Tensor.zeros([B, T], 'int32')
  padded.data.fill(padValue)
  sequences.forEach((seq, b) => {
    if (seq instanceof Tensor) throw new Error(`${where}: sequences[${b}] is a tensor but sequences[0] is not; give all token arrays or all tensors`)
    for (let t = 0; t < seq.length; t++) {
      const id = seq[t]
      if (!isInt32(id)) throw new Error(`${where}: sequences[${b}][${t}] is ${describe(id)}, not an int32 token id (an integer in ${INT32_RANGE})`)
      padded.data[b * T + t] = id
    }
  })
  return { padded, lengths }
}

const INT32_RANGE = '−2147483648 … 2147483647'
// The padded batch is int32: a larger integer would wrap without a word.
const isInt32 = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= -2147483648 && (v as number) <= 2147483647
