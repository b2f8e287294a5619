// Sampling: greedy and top-k against an argmax written here, top-k and nucleus sets against references
// computed here, empirical frequencies against softmax, seeded repeatability, adversarial draws that
// must never run past the array, and the validation messages.
import fc from 'fast-check'
import { Generator, manualSeed } from '../../src/index.js'
import { argmax, drawIndex, sampleToken, tokenProbabilities } from '../../src/models/sampling.js'

/** A generator whose every uniform draw is `u`: the adversary for the cumulative walk. */
class FixedDraw extends Generator {
  constructor(private readonly u: number) {
    super(0)
  }

  override uniform53(): number {
    return this.u
  }
}

const LARGEST_UNIFORM = 1 - 2 ** -53 // the largest value uniform53 can return

function referenceArgmax(values: readonly number[]): number {
  let best = 0
  values.forEach((v, i) => {
    if (v > values[best]) best = i
  })
  return best
}

function referenceSoftmax(logits: readonly number[], temperature = 1): number[] {
  const scaled = logits.map((v) => v / temperature)
  const m = Math.max(...scaled)
  const e = scaled.map((v) => Math.exp(v - m))
  const z = e.reduce((a, b) => a + b, 0)
  return e.map((v) => v / z)
}

/** Indices by value, largest first, ties in index order. */
function rankDescending(values: readonly number[]): number[] {
  return values.map((_, i) => i).sort((a, b) => (values[a] === values[b] ? a - b : values[b] - values[a]))
}

/** The sampling distribution built step by step: softmax, then top-k renormalised, then the nucleus renormalised. */
function referenceDistribution(logits: readonly number[], temperature: number, topK?: number, topP?: number): { probabilities: number[]; nucleusMasses: number[] } {
  let p = referenceSoftmax(logits, temperature)
  const renormalise = (keep: Set<number>) => {
    const z = p.reduce((s, v, i) => s + (keep.has(i) ? v : 0), 0)
    p = p.map((v, i) => (keep.has(i) ? v / z : 0))
  }
  if (topK !== undefined) renormalise(new Set(rankDescending(logits).slice(0, topK)))
  const nucleusMasses: number[] = []
  if (topP !== undefined) {
    const nucleus = new Set<number>()
    let mass = 0
    // Most probable first, ranked by the logits: softmax is monotone, and ranking by rounded
    // probabilities would invent ties between logits such as 0 and 5e-324.
    for (const i of rankDescending(logits)) {
      nucleus.add(i)
      mass += p[i]
      nucleusMasses.push(mass)
      if (mass >= topP) break
    }
    renormalise(nucleus)
  }
  return { probabilities: p, nucleusMasses }
}

/** Logits with ties likely (small integers, halves) or spread continuously. */
const logitsArb = fc.oneof(
  fc.array(fc.integer({ min: -6, max: 6 }).map((v) => v / 2), { minLength: 1, maxLength: 12 }),
  fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 1, maxLength: 12 }),
)
const temperatureArb = fc.double({ min: 0.25, max: 3, noNaN: true })
const seedArb = fc.nat()

test('topK = 1 and temperature 0 both give the first argmax, and temperature 0 draws nothing', () => {
  fc.assert(
    fc.property(logitsArb, temperatureArb, seedArb, (logits, temperature, seed) => {
      const want = referenceArgmax(logits)
      expect(argmax(logits)).toBe(want)
      expect(sampleToken(logits, { topK: 1, temperature, generator: new Generator(seed) })).toBe(want)
      const generator = new Generator(seed)
      const before = generator.getState()
      expect(sampleToken(Float32Array.from(logits.map(Math.fround)), { temperature: 0, generator, topK: 3, topP: 0.1 })).toBe(referenceArgmax(logits.map(Math.fround)))
      expect(generator.getState()).toEqual(before)
      expect(Array.from(tokenProbabilities(logits, { temperature: 0 }))).toEqual(logits.map((_, i) => (i === want ? 1 : 0)))
    }),
  )
})

test('tokenProbabilities is softmax(logits / T), then top-k and the nucleus, each renormalised', () => {
  const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined })
  fc.assert(
    fc.property(logitsArb, temperatureArb, optional(fc.integer({ min: 1, max: 14 })), optional(fc.double({ min: 0.01, max: 1, noNaN: true })), (logits, temperature, topK, topP) => {
      const want = referenceDistribution(logits, temperature, topK, topP)
      // Where the nucleus mass lands within rounding of p, which set is "the" nucleus is up to rounding.
      fc.pre(want.nucleusMasses.every((m) => Math.abs(m - (topP as number)) > 1e-9))
      const got = Array.from(tokenProbabilities(logits, { temperature, topK, topP }))
      got.forEach((p, i) => {
        expect(p === 0).toBe(want.probabilities[i] === 0) // exactly the same support
        expect(Math.abs(p - want.probabilities[i])).toBeLessThan(1e-12)
      })
    }),
    { numRuns: 300 },
  )
})

test('every sampled token lies in the top-k set and the nucleus', () => {
  fc.assert(
    fc.property(logitsArb, temperatureArb, fc.integer({ min: 1, max: 5 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), seedArb, (logits, temperature, topK, topP, seed) => {
      const { probabilities, nucleusMasses } = referenceDistribution(logits, temperature, topK, topP)
      fc.pre(nucleusMasses.every((m) => Math.abs(m - topP) > 1e-9))
      const generator = new Generator(seed)
      for (let draw = 0; draw < 20; draw++) expect(probabilities[sampleToken(logits, { temperature, topK, topP, generator })]).toBeGreaterThan(0)
    }),
    { numRuns: 100 },
  )
})

test('topK keeps the k largest, ties in index order, and a k above the vocabulary keeps all', () => {
  const logits = [1, 3, 2, 3, 0, 3]
  const support = (opts: { topK: number }) => Array.from(tokenProbabilities(logits, opts)).flatMap((p, i) => (p > 0 ? [i] : []))
  expect(support({ topK: 2 })).toEqual([1, 3])
  expect(support({ topK: 4 })).toEqual([1, 2, 3, 5])
  expect(support({ topK: 100 })).toEqual([0, 1, 2, 3, 4, 5])
  // The nucleus breaks its ties the same way: 0.5 is reached by the first two of three equal tokens.
  const nucleus = Array.from(tokenProbabilities([0, 5, 5, 5], { topP: 0.5 }))
  expect(nucleus[1]).toBeCloseTo(0.5, 15)
  expect(nucleus[2]).toBeCloseTo(0.5, 15)
  expect(nucleus[3]).toBe(0)
  // Mass exactly equal to p (exact here: four weights of exactly 1) is enough: the set stops there.
  expect(Array.from(tokenProbabilities([0, 0, 0, 0], { topP: 0.5 }))).toEqual([0.5, 0.5, 0, 0])
  expect(Array.from(tokenProbabilities([0, 0, 0, 0], { topP: 0.25 }))).toEqual([1, 0, 0, 0])
  expect(Array.from(tokenProbabilities([0, 0, 0, 0], { topP: 0.2500001 }))).toEqual([0.5, 0.5, 0, 0])
})

test('the same seed gives the same draws; manualSeed repeats the default generator', () => {
  const logits = [0.3, -1, 2, 0, 1.1, 0.7]
  const draws = (generator: Generator) => Array.from({ length: 200 }, () => sampleToken(logits, { generator, topP: 0.95 }))
  const first = draws(new Generator(1234))
  expect(draws(new Generator(1234))).toEqual(first)
  expect(draws(new Generator(1235))).not.toEqual(first)
  manualSeed(99)
  const viaDefault = Array.from({ length: 50 }, () => sampleToken(logits))
  manualSeed(99)
  expect(Array.from({ length: 50 }, () => sampleToken(logits))).toEqual(viaDefault)
})

test('empirical frequencies over many draws match the sampling distribution (chi-square, loose bound)', () => {
  const cases = [
    { logits: [1, 2, 0.5, -1, 3], temperature: 1 },
    { logits: [1, 2, 0.5, -1, 3], temperature: 0.6 },
    { logits: [1, 2, 0.5, -1, 3], temperature: 2.5, topK: 3 },
    { logits: [0.2, 0.1, -0.3, 0.4, 0, -1, 0.3, 0.25], temperature: 1, topP: 0.7 },
  ]
  const draws = 40000
  for (const [c, { logits, temperature, topK, topP }] of cases.map((x, c) => [c, x] as const)) {
    const { probabilities } = referenceDistribution(logits, temperature, topK, topP)
    const counts = new Array<number>(logits.length).fill(0)
    const generator = new Generator(7 + c)
    for (let d = 0; d < draws; d++) counts[sampleToken(logits, { temperature, topK, topP, generator })]++
    let chiSquare = 0
    let bins = 0
    probabilities.forEach((p, i) => {
      if (p === 0) return expect(counts[i]).toBe(0)
      chiSquare += (counts[i] - draws * p) ** 2 / (draws * p)
      bins++
    })
    // For df = bins − 1 ≤ 7 the 0.999 quantile is below 25; a wrong distribution lands in the hundreds.
    expect(chiSquare).toBeLessThan(30)
    expect(bins).toBeGreaterThan(1)
  }
})

test('adversarial: probabilities summing below 1 and the largest draw never run past the array', () => {
  // Ten equal probabilities of 0.1 add up to 0.9999999999999999 in float64: a walk that compares the
  // running sum with the bare draw would never cross it and fall off the end.
  const tenths = new Array<number>(10).fill(0.1)
  const naiveWalk = (weights: number[], u: number) => {
    let cumulative = 0
    for (let i = 0; i < weights.length; i++) if ((cumulative += weights[i]) > u) return i
    return weights.length // past the end
  }
  expect(naiveWalk(tenths, LARGEST_UNIFORM)).toBe(10) // the hazard is real for this input
  expect(drawIndex(tenths, LARGEST_UNIFORM)).toBe(9)
  expect(drawIndex([0.3, 0.3, 0.3], LARGEST_UNIFORM)).toBe(2)
  // Trailing zero weights are never picked, not even as the fallback.
  expect(drawIndex([0.5, 0.5, 0, 0], LARGEST_UNIFORM)).toBe(1)
  // Subnormal totals: u · total rounds up to the total itself, so only the fallback can answer.
  expect(drawIndex([0, 5e-324, 0], LARGEST_UNIFORM)).toBe(1)
  expect(drawIndex([5e-324, 5e-324, 0], LARGEST_UNIFORM)).toBe(1)
  // A draw of 0 skips leading zero weights.
  expect(drawIndex([0, 0, 2, 1], 0)).toBe(2)
  // Through sampleToken: equal logits whose probabilities sum below 1, with masked (-∞) tails.
  expect(sampleToken(new Array<number>(10).fill(0), { generator: new FixedDraw(LARGEST_UNIFORM) })).toBe(9)
  expect(sampleToken([1, 1, 1, -Infinity, -Infinity], { generator: new FixedDraw(LARGEST_UNIFORM) })).toBe(2)
  expect(sampleToken([-Infinity, 1, 1], { generator: new FixedDraw(0) })).toBe(1)
  expect(sampleToken([3, 1, 2, 0], { topK: 2, generator: new FixedDraw(LARGEST_UNIFORM) })).toBe(2)
})

test('adversarial property: any weights and any draw give an index in range with a nonzero weight', () => {
  const weight = fc.oneof(fc.constant(0), fc.constant(5e-324), fc.double({ min: 0, max: 1e300, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))
  const draw = fc.oneof(fc.constant(0), fc.constant(LARGEST_UNIFORM), fc.double({ min: 0, max: LARGEST_UNIFORM, noNaN: true }))
  fc.assert(
    fc.property(fc.array(weight, { minLength: 1, maxLength: 20 }), draw, (weights, u) => {
      fc.pre(weights.some((w) => w > 0))
      const index = drawIndex(weights, u)
      expect(index).toBeGreaterThanOrEqual(0)
      expect(index).toBeLessThan(weights.length)
      expect(weights[index]).toBeGreaterThan(0)
    }),
    { numRuns: 500 },
  )
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.double({ min: -800, max: 800, noNaN: true }), fc.constant(-Infinity)), { minLength: 1, maxLength: 20 }), draw, temperatureArb, (logits, u, temperature) => {
      fc.pre(logits.some((v) => v > -Infinity))
      const index = sampleToken(logits, { temperature, generator: new FixedDraw(u) })
      expect(logits[index]).toBeGreaterThan(-Infinity)
      expect(tokenProbabilities(logits, { temperature })[index]).toBeGreaterThan(0)
    }),
    { numRuns: 300 },
  )
})

test('infinite logits and tiny temperatures behave as limits, not as NaN', () => {
  expect(Array.from(tokenProbabilities([1, Infinity, 2, Infinity]))).toEqual([0, 0.5, 0, 0.5])
  expect(sampleToken([1, Infinity, 2], { generator: new FixedDraw(LARGEST_UNIFORM) })).toBe(1)
  // Dividing by a subnormal temperature would overflow the logits; the result is greedy instead.
  expect(Array.from(tokenProbabilities([1, 2, 1.5], { temperature: 1e-320 }))).toEqual([0, 1, 0])
  expect(sampleToken([-5, -4, -6], { temperature: 1e-320, generator: new Generator(3) })).toBe(1)
})

test('validation names the problem', () => {
  expect(() => sampleToken([])).toThrow('sampleToken: logits are empty')
  expect(() => sampleToken([0, 1, 2, NaN])).toThrow('sampleToken: logits hold NaN at index 3')
  expect(() => sampleToken(Float32Array.of(0, NaN), { temperature: 0 })).toThrow('sampleToken: logits hold NaN at index 1')
  expect(() => sampleToken([0, 'a' as unknown as number])).toThrow('sampleToken: logits hold the string "a" at index 1')
  expect(() => sampleToken({} as unknown as number[])).toThrow(/sampleToken: expected logits to be an array or typed array of numbers/)
  expect(() => sampleToken([-Infinity, -Infinity])).toThrow('sampleToken: every logit is -Infinity, so no token has any probability')
  expect(() => sampleToken([1, 2], { temperature: -0.5 })).toThrow('sampleToken: temperature must be a finite number ≥ 0 (0 means greedy), got number -0.5')
  expect(() => sampleToken([1, 2], { temperature: NaN })).toThrow(/temperature must be a finite number ≥ 0/)
  expect(() => sampleToken([1, 2], { topK: 0 })).toThrow('sampleToken: topK must be a positive integer, got number 0')
  expect(() => sampleToken([1, 2], { topK: 1.5 })).toThrow('sampleToken: topK must be a positive integer, got number 1.5')
  expect(() => sampleToken([1, 2], { topP: 0 })).toThrow('sampleToken: topP must be in (0, 1], got number 0')
  expect(() => sampleToken([1, 2], { topP: 1.01 })).toThrow('sampleToken: topP must be in (0, 1], got number 1.01')
  expect(() => sampleToken([1, 2], { topP: NaN })).toThrow(/topP must be in \(0, 1\]/)
  expect(() => sampleToken([1, 2], { generator: {} as Generator })).toThrow(/generator must be a Generator/)
  expect(() => argmax([])).toThrow('argmax: values are empty')
  expect(() => argmax([1, NaN])).toThrow('argmax: values hold NaN at index 1')
  expect(() => drawIndex([1, 2], 1)).toThrow('drawIndex: u must be in [0, 1), got number 1')
  expect(() => drawIndex([1, -2], 0.5)).toThrow('drawIndex: weights must be finite and ≥ 0, got number -2 at index 1')
  expect(() => drawIndex([0, 0], 0.5)).toThrow('drawIndex: every weight is 0, so there is nothing to draw')
  expect(() => tokenProbabilities([1], { topK: -1 })).toThrow('tokenProbabilities: topK must be a positive integer')
})
