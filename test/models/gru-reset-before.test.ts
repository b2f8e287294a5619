// GRUCell({ resetAfter: false }) and GRU({ resetAfter: false }): the GRU of Cho et al. 2014, r applied to h
// before W_hn (Keras's reset_after=False). Gradcheck through the cell and the layer (layers, directions,
// bias, batchFirst, unbatched, both paths), values and recorded gates against a by-hand float64 oracle, the
// fused layer against the reference layer, the option itself (default, property, cellKind, state dict), its
// validation, and the one-token stepper (CellStack, seqgrad/internals) against the layer. LanguageModel,
// SequenceClassifier and Seq2Seq take no resetAfter, so their generation never meets this mode; CellStack is
// how one steps such a GRU. PyTorch has no such GRU, so there are no PyTorch fixtures for it.
import fc from 'fast-check'
import { CellStack } from '../../src/cells/fused/stepper.js'
import { GATE_NAMES, Generator, GRU, GRUCell, gradcheck, LSTM, noGrad, randn, Tensor, type FloatDType, type GateTrace, type Impl } from '../../src/index.js'
import { expectPlainError } from '../helpers/errors.js'
import { flat, handLayer, handStep, type Grid, type Rows } from '../helpers/hand-cells.js'
import { maxDiff } from '../helpers/max-diff.js'

const SEED = 19940601 // fast-check's seed: every run draws the same cases
const size = fc.integer({ min: 1, max: 3 })

/** Float64 values in [−1, 1] from a generator, float32-representable (so float32 copies hold the same numbers). */
function draw(gen: Generator, shape: number[]): Tensor {
  const values = new Float64Array(shape.reduce((a, b) => a * b, 1))
  gen.fillUniform(values, -1, 1)
  return new Tensor(Float64Array.from(Float32Array.from(values)), shape)
}

function leaf(gen: Generator, shape: number[]): Tensor {
  const t = draw(gen, shape)
  t.requiresGrad = true
  return t
}

/** Sets every parameter from the generator (larger than the default init, so r, z and n are far from linear). */
function fill(params: Tensor[], gen: Generator): void {
  for (const p of params) p.data.set(draw(gen, [p.size]).data)
}

const rowsOf = (t: Tensor, B: number, W: number): Rows => Array.from({ length: B }, (_, b) => Array.from(t.data.subarray(b * W, (b + 1) * W)))

describe('GRUCell({ resetAfter: false })', () => {
  test('gradcheck passes for the input, the state and every weight (bias or not, batched or not)', () => {
    fc.assert(
      fc.property(size, size, size, fc.boolean(), fc.boolean(), fc.nat(), (B, D, H, bias, unbatched, seed) => {
        const gen = new Generator(seed)
        const cell = new GRUCell({ inputSize: D, hiddenSize: H, bias, dtype: 'float64', resetAfter: false })
        fill(cell.parameters(), gen)
        const lead = unbatched ? [] : [B]
        const x = leaf(gen, [...lead, D])
        const h = leaf(gen, [...lead, H])
        return gradcheck((xs: Tensor, hs: Tensor) => cell.forward(xs, { h: hs }).h, [x, h, ...cell.parameters()])
      }),
      { numRuns: 40, seed: SEED },
    )
  })

  test('its step and its recorded r, z, n equal the by-hand equations (≤ 1e-12)', () => {
    fc.assert(
      fc.property(size, size, fc.integer({ min: 1, max: 5 }), fc.boolean(), fc.nat(), (B, D, H, bias, seed) => {
        const gen = new Generator(seed)
        const cell = new GRUCell({ inputSize: D, hiddenSize: H, bias, dtype: 'float64', resetAfter: false })
        fill(cell.parameters(), gen)
        const x = draw(gen, [B, D])
        const h = draw(gen, [B, H])
        const step = cell.forward(x, { h }, { recordGates: true })
        const sd = cell.stateDict()
        const w = { W_ih: sd.weight_ih.data, W_hh: sd.weight_hh.data, b_ih: sd.bias_ih?.data ?? null, b_hh: sd.bias_hh?.data ?? null }
        const hand = handStep('gru_reset_before', w, rowsOf(x, B, D), rowsOf(h, B, H), null, H)
        expect(maxDiff(step.h.data, flat(hand.h))).toBeLessThanOrEqual(1e-12)
        expect(Object.keys(step.gates)).toEqual(['r', 'z', 'n'])
        for (const name of ['r', 'z', 'n'] as const) expect(maxDiff(step.gates[name].data, flat(hand.gates[name]))).toBeLessThanOrEqual(1e-12)
      }),
      { numRuns: 40, seed: SEED + 1 },
    )
  })

  test('resetAfter defaults to true (PyTorch’s cell, unchanged), is a readonly property, and leaves the parameters as they are', () => {
    const opts = { inputSize: 3, hiddenSize: 4, dtype: 'float64' as const }
    const after = new GRUCell(opts)
    const before = new GRUCell({ ...opts, resetAfter: false })
    expect(after.resetAfter).toBe(true)
    expect(new GRUCell({ ...opts, resetAfter: true }).resetAfter).toBe(true)
    expect(before.resetAfter).toBe(false)
    const shapes = (c: GRUCell) => Object.entries(c.stateDict()).map(([k, t]) => [k, t.shape])
    expect(shapes(before)).toEqual(shapes(after))
    before.loadStateDict(after.stateDict())
    const x = randn([2, 3], { dtype: 'float64' })
    const h = randn([2, 4], { dtype: 'float64' })
    // the same weights give another cell: r acts elsewhere
    expect(maxDiff(before.forward(x, { h }).h.data, after.forward(x, { h }).h.data)).toBeGreaterThan(1e-6)
  })
})

interface LayerConfig {
  T: number
  B: number
  D: number
  H: number
  numLayers: number
  bidirectional: boolean
  bias: boolean
  batchFirst: boolean
  unbatched: boolean
  withState: boolean
  impl: Impl
  seed: number
}

const layerConfigArb: fc.Arbitrary<LayerConfig> = fc.record({
  T: fc.integer({ min: 1, max: 4 }),
  B: fc.integer({ min: 1, max: 3 }),
  D: size,
  H: size,
  numLayers: fc.integer({ min: 1, max: 3 }),
  bidirectional: fc.boolean(),
  bias: fc.boolean(),
  batchFirst: fc.boolean(),
  unbatched: fc.boolean(),
  withState: fc.boolean(),
  impl: fc.constantFrom<Impl>('fused', 'reference'),
  seed: fc.nat(),
})

const describeConfig = (c: LayerConfig) => JSON.stringify(c)

function layerOf(c: LayerConfig, impl: Impl = c.impl, dtype: FloatDType = 'float64'): GRU {
  return new GRU({ inputSize: c.D, hiddenSize: c.H, numLayers: c.numLayers, bidirectional: c.bidirectional, bias: c.bias, batchFirst: c.batchFirst, impl, dtype, resetAfter: false })
}

/** The config's input and initial state (undefined when it has none), leaves that require grad. */
function layerInputs(c: LayerConfig, gen: Generator): { x: Tensor; h0: Tensor | undefined } {
  const S = c.numLayers * (c.bidirectional ? 2 : 1)
  const x = leaf(gen, c.unbatched ? [c.T, c.D] : c.batchFirst ? [c.B, c.T, c.D] : [c.T, c.B, c.D])
  const h0 = leaf(gen, c.unbatched ? [S, c.H] : [S, c.B, c.H])
  return { x, h0: c.withState ? h0 : undefined }
}

describe('GRU({ resetAfter: false })', () => {
  test('gradcheck passes through whole sequences: layers, directions, bias, batchFirst, unbatched, fused and reference', () => {
    fc.assert(
      fc.property(layerConfigArb.filter((c) => c.numLayers <= 2 && c.T <= 3), (c) => {
        const gen = new Generator(c.seed)
        const layer = layerOf(c)
        fill(layer.parameters(), gen)
        const { x, h0 } = layerInputs(c, gen)
        const inputs = h0 === undefined ? [x, ...layer.parameters()] : [x, h0, ...layer.parameters()]
        const fn = (...leaves: Tensor[]) => {
          const r = h0 === undefined ? layer.forward(leaves[0]) : layer.forward(leaves[0], { h: leaves[1] })
          return r.output.reshape([-1]).cat(r.h.reshape([-1]), 0)
        }
        return gradcheck(fn, inputs)
      }),
      { numRuns: 30, seed: SEED + 2 },
    )
  })

  test('the fused layer equals the reference layer in float64: output, h and every gradient to 1e-12', () => {
    fc.assert(
      fc.property(layerConfigArb, (c) => {
        const runs = (['fused', 'reference'] as const).map((impl) => {
          const gen = new Generator(c.seed)
          const layer = layerOf(c, impl)
          fill(layer.parameters(), gen)
          const { x, h0 } = layerInputs(c, gen)
          const r = layer.forward(x, h0 && { h: h0 })
          const weights = new Generator(c.seed + 1)
          r.output.mul(draw(weights, [...r.output.shape])).sum().add(r.h.mul(draw(weights, [...r.h.shape])).sum()).backward()
          return { r, leaves: [x, ...(h0 === undefined ? [] : [h0]), ...layer.parameters()] }
        })
        const [fused, ref] = runs
        expect(maxDiff(fused.r.output.data, ref.r.output.data)).toBeLessThanOrEqual(1e-12)
        expect(maxDiff(fused.r.h.data, ref.r.h.data)).toBeLessThanOrEqual(1e-12)
        fused.leaves.forEach((t, k) => {
          const err = maxDiff(t.grad?.data ?? [NaN], ref.leaves[k].grad?.data ?? [])
          if (!(err <= 1e-12)) throw new Error(`${describeConfig(c)}: gradient of leaf ${k} differs by ${err}`)
        })
      }),
      { numRuns: 60, seed: SEED + 3 },
    )
  })

  test('output, h and recorded r, z, n equal the by-hand oracle (≤ 1e-12)', () => {
    fc.assert(
      fc.property(layerConfigArb.filter((c) => !c.unbatched && !c.batchFirst), (c) => {
        const gen = new Generator(c.seed)
        const layer = layerOf(c)
        fill(layer.parameters(), gen)
        const S = c.numLayers * (c.bidirectional ? 2 : 1)
        const x = draw(gen, [c.T, c.B, c.D])
        const h0 = draw(gen, [S, c.B, c.H])
        const result = layer.forward(x, { h: h0 }, { recordGates: true })
        const hand = handLayer('gru_reset_before', layer.stateDict(), x.toArray() as Grid, c.numLayers, c.bidirectional, c.H, h0.toArray() as Grid, null)
        expect(maxDiff(result.output.data, flat(hand.output))).toBeLessThanOrEqual(1e-12)
        expect(maxDiff(result.h.data, flat(hand.h))).toBeLessThanOrEqual(1e-12)
        expect(result.gates).toHaveLength(S)
        ;(result.gates as GateTrace[]).forEach((trace, k) => {
          expect(Object.keys(trace)).toEqual(GATE_NAMES.gru_reset_before)
          for (const name of ['r', 'z', 'n']) {
            expect(trace[name].shape).toEqual([c.T, c.B, c.H])
            expect(trace[name].requiresGrad).toBe(false)
            expect(maxDiff(trace[name].data, flat(hand.traces[k][name]))).toBeLessThanOrEqual(1e-12)
          }
        })
      }),
      { numRuns: 40, seed: SEED + 4 },
    )
  })

  test('resetAfter defaults to true (cellKind gru, unchanged); false is cellKind gru_reset_before with the same state dict', () => {
    const opts = { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, dtype: 'float64' as const }
    const after = new GRU(opts)
    const before = new GRU({ ...opts, resetAfter: false })
    expect([after.resetAfter, after.cellKind]).toEqual([true, 'gru'])
    expect([new GRU({ ...opts, resetAfter: true }).resetAfter, new GRU({ ...opts, resetAfter: true }).cellKind]).toEqual([true, 'gru'])
    expect([before.resetAfter, before.cellKind]).toEqual([false, 'gru_reset_before'])
    const shapes = (layer: GRU) => Object.entries(layer.stateDict()).map(([k, t]) => [k, t.shape])
    expect(shapes(before)).toEqual(shapes(after))
    expect(shapes(before)).toContainEqual(['weight_ih_l0', [12, 3]])
    expect(shapes(before)).toContainEqual(['weight_hh_l1_reverse', [12, 4]])
    expect(shapes(before)).toContainEqual(['bias_hh_l1', [12]])
    before.loadStateDict(after.stateDict())
    const x = randn([5, 2, 3], { dtype: 'float64' })
    expect(maxDiff(before.forward(x).output.data, after.forward(x).output.data)).toBeGreaterThan(1e-6)
  })
})

describe('resetAfter is validated like the other options', () => {
  test('a value other than true or false, a snake_case key, or the option on another layer is an error that says so', () => {
    const opts = { inputSize: 3, hiddenSize: 2 }
    expectPlainError(() => new GRU({ ...opts, resetAfter: 'no' as unknown as boolean }), /^GRU: resetAfter must be true or false, got the string "no"$/)
    expectPlainError(() => new GRU({ ...opts, resetAfter: 0 as unknown as boolean }), /^GRU: resetAfter must be true or false, got number 0$/)
    expectPlainError(() => new GRUCell({ ...opts, resetAfter: 'false' as unknown as boolean }), /^GRUCell: resetAfter must be true or false, got the string "false"$/)
    expectPlainError(() => new GRU({ ...opts, reset_after: false } as unknown as { inputSize: number; hiddenSize: number }), /GRU: unknown option 'reset_after' \(did you mean resetAfter\?\)/)
    expectPlainError(() => new GRUCell({ ...opts, reset_after: false } as unknown as { inputSize: number; hiddenSize: number }), /GRUCell: unknown option 'reset_after' \(did you mean resetAfter\?\)/)
    expectPlainError(() => new LSTM({ ...opts, resetAfter: false } as unknown as { inputSize: number; hiddenSize: number }), /LSTM: unknown option 'resetAfter'/)
  })
})

describe('the one-token stepper (CellStack) for this GRU', () => {
  interface StepCase {
    numLayers: number
    D: number
    H: number
    T: number
    bias: boolean
    seed: number
  }
  const stepCaseArb: fc.Arbitrary<StepCase> = fc.record({
    numLayers: fc.integer({ min: 1, max: 3 }),
    D: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constantFrom(16, 33)),
    // around the 4-float lanes of the activations and the 8-row panels of the packed products
    H: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(15, 16, 17)),
    T: fc.integer({ min: 1, max: 10 }),
    bias: fc.boolean(),
    seed: fc.nat(),
  })

  function stepped(layer: GRU, c: StepCase, x: Float64Array): Float64Array {
    const cells = new CellStack(layer.cellKind, Array.from({ length: layer.numLayers }, (_, l) => layer.cellParams(l)), layer.hiddenSize, layer.dtype)
    const xs = layer.dtype === 'float32' ? Float32Array.from(x) : Float64Array.from(x)
    const out = new Float64Array(c.T * c.H)
    for (let t = 0; t < c.T; t++) {
      cells.step(xs, t * c.D)
      out.set(cells.output, t * c.H)
    }
    return out
  }

  function layerFor(c: StepCase, dtype: FloatDType): { layer: GRU; x: Float64Array } {
    const gen = new Generator(c.seed)
    const layer = new GRU({ inputSize: c.D, hiddenSize: c.H, numLayers: c.numLayers, bias: c.bias, dtype: 'float64', resetAfter: false })
    fill(layer.parameters(), gen)
    const x = draw(gen, [c.T * c.D]).data as Float64Array
    if (dtype === 'float64') return { layer, x }
    const copy = new GRU({ inputSize: c.D, hiddenSize: c.H, numLayers: c.numLayers, bias: c.bias, dtype, resetAfter: false })
    copy.loadStateDict(layer.stateDict())
    return { layer: copy, x }
  }

  const forwardOf = (layer: GRU, c: StepCase, x: Float64Array) =>
    noGrad(() => layer.forward(new Tensor(layer.dtype === 'float32' ? Float32Array.from(x) : Float64Array.from(x), [c.T, 1, c.D]))).output.data

  test('float64: stepping one token at a time equals the fused forward on the whole sequence bit for bit, at every step', () => {
    // Both accumulate every product in double in column order and share the step kernels (see stepper.test.ts).
    fc.assert(
      fc.property(stepCaseArb, (c) => {
        const { layer, x } = layerFor(c, 'float64')
        expect(layer.cellKind).toBe('gru_reset_before')
        expect(maxDiff(stepped(layer, c, x), forwardOf(layer, c, x))).toBe(0)
      }),
      { numRuns: 60, seed: SEED + 5 },
    )
  })

  test('float32: within 1e-5 of the float64 forward from the same weights', () => {
    fc.assert(
      fc.property(stepCaseArb, (c) => {
        const { layer, x } = layerFor(c, 'float32')
        const want = forwardOf(layerFor(c, 'float64').layer, c, x)
        expect(maxDiff(stepped(layer, c, x), want)).toBeLessThanOrEqual(1e-5)
      }),
      { numRuns: 40, seed: SEED + 6 },
    )
  })
})
