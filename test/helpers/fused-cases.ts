// One direction of a sequence op on random operands, for the tests that hold the fused path to the reference
// path (test/cells/fused/*): a case's leaves, running a path on them, a random linear functional of the
// result, and the comparison of values and every leaf's gradient.
import { fusedSequence } from '../../src/cells/fused/sequence.js'
import { GATE_COUNT, type CellMode } from '../../src/cells/kinds.js'
import { referenceSequence, type SequenceMasks, type SequenceResult } from '../../src/cells/sequence.js'
import { Generator, Tensor, type FloatDType } from '../../src/index.js'

/** The operands of a sequence op, in the order sequenceOperands returns them. */
export const OPERAND_NAMES = ['x', 'h0', 'c0', 'W_ih', 'W_hh', 'b_ih', 'b_hh'] as const

export interface SequenceCase {
  mode: CellMode
  T: number
  B: number
  D: number
  H: number
  reverse: boolean
  bias: boolean
  seed: number
  /** Operands are uniform in [−scale, scale] (default 1). */
  scale?: number
}

const hasCellState = (mode: CellMode) => mode.startsWith('lstm')

/**
 * Leaves in OPERAND_NAMES order (null where the case has none), the same values on every call for one case.
 * Every operand is drawn even when unused, so a case's values never depend on its options; values are rounded
 * through float32 once, so float32 runs and their float64 references see the same numbers.
 */
export function sequenceOperands(c: SequenceCase, dtype: FloatDType = 'float64', requiresGrad: readonly boolean[] = OPERAND_NAMES.map(() => true)): (Tensor | null)[] {
  const gen = new Generator(c.seed)
  const G = GATE_COUNT[c.mode]
  const scale = c.scale ?? 1
  const shapes = [[c.T, c.B, c.D], [c.B, c.H], [c.B, c.H], [G * c.H, c.D], [G * c.H, c.H], [G * c.H], [G * c.H]]
  return shapes.map((shape, k) => {
    const values = new Float64Array(shape.reduce((a, b) => a * b, 1))
    gen.fillUniform(values, -scale, scale)
    if ((k === 2 && !hasCellState(c.mode)) || (k >= 5 && !c.bias)) return null
    const t = new Tensor(dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(Float32Array.from(values)), shape)
    t.requiresGrad = requiresGrad[k]
    return t
  })
}

/** Runs `path` (fusedSequence or referenceSequence) on a case's operands. */
export function runSequence(path: typeof fusedSequence, c: SequenceCase, [x, h0, c0, W_ih, W_hh, b_ih, b_hh]: (Tensor | null)[], masks?: SequenceMasks): SequenceResult {
  if (x === null || h0 === null || W_ih === null || W_hh === null) throw new Error('missing operand')
  return path(c.mode, x, h0, c0, { W_ih, W_hh, b_ih, b_hh }, c.reverse, masks)
}

/** A random linear functional of (output, h, c): each element weighted by a draw of the case's seed. */
export function sequenceFunctional(c: SequenceCase, r: SequenceResult): Tensor {
  const gen = new Generator(c.seed + 1)
  const weighted = (t: Tensor) => {
    const w = new Float64Array(t.size)
    gen.fillUniform(w, -1, 1)
    return t.mul(new Tensor(w, t.shape).to(t.dtype as FloatDType)).sum()
  }
  const terms = weighted(r.output).add(weighted(r.h))
  return r.c === null ? terms : terms.add(weighted(r.c))
}

/** |actual − expected| ≤ tol·(1 + |expected|) elementwise, naming the first element that is not. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  expect(actual.length).toBe(expected.length)
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])))) {
      throw new Error(`${what}[${i}]: fused ${actual[i]}, reference ${expected[i]} (tolerance ${tol})`)
    }
  }
}

/**
 * Runs both paths on separate leaves of equal values (the fused one in `dtype`, the reference in float64) and
 * compares values and every leaf's gradient; `masks` gives each path its masks in its dtype.
 */
export function compareWithReference(c: SequenceCase, dtype: FloatDType, tol: number, { requiresGrad, masks }: { requiresGrad?: readonly boolean[]; masks?: (dtype: FloatDType) => SequenceMasks } = {}): void {
  const fusedIn = sequenceOperands(c, dtype, requiresGrad)
  const refIn = sequenceOperands(c, 'float64', requiresGrad)
  const fused = runSequence(fusedSequence, c, fusedIn, masks?.(dtype))
  const ref = runSequence(referenceSequence, c, refIn, masks?.('float64'))
  expect(fused.output.shape).toEqual([c.T, c.B, c.H])
  expect(fused.h.shape).toEqual([c.B, c.H])
  expectClose(fused.output.data, ref.output.data, tol, 'output')
  expectClose(fused.h.data, ref.h.data, tol, 'h')
  if (ref.c === null) expect(fused.c).toBeNull()
  else expectClose(fused.c?.data ?? [], ref.c.data, tol, 'c')
  if (!refIn.some((t) => t?.requiresGrad)) return
  sequenceFunctional(c, fused).backward()
  sequenceFunctional(c, ref).backward()
  refIn.forEach((t, k) => {
    const mine = fusedIn[k]
    if (t === null || mine === null) return expect(mine).toBe(t)
    if (!t.requiresGrad) return expect(mine.grad).toBeNull()
    expectClose(mine.grad?.data ?? [], t.grad?.data ?? [], tol, `${c.mode} d${OPERAND_NAMES[k]}`)
  })
}
