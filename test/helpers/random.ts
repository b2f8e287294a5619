// Seeded test data for the kernel tests: a small generator, so a failing case replays from its seed alone,
// and operand values chosen to stress rounding (varied magnitudes that cancel, signed zeros, subnormal
// products, small integers whose products are exact).

// Math's functions read once: looked up as Math.x on every call inside jest's sandbox, they made the
// tests' loops about a hundred times slower.
const { floor, fround, imul } = Math

/** Small seeded generator (mulberry32): uniform numbers in [0, 1). */
export function uniform(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = imul(t ^ (t >>> 15), t | 1)
    t ^= t + imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * What the operands hold: 'mixed', float32 values of magnitude 2^-8…2^9 (so the terms of one sum differ in
 * size and cancel) with some ±0; 'subnormal', float32 values whose products are near 2^-140, below float32's
 * smallest normal 2^-126 (±0 too); 'small-int', the integers −8…8; 'double', doubles with a full mantissa
 * (±0 too).
 */
export type Values = 'mixed' | 'subnormal' | 'small-int' | 'double'

export function randomValue(next: () => number, values: Values): number {
  if (values === 'small-int') return floor(next() * 17) - 8
  const r = next()
  if (r < 0.04) return 0
  if (r < 0.06) return -0
  const sign = next() < 0.5 ? -1 : 1
  if (values === 'double') return sign * next() * 2 ** (floor(next() * 9) - 4)
  const exponent = values === 'mixed' ? floor(next() * 17) - 8 : -70 - floor(next() * 4)
  return fround(sign * (1 + next()) * 2 ** exponent)
}

/** Fills `out` with random values of the given kind and returns it. */
export function fillRandom<A extends Float32Array | Float64Array>(out: A, next: () => number, values: Values = 'mixed'): A {
  for (let i = 0; i < out.length; i++) out[i] = randomValue(next, values)
  return out
}

/** A new Float32Array of `size` random values. */
export const randomFloat32 = (size: number, next: () => number, values: Values = 'mixed'): Float32Array => fillRandom(new Float32Array(size), next, values)
