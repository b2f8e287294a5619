// Recurrent dropout in the sequence functions (masks.recurrent: a fixed [B, H] mask m on every h entering
// W_hh): the fused op against the reference path in float64 to 1e-12 for values and every gradient, float32
// within 1e-5, both against PyTorch (scripts/gen-dropout-fixtures.py: torch's own RNN and LSTM cells on m ⊙ h,
// the GRUs' equations with autograd), gradcheck through both with fixed masks, and the mask's checks.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { fusedSequence } from '../../../src/cells/fused/sequence.js'
import type { CellMode } from '../../../src/cells/kinds.js'
import { referenceSequence } from '../../../src/cells/sequence.js'
import { Generator, Tensor, cat, gradcheck, loadSafetensors, ones, type FloatDType } from '../../../src/index.js'
import { compareWithReference, expectClose, runSequence, sequenceOperands, type SequenceCase } from '../../helpers/fused-cases.js'

const MODES: CellMode[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru', 'gru_reset_before']
const SEED = 2016 // fast-check's seed: every run draws the same cases

/** p: the dropout probability of the case's mask. */
type Case = SequenceCase & { p: number }

const caseArb: fc.Arbitrary<Case> = fc.record({
  mode: fc.constantFrom(...MODES),
  T: fc.integer({ min: 1, max: 6 }),
  // B ≥ 4 sends float32 products through the SIMD gemm; H around the 4-float lanes of the activations
  B: fc.integer({ min: 1, max: 6 }),
  D: fc.integer({ min: 1, max: 4 }),
  H: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom(8, 9)),
  reverse: fc.boolean(),
  bias: fc.boolean(),
  p: fc.constantFrom(0.2, 0.5, 0.8),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
})

/** The case's mask: each unit 0 with probability p, else 1/(1 − p). */
function maskOf(c: Case, dtype: FloatDType = 'float64'): Tensor {
  const gen = new Generator(c.seed + 2)
  const m = Tensor.zeros([c.B, c.H], dtype)
  for (let i = 0; i < m.size; i++) m.data[i] = gen.uniform53() < c.p ? 0 : 1 / (1 - c.p)
  return m
}

describe('fusedSequence under a recurrent mask equals referenceSequence', () => {
  test('float64: output, h, c and all gradients agree to 1e-12 (every mode, direction, bias)', () => {
    fc.assert(fc.property(caseArb, (c) => compareWithReference(c, 'float64', 1e-12, { masks: (dtype) => ({ recurrent: maskOf(c, dtype) }) })), { numRuns: 300, seed: SEED })
  })

  test('float32 fused stays within 1e-5 of the float64 reference', () => {
    fc.assert(fc.property(caseArb, (c) => compareWithReference(c, 'float32', 1e-5, { masks: (dtype) => ({ recurrent: maskOf(c, dtype) }) })), { numRuns: 100, seed: SEED })
  })

  test('a mask of ones gives exactly the unmasked sequence, and a mask changes it', () => {
    for (const mode of MODES) {
      const c: Case = { mode, T: 4, B: 3, D: 2, H: 5, reverse: false, bias: true, p: 0.5, seed: 3 }
      const plain = runSequence(fusedSequence, c, sequenceOperands(c), { recurrent: null })
      const unit = runSequence(fusedSequence, c, sequenceOperands(c), { recurrent: ones([3, 5], { dtype: 'float64' }) })
      const masked = runSequence(fusedSequence, c, sequenceOperands(c), { recurrent: maskOf(c) })
      expect(Array.from(unit.output.data)).toEqual(Array.from(plain.output.data))
      expect(Array.from(masked.output.data)).not.toEqual(Array.from(plain.output.data))
    }
  })
})

describe('gradcheck with a fixed recurrent mask', () => {
  for (const mode of MODES) {
    for (const path of [fusedSequence, referenceSequence]) {
      test(`${mode}, ${path === fusedSequence ? 'fused' : 'reference'}, both directions`, () => {
        for (const reverse of [false, true]) {
          const c: Case = { mode, T: 3, B: 2, D: 2, H: 3, reverse, bias: true, p: 0.5, seed: 40 + MODES.indexOf(mode) }
          const m = maskOf(c)
          const inputs = sequenceOperands(c).filter((t): t is Tensor => t !== null)
          const fn = (...leaves: Tensor[]) => {
            const all = mode === 'lstm' ? leaves : [leaves[0], leaves[1], null, ...leaves.slice(2)]
            const r = runSequence(path, c, all, { recurrent: m })
            return cat([r.output.reshape([-1]), r.h.reshape([-1]), ...(r.c === null ? [] : [r.c.reshape([-1])])])
          }
          expect(gradcheck(fn, inputs)).toBe(true)
        }
      })
    }
  }
})

describe('against PyTorch (scripts/gen-dropout-fixtures.py)', () => {
  const dir = join(__dirname, '..', '..', 'fixtures')
  for (const mode of MODES) {
    for (const direction of ['forward', 'reverse']) {
      test(`${mode}, ${direction}: fused and reference, float64 ≤ 1e-10 and float32 ≤ 1e-5`, () => {
        const { tensors, metadata } = loadSafetensors(new Uint8Array(readFileSync(join(dir, `recurrent-dropout-${mode}-${direction}.safetensors`))))
        expect(metadata.mode).toBe(mode)
        const mask = tensors.mask
        const keptPerRow = Array.from({ length: mask.shape[0] }, (_, b) => Array.from(mask.data.subarray(b * mask.shape[1], (b + 1) * mask.shape[1])))
        expect(keptPerRow.every((row) => row.includes(0) && row.some((v) => v > 1))).toBe(true) // the fixture drops and keeps
        const leafNames = ['input', 'h0', ...(mode === 'lstm' ? ['c0'] : []), 'W_ih', 'W_hh', 'b_ih', 'b_hh']
        for (const path of [fusedSequence, referenceSequence]) {
          for (const [dtype, tol] of [['float64', 1e-10], ['float32', 1e-5]] as const) {
            if (path === referenceSequence && dtype === 'float32') continue
            const leaf = (name: string) => {
              const src = tensors[name].data
              const t = new Tensor(dtype === 'float32' ? Float32Array.from(src) : Float64Array.from(src), tensors[name].shape)
              t.requiresGrad = true
              return t
            }
            const leaves = Object.fromEntries(leafNames.map((name) => [name, leaf(name)]))
            const p = { W_ih: leaves.W_ih, W_hh: leaves.W_hh, b_ih: leaves.b_ih, b_hh: leaves.b_hh }
            const r = path(mode, leaves.input, leaves.h0, leaves.c0 ?? null, p, direction === 'reverse', { recurrent: mask.to(dtype) })
            const results: Record<string, Tensor> = r.c === null ? { output: r.output, h: r.h } : { output: r.output, h: r.h, c: r.c }
            let loss: Tensor | null = null
            for (const [name, value] of Object.entries(results)) {
              expectClose(value.data, tensors[name].data, tol, `${name} (${dtype})`)
              const term = value.mul(tensors[`proj.${name}`].to(dtype)).sum()
              loss = loss === null ? term : loss.add(term)
            }
            loss?.backward()
            for (const name of leafNames) expectClose(leaves[name].grad?.data ?? [], tensors[`grad.${name}`].data, tol, `grad.${name} (${dtype})`)
          }
        }
      })
    }
  }
})

describe('the mask operand', () => {
  const c: Case = { mode: 'lstm', T: 2, B: 2, D: 2, H: 3, reverse: false, bias: true, p: 0.5, seed: 1 }
  test('a mask of the wrong shape or dtype, or one that requires a gradient, is refused', () => {
    expect(() => runSequence(fusedSequence, c, sequenceOperands(c), { recurrent: ones([2, 4], { dtype: 'float64' }) })).toThrow(
      'fusedSequence(lstm): the recurrent mask has shape [2, 4] but expected [2, 3]',
    )
    expect(() => runSequence(fusedSequence, c, sequenceOperands(c), { recurrent: ones([2, 3], { dtype: 'float32' }) })).toThrow('the recurrent mask is float32 but x is float64')
    const live = ones([2, 3], { dtype: 'float64' })
    live.requiresGrad = true
    expect(() => runSequence(fusedSequence, c, sequenceOperands(c), { recurrent: live })).toThrow('fusedSequence(lstm): the recurrent mask is a constant, but it requires a gradient')
  })
})
