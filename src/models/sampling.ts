// Drawing the next token from a model's logits: temperature, then top-k, then nucleus (top-p) filtering,
// then one uniform draw walked along the cumulative weights. Everything is float64 and seeded, so the
// same generator state gives the same token.
import { defaultGenerator, type Generator } from '../tensor/random.js'
import { checkOptionKeys, describe } from '../validation/checks.js'

export interface SamplingOptions {
  /** Divides the logits: below 1 sharpens, above 1 flattens. 0 means greedy: the argmax, drawing nothing. */
  temperature?: number
  /** Keeps the k largest logits (ties kept in index order); a k above the vocabulary size keeps all. */
  topK?: number
  /** Keeps the smallest set of most probable tokens whose probability reaches p, after topK; at least one. */
  topP?: number
  /** Where the uniform draw comes from; by default the generator that manualSeed seeds. */
  generator?: Generator
}

/** Checks `values` (non-empty numbers, no NaN) and returns the index of the first largest. */
function firstLargest(where: string, values: ArrayLike<number>, what: string): number {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new Error(`${where}: expected ${what} to be an array or typed array of numbers, got ${describe(values)}`)
  }
  if (values.length === 0) throw new Error(`${where}: ${what} are empty`)
  let best = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`${where}: ${what} hold ${typeof v === 'number' ? 'NaN' : describe(v)} at index ${i}`)
    if (v > values[best]) best = i
  }
  return best
}

/** The index of the largest value (the first one when several tie). */
export function argmax(values: ArrayLike<number>): number {
  return firstLargest('argmax', values, 'values')
}

interface CheckedOptions {
  temperature: number
  topK: number | undefined
  topP: number | undefined
  generator: Generator
}

function checkOptions(where: string, opts: SamplingOptions): CheckedOptions {
  checkOptionKeys(where, opts, ['temperature', 'topK', 'topP', 'generator'])
  const { temperature = 1, topK, topP, generator = defaultGenerator } = opts
  if (typeof temperature !== 'number' || !Number.isFinite(temperature) || temperature < 0) {
    throw new Error(`${where}: temperature must be a finite number ≥ 0 (0 means greedy), got ${describe(temperature)}`)
  }
  if (topK !== undefined && !(Number.isInteger(topK) && topK > 0)) throw new Error(`${where}: topK must be a positive integer, got ${describe(topK)}`)
  if (topP !== undefined && !(typeof topP === 'number' && topP > 0 && topP <= 1)) throw new Error(`${where}: topP must be in (0, 1], got ${describe(topP)}`)
  if (typeof generator?.uniform53 !== 'function') throw new Error(`${where}: generator must be a Generator, got ${describe(generator)}`)
  return { temperature, topK, topP, generator }
}

/**
 * Unnormalised weights exp((logit − max) / T) of the tokens that survive topK and topP, 0 for the rest.
 * Subtracting the max before dividing keeps a tiny T from overflowing. Ranking uses the logits themselves
 * (ties by index), so dividing by T cannot create ties.
 */
function filteredWeights(logits: ArrayLike<number>, max: number, { temperature, topK, topP }: CheckedOptions): Float64Array {
  const n = logits.length
  if (topK === undefined && topP === undefined) {
    // every token stays: no ranking needed (the common case, once per generated token)
    const weights = new Float64Array(n)
    for (let i = 0; i < n; i++) weights[i] = max === Infinity ? Number(logits[i] === Infinity) : Math.exp((logits[i] - max) / temperature)
    return weights
  }
  const ranked = Array.from({ length: n }, (_, i) => i)
  ranked.sort((a, b) => logits[b] - logits[a] || a - b) // NaN (∞ − ∞) falls to index order
  const kept = ranked.slice(0, Math.min(topK ?? n, n)) // always holds the max

  const weights = new Float64Array(n)
  // Logits of +∞ take all the mass, shared equally among them.
  for (const i of kept) weights[i] = max === Infinity ? Number(logits[i] === Infinity) : Math.exp((logits[i] - max) / temperature)

  if (topP !== undefined && topP < 1) {
    let total = 0
    for (const i of kept) total += weights[i]
    // Walk down the ranking until the mass reaches p; every token after the one that reached it goes.
    let mass = 0
    let j = 0
    while (j < kept.length && mass < topP * total) mass += weights[kept[j++]]
    for (; j < kept.length; j++) weights[kept[j]] = 0
  }
  return weights
}

/**
 * The index where the running sum of `weights` first passes u · Σ weights, for u in [0, 1): index i
 * with probability weights[i] / Σ weights. The target is scaled by the sum this very walk reaches, and
 * if rounding still leaves it unreached, the answer is the last index with a nonzero weight: never past
 * the end of the array, never an index whose weight is 0.
 */
export function drawIndex(weights: ArrayLike<number>, u: number): number {
  if (typeof u !== 'number' || !(u >= 0 && u < 1)) throw new Error(`drawIndex: u must be in [0, 1), got ${describe(u)}`)
  let total = 0
  let lastNonzero = -1
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]
    if (!(w >= 0 && w < Infinity)) throw new Error(`drawIndex: weights must be finite and ≥ 0, got ${describe(w)} at index ${i}`)
    total += w
    if (w > 0) lastNonzero = i
  }
  if (lastNonzero < 0) throw new Error('drawIndex: every weight is 0, so there is nothing to draw')
  const target = u * total
  let cumulative = 0
  for (let i = 0; i <= lastNonzero; i++) {
    cumulative += weights[i]
    if (cumulative > target) return i // strictly: a zero weight never moves the sum past the target
  }
  return lastNonzero
}

/** Checks the logits and options; returns them with the index of the largest logit. */
function prepare(where: string, logits: ArrayLike<number>, opts: SamplingOptions): { options: CheckedOptions; best: number } {
  const options = checkOptions(where, opts)
  const best = firstLargest(where, logits, 'logits')
  if (logits[best] === -Infinity) throw new Error(`${where}: every logit is -Infinity, so no token has any probability`)
  return { options, best }
}

/** The distribution sampleToken draws from: probabilities after temperature, topK and topP (0 for dropped tokens). */
export function tokenProbabilities(logits: ArrayLike<number>, opts: SamplingOptions = {}): Float64Array {
  const { options, best } = prepare('tokenProbabilities', logits, opts)
  if (options.temperature === 0) {
    const oneHot = new Float64Array(logits.length)
    oneHot[best] = 1
    return oneHot
  }
  const weights = filteredWeights(logits, logits[best], options)
  let total = 0
  for (const w of weights) total += w
  return weights.map((w) => w / total)
}

/**
 * One token id drawn from softmax(logits / temperature), restricted by topK and topP, with one uniform
 * from `generator`. Temperature 0 is greedy decoding: the argmax (first on ties), and no draw is made.
 */
export function sampleToken(logits: ArrayLike<number>, opts: SamplingOptions = {}): number {
  const { options, best } = prepare('sampleToken', logits, opts)
  if (options.temperature === 0) return best
  return drawIndex(filteredWeights(logits, logits[best], options), options.generator.uniform53())
}
