// The seeded generator behind every random draw in seqgrad.
//
// Algorithm: xoshiro128** (Blackman & Vigna, 2018), 128 bits of state in four uint32 words,
// seeded from the 64-bit SplitMix64 sequence of the seed as its authors recommend.
// Uniform floats take the top bits of a draw: 24 for float32, 53 (two draws) for float64.
// Normal draws use the Box–Muller transform on two 53-bit uniforms, producing values in pairs;
// float32 normals are the float64 ones rounded, so one seed gives the same numbers in both dtypes.

import { describe } from '../validation/checks.js'

const MASK64 = (1n << 64n) - 1n

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}

export class Generator {
  private readonly state = new Uint32Array(4)

  constructor(seed = 67280421310721) {
    this.manualSeed(seed)
  }

  /** Resets the generator to the sequence that `seed` (a non-negative safe integer) names. */
  manualSeed(seed: number): this {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new Error(`manualSeed: expected a non-negative safe integer, got ${String(seed)}`)
    }
    let x = BigInt(seed)
    for (let i = 0; i < 4; i += 2) {
      // SplitMix64: one 64-bit output fills two state words.
      x = (x + 0x9e3779b97f4a7c15n) & MASK64
      let z = x
      z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64
      z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64
      z ^= z >> 31n
      this.state[i] = Number(z & 0xffffffffn)
      this.state[i + 1] = Number(z >> 32n)
    }
    return this
  }

  /** The next 32 random bits, as an unsigned integer. */
  nextUint32(): number {
    const s = this.state
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0
    const t = s[1] << 9
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl(s[3], 11)
    return result
  }

  /** A uniform float32-representable value in [0, 1). */
  uniform24(): number {
    return (this.nextUint32() >>> 8) * 2 ** -24
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform53(): number {
    const high = this.nextUint32() >>> 5
    const low = this.nextUint32() >>> 6
    return (high * 67108864 + low) * 2 ** -53
  }

  /** Fills `out` with uniform draws in [low, high). */
  fillUniform(out: Float32Array | Float64Array, low = 0, high = 1): void {
    const span = high - low
    const draw = out instanceof Float32Array ? () => this.uniform24() : () => this.uniform53()
    for (let i = 0; i < out.length; i++) out[i] = low + span * draw()
  }

  /** Fills `out` with normal draws N(mean, std²), two per Box–Muller step. */
  fillNormal(out: Float32Array | Float64Array, mean = 0, std = 1): void {
    for (let i = 0; i < out.length; i += 2) {
      const u1 = 1 - this.uniform53() // in (0, 1], so the log is finite
      const u2 = this.uniform53()
      const radius = Math.sqrt(-2 * Math.log(u1))
      out[i] = mean + std * radius * Math.cos(2 * Math.PI * u2)
      if (i + 1 < out.length) out[i + 1] = mean + std * radius * Math.sin(2 * Math.PI * u2)
    }
  }

  /** A uniform integer in [0, n). */
  randint(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) throw new Error(`randint: expected an integer in [1, 2^32], got ${String(n)}`)
    // Rejection sampling keeps every value equally likely.
    const limit = 2 ** 32 - (2 ** 32 % n)
    for (;;) {
      const r = this.nextUint32()
      if (r < limit) return r % n
    }
  }

  /** A copy of the four state words, for checkpoints. */
  getState(): Uint32Array {
    return this.state.slice()
  }

  /** Restores four words from getState(); a wrong length, a word that is not a uint32, or all zeros leaves the state as it was. */
  setState(state: ArrayLike<number>): this {
    this.state.set(checkGeneratorState('Generator.setState', state))
    return this
  }
}

/**
 * Four uint32 words a Generator can take as its state, checked and copied; anything else — another length,
 * a word that is not an integer in [0, 2^32), all zeros (a fixed point of xoshiro128**) — is an Error naming it.
 */
export function checkGeneratorState(where: string, state: unknown): Uint32Array {
  const words = Array.isArray(state) || (ArrayBuffer.isView(state) && !(state instanceof DataView)) ? (state as ArrayLike<unknown>) : null
  if (words === null) throw new Error(`${where}: expected 4 uint32 words, got ${describe(state)}`)
  if (words.length !== 4) throw new Error(`${where}: expected 4 uint32 words, got ${words.length}`)
  const out = new Uint32Array(4)
  for (let i = 0; i < 4; i++) {
    const w = words[i]
    if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > 0xffffffff) {
      throw new Error(`${where}: word ${i} must be an integer in [0, 2^32), got ${describe(w)}`)
    }
    out[i] = w
  }
  if ((out[0] | out[1] | out[2] | out[3]) === 0) throw new Error(`${where}: an all-zero state is not valid for xoshiro128**`)
  return out
}

/** The generator used when no other is given. Its seed at start is PyTorch's default seed. */
export const defaultGenerator = new Generator()

/** Seeds the default generator, so that every later random draw repeats bit for bit. */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed)
}
