// Property-based fuzzing of loadSafetensors and loadCheckpoint with seeded mutations of small files: every
// truncation length, edge values of the header-length field, edits of the header's JSON (dtype, shape,
// offsets, duplicate keys, metadata, names that are JavaScript property names) and random bit flips.
// Every call must either load what an independent reader (below: small, written from the spec) reads, or
// throw a plain Error that says what is wrong — within a time bound, without allocating more than the file
// could hold, and, for a checkpoint, without changing any object it was loading into.
import fc from 'fast-check'
import { defaultGenerator, loadCheckpoint, loadSafetensors, saveSafetensors, tensor, Tensor } from '../../src/index.js'
import { checkpointOf, makeRun, snapshot } from '../helpers/checkpoints.js'

// ---------------------------------------------------------------------------------------------
// The independent reader: the spec, straight, with DataView reads element by element.

interface ReadTensor {
  dtype: string
  shape: number[]
  values: number[]
}
type Read = { ok: true; tensors: Map<string, ReadTensor>; metadata: Map<string, string> } | { ok: false; why: string }

const WIDTH: Record<string, number> = { F64: 8, F32: 4, I32: 4, F16: 2, BF16: 2 }

function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1
  const exponent = (bits >> 10) & 31
  const mantissa = bits & 1023
  if (exponent === 0) return sign * mantissa * 2 ** -24
  if (exponent === 31) return mantissa === 0 ? sign * Infinity : NaN
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15)
}

function referenceRead(file: Uint8Array): Read {
  const fail = (why: string): Read => ({ ok: false, why })
  if (file.length < 8) return fail('short')
  let n = 0
  for (let i = 7; i >= 0; i--) n = n * 256 + file[i]
  if (n > file.length - 8) return fail('header length')
  let header: unknown
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(8, 8 + n)))
  } catch {
    return fail('header text')
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return fail('header type')
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength)
  const dataStart = 8 + n
  const tensors = new Map<string, ReadTensor>()
  const metadata = new Map<string, string>()
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (entry === null) continue
      if (typeof entry !== 'object' || Array.isArray(entry)) return fail('metadata type')
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') return fail('metadata value')
        metadata.set(k, v)
      }
      continue
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return fail('entry type')
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>
    if (typeof dtype !== 'string' || !Object.hasOwn(WIDTH, dtype)) return fail('dtype')
    const isCount = (d: unknown) => Number.isSafeInteger(d) && (d as number) >= 0
    if (!Array.isArray(shape) || !shape.every(isCount)) return fail('shape')
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) return fail('offsets')
    const [begin, end] = offsets as [number, number]
    if (begin > end || dataStart + end > file.length) return fail('range')
    const count = (shape as number[]).reduce((a, d) => a * d, 1)
    if (count * WIDTH[dtype] !== end - begin) return fail('size')
    const values: number[] = []
    for (let k = 0; k < count; k++) {
      const at = dataStart + begin + k * WIDTH[dtype]
      if (dtype === 'F64') values.push(view.getFloat64(at, true))
      else if (dtype === 'F32') values.push(view.getFloat32(at, true))
      else if (dtype === 'I32') values.push(view.getInt32(at, true))
      else if (dtype === 'F16') values.push(half(view.getUint16(at, true)))
      else values.push(new DataView(Uint32Array.of(view.getUint16(at, true) * 65536).buffer).getFloat32(0, true))
    }
    tensors.set(name, { dtype, shape: shape as number[], values })
  }
  return { ok: true, tensors, metadata }
}

const LOADED_DTYPE: Record<string, string> = { F64: 'float64', F32: 'float32', I32: 'int32', F16: 'float32', BF16: 'float32' }
const same = (a: number, b: number) => (Number.isNaN(a) ? Number.isNaN(b) : Object.is(a, b))

// ---------------------------------------------------------------------------------------------
// Probes: time per call, and the typed arrays a call allocates (the global constructors, wrapped while it runs).

const TYPED = ['Uint8Array', 'Uint16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array', 'ArrayBuffer'] as const
const TIME_BOUND_MS = 1000 // a bound on pathological work (quadratic scans, huge allocations), not a benchmark

interface Outcome {
  error: Error | null
  ms: number
  /** The largest and the total byte length of the typed arrays and buffers the call created. */
  largest: number
  total: number
}

function probe(fn: () => unknown): Outcome {
  const globals = globalThis as unknown as Record<string, unknown>
  const originals = TYPED.map((name) => globals[name])
  let largest = 0
  let total = 0
  TYPED.forEach((name, i) => {
    globals[name] = new Proxy(originals[i] as new (...args: unknown[]) => object, {
      construct(target, args, newTarget) {
        const made = Reflect.construct(target, args, newTarget) as ArrayBufferView | ArrayBuffer
        // A view over an existing buffer allocates nothing new; count only what owns fresh memory.
        const fresh = made instanceof (originals[6] as typeof ArrayBuffer) || !(args[0] instanceof (originals[6] as typeof ArrayBuffer))
        if (fresh) {
          largest = Math.max(largest, made.byteLength)
          total += made.byteLength
        }
        return made
      },
    })
  })
  const start = performance.now()
  let error: Error | null = null
  try {
    fn()
  } catch (e) {
    error = e as Error
  } finally {
    TYPED.forEach((name, i) => (globals[name] = originals[i]))
  }
  return { error, ms: performance.now() - start, largest, total }
}

/** Shared checks of one call: a plain Error if it failed, the time bound, and allocation bounded by the file. */
function checkOutcome(file: Uint8Array, outcome: Outcome, prefixes: RegExp): void {
  const { error } = outcome
  if (error !== null) {
    if (!(error instanceof Error) || error.constructor !== Error) throw new Error(`not a plain Error: ${String(error)}`)
    expect(error.message).toMatch(prefixes)
  }
  expect(outcome.ms).toBeLessThan(TIME_BOUND_MS)
  // F16 and BF16 widen to float32, so a tensor's array may be twice its bytes in the file; nothing more.
  expect(outcome.largest).toBeLessThanOrEqual(2 * file.length)
  stats.largestRatio = Math.max(stats.largestRatio, outcome.largest / Math.max(file.length, 1))
  stats.slowest = Math.max(stats.slowest, outcome.ms)
}

const stats = { safetensors: 0, checkpoint: 0, loaded: 0, refused: 0, stricter: 0, largestRatio: 0, slowest: 0, started: performance.now() }

afterAll(() => {
  const seconds = ((performance.now() - stats.started) / 1000).toFixed(1)
  console.info(
    `load fuzz: ${stats.safetensors} loadSafetensors and ${stats.checkpoint} loadCheckpoint mutations in ${seconds} s; ` +
      `${stats.loaded} loaded, ${stats.refused} refused (${stats.stricter} of them files the reference reader reads: overlaps or duplicate keys); ` +
      `slowest call ${stats.slowest.toFixed(1)} ms; largest allocation ${stats.largestRatio.toFixed(2)} × the file`,
  )
})

// ---------------------------------------------------------------------------------------------
// Building mutated files

/** A file from an ordered list of header members (duplicates allowed) and data bytes. */
function fileFrom(members: readonly (readonly [string, unknown])[], data: Uint8Array, pad = ''): Uint8Array {
  const text = `{${members.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}${pad}`
  return withHeader(new TextEncoder().encode(text), data)
}

function withHeader(header: Uint8Array, data: Uint8Array, length = header.length): Uint8Array {
  const out = new Uint8Array(8 + header.length + data.length)
  new DataView(out.buffer).setBigUint64(0, BigInt(length), true)
  out.set(header, 8)
  out.set(data, 8 + header.length)
  return out
}

function split(file: Uint8Array): { members: [string, unknown][]; data: Uint8Array; header: Uint8Array } {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true))
  const header = file.subarray(8, 8 + n)
  return { members: Object.entries(JSON.parse(new TextDecoder().decode(header)) as Record<string, unknown>), data: file.subarray(8 + n), header }
}

/** Every header-length field value worth trying for a file whose real header is n bytes long. */
function lengthEdges(file: Uint8Array): bigint[] {
  const n = split(file).header.length
  const rest = file.length - 8
  const values = [0, 1, 2, 7, 8, n - 8, n - 1, n, n + 1, n + 8, rest - 1, rest, rest + 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + n, 2 ** 53 - 1, 2 ** 53]
  return [...values.filter((v) => v >= 0).map(BigInt), 2n ** 63n, 2n ** 63n + BigInt(n), 2n ** 64n - 1n]
}

function withLengthField(file: Uint8Array, length: bigint): Uint8Array {
  const out = file.slice()
  new DataView(out.buffer).setBigUint64(0, length, true)
  return out
}

// Values that header fields take in the edits.
const ODD_VALUES: unknown[] = [null, -1, 0, 1, 1.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e308, 'abc', '', 'Infinity', [], {}, true, [1, 2], { a: 1 }]
const DTYPES: unknown[] = ['F32', 'F64', 'I32', 'F16', 'BF16', 'I64', 'U8', 'BOOL', 'f32', '', 5, null, 'toString', '__proto__', 'constructor']
const SHAPES: unknown[] = [[], [0], [1], [2], [3], [4], [2, 3], [3, 2], [6], [12], [4, 3], [-1], [1.5], ['2'], [2 ** 53], [2 ** 53 - 1, 0], [0, 2 ** 60], [1e308], [2 ** 31, 2 ** 31], [65536, 65536, 65536], [2 ** 26, 2 ** 26], null, {}, '[2]', [[2]]]
const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '', '__metadata__', 'w', 'a.b', '0', '\u{1F600}']
const ODD_METADATA: unknown[] = [null, [], 'x', 5, { a: 1 }, { a: null }, { a: {} }, { a: ['x'] }, { __proto__x: 'p' }, { constructor: 'c', toString: 't' }, {}]

type Edit = (members: [string, unknown][], data: Uint8Array) => [string, unknown][]

/** One structured edit of a header: fields of an entry, its name, duplicates, metadata. */
function editArb(): fc.Arbitrary<Edit> {
  const pick = <T>(list: readonly T[]) => fc.nat(list.length - 1).map((i) => list[i])
  const entryIndex = fc.nat(50)
  const setField = (field: string, values: fc.Arbitrary<unknown>) =>
    fc.tuple(entryIndex, values).map(([i, value]): Edit => (members) => {
      const at = i % members.length
      const [name, entry] = members[at]
      const changed = typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? { ...entry, [field]: value } : { [field]: value }
      return members.map((m, k) => (k === at ? [name, changed] : m))
    })
  const offsetNudge = fc.tuple(entryIndex, fc.integer({ min: -9, max: 9 }), fc.integer({ min: -9, max: 9 }), fc.boolean()).map(([i, db, de, swap]): Edit => (members, data) => {
    const at = i % members.length
    const [name, entry] = members[at]
    if (typeof entry !== 'object' || entry === null) return members
    const offsets = (entry as { data_offsets?: unknown }).data_offsets
    if (!Array.isArray(offsets) || offsets.length !== 2) return members
    const begin = Number(offsets[0]) + db
    const end = Number(offsets[1]) + de
    const moved = swap ? [end, begin] : [begin, Math.min(end, data.length + 2)]
    return members.map((m, k) => (k === at ? [name, { ...(entry as object), data_offsets: moved }] : m))
  })
  const rename = fc.tuple(entryIndex, pick(NAMES)).map(([i, to]): Edit => (members) => members.map((m, k) => (k === i % members.length ? [to, m[1]] : m)))
  const duplicate = fc.tuple(entryIndex, fc.boolean(), fc.option(pick(ODD_VALUES))).map(([i, first, replacement]): Edit => (members) => {
    const copy: [string, unknown] = [members[i % members.length][0], replacement ?? members[i % members.length][1]]
    return first ? [copy, ...members] : [...members, copy]
  })
  const removeField = fc.tuple(entryIndex, pick(['dtype', 'shape', 'data_offsets'])).map(([i, field]): Edit => (members) =>
    members.map((m, k) => {
      if (k !== i % members.length || typeof m[1] !== 'object' || m[1] === null) return m
      const { [field]: _gone, ...rest } = m[1] as Record<string, unknown>
      return [m[0], rest]
    }),
  )
  const metadata = pick(ODD_METADATA).map((value): Edit => (members) => [...members.filter(([k]) => k !== '__metadata__'), ['__metadata__', value]])
  const replaceEntry = fc.tuple(entryIndex, pick(ODD_VALUES)).map(([i, value]): Edit => (members) => members.map((m, k) => (k === i % members.length ? [m[0], value] : m)))
  const drop = entryIndex.map((i): Edit => (members) => members.filter((_, k) => k !== i % members.length))
  return fc.oneof(
    setField('dtype', pick(DTYPES)),
    setField('shape', pick(SHAPES)),
    setField('data_offsets', pick(ODD_VALUES)),
    setField('data_offsets', fc.tuple(fc.nat(4096), fc.nat(4096)).map(([a, b]) => [a, b])),
    offsetNudge,
    offsetNudge,
    rename,
    duplicate,
    removeField,
    metadata,
    replaceEntry,
    drop,
  )
}

/** 1–8 flipped bits, more often in the header than in the data. */
function flipsArb(file: Uint8Array): fc.Arbitrary<number[]> {
  const headerBits = (8 + split(file).header.length) * 8
  return fc.array(fc.oneof(fc.nat(headerBits - 1), fc.nat(file.length * 8 - 1)), { minLength: 1, maxLength: 8 })
}

function flipped(file: Uint8Array, bits: readonly number[]): Uint8Array {
  const out = file.slice()
  for (const b of bits) out[b >> 3] ^= 1 << (b & 7)
  return out
}

const SEED = 20261201

// ---------------------------------------------------------------------------------------------
// loadSafetensors

describe('loadSafetensors: every mutation loads what the reference reader reads, or throws a plain Error', () => {
  const saved = saveSafetensors(
    {
      'lstm.weight_ih_l0': tensor([[1, -2], [3.5, 4]]),
      bias: tensor([0.5, -0.5, 8], { dtype: 'float64' }),
      ids: tensor([3, 1, 4, 1, 5], { dtype: 'int32' }),
      empty: new Tensor(new Float32Array(0), [0, 2]),
      constructor: tensor([7]),
    },
    { format: 'pt', step: '12' },
  )
  // Hand-built: F16 and BF16, an odd header length, a gap before the data and trailing bytes.
  const halves = fileFrom(
    [
      ['h', { dtype: 'F16', shape: [2, 2], data_offsets: [1, 9] }],
      ['b', { dtype: 'BF16', shape: [3], data_offsets: [9, 15] }],
      ['__metadata__', { note: 'h\u00e9llo' }],
    ],
    Uint8Array.from([0xaa, 0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, 0x80, 0x3f, 0x80, 0x7f, 0xc0, 0xff, 0xde, 0xad]),
    ' ',
  )

  function check(file: Uint8Array): void {
    stats.safetensors++
    let loaded: ReturnType<typeof loadSafetensors> | null = null
    const outcome = probe(() => (loaded = loadSafetensors(file)))
    checkOutcome(file, outcome, /^loadSafetensors: /)
    const reference = referenceRead(file)
    if (outcome.error !== null) {
      stats.refused++
      // Stricter than the reference on purpose only: overlapping ranges and keys that appear twice.
      if (reference.ok) {
        stats.stricter++
        expect(outcome.error.message).toMatch(/overlap|twice/)
      }
      return
    }
    stats.loaded++
    if (!reference.ok) throw new Error(`loaded a file the reference reader refuses (${reference.why})`)
    const { tensors, metadata } = loaded as unknown as ReturnType<typeof loadSafetensors>
    expect(Object.keys(tensors).sort()).toEqual(Array.from(reference.tensors.keys()).sort())
    for (const [name, expected] of reference.tensors) {
      const t = tensors[name]
      expect(Object.hasOwn(tensors, name)).toBe(true)
      expect([t.dtype, t.shape]).toEqual([LOADED_DTYPE[expected.dtype], expected.shape])
      const bad = expected.values.findIndex((v, i) => !same(t.data[i], v))
      expect(bad).toBe(-1)
    }
    expect(new Map(Object.entries(metadata))).toEqual(reference.metadata)
  }

  test('the base files load and agree with the reference reader', () => {
    for (const file of [saved, halves]) {
      check(file)
      expect(referenceRead(file).ok).toBe(true)
    }
    expect(stats.loaded).toBe(2)
    // The probe sees the loader's arrays: the widest tensor here is 'bias', three float64s.
    expect(probe(() => loadSafetensors(saved)).largest).toBeGreaterThanOrEqual(24)
  })

  test('every truncation length', () => {
    for (const file of [saved, halves]) for (let n = 0; n <= file.length; n++) check(file.subarray(0, n))
  })

  test('header-length field edge values', () => {
    for (const file of [saved, halves]) for (const length of lengthEdges(file)) check(withLengthField(file, length))
  })

  test('JSON edits of dtype, shape, offsets, names, duplicate keys and metadata', () => {
    fc.assert(
      fc.property(fc.constantFrom(saved, halves), fc.array(editArb(), { minLength: 1, maxLength: 3 }), fc.constantFrom('', ' ', '   \t', '\n'), (file, edits, pad) => {
        const { members, data } = split(file)
        check(fileFrom(edits.reduce((m, edit) => edit(m, data), members), data, pad))
      }),
      { seed: SEED, numRuns: 3000 },
    )
  })

  test('random bit flips', () => {
    fc.assert(
      fc.property(fc.constantFrom(saved, halves).chain((file) => fc.tuple(fc.constant(file), flipsArb(file))), ([file, bits]) => check(flipped(file, bits))),
      { seed: SEED, numRuns: 3000 },
    )
  })

  test('headers that claim huge shapes or offsets are refused before anything is allocated', () => {
    const data = new Uint8Array(16)
    const huge = [
      { dtype: 'F64', shape: [2 ** 26, 2 ** 26], data_offsets: [0, 2 ** 55] },
      { dtype: 'F32', shape: [2 ** 40], data_offsets: [0, 2 ** 42] },
      { dtype: 'F32', shape: [2 ** 28], data_offsets: [0, 2 ** 30] },
      { dtype: 'F16', shape: [2 ** 30], data_offsets: [0, 2 ** 31] },
      { dtype: 'I32', shape: [2 ** 53 - 1, 0], data_offsets: [0, 0] },
    ]
    for (const entry of huge) {
      const file = fileFrom([['w', entry]], data)
      const outcome = probe(() => loadSafetensors(file))
      checkOutcome(file, outcome, /^loadSafetensors: /)
      expect(outcome.largest).toBeLessThanOrEqual(file.length)
    }
  })
})

// ---------------------------------------------------------------------------------------------
// loadCheckpoint

describe('loadCheckpoint: every mutation loads what the reference reader reads, or throws and changes nothing', () => {
  const good = checkpointOf(makeRun(1))
  const target = makeRun(2)

  function check(file: Uint8Array): void {
    stats.checkpoint++
    const before = snapshot(target)
    let step = -1
    const outcome = probe(() => (step = loadCheckpoint(file, target).step))
    checkOutcome(file, outcome, /^(loadCheckpoint|loadSafetensors): /)
    if (outcome.error !== null) {
      stats.refused++
      expect(snapshot(target)).toBe(before)
      return
    }
    stats.loaded++
    const reference = referenceRead(file)
    if (!reference.ok) throw new Error(`loaded a checkpoint the reference reader refuses (${reference.why})`)
    for (const [name, p] of Object.entries(target.model.namedParameters())) {
      const expected = reference.tensors.get(`model.${name}`)?.values ?? []
      expect(p.size).toBe(expected.length)
      expect(expected.findIndex((v, i) => !same(p.data[i], Math.fround(v)))).toBe(-1)
    }
    for (const [name, t] of Object.entries(target.optimizer.stateDict().tensors)) {
      const expected = reference.tensors.get(`optimizer.${name}`)?.values ?? []
      expect(expected.findIndex((v, i) => !same(t.data[i], Math.fround(v)))).toBe(-1)
    }
    expect(Array.from(defaultGenerator.getState())).toEqual(JSON.parse(reference.metadata.get('rng') ?? 'null'))
    expect(step).toBe(Number(reference.metadata.get('step')))
  }

  // Edits at the level of tensors and metadata values (the file rewritten, so well-formed safetensors).
  const { tensors: goodTensors, metadata: goodMetadata } = loadSafetensors(good)
  const tensorNames = Object.keys(goodTensors)
  const metadataValues: Record<string, string[]> = {
    format: ['seqgrad-checkpoint-2', '', 'pt', 'seqgrad-checkpoint-1'],
    step: ['abc', '1.5', '-1', '', '0', '7', '9007199254740991', '9007199254740992', '1e3', '07', ' 7'],
    rng: ['[0,0,0,0]', '[1,2,3]', '[1,2,3,4,5]', '[1.5,2,3,4]', '[-1,2,3,4]', '[4294967296,1,1,1]', '["1",2,3,4]', '{}', 'null', '[1,2,3,4]', '[4294967295,0,0,0]', 'x'],
    extra: ['[]', '5', 'null', '{}', '{"__proto__":1,"constructor":2}', '{"a":', '"s"'],
    optimizer: ['[]', '5', 'x', '{}'],
    schedule: ['[]', 'null', '{}'],
    trainer: ['[]', '{}', 'null', '{"step":1,"window":0,"bestValidation":"Infinity","evaluationsSinceBest":0}'],
  }
  const pick = <T>(list: readonly T[]) => fc.nat(list.length - 1).map((i) => list[i])
  type CheckpointEdit = (tensors: Record<string, Tensor>, metadata: Record<string, string>) => void
  const setOwn = (record: object, key: string, value: unknown) => Object.defineProperty(record, key, { value, enumerable: true, configurable: true, writable: true })
  const jsonFieldEdit = fc
    .tuple(pick(['optimizer', 'schedule', 'trainer']), fc.oneof(fc.nat(30), pick(['__proto__', 'constructor', 'toString', 'x', 'state.9.step', 'state.0.step'])), fc.option(pick(ODD_VALUES)))
    .map(([key, field, value]): CheckpointEdit => (_, metadata) => {
      let parsed: Record<string, unknown>
      try {
        parsed = JSON.parse(metadata[key])
      } catch {
        return // an earlier edit removed or broke the entry
      }
      if (typeof parsed !== 'object' || parsed === null || Object.keys(parsed).length === 0) return
      const name = typeof field === 'number' ? Object.keys(parsed)[field % Object.keys(parsed).length] : field
      if (value === null) delete parsed[name]
      else setOwn(parsed, name, value)
      metadata[key] = JSON.stringify(parsed)
    })
  const metadataEdit = fc.oneof(
    fc.constantFrom(...Object.keys(metadataValues)).chain((key) => pick(metadataValues[key]).map((value): CheckpointEdit => (_, metadata) => (metadata[key] = value))),
    fc.constantFrom(...Object.keys(metadataValues)).map((key): CheckpointEdit => (_, metadata) => delete metadata[key]),
    pick(['__proto__', 'constructor', 'toString', 'other']).map((key): CheckpointEdit => (_, metadata) => setOwn(metadata, key, '{}')),
  )
  const renamed = ['model.constructor', 'model.__proto__', 'model.toString', 'optimizer.state.0.toString', 'optimizer.state.0.__proto__', 'optimizer.state.9.exp_avg', 'trainer.x', 'trainer.__proto__', 'foo', '__proto__', 'model.decoder.bias2', 'model.']
  const tensorEdit = fc.tuple(pick(tensorNames), fc.nat(1000), fc.integer({ min: 0, max: 6 }), pick(renamed), pick([NaN, Infinity, -Infinity, 1e300, 0, -0])).map(([name, index, op, to, value]): CheckpointEdit => (tensors) => {
    const t = Object.hasOwn(tensors, name) ? tensors[name] : undefined
    if (t === undefined) return // an earlier edit removed or renamed it
    if (op === 0) delete tensors[name]
    else if (op === 1) {
      delete tensors[name]
      setOwn(tensors, to, t)
    } else if (op === 2) tensors[name] = t.reshape([t.size])
    else if (op === 3) tensors[name] = t.to(index % 2 === 0 ? 'float64' : 'int32')
    else if (op === 4) {
      const data = t.to('float64').data.slice()
      if (data.length > 0) data[index % data.length] = value
      tensors[name] = new Tensor(data, t.shape)
    } else if (op === 5) setOwn(tensors, to, t)
    else tensors[name] = t.size > 1 ? t.reshape([...t.shape.slice(1), t.shape[0]]) : tensor([1, 2])
  })

  test('the base checkpoint loads and agrees with the reference reader', () => {
    check(good)
    expect(stats.loaded).toBeGreaterThan(0)
  })

  test('every truncation length', () => {
    for (let n = 0; n < good.length; n++) check(good.subarray(0, n))
  })

  test('header-length field edge values', () => {
    for (const length of lengthEdges(good)) check(withLengthField(good, length))
  })

  test('edits of metadata values, JSON fields and tensors', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(metadataEdit, jsonFieldEdit, tensorEdit), { minLength: 1, maxLength: 3 }), (edits) => {
        const tensors = { ...goodTensors }
        const metadata = { ...goodMetadata }
        for (const edit of edits) edit(tensors, metadata)
        check(saveSafetensors(tensors, metadata))
      }),
      { seed: SEED, numRuns: 1500 },
    )
  })

  test('JSON edits of the header itself', () => {
    fc.assert(
      fc.property(fc.array(editArb(), { minLength: 1, maxLength: 2 }), (edits) => {
        const { members, data } = split(good)
        check(fileFrom(edits.reduce((m, edit) => edit(m, data), members), data))
      }),
      { seed: SEED, numRuns: 1000 },
    )
  })

  test('random bit flips', () => {
    fc.assert(
      fc.property(flipsArb(good), (bits) => check(flipped(good, bits))),
      { seed: SEED, numRuns: 1500 },
    )
  })
})
