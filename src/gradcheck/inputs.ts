// Inputs for the gradcheck suite's cases: float64 leaves drawn from each case's own generator, kept inside
// each op's domain and away from its kinks, and the shapes a case is built from.
import { cat } from '../autograd/ops/layout.js'
import type { Module } from '../models/module.js'
import { rand, randn } from '../tensor/create.js'
import { defaultGenerator, Generator } from '../tensor/random.js'
import { Tensor } from '../tensor/tensor.js'
import type { Fn, GradcheckGroup } from './suite.js'

export type Shape = readonly number[]

export function leaf(t: Tensor): Tensor {
  t.requiresGrad = true
  return t
}

/** N(0, 1) draws. */
export function normal(g: Generator, shape: Shape): Tensor {
  return randn(shape, { dtype: 'float64', generator: g, requiresGrad: true })
}

/** U(lo, hi) draws. */
export function uniform(g: Generator, shape: Shape, lo: number, hi: number): Tensor {
  const t = rand(shape, { dtype: 'float64', generator: g })
  for (let i = 0; i < t.size; i++) t.data[i] = lo + (hi - lo) * t.data[i]
  return leaf(t)
}

/** Values of either sign at least `lo` from zero: for divisors. */
export function nonZero(g: Generator, shape: Shape, lo = 0.5, hi = 1.5): Tensor {
  const t = uniform(g, shape, lo, hi)
  for (let i = 0; i < t.size; i++) if (g.uniform53() < 0.5) t.data[i] = -t.data[i]
  return t
}

/** N(0, 1) draws pushed at least `margin` away from each kink point (relu's and abs's 0, clamp's bounds). */
export function awayFrom(g: Generator, shape: Shape, kinks: readonly number[], margin = 0.1): Tensor {
  const t = normal(g, shape)
  for (let i = 0; i < t.size; i++) {
    for (const k of kinks) {
      const d = t.data[i] - k
      if (Math.abs(d) < margin) t.data[i] = k + (d < 0 ? -1 : 1) * (margin + Math.abs(d))
    }
  }
  return t
}

/** Pairwise at least 0.15 apart (a shuffled ladder plus jitter): no ties for max. */
export function distinct(g: Generator, shape: Shape): Tensor {
  const t = uniform(g, shape, 0, 0.1)
  const n = t.size
  const order = Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) {
    const j = g.randint(i + 1)
    ;[order[i], order[j]] = [order[j], order[i]]
  }
  for (let i = 0; i < n; i++) t.data[i] += 0.25 * order[i] - 0.125 * n
  return t
}

export function indices(g: Generator, shape: Shape, n: number): Tensor {
  const size = shape.reduce((a, b) => a * b, 1)
  return new Tensor(Int32Array.from({ length: size }, () => g.randint(n)), shape)
}

/**
 * A module built without disturbing the default generator (construction draws its initial weights there),
 * then given fresh parameters from the case's generator, U(−bound, bound), so the case depends on the seed only.
 */
export function build<M extends Module>(g: Generator, make: () => M, bound = 0.6): M {
  const saved = defaultGenerator.getState()
  let module: M
  try {
    module = make()
  } finally {
    defaultGenerator.setState(saved)
  }
  for (const p of module.parameters()) g.fillUniform(p.data as Float64Array, -bound, bound)
  return module
}

/** Every tensor flattened and joined: one output holding all of a layer's results. */
export function joined(...ts: (Tensor | null | undefined)[]): Tensor {
  return cat(ts.filter((t): t is Tensor => t instanceof Tensor).map((t) => t.reshape([-1])), 0)
}

// ---------------------------------------------------------------------------------------------------------
// The cases

export interface Built {
  fn: Fn
  inputs: Tensor[]
  /** A larger finite-difference step, for a case whose forward rounds (a float32 round trip). */
  eps?: number
}

export interface Spec {
  group: GradcheckGroup
  name: string
  build: (g: Generator) => Built
}

export const f64 = 'float64' as const
