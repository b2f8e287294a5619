// The library's own gradient-check suite: every differentiable op, cell, layer, model and loss, checked
// with gradcheck (PyTorch's defaults: eps 1e-6, atol 1e-5, rtol 1e-3) on small float64 inputs drawn from a
// seeded generator; gradcheckReport gives each case's verdict with its worst absolute and relative errors.
// Inputs stay inside each op's domain and away from its kinks (relu/abs/clamp at their corners, max ties),
// where a finite difference straddles a point of non-differentiability and means nothing.
import { gradcheckReport, type GradcheckOptions } from '../autograd/gradcheck.js'
import { Generator } from '../tensor/random.js'
import { Tensor } from '../tensor/tensor.js'
import { cellSpecs, layerSpecs, modelSpecs, lossSpecs } from './module-cases.js'
import { opSpecs } from './op-cases.js'

export type GradcheckGroup = 'op' | 'cell' | 'layer' | 'model' | 'loss'

export interface GradcheckCase {
  group: GradcheckGroup
  name: string
  run: () => GradcheckOutcome
}

export interface GradcheckOutcome {
  /** gradcheck's verdict. */
  passed: boolean
  /** Largest |analytical − numerical| over the compared entries (or projections). */
  worstAbsError: number
  /** Largest |analytical − numerical| / max(|numerical|, atol). */
  worstRelError: number
  /** Jacobian entries (full mode) or projections vᵀJu (fast mode) compared. */
  checked: number
  /** gradcheck's error when it failed. */
  message?: string
}

export interface GradcheckSuiteOptions {
  /** Seeds every case's inputs and parameters (and fast mode's projections); the same seed gives the same numbers. */
  seed?: number
  /** Check the bigger cases with random projections (gradcheck's fastMode) instead of whole Jacobians. */
  fast?: boolean
}

export interface RunGradcheckSuiteOptions extends GradcheckSuiteOptions {
  /** Runs only the cases this accepts. */
  filter?: (c: GradcheckCase) => boolean
  /** Called after each case with its outcome and how long it took. */
  onResult?: (c: GradcheckCase, o: GradcheckOutcome, ms: number) => void
  /** Runs these cases instead of `gradcheckCases(opts)` (still filtered). */
  cases?: readonly GradcheckCase[]
}

export interface GradcheckSuiteResult {
  cases: number
  failed: number
  results: { group: string; name: string; outcome: GradcheckOutcome; ms: number }[]
}

/** gradcheck's options but raiseException: a case reports, it does not throw. */
export type CheckGradientsOptions = Omit<GradcheckOptions, 'raiseException'>

export type Fn = (...inputs: Tensor[]) => Tensor

/**
 * With `fast`, layer and model cases, and any case whose checked inputs hold more elements than this,
 * compare projections (gradcheck's fastMode) instead of whole Jacobians.
 */
export const FAST_MODE_THRESHOLD = 48

// ---------------------------------------------------------------------------------------------------------
// Measuring a case

/**
 * gradcheck's verdict on `fn` at `inputs` (its message when it fails), with the worst absolute and relative
 * errors and the number of entries (or, in fast mode, projections) compared. A case that throws fails with
 * the error as its message.
 */
export function checkGradients(fn: Fn, inputs: readonly Tensor[], opts: CheckGradientsOptions = {}): GradcheckOutcome {
  try {
    return gradcheckReport(fn, inputs, opts)
  } catch (error) {
    return { passed: false, worstAbsError: NaN, worstRelError: NaN, checked: 0, message: error instanceof Error ? error.message : String(error) }
  }
}

function caseSeed(seed: number, name: string): number {
  let hash = 0x811c9dc5
  const text = `${seed}\u0000${name}`
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}

function checkSeed(seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) throw new Error(`gradcheck suite: seed must be a non-negative safe integer, got ${String(seed)}`)
  return seed
}

/**
 * Every case of the suite: ops, cells, layers, models and losses. Each case draws its inputs (and its
 * module's parameters) from a generator seeded by `seed` and its own name when it runs, so cases are
 * independent of each other and of the default generator, and the same seed gives the same numbers.
 * With `fast`, the layer and model cases and those with more than FAST_MODE_THRESHOLD checked elements
 * compare projections (gradcheck's fastMode); without it every case compares whole Jacobians.
 */
export function gradcheckCases(opts: GradcheckSuiteOptions = {}): GradcheckCase[] {
  const seed = checkSeed(opts.seed ?? 0)
  const fast = opts.fast ?? false
  const specs = [...opSpecs(), ...cellSpecs(), ...layerSpecs(), ...modelSpecs(), ...lossSpecs()]
  return specs.map(({ group, name, build: make }) => ({
    group,
    name,
    run: () => {
      const s = caseSeed(seed, name)
      const { fn, inputs, eps } = make(new Generator(s))
      const elements = inputs.reduce((acc, t) => acc + (t.requiresGrad ? t.size : 0), 0)
      const big = group === 'layer' || group === 'model' || elements > FAST_MODE_THRESHOLD
      return checkGradients(fn, inputs, { fastMode: fast && big, seed: s, ...(eps === undefined ? {} : { eps }) })
    },
  }))
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now())

/** Runs the suite (or `opts.cases`), case by case; a case that throws counts as failed, with the error as its message. */
export function runGradcheckSuite(opts: RunGradcheckSuiteOptions = {}): GradcheckSuiteResult {
  const all = opts.cases ?? gradcheckCases(opts)
  const selected = opts.filter ? all.filter(opts.filter) : [...all]
  const results: GradcheckSuiteResult['results'] = []
  let failed = 0
  for (const c of selected) {
    const began = now()
    let outcome: GradcheckOutcome
    try {
      outcome = c.run()
    } catch (error) {
      outcome = { passed: false, worstAbsError: NaN, worstRelError: NaN, checked: 0, message: error instanceof Error ? error.message : String(error) }
    }
    const ms = now() - began
    if (!outcome.passed) failed++
    results.push({ group: c.group, name: c.name, outcome, ms })
    opts.onResult?.(c, outcome, ms)
  }
  return { cases: results.length, failed, results }
}
