// The fused GRU of Cho et al. 2014 (mode 'gru_reset_before': r applied to h before W_hn, Keras's
// reset_after=False), whose backward is derived by hand in cells/fused/gru-reset-before.ts: against the
// reference path (the equations op by op, with autograd) in float64 to 1e-12 for values and every gradient,
// float32 within 1e-5, against an independent by-hand oracle (plain loops over the equations, forward and
// BPTT) and through gradcheck. PyTorch has no such GRU, so there are no PyTorch fixtures for this mode.
import fc from 'fast-check'
import { FUSED_CELLS } from '../../../src/cells/fused/cells.js'
import { fusedSequence } from '../../../src/cells/fused/sequence.js'
import { GATE_COUNT, GATE_NAMES, type CellMode } from '../../../src/cells/kinds.js'
import { referenceSequence, type SequenceResult } from '../../../src/cells/sequence.js'
import { Generator, Tensor, cat, gradcheck, type FloatDType } from '../../../src/index.js'

const MODE: CellMode = 'gru_reset_before'
const NAMES = ['x', 'h0', 'W_ih', 'W_hh', 'b_ih', 'b_hh'] as const
const SEED = 20140603 // fast-check's seed: every run draws the same cases

interface Case {
  T: number
  B: number
  D: number
  H: number
  reverse: boolean
  bias: boolean
  seed: number
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  T: fc.integer({ min: 1, max: 6 }),
  // B ≥ 4 sends float32 products through the SIMD gemm; H around the 4-float lanes of the activations
  B: fc.integer({ min: 1, max: 6 }),
  D: fc.integer({ min: 1, max: 5 }),
  H: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constantFrom(8, 9, 17)),
  reverse: fc.boolean(),
  bias: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
})

/** The case's leaves in NAMES order (null for absent biases), float32-representable values in [−1, 1]. */
function operands(c: Case, dtype: FloatDType = 'float64', requiresGrad: readonly boolean[] = NAMES.map(() => true)): (Tensor | null)[] {
  const gen = new Generator(c.seed)
  const shapes = [[c.T, c.B, c.D], [c.B, c.H], [3 * c.H, c.D], [3 * c.H, c.H], [3 * c.H], [3 * c.H]]
  return shapes.map((shape, k) => {
    const values = new Float64Array(shape.reduce((a, b) => a * b, 1))
    gen.fillUniform(values, -1, 1)
    if (k >= 4 && !c.bias) return null
    const t = new Tensor(dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(Float32Array.from(values)), shape)
    t.requiresGrad = requiresGrad[k]
    return t
  })
}

function run(path: typeof fusedSequence, c: Case, [x, h0, W_ih, W_hh, b_ih, b_hh]: (Tensor | null)[]): SequenceResult {
  if (x === null || h0 === null || W_ih === null || W_hh === null) throw new Error('missing operand')
  return path(MODE, x, h0, null, { W_ih, W_hh, b_ih, b_hh }, c.reverse)
}

/** The weights of a random linear functional of (output, h), drawn from the case's seed. */
function lossWeights(c: Case): { wOut: Float64Array; wH: Float64Array } {
  const gen = new Generator(c.seed + 1)
  const wOut = new Float64Array(c.T * c.B * c.H)
  const wH = new Float64Array(c.B * c.H)
  gen.fillUniform(wOut, -1, 1)
  gen.fillUniform(wH, -1, 1)
  return { wOut, wH }
}

function functional(c: Case, r: SequenceResult): Tensor {
  const { wOut, wH } = lossWeights(c)
  const dtype = r.output.dtype as FloatDType
  return r.output.mul(new Tensor(wOut, [c.T, c.B, c.H]).to(dtype)).sum().add(r.h.mul(new Tensor(wH, [c.B, c.H]).to(dtype)).sum())
}

/** |actual − expected| ≤ tol·(1 + |expected|) elementwise, naming the first element that is not. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  expect(actual.length).toBe(expected.length)
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])))) {
      throw new Error(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (tolerance ${tol})`)
    }
  }
}

/** Both paths on leaves of equal values: output, h and the gradient of every leaf that requires one. */
function compare(c: Case, dtype: FloatDType, tol: number, requiresGrad?: readonly boolean[]): void {
  const fusedIn = operands(c, dtype, requiresGrad)
  const refIn = operands(c, 'float64', requiresGrad)
  const fused = run(fusedSequence, c, fusedIn)
  const ref = run(referenceSequence, c, refIn)
  expect(fused.output.shape).toEqual([c.T, c.B, c.H])
  expect(fused.c).toBeNull()
  expectClose(fused.output.data, ref.output.data, tol, 'output')
  expectClose(fused.h.data, ref.h.data, tol, 'h')
  if (!refIn.some((t) => t?.requiresGrad)) return
  functional(c, fused).backward()
  functional(c, ref).backward()
  refIn.forEach((t, k) => {
    const mine = fusedIn[k]
    if (t === null || mine === null) return expect(mine).toBe(t)
    if (!t.requiresGrad) return expect(mine.grad).toBeNull()
    expectClose(mine.grad?.data ?? [], t.grad?.data ?? [], tol, `d${NAMES[k]}`)
  })
}

// ------------------------------------------------------------------------------------------------
// The by-hand oracle: the paper's equations and their BPTT as plain loops over float64 arrays, sharing
// nothing with the library but the layout of the weights ([r | z | n] rows, PyTorch's).

interface HandRun {
  output: Float64Array
  h: Float64Array
  grads: Record<(typeof NAMES)[number], Float64Array | null>
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v))

function handGRU(c: Case, [x, h0, W_ih, W_hh, b_ih, b_hh]: Float64Array[] | (Float64Array | null)[]): HandRun {
  const { T, B, D, H, reverse } = c
  if (x === null || h0 === null || W_ih === null || W_hh === null) throw new Error('missing operand')
  const bi = (k: number) => (b_ih === null ? 0 : b_ih[k])
  const bh = (k: number) => (b_hh === null ? 0 : b_hh[k])
  const order = Array.from({ length: T }, (_, s) => (reverse ? T - 1 - s : s))
  const output = new Float64Array(T * B * H)
  // per step t, row b, unit j: what backward reads
  const R = new Float64Array(T * B * H), Z = new Float64Array(T * B * H), N = new Float64Array(T * B * H)
  const U = new Float64Array(T * B * H), HP = new Float64Array(T * B * H)
  let h = Float64Array.from(h0)
  for (const t of order) {
    const next = new Float64Array(B * H)
    for (let b = 0; b < B; b++) {
      const at = (t * B + b) * H
      const xs = (k: number) => x[(t * B + b) * D + k]
      const hPrev = (k: number) => h[b * H + k]
      const dotX = (row: number) => { let s = bi(row); for (let k = 0; k < D; k++) s += W_ih[row * D + k] * xs(k); return s }
      const dotH = (row: number, v: (k: number) => number) => { let s = bh(row); for (let k = 0; k < H; k++) s += W_hh[row * H + k] * v(k); return s }
      for (let j = 0; j < H; j++) {
        R[at + j] = sigmoid(dotX(j) + dotH(j, hPrev)) //             r = σ(W_ir x + b_ir + W_hr h + b_hr)
        Z[at + j] = sigmoid(dotX(H + j) + dotH(H + j, hPrev)) //     z = σ(W_iz x + b_iz + W_hz h + b_hz)
        U[at + j] = R[at + j] * hPrev(j) //                          u = r ⊙ h
        HP[at + j] = hPrev(j)
      }
      for (let j = 0; j < H; j++) {
        N[at + j] = Math.tanh(dotX(2 * H + j) + dotH(2 * H + j, (k) => U[at + k])) // n = tanh(W_in x + b_in + W_hn u + b_hn)
        next[b * H + j] = (1 - Z[at + j]) * N[at + j] + Z[at + j] * hPrev(j) //       h' = (1 − z) ⊙ n + z ⊙ h
        output[at + j] = next[b * H + j]
      }
    }
    h = next
  }
  // BPTT of L = Σ wOut ⊙ output + Σ wH ⊙ h_last
  const { wOut, wH } = lossWeights(c)
  const dx = new Float64Array(T * B * D), dW_ih = new Float64Array(3 * H * D), dW_hh = new Float64Array(3 * H * H)
  const db = new Float64Array(3 * H) // b_ih and b_hh both add to every pre-activation outside r: one gradient
  let carried = Float64Array.from(wH)
  for (const t of [...order].reverse()) {
    const dhPrev = new Float64Array(B * H)
    for (let b = 0; b < B; b++) {
      const at = (t * B + b) * H
      const da = new Float64Array(3 * H)
      const dh = (j: number) => wOut[at + j] + carried[b * H + j]
      for (let j = 0; j < H; j++) {
        const z = Z[at + j], n = N[at + j]
        da[H + j] = dh(j) * (HP[at + j] - n) * z * (1 - z) //  da_z
        da[2 * H + j] = dh(j) * (1 - z) * (1 - n * n) //       da_n
        dhPrev[b * H + j] += dh(j) * z
      }
      for (let k = 0; k < H; k++) {
        let du = 0 // du = W_hnᵀ da_n
        for (let j = 0; j < H; j++) du += W_hh[(2 * H + j) * H + k] * da[2 * H + j]
        const r = R[at + k]
        da[k] = du * HP[at + k] * r * (1 - r) // da_r
        dhPrev[b * H + k] += du * r
      }
      for (let row = 0; row < 3 * H; row++) {
        db[row] += da[row]
        for (let k = 0; k < D; k++) {
          dW_ih[row * D + k] += da[row] * x[(t * B + b) * D + k]
          dx[(t * B + b) * D + k] += W_ih[row * D + k] * da[row]
        }
        for (let k = 0; k < H; k++) {
          // r and z read h; n reads u = r ⊙ h
          dW_hh[row * H + k] += da[row] * (row < 2 * H ? HP[at + k] : U[at + k])
          if (row < 2 * H) dhPrev[b * H + k] += W_hh[row * H + k] * da[row]
        }
      }
    }
    carried = dhPrev
  }
  return {
    output,
    h,
    grads: { x: dx, h0: carried, W_ih: dW_ih, W_hh: dW_hh, b_ih: b_ih === null ? null : db, b_hh: b_hh === null ? null : Float64Array.from(db) },
  }
}

// ------------------------------------------------------------------------------------------------

describe("the fused 'gru_reset_before' equals the reference equations", () => {
  test('float64: output, h and all gradients of a random functional agree to 1e-12', () => {
    fc.assert(fc.property(caseArb, (c) => compare(c, 'float64', 1e-12)), { numRuns: 300, seed: SEED })
  })

  test('inputs that do not require grad get none, and the others still get the right ones', () => {
    const mask = fc.array(fc.boolean(), { minLength: NAMES.length, maxLength: NAMES.length })
    fc.assert(fc.property(caseArb, mask, (c, requiresGrad) => compare(c, 'float64', 1e-12, requiresGrad)), { numRuns: 150, seed: SEED + 1 })
  })

  test('float32 fused stays within 1e-5 of the float64 reference', () => {
    fc.assert(fc.property(caseArb, (c) => compare(c, 'float32', 1e-5)), { numRuns: 100, seed: SEED + 2 })
  })

  test('a longer, wider case (the SIMD paths of both products and of σ/tanh), float64 and float32', () => {
    const c: Case = { T: 12, B: 9, D: 7, H: 33, reverse: false, bias: true, seed: 5 }
    compare(c, 'float64', 1e-12)
    compare({ ...c, reverse: true }, 'float64', 1e-12)
    compare(c, 'float32', 1e-5)
  })
})

describe('the fused path against the by-hand oracle (plain loops, float64)', () => {
  test('values and every gradient of a few steps agree to 1e-12', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const leaves = operands(c)
        const fused = run(fusedSequence, c, leaves)
        const hand = handGRU(c, leaves.map((t) => (t === null ? null : Float64Array.from(t.data))))
        expectClose(fused.output.data, hand.output, 1e-12, 'output')
        expectClose(fused.h.data, hand.h, 1e-12, 'h')
        functional(c, fused).backward()
        leaves.forEach((t, k) => {
          const expected = hand.grads[NAMES[k]]
          if (t === null || expected === null) return expect(t === null && expected === null).toBe(true)
          expectClose(t.grad?.data ?? [], expected, 1e-12, `d${NAMES[k]}`)
        })
      }),
      { numRuns: 100, seed: SEED + 3 },
    )
  })

  test('the oracle differs from the GRU with r after W_hn, so it checks the right equations', () => {
    const c: Case = { T: 3, B: 2, D: 3, H: 4, reverse: false, bias: true, seed: 9 }
    const leaves = operands(c)
    const [x, h0, W_ih, W_hh, b_ih, b_hh] = leaves as Tensor[]
    const after = fusedSequence('gru', x, h0, null, { W_ih, W_hh, b_ih, b_hh }, false)
    const hand = handGRU(c, leaves.map((t) => (t === null ? null : Float64Array.from(t.data))))
    const worst = Math.max(...Array.from(hand.output, (v, i) => Math.abs(v - after.output.data[i])))
    expect(worst).toBeGreaterThan(1e-3)
  })
})

describe('gradcheck through the fused op', () => {
  for (const reverse of [false, true]) {
    for (const bias of [true, false]) {
      test(`${reverse ? 'reverse' : 'forward'}, ${bias ? 'with' : 'without'} bias`, () => {
        const c: Case = { T: 3, B: 2, D: 3, H: 3, reverse, bias, seed: 31 + (reverse ? 1 : 0) + (bias ? 2 : 0) }
        const inputs = operands(c).filter((t): t is Tensor => t !== null)
        const fn = (...leaves: Tensor[]) => {
          const r = run(fusedSequence, c, bias ? leaves : [...leaves, null, null])
          return cat([r.output.reshape([-1]), r.h.reshape([-1])])
        }
        expect(gradcheck(fn, inputs)).toBe(true)
      })
    }
  }
})

describe('its record in the table', () => {
  test('r and z read h through W_hh before the step, n reads r ⊙ h; the other records are unchanged', () => {
    expect(GATE_COUNT[MODE]).toBe(3)
    expect(GATE_NAMES[MODE]).toEqual(['r', 'z', 'n'])
    expect(FUSED_CELLS[MODE]).toMatchObject({ gates: 3, stateGates: 2, cellState: false, keepsAux: true, hnApart: false, directH: true })
    for (const mode of ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'] as const) expect(FUSED_CELLS[mode].stateGates).toBe(FUSED_CELLS[mode].gates)
  })

  test('one call records one op on the tape, whose inputs are the leaves', () => {
    const c: Case = { T: 4, B: 2, D: 3, H: 3, reverse: false, bias: true, seed: 11 }
    const leaves = operands(c)
    const r = run(fusedSequence, c, leaves)
    expect(r.output.gradFn?.name).toBe(`fused_${MODE}`)
    expect(r.output.gradFn?.inputs).toEqual(leaves)
  })
})
