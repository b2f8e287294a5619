// seqgrad/testing: fast-check arbitraries and gradcheck and gradgradcheck assertions, for suites that check
// gradients (and second derivatives) of their own ops. fast-check is an optional peer dependency: only this entry point imports it.
import fc from 'fast-check'
import { GRADCHECK_KEYS, gradcheck, type GradcheckOptions } from '../autograd/gradcheck.js'
import { gradgradcheck, type GradgradcheckOptions } from '../autograd/gradgradcheck.js'
import { Tensor } from '../tensor/tensor.js'
import { checkOptionKeys } from '../validation/checks.js'

const SHAPE_KEYS = ['minRank', 'maxRank', 'minDim', 'maxDim']

export interface ShapeConstraints {
  minRank?: number
  maxRank?: number
  minDim?: number
  maxDim?: number
}

/** Shapes with rank in [minRank, maxRank] and every dim in [minDim, maxDim]. */
export function shapeArb(constraints: ShapeConstraints = {}): fc.Arbitrary<number[]> {
  checkOptionKeys('shapeArb', constraints, SHAPE_KEYS)
  const { minRank = 0, maxRank = 3, minDim = 1, maxDim = 4 } = constraints
  return fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank })
}

/**
 * Pairs of shapes that broadcast together (NumPy rules): each is the common shape with some leading
 * dims dropped and some dims set to 1.
 */
export function broadcastShapesArb(constraints: ShapeConstraints = {}): fc.Arbitrary<[number[], number[]]> {
  checkOptionKeys('broadcastShapesArb', constraints, SHAPE_KEYS)
  const derived = (shape: number[]) =>
    fc.tuple(fc.integer({ min: 0, max: shape.length }), fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length })).map(([drop, ones]) =>
      shape.map((d, i) => (ones[i] ? 1 : d)).slice(drop),
    )
  return shapeArb(constraints).chain((shape) => fc.tuple(derived(shape), derived(shape)))
}

export interface TensorConstraints {
  min?: number
  max?: number
  /** Keep every |value| at least this large: away from kinks such as relu's and abs's at 0. */
  minMagnitude?: number
  requiresGrad?: boolean
}

/** float64 tensors of the given shape (or of shapes from an arbitrary), values in [min, max]. */
export function float64TensorArb(shape: readonly number[] | fc.Arbitrary<number[]>, constraints: TensorConstraints = {}): fc.Arbitrary<Tensor> {
  checkOptionKeys('float64TensorArb', constraints, ['min', 'max', 'minMagnitude', 'requiresGrad'])
  const { min = -2, max = 2, minMagnitude = 0, requiresGrad = true } = constraints
  const shapes = Array.isArray(shape) ? fc.constant(shape.slice()) : (shape as fc.Arbitrary<number[]>)
  // Evenly spread over [min, max]: fc.double draws evenly over bit patterns, which crowds values near
  // zero, where many gradients vanish and a wrong backward can pass.
  const value = fc
    .integer({ min: 0, max: 2 ** 32 - 1 })
    .map((u) => min + ((max - min) * u) / (2 ** 32 - 1))
    .filter((v) => Math.abs(v) >= minMagnitude)
  return shapes.chain((s) => {
    const size = s.reduce((a, b) => a * b, 1)
    return fc.array(value, { minLength: size, maxLength: size }).map((values) => {
      const t = new Tensor(Float64Array.from(values), s)
      t.requiresGrad = requiresGrad
      return t
    })
  })
}

export interface AssertGradcheckOptions extends GradcheckOptions {
  /** How many random cases fast-check runs. */
  numRuns?: number
  /** Seed for fast-check, to replay a failure. */
  fcSeed?: number
}

/**
 * Asserts that `fn` passes gradcheck on random inputs drawn from `inputs` (one arbitrary per argument).
 * On a failure it throws an Error holding gradcheck's message, the shrunk inputs' values and the
 * seed and path that replay the case, so it works as the body of a jest or vitest test.
 */
export function assertGradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly fc.Arbitrary<Tensor>[], opts: AssertGradcheckOptions = {}): void {
  checkOptionKeys('assertGradcheck', opts, [...GRADCHECK_KEYS, 'numRuns', 'fcSeed'])
  const { numRuns = 25, fcSeed, ...gradcheckOptions } = opts
  assertProperty('assertGradcheck', (tensors) => gradcheck(fn, tensors, { ...gradcheckOptions, raiseException: true }), inputs, numRuns, fcSeed)
}

export interface AssertGradgradcheckOptions extends GradgradcheckOptions {
  /** How many random cases fast-check runs. */
  numRuns?: number
  /** Seed for fast-check, to replay a failure. */
  fcSeed?: number
}

/**
 * Asserts that `fn` passes gradgradcheck (its second derivatives against finite differences of its
 * gradient) on random inputs drawn from `inputs`; fails as assertGradcheck does, with the case to replay.
 */
export function assertGradgradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly fc.Arbitrary<Tensor>[], opts: AssertGradgradcheckOptions = {}): void {
  checkOptionKeys('assertGradgradcheck', opts, [...GRADCHECK_KEYS, 'gradOutputs', 'numRuns', 'fcSeed'])
  const { numRuns = 25, fcSeed, ...options } = opts
  assertProperty('assertGradgradcheck', (tensors) => gradgradcheck(fn, tensors, { ...options, raiseException: true }), inputs, numRuns, fcSeed)
}

function assertProperty(name: string, check: (tensors: Tensor[]) => boolean, inputs: readonly fc.Arbitrary<Tensor>[], numRuns: number, fcSeed: number | undefined): void {
  const details = fc.check(fc.property(fc.tuple(...inputs), check), { numRuns, ...(fcSeed === undefined ? {} : { seed: fcSeed }) })
  if (!details.failed) return
  const reason = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)
  const example = (details.counterexample?.[0] ?? []).map((t, i) => `  input ${i}: shape [${t.shape.join(', ')}] values ${JSON.stringify(t.toArray())}`)
  throw new Error([`${name} failed after ${details.numRuns} run(s): ${reason}`, 'counterexample:', ...example, `replay with { fcSeed: ${details.seed} } (path ${details.counterexamplePath})`].join('\n'))
}
