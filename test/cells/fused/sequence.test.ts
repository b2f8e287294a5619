// The fused path against the reference path (the cells' equations, op by op): values and gradients in
// float64 to 1e-12 over random kinds, sizes, directions and biases; gradcheck through the fused op; inputs
// that do not require grad; float32; and the shape of the graph (one op per call).
import fc from 'fast-check'
import { fusedSequence } from '../../../src/cells/fused/sequence.js'
import { GATE_COUNT, type CellMode as CellKind } from '../../../src/cells/kinds.js'
import { referenceSequence, type SequenceResult } from '../../../src/cells/sequence.js'
import { Generator, Tensor, cat, grad, gradcheck, noGrad, type FloatDType } from '../../../src/index.js'

const KINDS: CellKind[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru']
const NAMES = ['x', 'h0', 'c0', 'W_ih', 'W_hh', 'b_ih', 'b_hh'] as const

interface Case {
  kind: CellKind
  T: number
  B: number
  D: number
  H: number
  reverse: boolean
  bias: boolean
  seed: number
}

const dim = fc.integer({ min: 1, max: 4 })
const caseArb: fc.Arbitrary<Case> = fc.record({
  kind: fc.constantFrom(...KINDS),
  T: fc.integer({ min: 1, max: 6 }),
  B: dim,
  D: dim,
  H: dim,
  reverse: fc.boolean(),
  bias: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
})

/** Leaves in NAMES order (null where the case has none), the same values on every call for one case. */
function operands(c: Case, dtype: FloatDType = 'float64', requiresGrad: readonly boolean[] = NAMES.map(() => true)): (Tensor | null)[] {
  const gen = new Generator(c.seed)
  const G = GATE_COUNT[c.kind]
  const shapes = [[c.T, c.B, c.D], [c.B, c.H], [c.B, c.H], [G * c.H, c.D], [G * c.H, c.H], [G * c.H], [G * c.H]]
  return shapes.map((shape, k) => {
    const values = new Float64Array(shape.reduce((a, b) => a * b, 1))
    gen.fillUniform(values, -1, 1) // drawn even when unused, so a case's values never depend on its options
    if ((k === 2 && c.kind !== 'lstm') || (k >= 5 && !c.bias)) return null
    // Round through float32 once, so float32 runs and their float64 references see the same numbers.
    const t = new Tensor(dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(Float32Array.from(values)), shape)
    t.requiresGrad = requiresGrad[k]
    return t
  })
}

type Path = typeof fusedSequence
function run(path: Path, c: Case, [x, h0, c0, W_ih, W_hh, b_ih, b_hh]: (Tensor | null)[]): SequenceResult {
  if (x === null || h0 === null || W_ih === null || W_hh === null) throw new Error('missing operand')
  return path(c.kind, x, h0, c0, { W_ih, W_hh, b_ih, b_hh }, c.reverse)
}

/** A random linear functional of (output, h, c): each element weighted by a draw of the case's seed. */
function functional(c: Case, r: SequenceResult): Tensor {
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
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  expect(actual.length).toBe(expected.length)
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])))) {
      throw new Error(`${what}[${i}]: fused ${actual[i]}, reference ${expected[i]} (tolerance ${tol})`)
    }
  }
}

/** Runs both paths on separate leaves of equal values and compares values and every leaf's gradient. */
function compare(c: Case, dtype: FloatDType, tol: number, requiresGrad?: readonly boolean[]): void {
  const fusedIn = operands(c, dtype, requiresGrad)
  const refIn = operands(c, 'float64', requiresGrad)
  const fused = run(fusedSequence, c, fusedIn)
  const ref = run(referenceSequence, c, refIn)
  expect(fused.output.shape).toEqual([c.T, c.B, c.H])
  expect(fused.h.shape).toEqual([c.B, c.H])
  expectClose(fused.output.data, ref.output.data, tol, 'output')
  expectClose(fused.h.data, ref.h.data, tol, 'h')
  if (ref.c === null) expect(fused.c).toBeNull()
  else expectClose(fused.c?.data ?? [], ref.c.data, tol, 'c')
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

describe('fusedSequence equals referenceSequence', () => {
  test('float64: output, h, c and all gradients of a random functional agree to 1e-12', () => {
    fc.assert(fc.property(caseArb, (c) => compare(c, 'float64', 1e-12)), { numRuns: 300 })
  })

  test('inputs that do not require grad get none, and the others still get the right ones', () => {
    const mask = fc.array(fc.boolean(), { minLength: 7, maxLength: 7 })
    fc.assert(fc.property(caseArb, mask, (c, requiresGrad) => compare(c, 'float64', 1e-12, requiresGrad)), { numRuns: 200 })
  })

  test('float32 fused stays within 1e-5 of the float64 reference', () => {
    fc.assert(fc.property(caseArb, (c) => compare(c, 'float32', 1e-5)), { numRuns: 100 })
  })
})

describe('gradcheck through the fused op', () => {
  for (const kind of KINDS) {
    for (const reverse of [false, true]) {
      test(`${kind}${reverse ? ', reverse' : ''}`, () => {
        const c: Case = { kind, T: 3, B: 2, D: 3, H: 2, reverse, bias: true, seed: 7 + KINDS.indexOf(kind) }
        const inputs = operands(c).filter((t): t is Tensor => t !== null)
        // Every result in one tensor, so the Jacobian covers output, h and c together.
        const fn = (...leaves: Tensor[]) => {
          const all = kind === 'lstm' ? leaves : [leaves[0], leaves[1], null, ...leaves.slice(2)]
          const r = run(fusedSequence, c, all)
          return cat([r.output.reshape([-1]), r.h.reshape([-1]), ...(r.c === null ? [] : [r.c.reshape([-1])])])
        }
        expect(gradcheck(fn, inputs)).toBe(true)
      })
    }
  }
})

describe('the fused op on the tape', () => {
  const c: Case = { kind: 'lstm', T: 4, B: 2, D: 3, H: 3, reverse: false, bias: true, seed: 11 }

  test('one call records one op: no matmul, tanh or sigmoid of its own on the tape', () => {
    for (const kind of KINDS) {
      const r = run(fusedSequence, { ...c, kind }, operands({ ...c, kind }))
      const names: string[] = []
      const stack: Tensor[] = [functional(c, r)]
      const seen = new Set<Tensor>()
      for (let t = stack.pop(); t !== undefined; t = stack.pop()) {
        if (seen.has(t) || t.gradFn === null) continue
        seen.add(t)
        names.push(t.gradFn.name)
        stack.push(...t.gradFn.inputs)
      }
      expect(names.filter((n) => n.startsWith('fused_'))).toEqual([`fused_${kind}`])
      expect(names).not.toContain('matmul')
      expect(names).not.toContain('tanh')
      expect(names).not.toContain('sigmoid')
    }
  })

  test('two backward passes give the same gradients; a zero upstream gradient gives zeros', () => {
    const all = operands(c)
    const inputs = all.filter((t): t is Tensor => t !== null)
    const r = run(fusedSequence, c, all)
    const loss = functional(c, r)
    const first = grad(loss, inputs, new Tensor(new Float64Array([1]), []))
    const second = grad(loss, inputs, new Tensor(new Float64Array([1]), []))
    first.forEach((g, k) => expect(Array.from(second[k]?.data ?? [])).toEqual(Array.from(g?.data ?? [NaN])))
    const zero = grad(r.output, inputs, Tensor.zeros(r.output.shape, 'float64'))
    zero.forEach((g) => expect(Array.from(g?.data ?? [NaN]).every((v) => v === 0)).toBe(true))
  })

  test('under noGrad nothing is recorded and the values are unchanged', () => {
    const recorded = run(fusedSequence, c, operands(c))
    const plain = noGrad(() => run(fusedSequence, c, operands(c)))
    expect(plain.output.gradFn).toBeNull()
    expect(plain.h.gradFn).toBeNull()
    expect(Array.from(plain.output.data)).toEqual(Array.from(recorded.output.data))
  })

  test('operands that do not fit say what was expected and what came', () => {
    const [x, h0, c0, W_ih, W_hh] = operands(c) as Tensor[]
    expect(() => fusedSequence('lstm', x, h0, null, { W_ih, W_hh, b_ih: null, b_hh: null }, false)).toThrow('c0 is missing')
    expect(() => fusedSequence('gru', x, h0, null, { W_ih, W_hh, b_ih: null, b_hh: null }, false)).toThrow(
      'fusedSequence(gru): W_ih has shape [12, 3] but expected [9, 3]',
    )
    expect(() => fusedSequence('lstm', x, h0, c0.to('float32'), { W_ih, W_hh, b_ih: null, b_hh: null }, false)).toThrow('c0 is float32 but x is float64')
  })
})
