// The safetensors format (Hugging Face; read by PyTorch, JAX, transformers): an 8-byte little-endian
// u64 header length N, N bytes of UTF-8 JSON naming each tensor's dtype, shape and byte range, then the
// raw little-endian data. Loading trusts nothing in the file: every number is checked against the file
// size before it sizes an allocation, and every problem is a plain Error saying what was expected.
import type { DType, TypedArray } from '../tensor/dtype.js'
import { formatShape } from '../tensor/shape.js'
import { Tensor } from '../tensor/tensor.js'
import { describe } from '../validation/checks.js'
import { bfloat16ToFloat, halfToFloat } from './float16.js'

export interface SafetensorsContents {
  tensors: Record<string, Tensor>
  metadata: Record<string, string>
}

type FileDType = 'F64' | 'F32' | 'I32' | 'F16' | 'BF16'
const BYTES: Record<FileDType, number> = { F64: 8, F32: 4, I32: 4, F16: 2, BF16: 2 }
const FILE_DTYPE: Record<DType, FileDType> = { float64: 'F64', float32: 'F32', int32: 'I32' }
// The reference writer orders by dtype, widest first (F64, F32, I32), then by name. Widest first means
// each tensor starts aligned to its element size, so readers can view the data without copying.
const WRITE_RANK: Record<string, number> = { F64: 0, F32: 1, I32: 2 }
// Dtypes the format defines but seqgrad has no array for: reported as unsupported, not as unknown.
const UNSUPPORTED = ['BOOL', 'U8', 'I8', 'I16', 'U16', 'U32', 'I64', 'U64', 'C64', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F6_E2M3', 'F6_E3M2', 'F4']
const SUPPORTED = Object.keys(BYTES).join(', ')
// Typed arrays use the host's byte order; the file is little-endian.
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/**
 * Serializes tensors (and optional string metadata, stored as `__metadata__`) to safetensors bytes.
 * Data is laid out F64 tensors first, then F32, then I32, each group sorted by name in code-point
 * order (which is UTF-8 byte order, as the reference implementation sorts); header keys follow the
 * same order, after `__metadata__` (its keys sorted the same way). The output is deterministic.
 */
export function saveSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  if (!isRecord(tensors) || tensors instanceof Tensor) {
    throw new Error(`saveSafetensors: expected an object mapping names to Tensors; got ${describe(tensors)}`)
  }
  const entries = Object.keys(tensors).map((name) => {
    const tensor: unknown = tensors[name]
    if (name === '' || name === '__metadata__' || !isWellFormed(name)) {
      throw new Error(`saveSafetensors: invalid tensor name ${JSON.stringify(name)}; expected a non-empty, well-formed string other than "__metadata__"`)
    }
    if (!(tensor instanceof Tensor)) throw new Error(`saveSafetensors: tensor ${JSON.stringify(name)} should be a Tensor; got ${describe(tensor)}`)
    const dtype = FILE_DTYPE[tensor.dtype]
    // dtype falls back to float32 for foreign arrays; catch them before they corrupt the offsets.
    if (tensor.data.byteLength !== tensor.size * BYTES[dtype]) {
      throw new Error(`saveSafetensors: tensor ${JSON.stringify(name)} holds a ${tensor.data.constructor.name}; expected a Float32Array, Float64Array or Int32Array`)
    }
    return { name, tensor, dtype }
  })
  entries.sort((a, b) => WRITE_RANK[a.dtype] - WRITE_RANK[b.dtype] || compareCodePoints(a.name, b.name))

  // Built by hand: JSON.stringify would move integer-like names ("0", "12") to the front.
  const fields: string[] = []
  const meta = checkSaveMetadata(metadata)
  if (meta.length > 0) fields.push(`"__metadata__":{${meta.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`)
  let dataLength = 0
  for (const { name, tensor, dtype } of entries) {
    const begin = dataLength
    dataLength += tensor.data.byteLength
    fields.push(`${JSON.stringify(name)}:{"dtype":"${dtype}","shape":[${tensor.shape.join(',')}],"data_offsets":[${begin},${dataLength}]}`)
  }
  const json = new TextEncoder().encode(`{${fields.join(',')}}`)
  const headerLength = Math.ceil(json.length / 8) * 8 // spaces pad it so the data starts 8-aligned

  const out = new Uint8Array(8 + headerLength + dataLength)
  const view = new DataView(out.buffer)
  view.setUint32(0, headerLength % 2 ** 32, true)
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true)
  out.set(json, 8)
  out.fill(0x20, 8 + json.length, 8 + headerLength)
  let at = 8 + headerLength
  for (const { tensor } of entries) {
    const raw = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength)
    out.set(raw, at)
    if (!LITTLE_ENDIAN_HOST) swapBytes(out.subarray(at, at + raw.length), tensor.data.BYTES_PER_ELEMENT)
    at += raw.length
  }
  return out
}

/**
 * Parses safetensors bytes. F32, F64 and I32 load as float32, float64 and int32 tensors; F16 and BF16
 * are widened to float32. Data is copied, so the tensors never alias `bytes`. Gaps between tensors
 * and trailing bytes are tolerated; overlapping ranges and a key that appears twice in one object are not.
 * Every offset and shape is checked against the file's length before anything is allocated.
 */
export function loadSafetensors(bytes: Uint8Array): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) throw new Error(`loadSafetensors: expected a Uint8Array; got ${describe(bytes)}`)
  if (bytes.length < 8) throw new Error(`loadSafetensors: a safetensors file starts with an 8-byte header length; got only ${bytes.length} bytes`)
  const declared = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true)
  if (declared > BigInt(bytes.length - 8)) {
    throw new Error(`loadSafetensors: the header length is ${declared} bytes but only ${bytes.length - 8} bytes follow the 8-byte length field`)
  }
  const dataStart = 8 + Number(declared)
  const header = parseHeader(bytes.subarray(8, dataStart))
  const dataLength = bytes.length - dataStart

  let metadata: Record<string, string> = {}
  const entries: Entry[] = []
  for (const name of Object.keys(header)) {
    if (name === '__metadata__') metadata = checkLoadMetadata(header[name])
    else entries.push(checkEntry(name, header[name], dataLength))
  }
  checkOverlaps(entries)
  const tensors = entries.map((e): [string, Tensor] => [e.name, new Tensor(readData(bytes, dataStart + e.begin, e), e.shape)])
  return { tensors: Object.fromEntries(tensors), metadata } // fromEntries: a tensor named "__proto__" stays a key
}

interface Entry {
  name: string
  dtype: FileDType
  shape: number[]
  count: number
  begin: number
  end: number
}

function parseHeader(raw: Uint8Array): Record<string, unknown> {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw)
  } catch {
    throw new Error(`loadSafetensors: the ${raw.length}-byte header is not valid UTF-8`)
  }
  let header: unknown
  try {
    header = JSON.parse(text)
  } catch (e) {
    throw new Error(`loadSafetensors: the header is not valid JSON (${e instanceof Error ? e.message : String(e)})`)
  }
  if (!isRecord(header)) throw new Error(`loadSafetensors: the header should be a JSON object; got ${show(header)}`)
  const twice = duplicateKey(text)
  if (twice !== null) {
    const within = twice.within === null ? 'the header' : `${JSON.stringify(twice.within)} in the header`
    throw new Error(`loadSafetensors: ${within} has the key ${JSON.stringify(twice.key)} twice; which one is meant is ambiguous (JSON.parse would keep the last)`)
  }
  return header
}

/**
 * The first key that appears twice in one object of `text` (already known to be valid JSON), with the key
 * that object sits under (null at the top level, or inside an array); null when keys are unique.
 */
function duplicateKey(text: string): { key: string; within: string | null } | null {
  // One entry per open object (its keys so far, its own key, the last key read in it); null for an array.
  const open: ({ keys: Set<string>; name: string | null; last: string | null } | null)[] = []
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (ch === '"') {
      let end = i + 1
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1
      const str = JSON.parse(text.slice(i, end + 1)) as string
      let next = end + 1
      while (text[next] === ' ' || text[next] === '\t' || text[next] === '\n' || text[next] === '\r') next++
      const top = open[open.length - 1]
      if (text[next] === ':' && top) {
        if (top.keys.has(str)) return { key: str, within: top.name }
        top.keys.add(str)
        top.last = str
      }
      i = end
    } else if (ch === '{') open.push({ keys: new Set(), name: open[open.length - 1]?.last ?? null, last: null })
    else if (ch === '[') open.push(null)
    else if (ch === '}' || ch === ']') open.pop()
  }
  return null
}

function checkEntry(name: string, value: unknown, dataLength: number): Entry {
  const where = `loadSafetensors: tensor ${JSON.stringify(name)}`
  if (!isRecord(value)) throw new Error(`${where} should be an object with dtype, shape and data_offsets; got ${show(value)}`)
  const { dtype, shape, data_offsets: offsets } = value
  for (const [key, v] of [['dtype', dtype], ['shape', shape], ['data_offsets', offsets]] as const) {
    if (v === undefined) throw new Error(`${where} is missing "${key}"`)
  }
  if (typeof dtype !== 'string') throw new Error(`${where} has dtype ${show(dtype)}; expected a string such as "F32"`)
  if (UNSUPPORTED.includes(dtype)) throw new Error(`${where} has dtype ${dtype}, which seqgrad cannot load; supported: ${SUPPORTED}`)
  if (!Object.hasOwn(BYTES, dtype)) throw new Error(`${where} has unknown dtype ${show(dtype)}; expected one of ${SUPPORTED}`)
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new Error(`${where} has shape ${show(shape)}; expected an array of non-negative integers`)
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw new Error(`${where} has data_offsets ${show(offsets)}; expected [begin, end], two non-negative integers`)
  }
  const [begin, end] = offsets as [number, number]
  if (begin > end) throw new Error(`${where} has data_offsets [${begin}, ${end}]; begin must not exceed end`)
  if (end > dataLength) throw new Error(`${where} has data_offsets [${begin}, ${end}] but the data section has only ${dataLength} bytes`)
  const size = BYTES[dtype as FileDType]
  // A float product: past 2^53 it is inexact but still far above any real byte span, so still unequal.
  const count = shape.reduce((n: number, d: number) => n * d, 1)
  if (count * size !== end - begin) {
    throw new Error(`${where} has shape ${formatShape(shape)} (${count} × ${dtype} = ${count * size} bytes) but data_offsets span ${end - begin} bytes`)
  }
  return { name, dtype: dtype as FileDType, shape, count, begin, end }
}

function checkOverlaps(entries: readonly Entry[]): void {
  const ranges = entries.filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin)
  for (let i = 1; i < ranges.length; i++) {
    const [a, b] = [ranges[i - 1], ranges[i]]
    if (b.begin < a.end) {
      throw new Error(`loadSafetensors: tensors ${JSON.stringify(a.name)} [${a.begin}, ${a.end}] and ${JSON.stringify(b.name)} [${b.begin}, ${b.end}] overlap in the data section`)
    }
  }
}

function checkLoadMetadata(value: unknown): Record<string, string> {
  if (value === null) return {} // the reference reader treats null as no metadata
  if (!isRecord(value)) throw new Error(`loadSafetensors: "__metadata__" should be an object of strings; got ${show(value)}`)
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new Error(`loadSafetensors: metadata ${JSON.stringify(key)} should be a string; got ${show(v)}`)
  }
  return Object.fromEntries(Object.entries(value as Record<string, string>))
}

function checkSaveMetadata(metadata: unknown): [string, string][] {
  if (metadata === undefined) return []
  if (!isRecord(metadata)) throw new Error(`saveSafetensors: metadata should be an object of strings; got ${describe(metadata)}`)
  const entries = Object.entries(metadata)
  for (const [key, v] of entries) {
    if (typeof v !== 'string') throw new Error(`saveSafetensors: metadata ${JSON.stringify(key)} should be a string; got ${describe(v)}`)
    if (!isWellFormed(key) || !isWellFormed(v)) throw new Error(`saveSafetensors: metadata ${JSON.stringify(key)} has a lone surrogate; UTF-8 cannot encode it`)
  }
  return entries.sort((a, b) => compareCodePoints(a[0], b[0])) as [string, string][]
}

/** Copies one tensor's bytes out of the file (aligned, unaliased) and converts them to host order. */
function readData(bytes: Uint8Array, start: number, { dtype, count }: Entry): TypedArray {
  if (dtype === 'F16' || dtype === 'BF16') {
    const view = new DataView(bytes.buffer, bytes.byteOffset + start, count * 2)
    const widen = dtype === 'F16' ? halfToFloat : bfloat16ToFloat
    const out = new Float32Array(count)
    for (let i = 0; i < count; i++) out[i] = widen(view.getUint16(2 * i, true))
    return out
  }
  // A fresh array, not bytes.slice(): Node's Buffer#slice returns a view.
  const raw = new Uint8Array(count * BYTES[dtype])
  raw.set(bytes.subarray(start, start + raw.length))
  if (!LITTLE_ENDIAN_HOST) swapBytes(raw, BYTES[dtype])
  if (dtype === 'F64') return new Float64Array(raw.buffer)
  return dtype === 'F32' ? new Float32Array(raw.buffer) : new Int32Array(raw.buffer)
}

/** Reverses the bytes of each `width`-byte element in place (little-endian ↔ big-endian). */
function swapBytes(raw: Uint8Array, width: number): void {
  for (let i = 0; i < raw.length; i += width) raw.subarray(i, i + width).reverse()
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value) && !(value instanceof Map)
}

/** False for a string with a lone surrogate, which has no UTF-8 encoding (the encoder would alter it). */
function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xdc00 && c <= 0xdfff) return false
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(++i)
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false
    }
  }
  return true
}

/** Orders by code point, which is UTF-8 byte order (plain `<` compares UTF-16 units and differs). */
function compareCodePoints(a: string, b: string): number {
  for (let i = 0; i < a.length && i < b.length; ) {
    const x = a.codePointAt(i) as number
    const y = b.codePointAt(i) as number
    if (x !== y) return x - y
    i += x > 0xffff ? 2 : 1
  }
  return a.length - b.length
}

/** A short description of a value parsed from the header (never calls into the value). */
function show(value: unknown): string {
  if (Array.isArray(value)) return value.length <= 8 && value.every((v) => typeof v === 'number') ? `[${value.join(', ')}]` : `an array of length ${value.length}`
  if (value !== null && typeof value === 'object') return 'an object'
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  return String(value)
}
