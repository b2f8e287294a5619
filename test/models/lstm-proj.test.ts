// LSTM({ projSize }), PyTorch's proj_size: h' = W_hr (o ⊙ tanh c'). Fused == reference over random
// configurations (values and every gradient, float64 ≤ 1e-12, float32 ≤ 1e-5), gradcheck through whole
// sequences on both paths, the backward laws (a zero upstream gradient, two passes), recorded gates, the
// option and the state's shapes and their errors, and the parts that refuse a projection (the one-token
// stepper, the Keras mapping). PyTorch's own numbers: lstm-proj-parity.test.ts.
import fc from 'fast-check'
import { CellStack, fusedSequence } from '../../src/internals.js'
import { Adam, GRU, gradcheck, loadCheckpoint, LSTM, manualSeed, randn, RNN, saveCheckpoint, Tensor, toKerasWeights, type FloatDType, type Impl } from '../../src/index.js'
import { expectPlainError } from '../helpers/errors.js'
import { maxDiff } from '../helpers/max-diff.js'

const SEED = 20141030 // fast-check's seed: every run draws the same cases

interface Config {
  T: number
  B: number
  D: number
  H: number
  P: number
  numLayers: number
  bidirectional: boolean
  bias: boolean
  batchFirst: boolean
  unbatched: boolean
  withState: boolean
}

const configArb: fc.Arbitrary<Config> = fc
  .record({
    T: fc.integer({ min: 1, max: 4 }),
    B: fc.integer({ min: 1, max: 3 }),
    D: fc.integer({ min: 1, max: 3 }),
    H: fc.integer({ min: 2, max: 4 }),
    P: fc.integer({ min: 1, max: 3 }),
    numLayers: fc.integer({ min: 1, max: 2 }),
    bidirectional: fc.boolean(),
    bias: fc.boolean(),
    batchFirst: fc.boolean(),
    unbatched: fc.boolean(),
    withState: fc.boolean(),
  })
  .map((c) => ({ ...c, P: Math.min(c.P, c.H - 1) }))

function makeLayer(c: Config, impl: Impl, dtype: FloatDType = 'float64'): LSTM {
  return new LSTM({ inputSize: c.D, hiddenSize: c.H, projSize: c.P, numLayers: c.numLayers, bidirectional: c.bidirectional, bias: c.bias, batchFirst: c.batchFirst, dtype, impl })
}

function inputsFor(c: Config, dtype: FloatDType = 'float64') {
  const states = c.numLayers * (c.bidirectional ? 2 : 1)
  const lead = c.unbatched ? [states] : [states, c.B]
  const leaf = (shape: number[]) => {
    const t = randn(shape, { dtype: 'float64' }).to(dtype)
    t.requiresGrad = true
    return t
  }
  const x = leaf(c.unbatched ? [c.T, c.D] : c.batchFirst ? [c.B, c.T, c.D] : [c.T, c.B, c.D])
  return { x, h0: c.withState ? leaf([...lead, c.P]) : undefined, c0: c.withState ? leaf([...lead, c.H]) : undefined }
}

/** Output, h and c, concatenated flat so one functional covers them all. */
function runFlat(layer: LSTM, x: Tensor, h0?: Tensor, c0?: Tensor): Tensor {
  const r = layer.forward(x, h0 && c0 && { h: h0, c: c0 })
  return [r.output, r.h, r.c].map((t) => t.reshape(-1)).reduce((a, b) => a.cat(b))
}

/** The values of output, h, c and the gradients of x, h0, c0 and every parameter under a random functional. */
function valuesAndGradients(layer: LSTM, x: Tensor, h0: Tensor | undefined, c0: Tensor | undefined, probe: Tensor) {
  for (const t of [x, h0, c0]) if (t) t.grad = null
  const y = runFlat(layer, x, h0, c0)
  y.mul(probe).sum().backward()
  return { y: Array.from(y.data), grads: [x, h0, c0, ...layer.parameters()].map((t) => (t?.grad ? Array.from(t.grad.data) : [])) }
}

describe('LSTM({ projSize })', () => {
  test.each([['float64', 1e-12], ['float32', 1e-5]] as const)('the fused path equals the reference path in %s, values and every gradient (≤ %s)', (dtype, tolerance) => {
    fc.assert(
      fc.property(configArb, fc.nat(1000), (c, seed) => {
        manualSeed(seed)
        const fused = makeLayer(c, 'fused', dtype)
        const reference = makeLayer(c, 'reference', dtype)
        reference.loadStateDict(fused.stateDict())
        const { x, h0, c0 } = inputsFor(c, dtype)
        const probe = randn([runFlat(fused, x, h0, c0).size], { dtype: 'float64' }).to(dtype)
        const a = valuesAndGradients(fused, x, h0, c0, probe)
        const b = valuesAndGradients(reference, x, h0, c0, probe)
        expect(maxDiff(a.y, b.y)).toBeLessThanOrEqual(tolerance)
        expect(a.grads.map((g) => g.length)).toEqual(b.grads.map((g) => g.length))
        a.grads.forEach((g, i) => expect(maxDiff(g, b.grads[i])).toBeLessThanOrEqual(tolerance * 10))
      }),
      { numRuns: 50, seed: SEED },
    )
  })

  test('gradcheck passes through whole sequences on both paths (float64)', () => {
    fc.assert(
      fc.property(configArb, fc.constantFrom<Impl>('fused', 'reference'), fc.nat(1000), (c, impl, seed) => {
        manualSeed(seed)
        const layer = makeLayer(c, impl)
        const { x, h0, c0 } = inputsFor(c)
        const inputs = [x, ...(h0 ? [h0] : []), ...(c0 ? [c0] : []), ...layer.parameters()]
        return gradcheck(() => runFlat(layer, x, h0, c0), inputs, { fastMode: true })
      }),
      { numRuns: 30, seed: SEED + 1 },
    )
    // The whole Jacobian once per path: two layers, both directions, an initial state.
    for (const impl of ['fused', 'reference'] as const) {
      manualSeed(7)
      const c: Config = { T: 3, B: 2, D: 2, H: 3, P: 2, numLayers: 2, bidirectional: true, bias: true, batchFirst: false, unbatched: false, withState: true }
      const layer = makeLayer(c, impl)
      const { x, h0, c0 } = inputsFor(c)
      expect(gradcheck(() => runFlat(layer, x, h0, c0), [x, h0 as Tensor, c0 as Tensor, ...layer.parameters()])).toBe(true)
    }
  })

  test('with recurrentDropout and inputDropout the masks are P and D wide, and both paths give the same values and gradients under the same draws', () => {
    const c: Config = { T: 4, B: 3, D: 2, H: 5, P: 3, numLayers: 2, bidirectional: true, bias: true, batchFirst: false, unbatched: false, withState: true }
    const run = (impl: Impl) => {
      manualSeed(11)
      const layer = new LSTM({ inputSize: c.D, hiddenSize: c.H, projSize: c.P, numLayers: 2, bidirectional: true, recurrentDropout: 0.4, inputDropout: 0.3, dtype: 'float64', impl })
      const { x, h0, c0 } = inputsFor(c)
      const probe = randn([c.T * c.B * 2 * c.P + 4 * c.B * (c.P + c.H)], { dtype: 'float64' })
      manualSeed(12) // the masks' draws
      return { layer, ...valuesAndGradients(layer, x, h0, c0, probe) }
    }
    const fused = run('fused')
    const reference = run('reference')
    expect(maxDiff(fused.y, reference.y)).toBeLessThanOrEqual(1e-12)
    fused.grads.forEach((g, i) => expect(maxDiff(g, reference.grads[i])).toBeLessThanOrEqual(1e-11))
    // Dropout acted: evaluation mode (no masks) gives other numbers.
    manualSeed(11)
    const plain = new LSTM({ inputSize: c.D, hiddenSize: c.H, projSize: c.P, numLayers: 2, bidirectional: true, dtype: 'float64' })
    const { x, h0, c0 } = inputsFor(c)
    expect(maxDiff(Array.from(runFlat(plain, x, h0, c0).data), fused.y)).toBeGreaterThan(1e-3)
  })

  test('the fused backward: a zero upstream gradient gives zero gradients, and two passes give the same ones', () => {
    manualSeed(3)
    const c: Config = { T: 4, B: 2, D: 3, H: 4, P: 2, numLayers: 2, bidirectional: true, bias: true, batchFirst: false, unbatched: false, withState: true }
    const layer = makeLayer(c, 'fused')
    const { x, h0, c0 } = inputsFor(c)
    const y = runFlat(layer, x, h0, c0)
    const zero = valuesAndGradients(layer, x, h0, c0, Tensor.zeros([y.size], 'float64'))
    for (const g of zero.grads) expect(g.every((v) => v === 0)).toBe(true)
    const probe = randn([y.size], { dtype: 'float64' })
    layer.zeroGrad()
    const first = valuesAndGradients(layer, x, h0, c0, probe)
    layer.zeroGrad()
    const second = valuesAndGradients(layer, x, h0, c0, probe)
    expect(second).toEqual(first)
    expect(first.grads[3 + 4].some((v) => v !== 0)).toBe(true) // weight_hr_l0 (after x, h0, c0 and the layer's four)
  })

  test('shapes are PyTorch’s: h and the output P wide (D·P bidirectional), c H wide, W_hh [4H, P], W_hr [P, H], layer 1 reading D·P', () => {
    const layer = new LSTM({ inputSize: 3, hiddenSize: 5, projSize: 2, numLayers: 2, bidirectional: true })
    expect(layer.projSize).toBe(2)
    const shapes = Object.fromEntries(Object.entries(layer.stateDict()).map(([k, t]) => [k, t.shape]))
    expect(shapes).toEqual({
      weight_ih_l0: [20, 3], weight_hh_l0: [20, 2], bias_ih_l0: [20], bias_hh_l0: [20], weight_hr_l0: [2, 5],
      weight_ih_l0_reverse: [20, 3], weight_hh_l0_reverse: [20, 2], bias_ih_l0_reverse: [20], bias_hh_l0_reverse: [20], weight_hr_l0_reverse: [2, 5],
      weight_ih_l1: [20, 4], weight_hh_l1: [20, 2], bias_ih_l1: [20], bias_hh_l1: [20], weight_hr_l1: [2, 5],
      weight_ih_l1_reverse: [20, 4], weight_hh_l1_reverse: [20, 2], bias_ih_l1_reverse: [20], bias_hh_l1_reverse: [20], weight_hr_l1_reverse: [2, 5],
    })
    // PyTorch's init: uniform(−1/√H, 1/√H) for every weight, W_hr included
    for (const t of layer.parameters()) expect(t.data.every((v) => Math.abs(v) <= 1 / Math.sqrt(5))).toBe(true)
    for (const impl of ['fused', 'reference'] as const) {
      const l = new LSTM({ inputSize: 3, hiddenSize: 5, projSize: 2, numLayers: 2, bidirectional: true, impl })
      l.loadStateDict(layer.stateDict())
      const batched = l.forward(randn([6, 4, 3]))
      expect([batched.output.shape, batched.h.shape, batched.c.shape]).toEqual([[6, 4, 4], [4, 4, 2], [4, 4, 5]])
      const single = l.forward(randn([6, 3]), { h: randn([4, 2]), c: randn([4, 5]) })
      expect([single.output.shape, single.h.shape, single.c.shape]).toEqual([[6, 4], [4, 2], [4, 5]])
    }
  })

  test('without projSize (or with 0) the layer is the one it was: the same parameters, draws and numbers', () => {
    const opts = { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true }
    manualSeed(11)
    const plain = new LSTM(opts)
    manualSeed(11)
    const zero = new LSTM({ ...opts, projSize: 0 })
    expect(plain.projSize).toBe(0)
    expect(zero.projSize).toBe(0)
    expect(Object.keys(zero.stateDict())).toEqual(Object.keys(plain.stateDict()))
    expect(Object.keys(plain.stateDict()).some((k) => k.startsWith('weight_hr'))).toBe(false)
    for (const [k, t] of Object.entries(plain.stateDict())) expect(Array.from(zero.stateDict()[k].data)).toEqual(Array.from(t.data))
    expect(plain.cellParams(1, 1).W_hr).toBeUndefined()
    const x = randn([5, 2, 3])
    expect(Array.from(zero.forward(x).output.data)).toEqual(Array.from(plain.forward(x).output.data))
  })

  test('recorded gates: i, f, g, o and c H wide at every step, equal on both paths, c at the last step the returned c', () => {
    manualSeed(5)
    const opts = { inputSize: 3, hiddenSize: 4, projSize: 2, numLayers: 2, bidirectional: true, dtype: 'float64' as const }
    const fused = new LSTM(opts)
    const reference = new LSTM({ ...opts, impl: 'reference' })
    reference.loadStateDict(fused.stateDict())
    const x = randn([5, 2, 3], { dtype: 'float64' })
    const a = fused.forward(x, undefined, { recordGates: true })
    const b = reference.forward(x, undefined, { recordGates: true })
    expect(a.gates.length).toBe(4)
    a.gates.forEach((trace, k) => {
      expect(Object.keys(trace)).toEqual(['i', 'f', 'g', 'o', 'c'])
      for (const name of ['i', 'f', 'g', 'o', 'c'] as const) {
        expect(trace[name].shape).toEqual([5, 2, 4])
        expect(maxDiff(trace[name].data, b.gates[k][name].data)).toBeLessThanOrEqual(1e-12)
      }
      // the forward direction ends at step 4, the reverse one at step 0
      const last = k % 2 === 0 ? 4 : 0
      expect(maxDiff(trace.c.slice(0, last, last + 1).reshape([2, 4]).data, a.c.slice(0, k, k + 1).reshape([2, 4]).data)).toBeLessThanOrEqual(1e-12)
    })
  })

  test('bad projSize and state shapes are refused, naming what was expected and what came', () => {
    const opts = { inputSize: 3, hiddenSize: 4 }
    expectPlainError(() => new LSTM({ ...opts, projSize: 4 }), /LSTM: projSize \(4\) must be smaller than hiddenSize \(4\)/)
    expectPlainError(() => new LSTM({ ...opts, projSize: 9 }), /projSize \(9\) must be smaller than hiddenSize \(4\)/)
    for (const bad of [-1, 1.5, NaN, '2', true]) expectPlainError(() => new LSTM({ ...opts, projSize: bad as number }), /LSTM: projSize must be a positive integer, or 0 for no projection; got/)
    expectPlainError(() => new GRU({ ...opts, projSize: 2 } as never), /GRU: unknown option 'projSize'/)
    expectPlainError(() => new RNN({ ...opts, proj_size: 2 } as never), /RNN: unknown option 'proj_size'/)
    expectPlainError(() => new LSTM({ ...opts, proj_size: 2 } as never), /unknown option 'proj_size' \(did you mean projSize\?\)/)
    const layer = new LSTM({ ...opts, projSize: 2 })
    const x = randn([5, 2, 3])
    expectPlainError(() => layer.forward(x, { h: randn([1, 2, 4]), c: randn([1, 2, 4]) }), /the initial h must be float32 \[1, 2, 2\] \(numLayers·directions, B, projSize\); got float32 \[1, 2, 4\]/)
    expectPlainError(() => layer.forward(x, { h: randn([1, 2, 2]), c: randn([1, 2, 2]) }), /the initial c must be float32 \[1, 2, 4\] \(numLayers·directions, B, hiddenSize\); got float32 \[1, 2, 2\]/)
  })

  test('the fused op checks W_hr: an LSTM’s [P, H] only', () => {
    const x = randn([3, 2, 3])
    const p = (rows: number, P: number, H: number) => ({ W_ih: randn([rows, 3]), W_hh: randn([rows, P]), b_ih: null, b_hh: null, W_hr: randn([P, H]) })
    expect(fusedSequence('lstm', x, randn([2, 2]), randn([2, 4]), p(16, 2, 4), false).output.shape).toEqual([3, 2, 2])
    expectPlainError(() => fusedSequence('gru', x, randn([2, 2]), null, p(12, 2, 4), false), /W_hr, the projection, is an LSTM's \[P, H\] matrix; got \[2, 4\] for gru/)
    expectPlainError(() => fusedSequence('lstm', x, randn([2, 2]), randn([2, 4]), { ...p(16, 2, 4), W_hr: randn([3, 4]) }, false), /W_hr has shape \[3, 4\] but expected \[2, 4\]/)
    expectPlainError(() => fusedSequence('lstm', x, randn([2, 2]), randn([2, 2]), p(16, 2, 4), false), /c0 has shape \[2, 2\] but expected \[2, 4\]/)
  })

  test('the one-token stepper and the Keras mapping refuse a projection, saying why', () => {
    const layer = new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 2, numLayers: 2 })
    const params = [layer.cellParams(0), layer.cellParams(1)]
    expectPlainError(() => new CellStack('lstm', params, 4, 'float32'), /CellStack: layer 0 has a projection \(W_hr, LSTM\(\{ projSize \}\)\), which the one-token stepper does not run/)
    expectPlainError(() => toKerasWeights('lstm', layer.stateDict()), /toKerasWeights: the state dict has weight_hr_l0, the projection of LSTM\(\{ projSize \}\); Keras's LSTM has no projection/)
  })

  test('a checkpoint keeps weight_hr and Adam’s state for it, and refuses a layer of another projSize', () => {
    manualSeed(9)
    const layer = new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 2 })
    const adam = new Adam(layer.parameters(), { lr: 0.01 })
    layer.forward(randn([4, 2, 3])).output.sum().backward()
    adam.step()
    const bytes = saveCheckpoint({ model: layer, optimizer: adam, step: 1 })
    const again = new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 2 })
    const againAdam = new Adam(again.parameters(), { lr: 0.01 })
    loadCheckpoint(bytes, { model: again, optimizer: againAdam })
    for (const [k, t] of Object.entries(layer.stateDict())) expect(Array.from(again.stateDict()[k].data)).toEqual(Array.from(t.data))
    expect(againAdam.stateDict()).toEqual(adam.stateDict())
    expectPlainError(() => loadCheckpoint(bytes, { model: new LSTM({ inputSize: 3, hiddenSize: 4 }) }), /different architecture: 'weight_hh_l0' is \[16, 2\] in the file but \[16, 4\]/)
    expectPlainError(() => loadCheckpoint(bytes, { model: new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 3 }) }), /weight_hh_l0/)
  })
})
