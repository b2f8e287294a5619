// The text a user gives with --data: read whole, refused when it is not text (a NUL byte, invalid UTF-8),
// fingerprinted so that a checkpoint can tell whether --resume is given the data it was trained on, and
// split into training and held-out characters that fit the streams and windows.
import { createHash } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { describeFsError } from './files.js'

/** What a checkpoint keeps of its data: where it came from, its size and a hash of its bytes. */
export interface DataFingerprint {
  source: string
  bytes: number
  sha256: string
}

export function fingerprint(source: string, bytes: Uint8Array): DataFingerprint {
  return { source, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }
}

/** Reads --data FILE as UTF-8 text, or says in one line why it cannot be used. */
export function readTextFile(path: string): { text: string; fingerprint: DataFingerprint } {
  let bytes: Uint8Array
  try {
    // A device or a pipe (/dev/zero, a FIFO) may never end: only a regular file is read whole.
    const stat = statSync(path)
    if (!stat.isFile() && !stat.isDirectory()) throw new Error(`--data ${path} is not a regular file (a device, pipe or socket); give a text file`)
    bytes = readFileSync(path)
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('--data ')) throw error
    throw new Error(`cannot read --data ${path}: ${describeFsError(error)}`)
  }
  if (bytes.length === 0) throw new Error(`--data ${path} is empty`)
  const nul = bytes.indexOf(0)
  if (nul >= 0) throw new Error(`--data ${path} is not a text file (it has a NUL byte at byte ${nul}); give a UTF-8 text file`)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new Error(`--data ${path} is not UTF-8 text (invalid byte sequence at byte ${firstInvalidUtf8(bytes)}); convert it to UTF-8 first`)
  }
  return { text, fingerprint: fingerprint(path, bytes) }
}

/** The offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]
    const length = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0
    if (length === 0 || i + length > bytes.length) return i
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(i, i + length))
    } catch {
      return i
    }
    i += length
  }
  return bytes.length
}

/**
 * The training ids and the held-out ones: the last tenth, or, when a tenth is shorter than one window and
 * its target, one window's worth, or, when the rest would be too short for the streams, what they leave
 * (saying so); none when the text cannot spare even one window (saying so).
 * Throws when the text cannot fill the streams at all.
 */
export function holdOut(ids: Int32Array, batch: number, bptt: number, say: (line: string) => void): { train: Int32Array; validation: { ids: Int32Array; streams: number } | null } {
  const window = bptt + 1
  const needed = batch * window
  if (ids.length < needed) {
    throw new Error(
      `the text has ${ids.length.toLocaleString('en-US')} characters, too few for --batch ${batch} streams of --bptt ${bptt}: training needs at least ` +
        `${batch} × ${window} = ${needed.toLocaleString('en-US')} (and validation ${window} more); give a longer text or a smaller --batch or --bptt`,
    )
  }
  let held = ids.length - Math.floor(ids.length * 0.9)
  if (ids.length - Math.max(held, window) < needed) {
    // what is left after a tenth (or one window) cannot fill the streams: hold out less, or nothing
    if (ids.length - window < needed) {
      say(`note: the text is too short to hold out validation text (${needed + window} characters would do); training without validation`)
      return { train: ids, validation: null }
    }
    const most = ids.length - needed
    say(`note: holding out the last ${most} characters for validation, not a tenth (${held}): training needs ${needed} for --batch ${batch} streams of --bptt ${bptt} + 1`)
    held = most
  } else if (held < window) {
    say(`note: holding out the last ${window} characters for validation, not a tenth (${held}): validation reads whole windows of --bptt ${bptt} + 1`)
    held = window
  }
  const validation = ids.subarray(ids.length - held)
  return { train: ids.subarray(0, ids.length - held), validation: { ids: validation, streams: Math.min(batch, Math.floor(held / window)) } }
}
