// The float32 LSTM, GRU and RNN (tanh, relu, linear) run their recurrence with the state resident in WebAssembly memory
// (resident.ts, the step kernels of wasm-cells.ts). It must give the JavaScript steps' bits: a recurrent mask of
// ones sends the same sequence through the JavaScript steps (m ⊙ h = h exactly), so the two are compared value
// for value, every gradient included, over shapes around the SIMD lanes and tiles. And it must be the path that runs.
import fc from 'fast-check'
import * as resident from '../../../src/cells/fused/resident.js'
import { fusedSequence } from '../../../src/cells/fused/sequence.js'
import { hasSimd, ones, type Tensor } from '../../../src/index.js'
import { simdMemoryBytes } from '../../../src/tensor/kernels/simd-gemm.js'
import { runSequence, sequenceFunctional, sequenceOperands, OPERAND_NAMES, type SequenceCase } from '../../helpers/fused-cases.js'

jest.mock('../../../src/cells/fused/resident.js', () => {
  const actual = jest.requireActual<typeof resident>('../../../src/cells/fused/resident.js')
  return { ...actual, residentForward: jest.fn(actual.residentForward), residentBackward: jest.fn(actual.residentBackward) }
})
const forward = resident.residentForward as jest.MockedFunction<typeof resident.residentForward>
const backward = resident.residentBackward as jest.MockedFunction<typeof resident.residentBackward>

/** Runs a case forward and back, plain or through a mask of ones; its output, h, c and every leaf's gradient. */
function run(c: SequenceCase, throughMask: boolean, requiresGrad?: readonly boolean[], special = false): Float32Array[] {
  const leaves = sequenceOperands(c, 'float32', requiresGrad)
  // NaN, ±∞, −0 and huge values in x (and so in the pre-activations), to hold the two paths to one answer there too
  if (special) [Number.NaN, Infinity, -Infinity, -0, 1e30, -1e30].forEach((v, i) => ((leaves[0] as Tensor).data[i * 7] = v))
  const r = runSequence(fusedSequence, c, leaves, { recurrent: throughMask ? ones([c.B, c.H], { dtype: 'float32' }) : null })
  sequenceFunctional(c, r).backward()
  const grads = leaves.map((t) => (t?.grad?.data as Float32Array | undefined) ?? new Float32Array(0))
  return [r.output.data, r.h.data, r.c?.data ?? new Float32Array(0), ...grads] as Float32Array[]
}

const NAMES = ['output', 'h', 'c', ...OPERAND_NAMES.map((name) => `d${name}`)]

function expectSameBits(c: SequenceCase, requiresGrad?: readonly boolean[], special = false): void {
  const plain = run(c, false, requiresGrad, special)
  const js = run(c, true, requiresGrad, special)
  plain.forEach((values, k) => {
    const other = js[k]
    expect(values.length).toBe(other.length)
    for (let i = 0; i < values.length; i++) {
      if (!Object.is(values[i], other[i])) throw new Error(`${NAMES[k]}[${i}]: resident ${values[i]}, JavaScript steps ${other[i]} (${JSON.stringify(c)})`)
    }
  })
}

const MODES = ['lstm', 'gru', 'rnn_tanh', 'rnn_relu', 'rnn_linear'] as const

const caseArb: fc.Arbitrary<SequenceCase> = fc.record({
  mode: fc.constantFrom(...MODES),
  T: fc.integer({ min: 1, max: 7 }),
  // B past 4-row panels and not a multiple of them; H a multiple of 4 (resident) or not (the JavaScript steps
  // both ways), 4H past one 512-column block and H past 256 rows of one packed k block
  B: fc.integer({ min: 1, max: 10 }),
  D: fc.integer({ min: 1, max: 5 }),
  H: fc.oneof(fc.constantFrom(4, 8, 12, 16, 20, 132), fc.integer({ min: 1, max: 10 })),
  reverse: fc.boolean(),
  bias: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  scale: fc.constantFrom(0.5, 1, 3),
})

describe('the LSTM, GRU and RNN with their state resident in WebAssembly memory', () => {
  beforeEach(() => {
    forward.mockClear()
    backward.mockClear()
  })

  test('the SIMD kernels run here, so the resident path is what is tested', () => {
    expect(hasSimd()).toBe(true)
  })

  test('gives the JavaScript steps\' bits: output, h, c and every gradient', () => {
    fc.assert(fc.property(caseArb, (c) => expectSameBits(c)), { numRuns: 200, seed: 77 })
  })

  test.each(MODES)('%s: without a gradient for h0 (the first step\'s product skipped), and for a large step (H = 260, B = 33)', (mode) => {
    expectSameBits({ mode, T: 3, B: 5, D: 3, H: 8, reverse: false, bias: true, seed: 4 }, [true, false, true, true, true, true, true])
    expectSameBits({ mode, T: 2, B: 33, D: 4, H: 260, reverse: true, bias: true, seed: 5 })
  })

  test.each(MODES)('%s: NaN, ±∞, −0 and ±1e30 in x give the JavaScript steps\' answers too', (mode) => {
    expectSameBits({ mode, T: 3, B: 5, D: 9, H: 8, reverse: false, bias: true, seed: 8 }, undefined, true)
  })

  test.each(MODES)('%s: a batch too large for one region runs in groups of rows (2,500 rows of 64: two groups), with the same bits', (mode) => {
    expectSameBits({ mode, T: 2, B: 2500, D: 3, H: 64, reverse: false, bias: true, seed: 6 })
  })

  test('WebAssembly memory never shrinks, so a large batch must not grow it by its size (8,192 × 128: 63 MB in one region)', () => {
    const c: SequenceCase = { mode: 'lstm', T: 1, B: 8192, D: 2, H: 128, reverse: false, bias: true, seed: 7 }
    const leaves = sequenceOperands(c, 'float32')
    sequenceFunctional(c, runSequence(fusedSequence, c, leaves)).backward()
    expect(forward.mock.results.map((r) => r.value)).toEqual([true])
    // the packed W_hh (2 MiB), the region (at most 8 MiB), the products' scratch (under 9 MiB)
    expect(simdMemoryBytes()).toBeLessThan(24 * 2 ** 20)
  })

  test('is the path the float32 LSTM, GRU and RNN take, forward and back; not with a mask, float64, H off the lanes or another mode', () => {
    for (const mode of MODES) run({ mode, T: 3, B: 4, D: 2, H: 8, reverse: false, bias: true, seed: 1 }, false)
    expect(forward.mock.results.map((r) => r.value)).toEqual(MODES.map(() => true))
    expect(backward.mock.results.map((r) => r.value)).toEqual(MODES.map(() => true))
    forward.mockClear()
    for (const mode of ['gru_reset_before', 'lstm_hard_sigmoid', 'gru_hard_sigmoid'] as const) run({ mode, T: 3, B: 4, D: 2, H: 8, reverse: false, bias: true, seed: 1 }, false)
    expect(forward.mock.results.map((r) => r.value)).toEqual([false, false, false])
    forward.mockClear()
    run({ mode: 'lstm', T: 3, B: 4, D: 2, H: 8, reverse: false, bias: true, seed: 1 }, true)
    run({ mode: 'lstm', T: 3, B: 4, D: 2, H: 6, reverse: false, bias: true, seed: 1 }, false)
    expect(forward.mock.results.map((r) => r.value)).toEqual([false])
    const c: SequenceCase = { mode: 'lstm', T: 2, B: 3, D: 2, H: 4, reverse: false, bias: true, seed: 2 }
    forward.mockClear()
    runSequence(fusedSequence, c, sequenceOperands(c, 'float64'))
    expect(forward.mock.results.map((r) => r.value)).toEqual([false])
  })
})
