// The seeded generator: repeatability, independence of generators, distributions, state save/restore,
// and known-answer tests of xoshiro128** and its SplitMix64 seeding against reference code written here.
import fc from 'fast-check'
import { Generator, defaultGenerator, manualSeed, rand, randn, type Tensor } from '../../src/index.js'

// ---------- independent reference implementations (BigInt, from the published algorithms) ----------

const M32 = 0xffffffffn
const M64 = (1n << 64n) - 1n

function rotl32(x: bigint, k: bigint): bigint {
  return ((x << k) | (x >> (32n - k))) & M32
}

/** xoshiro128** (Blackman & Vigna), transcribed from xoshiro128starstar.c, in BigInt arithmetic. */
class RefXoshiro128ss {
  private s: bigint[]
  constructor(state: readonly number[]) {
    this.s = state.map((w) => BigInt(w >>> 0))
  }
  next(): number {
    const s = this.s
    const result = (rotl32((s[1] * 5n) & M32, 7n) * 9n) & M32
    const t = (s[1] << 9n) & M32
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl32(s[3], 11n)
    return Number(result)
  }
  state(): number[] {
    return this.s.map(Number)
  }
}

/** SplitMix64 (Vigna), transcribed from splitmix64.c. */
function splitmix64(seed: bigint): () => bigint {
  let x = seed
  return () => {
    x = (x + 0x9e3779b97f4a7c15n) & M64
    let z = x
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64
    return z ^ (z >> 31n)
  }
}

/** The state seqgrad documents for a seed: two SplitMix64 outputs, each split into (low, high) words. */
function seededState(seed: number): number[] {
  const next = splitmix64(BigInt(seed))
  const words: number[] = []
  for (let i = 0; i < 2; i++) {
    const z = next()
    words.push(Number(z & M32), Number(z >> 32n))
  }
  return words
}

function bits(t: Tensor): number[] {
  return Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength))
}

const seedArb = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })
const shapeArb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 3 })

// ---------- reference implementations checked against published vectors ----------

describe('the reference implementations reproduce published vectors', () => {
  test('SplitMix64 from seed 1234567', () => {
    const next = splitmix64(1234567n)
    expect([next(), next(), next(), next(), next()]).toEqual([
      6457827717110365317n,
      3203168211198807973n,
      9817491932198370423n,
      4593380528125082431n,
      16408922859458223821n,
    ])
  })

  test('xoshiro128** from state [1, 2, 3, 4]: first output is rotl(2·5, 7)·9 = 11520 by hand', () => {
    expect(new RefXoshiro128ss([1, 2, 3, 4]).next()).toBe(11520)
  })

  test('xoshiro128** test data generated with the C reference (xoshiro-6502 project)', () => {
    const ref = new RefXoshiro128ss([0x964d4a0c, 0xd40ab895, 0xad7fdecb, 0x3006f0f0])
    expect([ref.next(), ref.next(), ref.next(), ref.next()]).toEqual([0xf1391922, 0x6fe53806, 0xa5be2840, 0xf510ee70])
  })
})

// ---------- Generator against the reference ----------

describe('xoshiro128** known answers', () => {
  test('published state: Generator.setState then nextUint32 equals the C reference outputs', () => {
    const g = new Generator().setState([0x964d4a0c, 0xd40ab895, 0xad7fdecb, 0x3006f0f0])
    expect([g.nextUint32(), g.nextUint32(), g.nextUint32(), g.nextUint32()]).toEqual([0xf1391922, 0x6fe53806, 0xa5be2840, 0xf510ee70])
  })

  test('state [1, 2, 3, 4]: 64 outputs and the final state', () => {
    const ref = new RefXoshiro128ss([1, 2, 3, 4])
    const g = new Generator().setState([1, 2, 3, 4])
    const want = Array.from({ length: 64 }, () => ref.next())
    const got = Array.from({ length: 64 }, () => g.nextUint32())
    expect(got).toEqual(want)
    expect(Array.from(g.getState())).toEqual(ref.state())
  })

  test('property: any non-zero state, outputs are unsigned 32-bit and match the reference', () => {
    const word = fc.integer({ min: 0, max: 0xffffffff })
    fc.assert(
      fc.property(fc.tuple(word, word, word, word).filter((s) => s.some((w) => w !== 0)), (state) => {
        const ref = new RefXoshiro128ss(state)
        const g = new Generator().setState(state)
        const got = Array.from({ length: 20 }, () => g.nextUint32())
        expect(got.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff)).toBe(true)
        expect(got).toEqual(Array.from({ length: 20 }, () => ref.next()))
      }),
      { numRuns: 50 },
    )
  })

  test('property: manualSeed(s) sets the state from SplitMix64(s), as documented', () => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        expect(Array.from(new Generator(seed).getState())).toEqual(seededState(seed))
        manualSeed(seed)
        expect(Array.from(defaultGenerator.getState())).toEqual(seededState(seed))
      }),
      { numRuns: 50 },
    )
    expect(Array.from(new Generator(0).getState())).toEqual(seededState(0))
  })

  test("a Generator without a seed starts from PyTorch's default seed 67280421310721", () => {
    expect(Array.from(new Generator().getState())).toEqual(seededState(67280421310721))
  })

  test('float32 rand takes the top 24 bits of each draw, as documented', () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 1, max: 40 }), (seed, n) => {
        const ref = new RefXoshiro128ss(seededState(seed))
        manualSeed(seed)
        const got = rand([n])
        expect(Array.from(got.data)).toEqual(Array.from({ length: n }, () => Math.floor(ref.next() / 256) / 2 ** 24))
      }),
      { numRuns: 30 },
    )
  })
})

// ---------- repeatability ----------

describe('seeding makes draws repeat bit for bit', () => {
  test('property: manualSeed(s) then rand/randn (both dtypes, interleaved) repeats exactly', () => {
    fc.assert(
      fc.property(seedArb, shapeArb, (seed, shape) => {
        const draw = () => [rand(shape), randn(shape), rand(shape, { dtype: 'float64' }), randn(shape, { dtype: 'float64' })]
        manualSeed(seed)
        const first = draw()
        manualSeed(seed)
        const second = draw()
        for (let i = 0; i < first.length; i++) expect(bits(second[i])).toEqual(bits(first[i]))
      }),
      { numRuns: 40 },
    )
  })

  test('different seeds give different draws', () => {
    fc.assert(
      fc.property(seedArb, seedArb, (s1, s2) => {
        fc.pre(s1 !== s2)
        manualSeed(s1)
        const a = rand([16], { dtype: 'float64' })
        const an = randn([16])
        manualSeed(s2)
        const b = rand([16], { dtype: 'float64' })
        const bn = randn([16])
        expect(bits(a)).not.toEqual(bits(b))
        expect(bits(an)).not.toEqual(bits(bn))
      }),
      { numRuns: 40 },
    )
    manualSeed(0)
    const zero = rand([8])
    manualSeed(1)
    expect(bits(rand([8]))).not.toEqual(bits(zero))
  })

  test('consecutive draws continue the sequence instead of repeating it', () => {
    manualSeed(42)
    const a = rand([8])
    const b = rand([8])
    expect(bits(a)).not.toEqual(bits(b))
    manualSeed(42)
    const both = rand([16])
    expect(Array.from(both.data)).toEqual([...Array.from(a.data), ...Array.from(b.data)])
  })

  test('property: float32 randn equals float64 randn rounded to float32 under the same seed (odd and even sizes)', () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 1, max: 101 }), (seed, n) => {
        manualSeed(seed)
        const d = randn([n], { dtype: 'float64' })
        manualSeed(seed)
        const f = randn([n])
        expect(f.dtype).toBe('float32')
        expect(Array.from(f.data)).toEqual(Array.from(d.data, Math.fround))
        // and both leave the generator in the same place
        manualSeed(seed)
        randn([n], { dtype: 'float64' })
        const after64 = Array.from(defaultGenerator.getState())
        manualSeed(seed)
        randn([n])
        expect(Array.from(defaultGenerator.getState())).toEqual(after64)
      }),
      { numRuns: 40 },
    )
  })
})

// ---------- generators ----------

describe('Generator instances', () => {
  test('drawing from a private generator leaves the default one alone', () => {
    manualSeed(7)
    const expected = rand([10])
    manualSeed(7)
    const before = Array.from(defaultGenerator.getState())
    const g = new Generator(123)
    rand([50], { generator: g })
    randn([50], { generator: g })
    g.nextUint32()
    expect(Array.from(defaultGenerator.getState())).toEqual(before)
    expect(bits(rand([10]))).toEqual(bits(expected))
  })

  test('the generator option draws from that generator: the same seed gives the default sequence', () => {
    fc.assert(
      fc.property(seedArb, shapeArb, (seed, shape) => {
        manualSeed(seed)
        const viaDefault = [rand(shape), randn(shape, { dtype: 'float64' })]
        manualSeed(seed + 1 > Number.MAX_SAFE_INTEGER ? 0 : seed + 1) // make the default generator differ
        const g = new Generator(seed)
        const viaOption = [rand(shape, { generator: g }), randn(shape, { dtype: 'float64', generator: g })]
        expect(bits(viaOption[0])).toEqual(bits(viaDefault[0]))
        expect(bits(viaOption[1])).toEqual(bits(viaDefault[1]))
      }),
      { numRuns: 30 },
    )
  })

  test('the generator option advances only that generator', () => {
    const g = new Generator(5)
    const start = Array.from(g.getState())
    manualSeed(9)
    const defaultBefore = Array.from(defaultGenerator.getState())
    rand([3], { generator: g })
    expect(Array.from(g.getState())).not.toEqual(start)
    expect(Array.from(defaultGenerator.getState())).toEqual(defaultBefore)
  })

  test('two generators with the same seed are independent copies', () => {
    const g1 = new Generator(99)
    const g2 = new Generator(99)
    const a = Array.from({ length: 10 }, () => g1.nextUint32())
    g1.nextUint32() // advancing g1 further does not touch g2
    const b = Array.from({ length: 10 }, () => g2.nextUint32())
    expect(b).toEqual(a)
  })

  test('manualSeed rejects seeds that are not non-negative safe integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, Infinity, 2 ** 53]) {
      expect(() => manualSeed(bad)).toThrow(/non-negative safe integer/)
      expect(() => new Generator(bad)).toThrow(Error)
    }
  })
})

// ---------- distributions ----------

describe('distributions', () => {
  const N = 100_000

  test('rand is uniform in [0, 1): float32 values on the 2⁻²⁴ grid, float64 on the 2⁻⁵³ grid', () => {
    manualSeed(2024)
    for (const dtype of ['float32', 'float64'] as const) {
      const x = rand([N / 2], { dtype }).data
      let min = Infinity
      let max = -Infinity
      let total = 0
      let squares = 0
      const grid = dtype === 'float32' ? 2 ** 24 : 2 ** 53
      let offGrid = 0
      for (let i = 0; i < x.length; i++) {
        const v = x[i]
        min = Math.min(min, v)
        max = Math.max(max, v)
        total += v
        squares += v * v
        if (!Number.isInteger(v * grid)) offGrid++
      }
      expect(min).toBeGreaterThanOrEqual(0)
      expect(max).toBeLessThan(1)
      expect(offGrid).toBe(0)
      const mean = total / x.length
      const variance = squares / x.length - mean * mean
      expect(Math.abs(mean - 0.5)).toBeLessThan(0.01)
      expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.003)
      // each tenth of [0, 1) gets about a tenth of the draws
      const bins = new Array<number>(10).fill(0)
      for (let i = 0; i < x.length; i++) bins[Math.floor(x[i] * 10)]++
      for (const count of bins) expect(Math.abs(count / x.length - 0.1)).toBeLessThan(0.008)
    }
  })

  // float64 only: float32 normals are these rounded (checked above), so their statistics follow.
  test('randn has mean ≈ 0, variance ≈ 1 and symmetric tails over 1e5 draws', () => {
    manualSeed(31337)
    const x = randn([N], { dtype: 'float64' }).data
    let total = 0
    let squares = 0
    let beyond2 = 0
    let negatives = 0
    for (let i = 0; i < x.length; i++) {
      total += x[i]
      squares += x[i] * x[i]
      if (Math.abs(x[i]) > 1.959964) beyond2++
      if (x[i] < 0) negatives++
    }
    expect(x.every(Number.isFinite)).toBe(true)
    const mean = total / N
    const variance = squares / N - mean * mean
    expect(Math.abs(mean)).toBeLessThan(0.02)
    expect(Math.abs(variance - 1)).toBeLessThan(0.03)
    expect(Math.abs(beyond2 / N - 0.05)).toBeLessThan(0.005) // P(|Z| > 1.96) = 5%
    expect(Math.abs(negatives / N - 0.5)).toBeLessThan(0.01)
  })
})

// ---------- state save / restore ----------

describe('getState / setState', () => {
  test('property: restoring a saved state replays the same draws (private generator)', () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 0, max: 20 }), shapeArb, (seed, skip, shape) => {
        const g = new Generator(seed)
        for (let i = 0; i < skip; i++) g.nextUint32()
        const saved = g.getState()
        const first = [rand(shape, { generator: g }), randn(shape, { dtype: 'float64', generator: g })]
        g.setState(saved)
        const again = [rand(shape, { generator: g }), randn(shape, { dtype: 'float64', generator: g })]
        expect(bits(again[0])).toEqual(bits(first[0]))
        expect(bits(again[1])).toEqual(bits(first[1]))
        // a state moved to another generator continues the same sequence there
        const other = new Generator(seed + 1 > Number.MAX_SAFE_INTEGER ? 0 : seed + 1).setState(saved)
        expect(bits(rand(shape, { generator: other }))).toEqual(bits(first[0]))
      }),
      { numRuns: 40 },
    )
  })

  test('the default generator replays too', () => {
    manualSeed(11)
    rand([5])
    const saved = defaultGenerator.getState()
    const a = randn([7])
    rand([3]) // move on
    defaultGenerator.setState(saved)
    expect(bits(randn([7]))).toEqual(bits(a))
  })

  test('getState returns a copy; setState copies its argument', () => {
    const g = new Generator(3)
    const s = g.getState()
    expect(s).toBeInstanceOf(Uint32Array)
    expect(s).toHaveLength(4)
    const expected = g.getState()
    s[0] ^= 0xffff
    expect(Array.from(g.getState())).toEqual(Array.from(expected))
    const words = [5, 6, 7, 8]
    g.setState(words)
    words[0] = 0
    expect(Array.from(g.getState())).toEqual([5, 6, 7, 8])
  })

  test('setState rejects a wrong length and the all-zero state', () => {
    const g = new Generator(1)
    expect(() => g.setState([1, 2, 3])).toThrow(/4 uint32 words/)
    expect(() => g.setState([0, 0, 0, 0])).toThrow(/all-zero/)
  })
})
