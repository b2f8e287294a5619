// The fused path against the reference path (the cells' equations, op by op): values and gradients in
// float64 to 1e-12 over random cells, sizes, directions and biases; gradcheck through the fused op; inputs
// that do not require grad; float32; and the shape of the graph (one op per call).
import fc from 'fast-check'
import { fusedSequence } from '../../../src/cells/fused/sequence.js'
import type { CellMode } from '../../../src/cells/kinds.js'
import { Tensor, cat, grad, gradcheck, noGrad } from '../../../src/index.js'
import { compareWithReference, runSequence, sequenceFunctional, sequenceOperands, type SequenceCase as Case } from '../../helpers/fused-cases.js'

const MODES: CellMode[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru']

const dim = fc.integer({ min: 1, max: 4 })
const caseArb: fc.Arbitrary<Case> = fc.record({
  mode: fc.constantFrom(...MODES),
  T: fc.integer({ min: 1, max: 6 }),
  B: dim,
  D: dim,
  H: dim,
  reverse: fc.boolean(),
  bias: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
})

describe('fusedSequence equals referenceSequence', () => {
  test('float64: output, h, c and all gradients of a random functional agree to 1e-12', () => {
    fc.assert(fc.property(caseArb, (c) => compareWithReference(c, 'float64', 1e-12)), { numRuns: 300 })
  })

  test('inputs that do not require grad get none, and the others still get the right ones', () => {
    const mask = fc.array(fc.boolean(), { minLength: 7, maxLength: 7 })
    fc.assert(fc.property(caseArb, mask, (c, requiresGrad) => compareWithReference(c, 'float64', 1e-12, { requiresGrad })), { numRuns: 200 })
  })

  test('float32 fused stays within 1e-5 of the float64 reference', () => {
    fc.assert(fc.property(caseArb, (c) => compareWithReference(c, 'float32', 1e-5)), { numRuns: 100 })
  })
})

describe('gradcheck through the fused op', () => {
  for (const mode of MODES) {
    for (const reverse of [false, true]) {
      test(`${mode}${reverse ? ', reverse' : ''}`, () => {
        const c: Case = { mode, T: 3, B: 2, D: 3, H: 2, reverse, bias: true, seed: 7 + MODES.indexOf(mode) }
        const inputs = sequenceOperands(c).filter((t): t is Tensor => t !== null)
        // Every result in one tensor, so the Jacobian covers output, h and c together.
        const fn = (...leaves: Tensor[]) => {
          const all = mode === 'lstm' ? leaves : [leaves[0], leaves[1], null, ...leaves.slice(2)]
          const r = runSequence(fusedSequence, c, all)
          return cat([r.output.reshape([-1]), r.h.reshape([-1]), ...(r.c === null ? [] : [r.c.reshape([-1])])])
        }
        expect(gradcheck(fn, inputs)).toBe(true)
      })
    }
  }
})

describe('the fused op on the tape', () => {
  const c: Case = { mode: 'lstm', T: 4, B: 2, D: 3, H: 3, reverse: false, bias: true, seed: 11 }

  test('one call records one op: no matmul, tanh or sigmoid of its own on the tape', () => {
    for (const mode of MODES) {
      const r = runSequence(fusedSequence, { ...c, mode }, sequenceOperands({ ...c, mode }))
      const names: string[] = []
      const stack: Tensor[] = [sequenceFunctional(c, r)]
      const seen = new Set<Tensor>()
      for (let t = stack.pop(); t !== undefined; t = stack.pop()) {
        if (seen.has(t) || t.gradFn === null) continue
        seen.add(t)
        names.push(t.gradFn.name)
        stack.push(...t.gradFn.inputs)
      }
      expect(names.filter((n) => n.startsWith('fused_'))).toEqual([`fused_${mode}`])
      expect(names).not.toContain('matmul')
      expect(names).not.toContain('tanh')
      expect(names).not.toContain('sigmoid')
    }
  })

  test('two backward passes give the same gradients; a zero upstream gradient gives zeros', () => {
    const all = sequenceOperands(c)
    const inputs = all.filter((t): t is Tensor => t !== null)
    const r = runSequence(fusedSequence, c, all)
    const loss = sequenceFunctional(c, r)
    const first = grad(loss, inputs, new Tensor(new Float64Array([1]), []))
    const second = grad(loss, inputs, new Tensor(new Float64Array([1]), []))
    first.forEach((g, k) => expect(Array.from(second[k]?.data ?? [])).toEqual(Array.from(g?.data ?? [NaN])))
    const zero = grad(r.output, inputs, Tensor.zeros(r.output.shape, 'float64'))
    zero.forEach((g) => expect(Array.from(g?.data ?? [NaN]).every((v) => v === 0)).toBe(true))
  })

  test('under noGrad nothing is recorded and the values are unchanged', () => {
    const recorded = runSequence(fusedSequence, c, sequenceOperands(c))
    const plain = noGrad(() => runSequence(fusedSequence, c, sequenceOperands(c)))
    expect(plain.output.gradFn).toBeNull()
    expect(plain.h.gradFn).toBeNull()
    expect(Array.from(plain.output.data)).toEqual(Array.from(recorded.output.data))
  })

  test('operands that do not fit say what was expected and what came', () => {
    const [x, h0, c0, W_ih, W_hh] = sequenceOperands(c) as Tensor[]
    expect(() => fusedSequence('lstm', x, h0, null, { W_ih, W_hh, b_ih: null, b_hh: null }, false)).toThrow('c0 is missing')
    expect(() => fusedSequence('gru', x, h0, null, { W_ih, W_hh, b_ih: null, b_hh: null }, false)).toThrow(
      'fusedSequence(gru): W_ih has shape [12, 3] but expected [9, 3]',
    )
    expect(() => fusedSequence('lstm', x, h0, c0.to('float32'), { W_ih, W_hh, b_ih: null, b_hh: null }, false)).toThrow('c0 is float32 but x is float64')
  })
})
