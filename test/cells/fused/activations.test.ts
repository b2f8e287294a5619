// The fused steps of the activation variants against the reference equations: the linear RNN
// ('rnn_linear') and the hard σ gates of the LSTM and both GRUs ('…_hard_sigmoid', whose steps keep hard σ's
// argument t in their gate rows). Values and every gradient in float64 to 1e-12, float32 within 1e-5,
// operands scaled so that many gates sit on the clip; gradcheck through the op; hard σ's slope at exactly
// a = ±2.5 (0.2, as TensorFlow.js); and the σ modes left exactly as they were.
import fc from 'fast-check'
import { fusedSequence } from '../../../src/cells/fused/sequence.js'
import type { CellMode } from '../../../src/cells/kinds.js'
import { referenceSequence } from '../../../src/cells/sequence.js'
import { Tensor, cat, gradcheck } from '../../../src/index.js'
import { compareWithReference, runSequence, sequenceOperands, type SequenceCase } from '../../helpers/fused-cases.js'

const MODES: CellMode[] = ['rnn_linear', 'lstm_hard_sigmoid', 'gru_hard_sigmoid', 'gru_reset_before_hard_sigmoid']
const SEED = 20261206 // fast-check's seed: every run draws the same cases

/** scale 3 puts many hard σ gates outside [−2.5, 2.5], on the clip. */
type Case = SequenceCase & { scale: number }

const caseArb: fc.Arbitrary<Case> = fc.record({
  mode: fc.constantFrom(...MODES),
  T: fc.integer({ min: 1, max: 6 }),
  // B ≥ 4 sends float32 products through the SIMD gemm; H around the 4-float lanes of the activations
  B: fc.integer({ min: 1, max: 5 }),
  D: fc.integer({ min: 1, max: 4 }),
  H: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom(8, 9)),
  reverse: fc.boolean(),
  bias: fc.boolean(),
  scale: fc.constantFrom(0.5, 1, 3),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
})

describe('the fused activation variants equal the reference equations', () => {
  test('float64: output, h, c and all gradients agree to 1e-12', () => {
    fc.assert(fc.property(caseArb, (c) => compareWithReference(c, 'float64', 1e-12)), { numRuns: 300, seed: SEED })
  })

  test('inputs that do not require grad get none, and the others still get the right ones', () => {
    const mask = fc.array(fc.boolean(), { minLength: 7, maxLength: 7 })
    fc.assert(fc.property(caseArb, mask, (c, requiresGrad) => compareWithReference(c, 'float64', 1e-12, { requiresGrad })), { numRuns: 100, seed: SEED })
  })

  test('float32 fused stays within 1e-5 of the float64 reference (operands up to 1: at 3 the rounding grows with them, and a gate can round across the clip)', () => {
    fc.assert(fc.property(caseArb.filter((c) => c.scale <= 1), (c) => compareWithReference(c, 'float32', 1e-5)), { numRuns: 100, seed: SEED })
  })

  test('operands at scale 3 do put gates on the clip (pre-activations beyond ±2.5), so the comparisons above cover slope 0', () => {
    const c: Case = { mode: 'lstm_hard_sigmoid', T: 3, B: 2, D: 3, H: 4, reverse: false, bias: true, scale: 3, seed: 5 }
    const [x, h0, c0, W_ih, W_hh, b_ih, b_hh] = sequenceOperands(c) as Tensor[]
    const a = x.slice(0, 0, 1).squeeze(0).matmul(W_ih.transpose()).add(h0.matmul(W_hh.transpose())).add(b_ih).add(b_hh)
    const outside = Array.from(a.data).filter((v) => Math.abs(v) > 2.5).length
    expect(outside).toBeGreaterThan(4)
    expect(c0).not.toBeNull()
  })
})

describe('gradcheck through the fused op', () => {
  for (const mode of MODES) {
    for (const reverse of [false, true]) {
      test(`${mode}${reverse ? ', reverse' : ''}`, () => {
        const c: Case = { mode, T: 3, B: 2, D: 3, H: 2, reverse, bias: true, scale: 1, seed: 7 + MODES.indexOf(mode) }
        const inputs = sequenceOperands(c).filter((t): t is Tensor => t !== null)
        const fn = (...leaves: Tensor[]) => {
          const all = mode.startsWith('lstm') ? leaves : [leaves[0], leaves[1], null, ...leaves.slice(2)]
          const r = runSequence(fusedSequence, c, all)
          return cat([r.output.reshape([-1]), r.h.reshape([-1]), ...(r.c === null ? [] : [r.c.reshape([-1])])])
        }
        expect(gradcheck(fn, inputs)).toBe(true)
      })
    }
  }
})

describe("hard σ's slope at exactly a = ±2.5 is 0.2, as TensorFlow.js's (clipByValue passes the gradient at its bounds)", () => {
  // One unit, one step, x = 1, h0 = 0, no bias: every gate's pre-activation is its W_ih entry, so setting
  // one to ±2.5 puts that gate exactly on the clip's end. dL/dW_ih of that gate is then its slope times
  // what the gate's value feeds; 0.2 ≠ 0 shows the end is inside.
  const cases: { mode: CellMode; gate: number; G: number }[] = [
    { mode: 'lstm_hard_sigmoid', gate: 3, G: 4 }, // o: h' = o ⊙ tanh(c')
    { mode: 'gru_hard_sigmoid', gate: 1, G: 3 }, // z: h' = (1 − z) ⊙ n + z ⊙ h
    { mode: 'gru_reset_before_hard_sigmoid', gate: 1, G: 3 },
  ]
  for (const { mode, gate, G } of cases) {
    for (const end of [2.5, -2.5]) {
      test(`${mode}, a = ${end}`, () => {
        const grads = (['fused', 'reference'] as const).map((path) => {
          const W = new Float64Array(G).fill(0.5)
          W[gate] = end
          const W_ih = new Tensor(W, [G, 1])
          W_ih.requiresGrad = true
          const x = new Tensor(new Float64Array([1]), [1, 1, 1])
          const h0 = Tensor.zeros([1, 1], 'float64')
          const c0 = mode.startsWith('lstm') ? Tensor.zeros([1, 1], 'float64') : null
          const W_hh = Tensor.zeros([G, 1], 'float64')
          const r = (path === 'fused' ? fusedSequence : referenceSequence)(mode, x, h0, c0, { W_ih, W_hh, b_ih: null, b_hh: null }, false)
          r.h.sum().backward()
          return Array.from(W_ih.grad?.data ?? [])
        })
        expect(grads[0]).toEqual(grads[1].map((v) => expect.closeTo(v, 14)))
        // what that gate's value multiplies, times 0.2
        const fed = mode === 'lstm_hard_sigmoid' ? Math.tanh(0.6 * Math.tanh(0.5)) : -Math.tanh(0.5) // tanh(c') with i = 0.6, g = tanh(0.5); or h − n
        expect(grads[0][gate]).toBeCloseTo(0.2 * fed, 12)
      })
    }
  }
})
