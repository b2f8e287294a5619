// The Keras mapping of a GRU saved with reset_after=False (Keras's GRUCell: kernel [D, 3U] and
// recurrent_kernel [U, 3U] in blocks [z | r | h], one bias [3U] added to the input side only, and
// hh = tanh(x_h + (r ⊙ h_tm1) · recurrent_kernel[:, 2U:])), which loads into GRU({ resetAfter: false }).
// There are no fixtures for it: PyTorch has no such GRU to write them, so the check is a by-hand oracle of
// Keras's own formulas on Keras-layout weights, and round trips. The reset_after=True mapping is
// test/io/keras.test.ts, against fixtures, unchanged.
import fc from 'fast-check'
import { fromKerasWeights, Generator, GRU, LSTM, Tensor, toKerasWeights, type KerasKind, type KerasWeights } from '../../src/index.js'
import { expectPlainError } from '../helpers/errors.js'
import { maxDiff } from '../helpers/max-diff.js'

const SEED = 20150101 // fast-check's seed: every run draws the same cases
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v))

function draw(gen: Generator, shape: number[]): Tensor {
  const values = new Float64Array(shape.reduce((a, b) => a * b, 1))
  gen.fillUniform(values, -1, 1)
  return new Tensor(values, shape)
}

/** Keras-layout weights of a reset_after=False GRU (bias [3U], or none). */
function kerasWeights(gen: Generator, D: number, U: number, bias: boolean): KerasWeights {
  const kernel = draw(gen, [D, 3 * U])
  const recurrentKernel = draw(gen, [U, 3 * U])
  return bias ? { kernel, recurrentKernel, bias: draw(gen, [3 * U]) } : { kernel, recurrentKernel }
}

/**
 * Keras's GRUCell with reset_after=False, step by step over x [B, T, D] from h = 0, in plain loops: every
 * step's h, [B, T, U]. K[d, g·U + j] is column j of gate block g (0 z, 1 r, 2 h).
 */
function kerasGRU({ kernel, recurrentKernel, bias }: KerasWeights, x: Tensor, U: number): Float64Array {
  const [B, T, D] = x.shape
  const K = kernel.data, RK = recurrentKernel.data
  const b = (k: number) => (bias === undefined ? 0 : bias.data[k])
  const out = new Float64Array(B * T * U)
  for (let n = 0; n < B; n++) {
    let h = new Float64Array(U)
    for (let t = 0; t < T; t++) {
      const xs = x.data.subarray((n * T + t) * D, (n * T + t + 1) * D)
      // matrix_x = inputs · kernel + input_bias
      const mx = (g: number, j: number) => { let s = b(g * U + j); for (let d = 0; d < D; d++) s += xs[d] * K[d * 3 * U + g * U + j]; return s }
      // v · recurrent_kernel[:, g·U + j]
      const mh = (v: Float64Array, g: number, j: number) => { let s = 0; for (let k = 0; k < U; k++) s += v[k] * RK[k * 3 * U + g * U + j]; return s }
      const z = Float64Array.from({ length: U }, (_, j) => sigmoid(mx(0, j) + mh(h, 0, j)))
      const r = Float64Array.from({ length: U }, (_, j) => sigmoid(mx(1, j) + mh(h, 1, j)))
      const rh = Float64Array.from(h, (v, k) => r[k] * v)
      const hh = Float64Array.from({ length: U }, (_, j) => Math.tanh(mx(2, j) + mh(rh, 2, j)))
      // h = z ⊙ h_tm1 + (1 − z) ⊙ hh
      h = Float64Array.from(h, (v, j) => z[j] * v + (1 - z[j]) * hh[j])
      out.set(h, (n * T + t) * U)
    }
  }
  return out
}

const gruOf = (D: number, U: number, bias: boolean) => new GRU({ inputSize: D, hiddenSize: U, bias, batchFirst: true, dtype: 'float64', resetAfter: false })

const caseArb = fc.record({ D: fc.integer({ min: 1, max: 5 }), U: fc.integer({ min: 1, max: 6 }), B: fc.integer({ min: 1, max: 3 }), T: fc.integer({ min: 1, max: 5 }), bias: fc.boolean(), seed: fc.nat() })

test('Keras reset_after=False weights load into GRU({ resetAfter: false }) with the outputs of Keras’s formulas (≤ 1e-12)', () => {
  fc.assert(
    fc.property(caseArb, ({ D, U, B, T, bias, seed }) => {
      const gen = new Generator(seed)
      const keras = kerasWeights(gen, D, U, bias)
      const x = draw(gen, [B, T, D])
      const layer = gruOf(D, U, bias)
      const dict = fromKerasWeights('gru', keras, { resetAfter: false })
      expect(Object.keys(dict)).toEqual(bias ? ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0'] : ['weight_ih_l0', 'weight_hh_l0'])
      if (bias) {
        expect(dict.bias_ih_l0.shape).toEqual([3 * U])
        expect(Array.from(dict.bias_hh_l0.data).every((v) => v === 0)).toBe(true)
      }
      layer.loadStateDict(dict)
      expect(maxDiff(layer.forward(x).output.data, kerasGRU(keras, x, U))).toBeLessThanOrEqual(1e-12)
    }),
    { numRuns: 60, seed: SEED },
  )
})

test('the oracle is Keras’s reset_after=False: the same weights read as reset_after=True compute something else', () => {
  const gen = new Generator(4)
  const keras = kerasWeights(gen, 3, 4, true)
  const x = draw(gen, [2, 5, 3])
  const after = new GRU({ inputSize: 3, hiddenSize: 4, batchFirst: true, dtype: 'float64' })
  const bias = keras.bias as Tensor
  after.loadStateDict(fromKerasWeights('gru', { ...keras, bias: bias.unsqueeze(0).cat(Tensor.zeros([1, 12], 'float64'), 0) }))
  expect(maxDiff(after.forward(x).output.data, kerasGRU(keras, x, 4))).toBeGreaterThan(1e-4)
})

test('toKerasWeights(…, { resetAfter: false }) inverts the import exactly, and the import of an export keeps what the layer computes', () => {
  fc.assert(
    fc.property(caseArb, ({ D, U, B, T, bias, seed }) => {
      const gen = new Generator(seed)
      const keras = kerasWeights(gen, D, U, bias)
      const back = toKerasWeights('gru', fromKerasWeights('gru', keras, { resetAfter: false }), { resetAfter: false })
      expect(maxDiff(back.kernel.data, keras.kernel.data)).toBe(0)
      expect(maxDiff(back.recurrentKernel.data, keras.recurrentKernel.data)).toBe(0)
      if (keras.bias === undefined) expect(back.bias).toBeUndefined()
      else expect(Array.from((back.bias as Tensor).data)).toEqual(Array.from(keras.bias.data)) // b + 0
      // a layer with two non-zero biases: exported, b_ih + b_hh becomes the one Keras bias
      const original = gruOf(D, U, bias)
      for (const p of original.parameters()) p.data.set(draw(gen, [p.size]).data)
      const exported = toKerasWeights('gru', original.stateDict(), { resetAfter: false })
      expect(exported.kernel.shape).toEqual([D, 3 * U])
      expect(exported.recurrentKernel.shape).toEqual([U, 3 * U])
      if (bias) expect((exported.bias as Tensor).shape).toEqual([3 * U])
      const copy = gruOf(D, U, bias)
      copy.loadStateDict(fromKerasWeights('gru', exported, { resetAfter: false }))
      const x = draw(gen, [B, T, D])
      expect(maxDiff(copy.forward(x).output.data, original.forward(x).output.data)).toBeLessThanOrEqual(1e-14)
      // and Keras's formulas on the exported weights give the layer's outputs
      expect(maxDiff(kerasGRU(exported, x, U), original.forward(x).output.data)).toBeLessThanOrEqual(1e-12)
    }),
    { numRuns: 40, seed: SEED + 1 },
  )
})

test('resetAfter: true, or no options, is the reset_after=True mapping as before', () => {
  const gen = new Generator(8)
  const kernel = draw(gen, [3, 6]), recurrentKernel = draw(gen, [2, 6]), bias = draw(gen, [2, 6])
  const plain = fromKerasWeights('gru', { kernel, recurrentKernel, bias })
  const explicit = fromKerasWeights('gru', { kernel, recurrentKernel, bias }, { resetAfter: true })
  expect(Object.keys(explicit)).toEqual(Object.keys(plain))
  for (const key of Object.keys(plain)) expect(Array.from(explicit[key].data)).toEqual(Array.from(plain[key].data))
  expect(Array.from((toKerasWeights('gru', plain, { resetAfter: true }).bias as Tensor).data)).toEqual(Array.from((toKerasWeights('gru', plain).bias as Tensor).data))
  expect((toKerasWeights('gru', plain).bias as Tensor).shape).toEqual([2, 6])
  // an LSTM or SimpleRNN is unchanged by empty options
  const lstm = new LSTM({ inputSize: 2, hiddenSize: 2 })
  expect(Array.from(toKerasWeights('lstm', lstm.stateDict(), {}).kernel.data)).toEqual(Array.from(toKerasWeights('lstm', lstm.stateDict()).kernel.data))
})

test('a bias of the other convention, resetAfter on another kind, or a bad option is an error that says so', () => {
  const gen = new Generator(2)
  const kernel = draw(gen, [3, 6]), recurrentKernel = draw(gen, [2, 6])
  expectPlainError(
    () => fromKerasWeights('gru', { kernel, recurrentKernel, bias: draw(gen, [2, 6]) }, { resetAfter: false }),
    /fromKerasWeights: bias must have shape \[6\] for a GRU with reset_after=False, got \[2, 6\] \(two rows are reset_after=True's: leave resetAfter out\)/,
  )
  expectPlainError(() => fromKerasWeights('gru', { kernel, recurrentKernel, bias: draw(gen, [5]) }, { resetAfter: false }), /fromKerasWeights: bias must have shape \[6\], got \[5\]/)
  expectPlainError(() => fromKerasWeights('gru', { kernel, recurrentKernel, bias: draw(gen, [6]) }), /fromKerasWeights: bias must have shape \[2, 6\], got \[6\]/)
  expectPlainError(() => fromKerasWeights('lstm', { kernel: draw(gen, [3, 8]), recurrentKernel: draw(gen, [2, 8]) }, { resetAfter: false }), /fromKerasWeights: resetAfter applies to 'gru' only, got it for 'lstm'/)
  expectPlainError(() => toKerasWeights('simple_rnn', {}, { resetAfter: true }), /toKerasWeights: resetAfter applies to 'gru' only, got it for 'simple_rnn'/)
  expectPlainError(() => fromKerasWeights('gru', { kernel, recurrentKernel }, { resetAfter: 'no' as unknown as boolean }), /fromKerasWeights: resetAfter must be true or false, got the string "no"/)
  expectPlainError(() => fromKerasWeights('gru', { kernel, recurrentKernel }, { reset_after: false } as unknown as { resetAfter: boolean }), /fromKerasWeights: unknown option 'reset_after' \(did you mean resetAfter\?\)/)
  expectPlainError(() => toKerasWeights('gru' as KerasKind, {}, 'false' as unknown as { resetAfter: boolean }), /toKerasWeights: expected an options object, got the string "false"/)
})
