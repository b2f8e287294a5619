// σ and tanh over float32 ranges on WebAssembly SIMD (kernels/simd-math.ts: Cephes expf / tanhf
// polynomials): accuracy against Math's double results rounded to float32 (ulps counted between float32
// neighbours), the special values (NaN, ±0, ±∞), the branch boundary of tanh and the clamps of exp,
// symmetry (tanh odd bit for bit, σ(x) + σ(−x) = 1), the four-lane granularity of ranges on the scratch,
// the exact Math loops for every other array, scratch growth, and the fallback without WebAssembly.
// The fused cell steps built on these are covered by the fused == reference and PyTorch parity tests.
import fc from 'fast-check'
import { sigmoid } from '../../src/tensor/kernels/elementwise.js'
import { activationBuffer, activationScratch, lanes, sigmoidInPlace, tanhInPlace } from '../../src/tensor/kernels/simd-math.js'
import { uniform } from '../helpers/random.js'
import { loadFreshWith, withoutWasm, type WasmStandIn } from '../helpers/wasm.js'

type MathModule = typeof import('../../src/tensor/kernels/simd-math.js')
type InPlace = (a: Float32Array | Float64Array, start: number, count: number) => void

// Math's functions read once: looked up as Math.x on every call inside jest's sandbox, the reference
// loops ran about a hundred times slower.
const { abs, exp, floor, fround, tanh } = Math

// ---------------------------------------------------------------------------------------------
// float32 bits and ulps

const word = new Float32Array(1)
const wordBits = new Int32Array(word.buffer)
const wordUnsigned = new Uint32Array(word.buffer)

/** The float32 with the given bit pattern. */
function fromBits(pattern: number): number {
  wordUnsigned[0] = pattern >>> 0
  return word[0]
}
/** The bit pattern of fround(x), as an unsigned 32-bit integer. */
function bitsOf(x: number): number {
  word[0] = x
  return wordUnsigned[0]
}

/**
 * The position of fround(x) on the line of float32 values: consecutive finite float32s (and the largest
 * finite one and ∞) are one apart, and +0 and −0 share position 0. Positive patterns count up from +0,
 * negative ones down from −0.
 */
function ordinal(x: number): number {
  word[0] = x
  const i = wordBits[0]
  return i < 0 ? -(i & 0x7fffffff) : i
}

/** How many float32 steps apart two float32 values are (0 for equal values, +0 and −0 included). */
const ulpDistance = (x: number, y: number): number => abs(ordinal(x) - ordinal(y))

/** The float32 `steps` positions after x on the line of float32 values (before it for negative steps). */
function stepFrom(x: number, steps: number): number {
  const o = ordinal(x) + steps
  return fromBits(o < 0 ? 0x80000000 | -o : o)
}

test('the ulp helpers count float32 steps', () => {
  expect(ulpDistance(1, fround(1 + 2 ** -23))).toBe(1)
  expect(ulpDistance(1, fround(1 - 2 ** -24))).toBe(1) // below 1 the spacing halves
  expect(ulpDistance(fround(1 - 2 ** -24), fround(1 + 2 ** -23))).toBe(2)
  expect(ulpDistance(0, -0)).toBe(0)
  expect(ulpDistance(2 ** -149, -(2 ** -149))).toBe(2)
  expect(ulpDistance(fround(3.4028234663852886e38), Infinity)).toBe(1)
  expect(stepFrom(0.625, 1)).toBe(0.625 + 2 ** -24)
  expect(stepFrom(0.625, -1)).toBe(0.625 - 2 ** -24)
  expect(stepFrom(2 ** -149, -2)).toBe(-(2 ** -149))
  expect(bitsOf(-0)).toBe(0x80000000)
})

// ---------------------------------------------------------------------------------------------
// References and checks

/** tanh in double, rounded once to float32. */
const tanhRef = (x: number): number => fround(tanh(x))
/** σ in double, rounded once to float32 (e^−x overflowing to ∞ gives 0, as it should). */
const sigmoidRef = (x: number): number => fround(1 / (1 + exp(-x)))

const MAX_ULPS = 2
/**
 * σ rounds to 0 in float32 below this: σ(x) ≈ e^x there, under half the smallest subnormal 2^−149. Above
 * it, down from −87, σ is subnormal: 2 ulp is then 2 · 2^−149, so the kernel must follow e^x that far.
 */
const SIGMOID_ZERO_BELOW = -150 * Math.LN2

/** Runs `fn` on the scratch over xs (written from index `at`, a multiple of 4) and returns a copy of the results. */
function onScratch(fn: InPlace, xs: ArrayLike<number>, at = 0): Float32Array {
  const scratch = activationScratch(lanes(at + xs.length))
  if (scratch === null) throw new Error('no SIMD scratch in this runtime')
  for (let i = 0; i < xs.length; i++) scratch[at + i] = xs[i]
  fn(scratch, at, xs.length)
  return scratch.slice(at, at + xs.length)
}

/** Throws naming the first input whose SIMD tanh is outside 2 ulp of the reference, keeps the wrong sign of a zero, or leaves [−1, 1]. */
function checkTanh(xs: ArrayLike<number>, got: Float32Array): void {
  for (let i = 0; i < xs.length; i++) {
    const x = fround(xs[i])
    const y = got[i]
    if (x !== x) {
      if (y === y) throw new Error(`tanh(NaN) = ${y}, not NaN`)
      continue
    }
    const want = tanhRef(x)
    if (!(ulpDistance(y, want) <= MAX_ULPS)) throw new Error(`tanh(${x}) = ${y}, fround(Math.tanh) gives ${want}: ${ulpDistance(y, want)} ulp apart`)
    if (!(y >= -1 && y <= 1)) throw new Error(`tanh(${x}) = ${y}, outside [−1, 1]`)
    if (x === 0 && !Object.is(y, x)) throw new Error(`tanh(${Object.is(x, -0) ? '-0' : '0'}) = ${Object.is(y, -0) ? '-0' : y}: the zero's sign is lost`)
  }
}

/** Throws naming the first input whose SIMD σ is outside 2 ulp of the reference (subnormals included), is not +0 where the reference is 0, or leaves [0, 1]. */
function checkSigmoid(xs: ArrayLike<number>, got: Float32Array): void {
  for (let i = 0; i < xs.length; i++) {
    const x = fround(xs[i])
    const y = got[i]
    if (x !== x) {
      if (y === y) throw new Error(`σ(NaN) = ${y}, not NaN`)
      continue
    }
    const want = sigmoidRef(x)
    if (!(ulpDistance(y, want) <= MAX_ULPS)) throw new Error(`σ(${x}) = ${y}, fround(1/(1+Math.exp(−x))) gives ${want}: ${ulpDistance(y, want)} ulp apart`)
    if (want === 0 && !Object.is(y, 0)) throw new Error(`σ(${x}) = ${y}, but it rounds to 0 in float32 (x < ${SIGMOID_ZERO_BELOW})`)
    if (!(y >= 0 && y <= 1)) throw new Error(`σ(${x}) = ${y}, outside [0, 1]`)
  }
}

// ---------------------------------------------------------------------------------------------
// Inputs

/** The float32s within `radius` steps of x, and of −x. */
function around(x: number, radius: number): number[] {
  const out: number[] = []
  for (let s = -radius; s <= radius; s++) out.push(stepFrom(fround(x), s), -stepFrom(fround(x), s))
  return out
}

/**
 * Hand-picked inputs: the special values, tanh's branch point 0.625 (polynomial below, exp formula above),
 * the clamps of exp (σ clamps −x to [−87, 88], tanh clamps 2|x| at 88, so |x| = 44), where σ and tanh round
 * to 1 in float32, and the ends of float32's range.
 */
const SPECIAL: number[] = [
  0, -0, Infinity, -Infinity, NaN, fromBits(0x7fc00001), fromBits(0xffc00000), fromBits(0x7f800001),
  2 ** -149, -(2 ** -149), 2 ** -126, -(2 ** -126), fround(3.4028234663852886e38), -fround(3.4028234663852886e38),
  ...around(0.625, 8),
  ...around(87, 8), ...around(88, 8), ...around(87.5, 2), ...around(88.7, 2), ...around(89, 2), ...around(103.97, 2),
  ...around(44, 8), ...around(43.5, 2), ...around(9.01, 2), ...around(17, 2), ...around(80, 2), ...around(100, 2),
  ...around(SIGMOID_ZERO_BELOW, 8), ...around(104, 8), ...around(1e38, 2), ...around(95, 2),
  ...around(0.5, 2), ...around(1, 2), ...around(2 ** -12, 2), ...around(1e-30, 2),
]

/** Any float32 in [−100, 100]. */
const moderateArb = fc.float({ min: -100, max: 100, noNaN: true })
/** ±(1e-30 … 1e-3), log-uniform. */
const tinyArb = fc
  .tuple(fc.double({ min: -30, max: -3, noNaN: true }), fc.boolean())
  .map(([e, negative]) => fround((negative ? -1 : 1) * 10 ** e))
/** The hand-picked inputs. */
const specialArb = fc.constantFrom(...SPECIAL)
/** Within a few steps of the branch point and the clamps. */
const boundaryArb = fc
  .tuple(fc.constantFrom(0.625, 87, 88, 44, 80), fc.integer({ min: -64, max: 64 }), fc.boolean())
  .map(([x, steps, negative]) => (negative ? -1 : 1) * stepFrom(x, steps))
/** Every float32, subnormals, ±∞ and NaN included. */
const anyFloatArb = fc.float()
const inputArb = fc.oneof(moderateArb, moderateArb, tinyArb, specialArb, boundaryArb, anyFloatArb)
const inputsArb = fc.array(inputArb, { minLength: 1, maxLength: 300 })

// ---------------------------------------------------------------------------------------------

test('this runtime has WebAssembly SIMD, so the tests below exercise the SIMD kernels', () => {
  const scratch = activationScratch(8)
  expect(scratch).toBeInstanceOf(Float32Array)
  expect(scratch!.length).toBeGreaterThanOrEqual(8)
  expect(scratch!.byteOffset).toBe(0)
})

test('lanes(n) is the smallest multiple of 4 at least n', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1 << 24 }), (n) => {
      const l = lanes(n)
      expect(l % 4).toBe(0)
      expect(l).toBeGreaterThanOrEqual(n)
      expect(l - n).toBeLessThan(4)
    }),
  )
  expect([0, 1, 2, 3, 4, 5, 8, 9].map(lanes)).toEqual([0, 4, 4, 4, 4, 8, 8, 12])
})

describe('accuracy on the SIMD scratch', () => {
  test('tanh: within 2 ulp of fround(Math.tanh(x)), NaN to NaN, ±0 kept, always in [−1, 1]', () => {
    checkTanh(SPECIAL, onScratch(tanhInPlace, SPECIAL))
    fc.assert(fc.property(inputsArb, (xs) => checkTanh(xs, onScratch(tanhInPlace, xs))), { numRuns: 300 })
  })

  test('σ: within 2 ulp of fround(1/(1+Math.exp(−x))) over the whole float32 range, 0 where that is 0, NaN to NaN, always in [0, 1]', () => {
    checkSigmoid(SPECIAL, onScratch(sigmoidInPlace, SPECIAL))
    fc.assert(fc.property(inputsArb, (xs) => checkSigmoid(xs, onScratch(sigmoidInPlace, xs))), { numRuns: 300 })
  })

  test('a sweep over all float32 bit patterns (every 4093rd, about a million inputs) for both functions', () => {
    const STRIDE = 4093
    const CHUNK = 1 << 15
    const xs = new Float32Array(CHUNK)
    let count = 0
    for (let start = 0; start < 2 ** 32; start += CHUNK * STRIDE) {
      let filled = 0
      for (let pattern = start; filled < CHUNK && pattern < 2 ** 32; pattern += STRIDE) xs[filled++] = fromBits(pattern)
      const chunk = xs.subarray(0, filled)
      checkTanh(chunk, onScratch(tanhInPlace, chunk))
      checkSigmoid(chunk, onScratch(sigmoidInPlace, chunk))
      count += filled
    }
    expect(count).toBe(Math.ceil(2 ** 32 / STRIDE))
  })

  test('a dense sweep of [−10, 10] and of the clamp regions (every float32 step of 2^-12 to 2^-16)', () => {
    const ranges: [number, number, number][] = [[-10, 10, 2 ** -12], [-90, -85, 2 ** -14], [-106, -86, 2 ** -12], [85, 90, 2 ** -14], [-45, -43, 2 ** -16], [43, 45, 2 ** -16], [0.5, 0.75, 2 ** -20], [-0.75, -0.5, 2 ** -20]]
    for (const [from, to, step] of ranges) {
      const xs = new Float32Array(floor((to - from) / step) + 1)
      for (let i = 0; i < xs.length; i++) xs[i] = from + i * step
      checkTanh(xs, onScratch(tanhInPlace, xs))
      checkSigmoid(xs, onScratch(sigmoidInPlace, xs))
    }
  })

  test('special values exactly: NaN stays NaN, tanh(±0) = ±0, tanh(±∞) = ±1, σ(+∞) = 1, σ(−∞) = 0, σ(0) = 0.5', () => {
    const xs = [NaN, -NaN, 0, -0, Infinity, -Infinity]
    const t = onScratch(tanhInPlace, xs)
    const s = onScratch(sigmoidInPlace, xs)
    expect(Number.isNaN(t[0]) && Number.isNaN(t[1]) && Number.isNaN(s[0]) && Number.isNaN(s[1])).toBe(true)
    expect(Object.is(t[2], 0)).toBe(true)
    expect(Object.is(t[3], -0)).toBe(true)
    expect([t[4], t[5]]).toEqual([1, -1])
    expect([s[2], s[3], s[4]]).toEqual([0.5, 0.5, 1])
    expect(Object.is(s[5], 0)).toBe(true)
  })

  test('σ underflows as float32 does: e^x through the subnormals below −87, exactly 0 below −103.97, so σ′ = σ(1 − σ) is 0 there too', () => {
    // The smallest subnormal is 2^−149 = σ(x) for x a little above −150·ln 2; at 2^−150 it rounds (to even) to 0.
    const xs = [-87.5, -88, -89, -95, -100, -103.9, -103.97, -103.98, -104, -110, -1e38, -Infinity]
    const s = onScratch(sigmoidInPlace, xs)
    checkSigmoid(xs, s)
    expect(Array.from(s.slice(0, 6), (y) => y > 0)).toEqual([true, true, true, true, true, true])
    expect(Array.from(s.slice(7))).toEqual([0, 0, 0, 0, 0])
    // The fused backward multiplies σ′ by the inputs: a floor of 6.05e-39 times an input of 1e38 was a gradient of order 1.
    for (const y of s.slice(7)) expect(y * (1 - y) * -1e38).toBe(-0)
  })
})

describe('symmetry on the SIMD scratch', () => {
  test('tanh is odd bit for bit: tanh(−x) has the bits of tanh(x) with the sign flipped', () => {
    fc.assert(
      fc.property(inputsArb, (list) => {
        const xs = list.filter((x) => x === x)
        const pos = onScratch(tanhInPlace, xs)
        const neg = onScratch(tanhInPlace, xs.map((x) => -x))
        for (let i = 0; i < xs.length; i++) {
          if ((bitsOf(neg[i]) ^ 0x80000000) >>> 0 !== bitsOf(pos[i])) {
            throw new Error(`tanh(${-fround(xs[i])}) = ${neg[i]} but tanh(${fround(xs[i])}) = ${pos[i]}`)
          }
        }
      }),
      { numRuns: 200 },
    )
  })

  test('σ(x) + σ(−x) is within 2 ulp of 1 (ulp(1) = 2^-23)', () => {
    fc.assert(
      fc.property(inputsArb, (list) => {
        const xs = list.filter((x) => x === x)
        const pos = onScratch(sigmoidInPlace, xs)
        const neg = onScratch(sigmoidInPlace, xs.map((x) => -x))
        for (let i = 0; i < xs.length; i++) {
          const sum = pos[i] + neg[i] // exact enough: two float32s summed in double
          if (!(abs(sum - 1) <= 2 * 2 ** -23)) throw new Error(`σ(${fround(xs[i])}) + σ(${-fround(xs[i])}) = ${sum}`)
        }
      }),
      { numRuns: 200 },
    )
  })
})

// ---------------------------------------------------------------------------------------------

describe('ranges on the scratch are whole lanes of 4', () => {
  const FUNCTIONS: { name: string; fn: InPlace; ref: (x: number) => number }[] = [
    { name: 'sigmoidInPlace', fn: sigmoidInPlace, ref: sigmoidRef },
    { name: 'tanhInPlace', fn: tanhInPlace, ref: tanhRef },
  ]

  test.each(FUNCTIONS)('$name changes only [start, start + count) and the padding up to the next multiple of 4', ({ fn, ref }) => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 45 }), fc.integer(), (quads, count, seed) => {
        const start = 4 * quads
        const total = start + count + 24
        const scratch = activationScratch(total)!
        const next = uniform(seed)
        // values in [−6, 6] away from 0, where neither function has a fixed point (σ(x) = x only near 0.659)
        const before = new Float32Array(total)
        for (let i = 0; i < total; i++) before[i] = fround((next() < 0.5 ? -1 : 1) * (1 + 5 * next()))
        scratch.set(before)
        fn(scratch, start, count)
        const paddedEnd = lanes(start + count)
        for (let i = 0; i < total; i++) {
          const y = scratch[i]
          if (i >= start && i < start + count) {
            // in the range: the function's value (within the accuracy shown above)
            if (!(ulpDistance(y, ref(before[i])) <= MAX_ULPS)) throw new Error(`start ${start} count ${count}: [${i}] = ${y} from ${before[i]}`)
          } else if (i < start || i >= paddedEnd) {
            if (bitsOf(y) !== bitsOf(before[i])) throw new Error(`start ${start} count ${count}: [${i}] changed from ${before[i]} to ${y}, outside the range and its padding`)
          }
        }
      }),
      { numRuns: 200, examples: [[0, 0, 1], [0, 1, 2], [1, 3, 3], [2, 5, 4], [3, 4, 5], [0, 7, 6]] },
    )
  })

  test.each(FUNCTIONS)('$name with count 0 changes nothing, padding included', ({ fn }) => {
    const scratch = activationScratch(64)!
    for (const start of [0, 4, 8, 32, 60]) {
      for (let i = 0; i < 64; i++) scratch[i] = 1 + i / 8
      const before = scratch.slice(0, 64)
      fn(scratch, start, 0)
      expect(scratch.slice(0, 64)).toEqual(before)
    }
  })

  test.each(FUNCTIONS)('$name gives every input the same bits in each lane and at each offset', ({ fn }) => {
    const next = uniform(99)
    const xs = Array.from({ length: 37 }, () => fround((next() - 0.5) * 30))
    const first = onScratch(fn, xs, 0)
    for (const at of [4, 8, 12, 400]) {
      // shifted by one to three lanes too, so each input meets every lane position
      for (let shift = 0; shift < 4; shift++) {
        const shifted = [...xs.slice(shift), ...xs.slice(0, shift)]
        const got = onScratch(fn, shifted, at)
        for (let i = 0; i < xs.length; i++) expect(bitsOf(got[i])).toBe(bitsOf(first[(i + shift) % xs.length]))
      }
    }
  })
})

// ---------------------------------------------------------------------------------------------

/** Exact Math loops: bit-for-bit equality with the double functions (rounded once for a float32 array). */
function expectExact(kind: 'sigmoid' | 'tanh', xs: ArrayLike<number>, got: ArrayLike<number>, float32: boolean): void {
  for (let i = 0; i < xs.length; i++) {
    const exact = kind === 'sigmoid' ? sigmoid(xs[i]) : tanh(xs[i])
    const want = float32 ? fround(exact) : exact
    if (!Object.is(got[i], want)) throw new Error(`${kind}(${xs[i]}) = ${got[i]}, the exact loop gives ${want}`)
  }
}

/** Checks fn on `array` (holding xs from `at`) computes the exact values over [at, at + count) and leaves the rest alone. */
function checkExactRange(kind: 'sigmoid' | 'tanh', fn: InPlace, array: Float32Array | Float64Array, at: number, count: number): void {
  const before = array.slice()
  fn(array, at, count)
  expectExact(kind, before.subarray(at, at + count), array.subarray(at, at + count), array instanceof Float32Array)
  for (let i = 0; i < array.length; i++) {
    if ((i < at || i >= at + count) && !Object.is(array[i], before[i])) throw new Error(`${kind}: [${i}] changed outside [${at}, ${at + count})`)
  }
}

describe('any other array gets the exact Math loop, bit for bit', () => {
  const KINDS: { kind: 'sigmoid' | 'tanh'; fn: InPlace }[] = [
    { kind: 'sigmoid', fn: sigmoidInPlace },
    { kind: 'tanh', fn: tanhInPlace },
  ]
  const caseArb = fc.record({
    xs: fc.array(fc.oneof(fc.double({ min: -120, max: 120 }), fc.double(), inputArb), { minLength: 0, maxLength: 100 }),
    at: fc.integer({ min: 0, max: 9 }),
    tail: fc.integer({ min: 0, max: 9 }),
  })

  /** xs placed at `at` in an array of Kind filled with 0.75, `tail` more after them: exact values over the range, nothing changed around it. */
  const exactOn = (Kind: typeof Float32Array | typeof Float64Array, kind: 'sigmoid' | 'tanh', fn: InPlace) =>
    fc.assert(
      fc.property(caseArb, ({ xs, at, tail }) => {
        const array = new Kind(at + xs.length + tail).fill(0.75)
        array.set(xs, at)
        checkExactRange(kind, fn, array, at, xs.length)
      }),
      { numRuns: 200, examples: [[{ xs: SPECIAL, at: 2, tail: 3 }]] },
    )

  test.each(KINDS)('$kind on a Float64Array: exactly sigmoid(x) / Math.tanh(x), only in the range', ({ kind, fn }) => {
    exactOn(Float64Array, kind, fn)
  })

  test.each(KINDS)('$kind on a plain Float32Array: fround of the exact value, only in the range (no lane padding)', ({ kind, fn }) => {
    exactOn(Float32Array, kind, fn)
  })

  test.each(KINDS)('$kind on a subarray of the scratch (not the scratch view itself): exact too', ({ kind, fn }) => {
    const scratch = activationScratch(256)!
    const next = uniform(5)
    const part = scratch.subarray(4, 104)
    for (let i = 0; i < part.length; i++) part[i] = fround((next() - 0.5) * 40)
    checkExactRange(kind, fn, part, 1, 97)
  })

  test('the exact loops differ from the SIMD kernels somewhere (so the bitwise checks above mean something)', () => {
    const next = uniform(8)
    const xs = Array.from({ length: 4000 }, () => fround((next() - 0.5) * 20))
    for (const { kind, fn } of KINDS) {
      const simd = onScratch(fn, xs)
      const plain = Float32Array.from(xs)
      fn(plain, 0, plain.length)
      expectExact(kind, xs, plain, true)
      expect(simd.some((y, i) => y !== plain[i])).toBe(true)
    }
  })
})

// ---------------------------------------------------------------------------------------------

describe('scratch and buffers', () => {
  // The scratch is lent until the next call: growing the memory may move it, and what was written before
  // a call that grows it is not promised to survive. These tests write after each call and rely on nothing
  // written before one.
  test('activationScratch grows to any size asked for, and the grown view computes correctly at its far end', () => {
    const current = activationScratch(1)!.length
    for (const want of [current, current + 1, current + 5, 3 * current + 7, (1 << 21) + 3]) {
      const scratch = activationScratch(want)
      expect(scratch).toBeInstanceOf(Float32Array)
      expect(scratch!.byteOffset).toBe(0)
      expect(scratch!.length).toBeGreaterThanOrEqual(want)
      // a range ending at the last whole lane of the request
      const at = lanes(want) - 40
      const xs = Array.from({ length: 37 }, (_, i) => (i - 18) / 3)
      checkTanh(xs, onScratch(tanhInPlace, xs, at))
      checkSigmoid(xs, onScratch(sigmoidInPlace, xs, at))
    }
    // asking for less never shrinks it
    expect(activationScratch(4)!.length).toBeGreaterThanOrEqual((1 << 21) + 3)
  })

  test('activationBuffer(true, n) is the scratch (a float32 view of the same memory), at least n long', () => {
    for (const n of [1, 17, 5000, 70000]) {
      const buffer = activationBuffer(true, n) as Float32Array
      expect(buffer).toBeInstanceOf(Float32Array)
      expect(buffer.length).toBeGreaterThanOrEqual(n)
      // the very view activationScratch lends (asking again for as many floats does not grow the memory)
      expect(buffer).toBe(activationScratch(n))
      const xs = Array.from({ length: Math.min(lanes(n), 41) }, (_, i) => i / 4 - 5)
      buffer.set(xs)
      tanhInPlace(buffer, 0, xs.length)
      checkTanh(xs, buffer.slice(0, xs.length))
    }
  })

  test('activationBuffer(false, n) is a Float64Array of at least n, on which the loops are exact', () => {
    for (const n of [0, 1, 9, 300, 12345, 7]) {
      const buffer = activationBuffer(false, n)
      expect(buffer).toBeInstanceOf(Float64Array)
      expect(buffer.length).toBeGreaterThanOrEqual(n)
      const xs = Array.from({ length: n }, (_, i) => (i % 97) / 7 - 7)
      buffer.set(xs)
      sigmoidInPlace(buffer, 0, n)
      expectExact('sigmoid', xs, buffer, false)
    }
  })
})

// ---------------------------------------------------------------------------------------------
// Without WebAssembly, or where compiling the kernels fails: each case loads a fresh copy of simd-math.ts
// with the global WebAssembly removed or replaced while it first tries to compile (it caches the outcome).

function loadWith(standIn: WasmStandIn): { math: MathModule; scratchAtLoad: Float32Array | null } {
  return loadFreshWith(standIn, () => {
    const math = require('../../src/tensor/kernels/simd-math.js') as MathModule
    return { math, scratchAtLoad: math.activationScratch(16) }
  })
}

describe.each(withoutWasm('kernels'))('%s', (_label, standIn) => {
  test('activationScratch is null and activationBuffer gives float64 buffers for float32 data too', () => {
    const { math, scratchAtLoad } = loadWith(standIn)
    expect(scratchAtLoad).toBeNull()
    expect(math.activationScratch(100)).toBeNull()
    for (const n of [1, 40, 1000]) {
      const buffer = math.activationBuffer(true, n)
      expect(buffer).toBeInstanceOf(Float64Array)
      expect(buffer.length).toBeGreaterThanOrEqual(n)
      expect(math.activationBuffer(false, n)).toBeInstanceOf(Float64Array)
    }
    expect(math.lanes(5)).toBe(8)
  })

  test('sigmoidInPlace and tanhInPlace give the exact results on every kind of array', () => {
    const { math } = loadWith(standIn)
    const next = uniform(31)
    const xs = [...SPECIAL, ...Array.from({ length: 500 }, () => (next() - 0.5) * 200)]
    for (const [kind, fn] of [['sigmoid', math.sigmoidInPlace], ['tanh', math.tanhInPlace]] as const) {
      const buffer = math.activationBuffer(true, xs.length + 6)
      buffer.fill(0.75)
      buffer.set(xs, 3)
      checkExactRange(kind, fn, buffer, 3, xs.length)
      const f32 = new Float32Array(xs.length + 2).fill(0.75)
      f32.set(xs, 1)
      checkExactRange(kind, fn, f32, 1, xs.length)
    }
  })
})
