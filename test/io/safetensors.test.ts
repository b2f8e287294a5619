// safetensors: round trips, files built byte by byte from the spec, the exact layout we write, and a
// plain Error (never a TypeError/RangeError from deep inside) for every kind of malformed input.
import fc from 'fast-check'
import { loadSafetensors, saveSafetensors } from '../../src/io/safetensors.js'
import { bfloat16ToFloat, halfToFloat } from '../../src/io/float16.js'
import { Tensor, tensor, type DType } from '../../src/index.js'
import { expectPlainError } from '../helpers/errors.js'

// ---------------------------------------------------------------------------------------------
// Helpers

/** Any value, typed as whatever a signature wants: for feeding bad input past the type checker. */
const untyped = <T>(value: unknown): T => value as T

/** A file from header text and data bytes, the length prefix written byte by byte (no DataView). */
function fileOf(headerText: string, data: ArrayLike<number> = [], lengthField?: number[]): Uint8Array {
  const header = new TextEncoder().encode(headerText)
  const n = header.length
  const prefix = lengthField ?? [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24, 0, 0, 0, 0]
  return Uint8Array.from([...prefix, ...header, ...Array.from(data)])
}

/** A file whose header is `header` serialized as JSON, with `dataLength` zero bytes of data. */
const jsonFile = (header: unknown, dataLength = 0) => fileOf(JSON.stringify(header), new Uint8Array(dataLength))

/** Little-endian bytes of 16-bit patterns. */
const le16 = (patterns: number[]) => patterns.flatMap((b) => [b & 255, b >>> 8])

/** Bitwise equality for numbers, except that any NaN equals any NaN (payloads may differ). */
const sameNumber = (a: number, b: number) => (Number.isNaN(a) ? Number.isNaN(b) : Object.is(a, b))

function expectSameTensor(actual: Tensor, expected: Tensor): void {
  expect(actual).toBeInstanceOf(Tensor)
  expect(actual.dtype).toBe(expected.dtype)
  expect(actual.shape).toEqual(expected.shape)
  const mismatches: string[] = []
  for (let i = 0; i < expected.size; i++) {
    if (!sameNumber(actual.data[i], expected.data[i])) mismatches.push(`[${i}] ${actual.data[i]} vs ${expected.data[i]}`)
  }
  expect(mismatches).toEqual([])
}

function expectSameNumbers(actual: ArrayLike<number>, expected: number[]): void {
  expect(actual.length).toBe(expected.length)
  const mismatches = expected.flatMap((v, i) => (sameNumber(actual[i], v) ? [] : [`[${i}] ${actual[i]} vs ${v}`]))
  expect(mismatches).toEqual([])
}

/** The header JSON text of a file (padding trimmed) and its declared length. */
function headerOf(file: Uint8Array): { length: number; text: string } {
  const length = file[0] + file[1] * 2 ** 8 + file[2] * 2 ** 16 + file[3] * 2 ** 24
  return { length, text: new TextDecoder().decode(file.subarray(8, 8 + length)) }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const DTYPE_ARB = fc.constantFrom<DType>('float32', 'float64', 'int32')
const SHAPE_ARB = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 })

function valuesArb(dtype: DType, n: number): fc.Arbitrary<number[]> {
  const element = dtype === 'float32' ? fc.float() : dtype === 'float64' ? fc.double() : fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
  return fc.array(element, { minLength: n, maxLength: n })
}

function makeTensor(dtype: DType, shape: number[], values: number[]): Tensor {
  const data = dtype === 'float32' ? Float32Array.from(values) : dtype === 'float64' ? Float64Array.from(values) : Int32Array.from(values)
  return new Tensor(data, shape)
}

const TENSOR_ARB: fc.Arbitrary<Tensor> = fc.tuple(DTYPE_ARB, SHAPE_ARB).chain(([dtype, shape]) =>
  valuesArb(dtype, shape.reduce((a, b) => a * b, 1)).map((values) => makeTensor(dtype, shape, values)),
)

// Arbitrary Unicode, integer-like names (JS objects reorder those) and names that are traps for objects.
const NAME_ARB = fc
  .oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 10 }), fc.nat(100).map(String), fc.constantFrom('__proto__', 'constructor', 'toString', 'weight_ih_l0', 'a.b'))
  .filter((name) => name !== '__metadata__')

const TENSORS_ARB = fc
  .uniqueArray(fc.tuple(NAME_ARB, TENSOR_ARB), { selector: ([name]) => name, maxLength: 6 })
  .map((entries): Record<string, Tensor> => Object.fromEntries(entries))

const METADATA_ARB = fc
  .uniqueArray(fc.tuple(fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }), fc.constant('__proto__')), fc.string({ unit: 'binary', maxLength: 20 })), {
    selector: ([key]) => key,
    maxLength: 4,
  })
  .map((entries): Record<string, string> => Object.fromEntries(entries))

// ---------------------------------------------------------------------------------------------

describe('round trips', () => {
  test('random names, shapes, dtypes and values come back bit for bit, and re-saving gives the same bytes', () => {
    fc.assert(
      fc.property(TENSORS_ARB, METADATA_ARB, (tensors, metadata) => {
        const bytes = saveSafetensors(tensors, metadata)
        const loaded = loadSafetensors(bytes)
        expect(Object.keys(loaded.tensors).sort()).toEqual(Object.keys(tensors).sort())
        for (const name of Object.keys(tensors)) {
          expect(Object.prototype.hasOwnProperty.call(loaded.tensors, name)).toBe(true)
          expectSameTensor(loaded.tensors[name], tensors[name])
        }
        expect(loaded.metadata).toEqual(metadata)
        expect(Object.keys(loaded.metadata).sort()).toEqual(Object.keys(metadata).sort())
        expect(saveSafetensors(loaded.tensors, loaded.metadata)).toEqual(bytes)
      }),
      { numRuns: 300 },
    )
  })

  test('-0, ±Infinity, NaN, subnormals and int32 extremes survive', () => {
    const f32 = tensor([-0, 0, Infinity, -Infinity, NaN, 1.401298464324817e-45, 3.4028234663852886e38])
    const f64 = tensor([-0, Infinity, -Infinity, NaN, 5e-324, Number.MAX_VALUE], { dtype: 'float64' })
    const i32 = tensor([-(2 ** 31), 2 ** 31 - 1, 0, -1], { dtype: 'int32' })
    const { tensors } = loadSafetensors(saveSafetensors({ f32, f64, i32 }))
    expectSameTensor(tensors.f32, f32)
    expectSameTensor(tensors.f64, f64)
    expectSameTensor(tensors.i32, i32)
  })

  test('0-d and zero-size tensors round trip', () => {
    const scalar = new Tensor(Float64Array.of(2.5), [])
    const empty = new Tensor(new Int32Array(0), [3, 0, 2])
    const { tensors } = loadSafetensors(saveSafetensors({ scalar, empty }))
    expectSameTensor(tensors.scalar, scalar)
    expectSameTensor(tensors.empty, empty)
    expect(tensors.scalar.item()).toBe(2.5)
  })

  test('a tensor whose data is a view into a larger buffer saves only its own elements', () => {
    const backing = Float32Array.of(9, 1, 2, 3, 9)
    const view = new Tensor(backing.subarray(1, 4), [3])
    expectSameTensor(loadSafetensors(saveSafetensors({ v: view })).tensors.v, tensor([1, 2, 3]))
  })

  test('loaded tensors are fresh leaves that share no memory with the file or the saved tensors', () => {
    const w = tensor([1, 2, 3, 4])
    const bytes = saveSafetensors({ w })
    w.data[0] = 100
    const loaded = loadSafetensors(bytes).tensors.w
    expect(loaded.data[0]).toBe(1)
    bytes.fill(0)
    expect(Array.from(loaded.data)).toEqual([1, 2, 3, 4])
    expect(loaded.requiresGrad).toBe(false)
    expect(loaded.isLeaf).toBe(true)
    expect(loaded.data.buffer).not.toBe(bytes.buffer)
  })

  test('a file at an odd offset inside a larger buffer, and a Node Buffer, load the same', () => {
    const bytes = saveSafetensors({ a: tensor([1.5, -2]), b: tensor([7], { dtype: 'int32' }), c: tensor([0.25], { dtype: 'float64' }) })
    const shifted = new Uint8Array(bytes.length + 3)
    shifted.set(bytes, 3)
    for (const input of [shifted.subarray(3), Buffer.from(bytes), Buffer.from(shifted.buffer, 3, bytes.length)]) {
      const { tensors } = loadSafetensors(input)
      expectSameTensor(tensors.a, tensor([1.5, -2]))
      expectSameTensor(tensors.b, tensor([7], { dtype: 'int32' }))
      expectSameTensor(tensors.c, tensor([0.25], { dtype: 'float64' }))
    }
  })

  test('the bytes do not depend on the order tensors or metadata keys were inserted', () => {
    const a = tensor([1]), b = tensor([2], { dtype: 'float64' }), c = tensor([3], { dtype: 'int32' })
    const one = saveSafetensors({ a, b, c, '10': a, '9': a }, { x: '1', y: '2' })
    const two = saveSafetensors({ '9': a, c, '10': a, b, a }, { y: '2', x: '1' })
    expect(two).toEqual(one)
  })
})

describe('the layout saveSafetensors writes', () => {
  test('a tiny file, byte for byte', () => {
    const file = saveSafetensors(
      { w: tensor([1, 2]), b: tensor([-1], { dtype: 'int32' }), d: tensor([0.5], { dtype: 'float64' }) },
      { format: 'pt' },
    )
    const { length, text } = headerOf(file)
    expect(Array.from(file.subarray(4, 8))).toEqual([0, 0, 0, 0]) // the u64's high half
    expect(length % 8).toBe(0)
    // F64 first, then F32, then I32 (widest first keeps every tensor aligned); __metadata__ leads.
    const json =
      '{"__metadata__":{"format":"pt"},' +
      '"d":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},' +
      '"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},' +
      '"b":{"dtype":"I32","shape":[1],"data_offsets":[16,20]}}'
    expect(text).toBe(json.padEnd(length, ' '))
    expect(JSON.parse(text)).toEqual({
      __metadata__: { format: 'pt' },
      d: { dtype: 'F64', shape: [1], data_offsets: [0, 8] },
      w: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
      b: { dtype: 'I32', shape: [1], data_offsets: [16, 20] },
    })
    const data = [
      ...[0, 0, 0, 0, 0, 0, 0xe0, 0x3f], // 0.5 as F64
      ...[0, 0, 0x80, 0x3f], // 1 as F32
      ...[0, 0, 0, 0x40], // 2 as F32
      ...[0xff, 0xff, 0xff, 0xff], // -1 as I32
    ]
    expect(Array.from(file.subarray(8 + length))).toEqual(data)
    expect(file.length).toBe(8 + length + 20)
  })

  test('no metadata, or empty metadata, writes no __metadata__; an empty dict is "{}" padded to 8', () => {
    const empty = saveSafetensors({})
    expect(Array.from(empty)).toEqual([8, 0, 0, 0, 0, 0, 0, 0, ...Array.from(new TextEncoder().encode('{}      '))])
    expect(saveSafetensors({}, {})).toEqual(empty)
    expect(headerOf(saveSafetensors({ x: tensor([1]) }, {})).text).not.toContain('__metadata__')
  })

  test('every header length is a multiple of 8, so the data section starts 8-aligned', () => {
    fc.assert(
      fc.property(TENSORS_ARB, METADATA_ARB, (tensors, metadata) => {
        const file = saveSafetensors(tensors, metadata)
        const { length, text } = headerOf(file)
        expect(length % 8).toBe(0)
        expect(text.trimEnd().endsWith('}')).toBe(true)
        expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true)
      }),
      { numRuns: 100 },
    )
  })

  test('names are sorted by code point (UTF-8 byte order), not by UTF-16 unit, within a dtype', () => {
    const t = tensor([0])
    const { text } = headerOf(saveSafetensors({ '\u{1F600}': t, '\uFF01': t, b: t, a: t, ab: t }))
    expect(Object.keys(JSON.parse(text))).toEqual(['a', 'ab', 'b', '\uFF01', '\u{1F600}'])
    // Integer-like names keep that order in the text too (a JS object would move them first).
    const numeric = headerOf(saveSafetensors({ b: t, '2': t, '10': t })).text
    expect([numeric.indexOf('"10"'), numeric.indexOf('"2"'), numeric.indexOf('"b"')]).toEqual([1, expect.any(Number), expect.any(Number)])
    expect(numeric.indexOf('"10"') < numeric.indexOf('"2"') && numeric.indexOf('"2"') < numeric.indexOf('"b"')).toBe(true)
  })
})

describe('files built by hand from the spec', () => {
  // An unpadded 8 + N that is odd, and a one-byte gap before the first tensor, put every tensor at an
  // unaligned address; header keys are in no particular order, as other writers may emit them.
  const headerText =
    '{"b":{"dtype":"I32","shape":[3],"data_offsets":[17,29]},' +
    '"a":{"dtype":"F64","shape":[2],"data_offsets":[1,17]},' +
    '"__metadata__":{"format":"pt","note":"h\u00e9llo \u2713"},' +
    '"c":{"dtype":"F32","shape":[2,1],"data_offsets":[29,37]},' +
    '"e":{"dtype":"F32","shape":[0,3],"data_offsets":[37,37]},' +
    '"s":{"dtype":"F64","shape":[],"data_offsets":[37,45]}}'
  const data = [
    0xaa, // gap
    ...[0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0x04, 0xc0], // a: 1, -2.5
    ...[1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x78, 0x56, 0x34, 0x12], // b: 1, -1, 0x12345678
    ...[0, 0, 0, 0x3f, 0, 0, 0x80, 0xff], // c: 0.5, -Infinity
    ...[1, 0, 0, 0, 0, 0, 0, 0], // s: 2^-1074
  ]

  test('loads dtypes, shapes, values and metadata', () => {
    const file = fileOf(headerText, data)
    expect((8 + headerOf(file).length) % 2).toBe(1)
    const { tensors, metadata } = loadSafetensors(file)
    expect(Object.keys(tensors).sort()).toEqual(['a', 'b', 'c', 'e', 's'])
    expectSameTensor(tensors.a, tensor([1, -2.5], { dtype: 'float64' }))
    expectSameTensor(tensors.b, tensor([1, -1, 0x12345678], { dtype: 'int32' }))
    expectSameTensor(tensors.c, tensor([[0.5], [-Infinity]]))
    expectSameTensor(tensors.e, new Tensor(new Float32Array(0), [0, 3]))
    expectSameTensor(tensors.s, new Tensor(Float64Array.of(5e-324), []))
    expect(metadata).toEqual({ format: 'pt', note: 'h\u00e9llo \u2713' })
  })

  test('header padded with spaces, trailing bytes after the data, and "__metadata__": null are accepted', () => {
    const header = '{"__metadata__":null,"x":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}'
    const { tensors, metadata } = loadSafetensors(fileOf(header.padEnd(88, ' '), [5, 0, 0, 0, 0xde, 0xad]))
    expectSameTensor(tensors.x, tensor([5], { dtype: 'int32' }))
    expect(metadata).toEqual({})
  })

  test('a zero-length range inside another tensor\'s range is not an overlap; "__proto__" is an ordinary name', () => {
    const header = { __proto__x: 0, z: { dtype: 'F32', shape: [0], data_offsets: [4, 4] }, w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }
    const text = JSON.stringify(header).replace('"__proto__x":0,', '"__proto__":{"dtype":"I32","shape":[1],"data_offsets":[8,12]},')
    const { tensors } = loadSafetensors(fileOf(text, [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 3, 0, 0, 0]))
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype)
    expect(Object.keys(tensors).sort()).toEqual(['__proto__', 'w', 'z'])
    expectSameTensor(tensors['__proto__'], tensor([3], { dtype: 'int32' }))
    expectSameTensor(tensors.w, tensor([1, 2]))
  })
})

describe('F16 and BF16 load as float32', () => {
  const F16: [number, number][] = [
    [0x3c00, 1],
    [0xc100, -2.5],
    [0x7bff, 65504],
    [0x0001, 2 ** -24], // smallest subnormal
    [0x8001, -(2 ** -24)],
    [0x03ff, 1023 * 2 ** -24], // largest subnormal
    [0x0400, 2 ** -14], // smallest normal
    [0x3555, 0.333251953125],
    [0x0000, 0],
    [0x8000, -0],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
    [0x7e00, NaN],
    [0xfc01, NaN],
  ]
  const BF16: [number, number][] = [
    [0x3f80, 1],
    [0xc020, -2.5],
    [0x4780, 65536],
    [0x3eab, 0.333984375],
    [0x7f7f, 255 * 2 ** 120], // largest finite
    [0x0080, 2 ** -126], // smallest normal
    [0x0001, 2 ** -133], // smallest subnormal
    [0x8000, -0],
    [0x7f80, Infinity],
    [0xff80, -Infinity],
    [0x7fc0, NaN],
    [0xffc1, NaN],
  ]

  test('hand-built values decode right, at an unaligned offset', () => {
    const header = JSON.stringify({
      h: { dtype: 'F16', shape: [2, 7], data_offsets: [1, 29] },
      bf: { dtype: 'BF16', shape: [12], data_offsets: [29, 53] },
    })
    const { tensors } = loadSafetensors(fileOf(header, [0, ...le16(F16.map(([b]) => b)), ...le16(BF16.map(([b]) => b))]))
    expect(tensors.h.dtype).toBe('float32')
    expect(tensors.h.shape).toEqual([2, 7])
    expectSameNumbers(tensors.h.data, F16.map(([, v]) => v))
    expect(tensors.bf.dtype).toBe('float32')
    expectSameNumbers(tensors.bf.data, BF16.map(([, v]) => v))
  })

  test('all 65536 half patterns: values rebuilt from 0 by the spacing of each binade, negatives mirror them', () => {
    let expected = 0
    for (let bits = 0; bits < 0x7c00; bits++) {
      if (!Object.is(halfToFloat(bits), expected)) throw new Error(`half 0x${bits.toString(16)}: ${halfToFloat(bits)} vs ${expected}`)
      const exponent = bits >> 10
      expected += 2 ** (Math.max(exponent, 1) - 25) // ulp: 2^-24 for subnormals and the first binade
    }
    expect(halfToFloat(0x7c00)).toBe(Infinity)
    for (let bits = 0x7c01; bits < 0x8000; bits++) expect(Number.isNaN(halfToFloat(bits))).toBe(true)
    for (let bits = 0; bits < 0x8000; bits++) {
      const [pos, neg] = [halfToFloat(bits), halfToFloat(bits | 0x8000)]
      if (!sameNumber(neg, -pos)) throw new Error(`half 0x${(bits | 0x8000).toString(16)}: ${neg} vs ${-pos}`)
      if (Math.fround(pos) !== pos && !Number.isNaN(pos)) throw new Error(`half 0x${bits.toString(16)} is not exact in float32`)
    }
  })

  test('all 65536 bfloat16 patterns equal the float32 with those high bits', () => {
    const bits32 = new Uint32Array(1)
    const f32 = new Float32Array(bits32.buffer)
    for (let bits = 0; bits < 0x10000; bits++) {
      bits32[0] = bits << 16
      if (!sameNumber(bfloat16ToFloat(bits), f32[0])) throw new Error(`bf16 0x${bits.toString(16)}: ${bfloat16ToFloat(bits)} vs ${f32[0]}`)
    }
  })
})

describe('malformed files throw a plain Error that says what was expected', () => {
  const W = { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] }
  const withW = (w: unknown, dataLength = 24) => jsonFile({ w }, dataLength)

  test('not a Uint8Array', () => {
    for (const bad of [new ArrayBuffer(16), [1, 2, 3], null, undefined, 'abc', new Uint8ClampedArray(16), new Int8Array(16)]) {
      expectPlainError(() => loadSafetensors(untyped<Uint8Array>(bad)), /loadSafetensors: expected a Uint8Array; got/)
    }
  })

  test('shorter than the 8-byte length field', () => {
    for (let n = 0; n < 8; n++) expectPlainError(() => loadSafetensors(new Uint8Array(n)), /8-byte header length/, new RegExp(`got only ${n} bytes`))
  })

  test('a header length beyond the file, with nonzero high bits, or absurdly large', () => {
    expectPlainError(() => loadSafetensors(fileOf('{}', [], [100, 0, 0, 0, 0, 0, 0, 0])), /header length is 100 bytes but only 2 bytes follow/)
    expectPlainError(() => loadSafetensors(fileOf('{}      ', [], [8, 0, 0, 0, 1, 0, 0, 0])), /header length is 4294967304 bytes/)
    expectPlainError(() => loadSafetensors(fileOf('{}', [], [255, 255, 255, 255, 255, 255, 255, 255])), /header length is 18446744073709551615 bytes/)
    expectPlainError(() => loadSafetensors(fileOf('{}', [], [0, 0, 0, 0, 0, 0, 0, 0x80])), /header length is 9223372036854775808 bytes/)
  })

  test('a header that is not UTF-8, not JSON, or not an object', () => {
    expectPlainError(() => loadSafetensors(Uint8Array.from([3, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0xff, 0x7d])), /3-byte header is not valid UTF-8/)
    expectPlainError(() => loadSafetensors(fileOf('{abc')), /header is not valid JSON/)
    expectPlainError(() => loadSafetensors(fileOf('')), /header is not valid JSON/)
    expectPlainError(() => loadSafetensors(fileOf('{}\0\0\0\0\0\0')), /header is not valid JSON/)
    expectPlainError(() => loadSafetensors(fileOf('['.repeat(200000))), /header is not valid JSON/)
    for (const [text, got] of [['[]', /got \[\]/], ['null', /got null/], ['42', /got 42/], ['"x"', /got "x"/], ['true', /got true/]] as const) {
      expectPlainError(() => loadSafetensors(fileOf(text)), /header should be a JSON object/, got)
    }
  })

  test('an entry that is not an object, or lacks dtype, shape or data_offsets', () => {
    for (const bad of [5, null, [1, 2], 'F32']) expectPlainError(() => loadSafetensors(withW(bad)), /tensor "w" should be an object with dtype, shape and data_offsets; got/)
    for (const key of ['dtype', 'shape', 'data_offsets']) {
      const entry: Record<string, unknown> = { ...W }
      delete entry[key]
      expectPlainError(() => loadSafetensors(withW(entry)), new RegExp(`tensor "w" is missing "${key}"`))
    }
  })

  test('a dtype that is not a string, unknown, or known but unsupported', () => {
    expectPlainError(() => loadSafetensors(withW({ ...W, dtype: 5 })), /tensor "w" has dtype 5; expected a string such as "F32"/)
    expectPlainError(() => loadSafetensors(withW({ ...W, dtype: null })), /tensor "w" has dtype null/)
    for (const dtype of ['F33', 'f32', 'toString', '']) {
      expectPlainError(() => loadSafetensors(withW({ ...W, dtype })), /tensor "w" has unknown dtype/, /expected one of F64, F32, I32, F16, BF16/)
    }
    for (const dtype of ['I64', 'U8', 'BOOL', 'F8_E4M3', 'U64', 'I8']) {
      expectPlainError(() => loadSafetensors(withW({ ...W, dtype })), new RegExp(`tensor "w" has dtype ${dtype}, which seqgrad cannot load`), /supported: F64, F32, I32, F16, BF16/)
    }
  })

  test('a shape that is not an array of non-negative integers', () => {
    for (const shape of ['[2,3]', [2, -3], [2, 1.5], [2, '3'], [[2], 3], [2, null], {}, 6, [2 ** 53, 1]]) {
      expectPlainError(() => loadSafetensors(withW({ ...W, shape })), /tensor "w" has shape .*; expected an array of non-negative integers/)
    }
    const text = JSON.stringify({ w: W }).replace('[2,3]', '[1e999,3]') // Infinity after parsing
    expectPlainError(() => loadSafetensors(fileOf(text, new Uint8Array(24))), /has shape \[Infinity, 3\]/)
  })

  test('data_offsets of the wrong form, reversed, or out of range', () => {
    for (const data_offsets of [null, '0,24', [0], [0, 24, 24], [-1, 23], [0.5, 24], ['0', '24'], {}]) {
      expectPlainError(() => loadSafetensors(withW({ ...W, data_offsets })), /tensor "w" has data_offsets .*; expected \[begin, end\], two non-negative integers/)
    }
    expectPlainError(() => loadSafetensors(withW({ ...W, data_offsets: [24, 0] })), /tensor "w" has data_offsets \[24, 0\]; begin must not exceed end/)
    expectPlainError(() => loadSafetensors(withW({ ...W, data_offsets: [4, 28] })), /tensor "w" has data_offsets \[4, 28\] but the data section has only 24 bytes/)
    expectPlainError(() => loadSafetensors(withW(W, 20)), /data section has only 20 bytes/)
  })

  test('a byte length that disagrees with shape × dtype size', () => {
    const message = expectPlainError(() => loadSafetensors(withW({ ...W, data_offsets: [0, 20] })))
    expect(message).toBe('loadSafetensors: tensor "w" has shape [2, 3] (6 × F32 = 24 bytes) but data_offsets span 20 bytes')
    expectPlainError(() => loadSafetensors(withW({ ...W, dtype: 'F64' })), /\(6 × F64 = 48 bytes\) but data_offsets span 24 bytes/)
    expectPlainError(() => loadSafetensors(withW({ ...W, dtype: 'F16' })), /\(6 × F16 = 12 bytes\)/)
    // Huge shapes are refused by arithmetic, before anything is allocated.
    expectPlainError(() => loadSafetensors(withW({ ...W, shape: [1e15, 1e15] })), /has shape \[1000000000000000, 1000000000000000\]/)
  })

  test('overlapping tensors', () => {
    const header = { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, b: { dtype: 'I32', shape: [4], data_offsets: [8, 24] } }
    expectPlainError(() => loadSafetensors(jsonFile(header, 24)), /tensors "a" \[0, 16\] and "b" \[8, 24\] overlap/)
    const same = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }
    expectPlainError(() => loadSafetensors(jsonFile(same, 8)), /overlap/)
  })

  test('metadata that is not an object of strings', () => {
    for (const bad of [[], 'x', 5, true]) expectPlainError(() => loadSafetensors(jsonFile({ __metadata__: bad })), /"__metadata__" should be an object of strings; got/)
    expectPlainError(() => loadSafetensors(jsonFile({ __metadata__: { ok: 'yes', a: 1 } })), /metadata "a" should be a string; got 1/)
    expectPlainError(() => loadSafetensors(jsonFile({ __metadata__: { a: null } })), /metadata "a" should be a string; got null/)
    expectPlainError(() => loadSafetensors(jsonFile({ __metadata__: { a: { b: 'c' } } })), /metadata "a" should be a string; got an object/)
  })
})

describe('behaviour a mutation run found unpinned', () => {
  const t = tensor([0])

  test('a name that is a prefix of another sorts first, whatever the insertion order', () => {
    for (const names of [['ab', 'a'], ['a', 'ab'], ['abc', 'ab', 'a', 'b'], ['b', 'abc', 'a', 'ab']]) {
      const file = saveSafetensors(Object.fromEntries(names.map((n) => [n, t])))
      expect(Object.keys(JSON.parse(headerOf(file).text))).toEqual([...names].sort())
      expect(file).toEqual(saveSafetensors(Object.fromEntries([...names].reverse().map((n) => [n, t]))))
    }
    // The prefix rule holds past the Basic Multilingual Plane too (a surrogate pair is one code point).
    const astral = saveSafetensors({ '\u{1F600}x': t, '\u{1F600}': t })
    expect(Object.keys(JSON.parse(headerOf(astral).text))).toEqual(['\u{1F600}', '\u{1F600}x'])
  })

  test('metadata keys are written in code-point order, not insertion or value order', () => {
    const file = saveSafetensors({ t }, { b: '1', ab: '3', a: '2', '\uFF01': '0', '\u{1F600}': '4' })
    expect(headerOf(file).text).toMatch(/^\{"__metadata__":\{"a":"2","ab":"3","b":"1","\uFF01":"0","\u{1F600}":"4"\},"t":/u)
    expect(saveSafetensors({ t }, { '\u{1F600}': '4', a: '2', '\uFF01': '0', ab: '3', b: '1' })).toEqual(file)
  })

  test('the truncated-header boundary: 8 bytes is a complete length field, and the header may end exactly at the end of the file', () => {
    expectPlainError(() => loadSafetensors(new Uint8Array(7)), /^loadSafetensors: a safetensors file starts with an 8-byte header length; got only 7 bytes$/)
    // Exactly 8 bytes: the length field is whole (it says 0), so the complaint is about the empty header.
    expectPlainError(() => loadSafetensors(new Uint8Array(8)), /^loadSafetensors: the header is not valid JSON/)
    expectPlainError(() => loadSafetensors(fileOf('{}', [], [1, 0, 0, 0, 0, 0, 0, 0]).subarray(0, 9)), /^loadSafetensors: the header is not valid JSON/)
    expect(loadSafetensors(fileOf('{}'))).toEqual({ tensors: {}, metadata: {} })
    expectPlainError(() => loadSafetensors(fileOf('{}', [], [3, 0, 0, 0, 0, 0, 0, 0])), /^loadSafetensors: the header length is 3 bytes but only 2 bytes follow the 8-byte length field$/)
  })

  test('a key twice in one object is refused: the header, an entry, the metadata', () => {
    const entry = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}'
    expectPlainError(() => loadSafetensors(fileOf(`{"w":${entry},"w":${entry}}`, [0, 0, 0, 0])), /^loadSafetensors: the header has the key "w" twice; which one is meant is ambiguous/)
    expectPlainError(() => loadSafetensors(fileOf(`{"w":{"dtype":"I32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, [0, 0, 0, 0])), /"w" in the header has the key "dtype" twice/)
    expectPlainError(() => loadSafetensors(fileOf('{"__metadata__":{"a":"1","b":"2","a":"3"}}')), /"__metadata__" in the header has the key "a" twice/)
    // The same key in different objects, escapes that spell the same key, and keys inside strings.
    expectPlainError(() => loadSafetensors(fileOf(`{"w":${entry},"\\u0077":${entry}}`, [0, 0, 0, 0])), /the key "w" twice/)
    const fine = loadSafetensors(fileOf(`{"__metadata__":{"w":"\\"w\\":1, {\\"w\\": 2}"} , "w" :${entry}}`, [0, 0, 0x80, 0x3f]))
    expect(fine.metadata).toEqual({ w: '"w":1, {"w": 2}' })
    expectSameTensor(fine.tensors.w, tensor([1]))
  })
})

describe('saveSafetensors rejects bad input with a plain Error naming the key', () => {
  const t = tensor([1])

  test('tensors that are not a record', () => {
    for (const bad of [null, undefined, [t], new Map([['w', t]]), t, 5, 'w']) {
      expectPlainError(() => saveSafetensors(untyped<Record<string, Tensor>>(bad)), /saveSafetensors: expected an object mapping names to Tensors; got/)
    }
  })

  test('empty, reserved or ill-formed names', () => {
    expectPlainError(() => saveSafetensors({ '': t }), /invalid tensor name ""; expected a non-empty/)
    expectPlainError(() => saveSafetensors({ __metadata__: t }), /invalid tensor name "__metadata__"/)
    expectPlainError(() => saveSafetensors({ ['x\uD800']: t }), /invalid tensor name "x\\ud800"/)
    expectPlainError(() => saveSafetensors({ ['\uDC00y']: t }), /invalid tensor name/)
  })

  test('values that are not Tensors, or Tensors over foreign arrays', () => {
    expectPlainError(() => saveSafetensors(untyped({ w: new Float32Array(2) })), /tensor "w" should be a Tensor; got a Float32Array/)
    for (const bad of [null, [1, 2], { data: new Float32Array(1), shape: [1] }, 3]) {
      expectPlainError(() => saveSafetensors(untyped({ ok: t, w: bad })), /tensor "w" should be a Tensor/)
    }
    // The constructor refuses a foreign array now; a tensor that holds one anyway (its data swapped in) is still refused here
    expectPlainError(() => new Tensor(untyped<Float32Array>(new Uint8Array(4)), [4]), /Tensor: expected the data to be a Float32Array, Float64Array or Int32Array/)
    const foreign = Object.assign(Object.create(Tensor.prototype) as Tensor, { data: new Uint8Array(4), shape: [4] })
    expectPlainError(() => saveSafetensors({ w: foreign }), /tensor "w" holds a Uint8Array; expected a Float32Array, Float64Array or Int32Array/)
  })

  test('metadata that is not an object of well-formed strings', () => {
    for (const bad of [null, [], 'x', new Map()]) {
      expectPlainError(() => saveSafetensors({ t }, untyped<Record<string, string>>(bad)), /saveSafetensors: metadata should be an object of strings; got/)
    }
    expectPlainError(() => saveSafetensors({ t }, untyped({ ok: 'yes', step: 5 })), /metadata "step" should be a string; got number 5/)
    expectPlainError(() => saveSafetensors({ t }, { k: 'bad \uDC00' }), /metadata "k" has a lone surrogate/)
  })
})

describe('fuzz: damaged files load or throw a plain Error', () => {
  const base = saveSafetensors(
    {
      'lstm.weight_ih_l0': tensor([[1, 2], [3, 4]]),
      bias: tensor([0.5, -0.5, 8], { dtype: 'float64' }),
      ids: tensor([3, 1, 4, 1, 5], { dtype: 'int32' }),
      empty: new Tensor(new Float32Array(0), [0, 2]),
    },
    { format: 'pt', step: '12' },
  )
  const headerLength = headerOf(base).length

  /** Loads `bytes`; any failure must be exactly an Error. */
  function loadOrPlainError(bytes: Uint8Array): void {
    try {
      loadSafetensors(bytes)
    } catch (e) {
      if (!(e instanceof Error) || e.constructor !== Error) throw new Error(`not a plain Error: ${String(e)}`)
    }
  }

  test('random byte changes, truncation and appended bytes', () => {
    const position = fc.oneof(fc.nat(base.length - 1), fc.nat(headerLength + 7)) // the header twice as often
    fc.assert(
      fc.property(
        fc.array(fc.tuple(position, fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.option(fc.nat(base.length)),
        fc.uint8Array({ maxLength: 16 }),
        (changes, cut, extra) => {
          const bytes = Uint8Array.from([...base.subarray(0, cut ?? base.length), ...extra])
          for (const [at, value] of changes) if (at < bytes.length) bytes[at] = value
          loadOrPlainError(bytes)
        },
      ),
      { numRuns: 2000 },
    )
  })

  test('random edits of the header text, with the length field kept consistent', () => {
    const text = headerOf(base).text
    const data = base.subarray(8 + headerLength)
    const token = fc.oneof(
      fc.constantFrom('-1', '1e999', '0.5', 'null', '[]', '{}', '"I64"', '"F16"', '"BF16"', '"', ',', ':', '[0,0]', '99999999999999999999', '"__metadata__"', '"shape"'),
      fc.string({ maxLength: 4 }),
      fc.nat(64).map(String),
    )
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(text.length), fc.nat(6), token), { minLength: 1, maxLength: 4 }), (edits) => {
        let edited = text
        for (const [at, remove, insert] of edits) edited = edited.slice(0, at) + insert + edited.slice(at + remove)
        loadOrPlainError(fileOf(edited, data))
      }),
      { numRuns: 2000 },
    )
  })

  test('arbitrary JSON values in place of entries, fields and metadata', () => {
    const json = fc.jsonValue({ maxDepth: 3 })
    fc.assert(
      fc.property(json, json, json, json, (entry, dtype, shape, offsets) => {
        loadOrPlainError(jsonFile({ a: entry }, 16))
        loadOrPlainError(jsonFile({ a: { dtype, shape, data_offsets: offsets } }, 16))
        loadOrPlainError(jsonFile({ __metadata__: entry }))
      }),
      { numRuns: 500 },
    )
  })
})
