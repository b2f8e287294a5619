// recurrentActivation: 'hardSigmoid' on LSTMCell, GRUCell, LSTM and GRU (both resetAfter), and
// nonlinearity: 'linear' on RNNCell and RNN. Gradcheck through cells and whole layers (layers, directions,
// bias, initial state, fused and reference), values and recorded gates against the by-hand float64 oracle
// (test/helpers/hand-cells.ts), the fused layer against the reference layer, the one-token stepper
// (CellStack) against the layer, the options' defaults, properties and validation, and σ left as it was.
import fc from 'fast-check'
import { CellStack } from '../../src/cells/fused/stepper.js'
import { GATE_NAMES, Generator, GRU, GRUCell, gradcheck, LSTM, LSTMCell, manualSeed, noGrad, RNN, RNNCell, Tensor, type CellMode, type FloatDType, type GateTrace, type Impl } from '../../src/index.js'
import { expectPlainError } from '../helpers/errors.js'
import { flat, handLayer, handStep, type Grid, type Rows } from '../helpers/hand-cells.js'
import { newLayer, runLayer, type Layer } from '../helpers/layers.js'
import { maxDiff } from '../helpers/max-diff.js'

const SEED = 20180214 // fast-check's seed: every run draws the same cases
const MODES: CellMode[] = ['rnn_linear', 'lstm_hard_sigmoid', 'gru_hard_sigmoid', 'gru_reset_before_hard_sigmoid']
const size = fc.integer({ min: 1, max: 3 })

/** Float64 values in [−scale, scale], float32-representable. Scale 2 puts some hard σ gates on the clip. */
function draw(gen: Generator, shape: number[], scale = 1): Tensor {
  const values = new Float64Array(shape.reduce((a, b) => a * b, 1))
  gen.fillUniform(values, -scale, scale)
  return new Tensor(Float64Array.from(Float32Array.from(values)), shape)
}

function leaf(gen: Generator, shape: number[]): Tensor {
  const t = draw(gen, shape)
  t.requiresGrad = true
  return t
}

function fill(params: Tensor[], gen: Generator, scale = 1): void {
  for (const p of params) p.data.set(draw(gen, [p.size], scale).data)
}

const isLSTM = (mode: CellMode) => mode.startsWith('lstm')
const rowsOf = (t: Tensor, B: number, W: number): Rows => Array.from({ length: B }, (_, b) => Array.from(t.data.subarray(b * W, (b + 1) * W)))

/** The cell module of a mode, with the options that pick it. */
function cellOf(mode: CellMode, opts: { inputSize: number; hiddenSize: number; bias: boolean; dtype: FloatDType }): RNNCell | LSTMCell | GRUCell {
  if (mode === 'rnn_linear') return new RNNCell({ ...opts, nonlinearity: 'linear' })
  if (mode === 'lstm_hard_sigmoid') return new LSTMCell({ ...opts, recurrentActivation: 'hardSigmoid' })
  return new GRUCell({ ...opts, recurrentActivation: 'hardSigmoid', resetAfter: mode === 'gru_hard_sigmoid' })
}

function stepCell(cell: RNNCell | LSTMCell | GRUCell, x: Tensor, h: Tensor, c: Tensor): { h: Tensor; c?: Tensor } {
  return cell instanceof LSTMCell ? cell.forward(x, { h, c }) : cell.forward(x, { h })
}

describe('the cells', () => {
  for (const mode of MODES) {
    test(`${mode}: gradcheck for the input, the state and every weight (bias or not, batched or not)`, () => {
      fc.assert(
        fc.property(size, size, size, fc.boolean(), fc.boolean(), fc.nat(), (B, D, H, bias, unbatched, seed) => {
          const gen = new Generator(seed)
          const cell = cellOf(mode, { inputSize: D, hiddenSize: H, bias, dtype: 'float64' })
          fill(cell.parameters(), gen)
          const lead = unbatched ? [] : [B]
          const [x, h, c] = [leaf(gen, [...lead, D]), leaf(gen, [...lead, H]), leaf(gen, [...lead, H])]
          const fn = (xs: Tensor, hs: Tensor, cs: Tensor) => {
            const r = stepCell(cell, xs, hs, cs)
            return r.c === undefined ? r.h : r.h.reshape([-1]).cat(r.c.reshape([-1]), 0)
          }
          return isLSTM(mode) ? gradcheck(fn, [x, h, c, ...cell.parameters()]) : gradcheck((xs: Tensor, hs: Tensor) => fn(xs, hs, c), [x, h, ...cell.parameters()])
        }),
        { numRuns: 25, seed: SEED },
      )
    })

    test(`${mode}: the step and its recorded values equal the by-hand equations (≤ 1e-12), gates on the clip included`, () => {
      fc.assert(
        fc.property(size, size, fc.integer({ min: 1, max: 5 }), fc.boolean(), fc.nat(), (B, D, H, bias, seed) => {
          const gen = new Generator(seed)
          const cell = cellOf(mode, { inputSize: D, hiddenSize: H, bias, dtype: 'float64' })
          fill(cell.parameters(), gen, 2)
          const [x, h, c] = [draw(gen, [B, D], 2), draw(gen, [B, H]), draw(gen, [B, H])]
          const r = cell instanceof LSTMCell ? cell.forward(x, { h, c }, { recordGates: true }) : cell.forward(x, { h }, { recordGates: true })
          const sd = cell.stateDict()
          const w = { W_ih: sd.weight_ih.data, W_hh: sd.weight_hh.data, b_ih: sd.bias_ih?.data ?? null, b_hh: sd.bias_hh?.data ?? null }
          const hand = handStep(mode, w, rowsOf(x, B, D), rowsOf(h, B, H), isLSTM(mode) ? rowsOf(c, B, H) : null, H)
          expect(maxDiff(r.h.data, flat(hand.h))).toBeLessThanOrEqual(1e-12)
          const gates = r.gates as GateTrace
          expect(Object.keys(gates)).toEqual(GATE_NAMES[mode])
          for (const name of GATE_NAMES[mode]) expect(maxDiff(gates[name].data, flat(hand.gates[name]))).toBeLessThanOrEqual(1e-12)
        }),
        { numRuns: 40, seed: SEED + 1 },
      )
    })
  }

  test('the options: defaults, properties, and the same parameters as the σ / tanh cells', () => {
    const opts = { inputSize: 3, hiddenSize: 4, dtype: 'float64' as const }
    expect(new LSTMCell(opts).recurrentActivation).toBe('sigmoid')
    expect(new GRUCell(opts).recurrentActivation).toBe('sigmoid')
    expect(new LSTMCell({ ...opts, recurrentActivation: 'hardSigmoid' }).recurrentActivation).toBe('hardSigmoid')
    expect(new GRUCell({ ...opts, recurrentActivation: 'hardSigmoid', resetAfter: false }).recurrentActivation).toBe('hardSigmoid')
    expect(new RNNCell({ ...opts, nonlinearity: 'linear' }).nonlinearity).toBe('linear')
    const shapes = (m: RNNCell | LSTMCell | GRUCell) => Object.entries(m.stateDict()).map(([k, t]) => [k, t.shape])
    expect(shapes(new LSTMCell({ ...opts, recurrentActivation: 'hardSigmoid' }))).toEqual(shapes(new LSTMCell(opts)))
    expect(shapes(new RNNCell({ ...opts, nonlinearity: 'linear' }))).toEqual(shapes(new RNNCell(opts)))
  })
})

interface LayerConfig {
  mode: CellMode
  T: number
  B: number
  D: number
  H: number
  numLayers: number
  bidirectional: boolean
  bias: boolean
  withState: boolean
  impl: Impl
  seed: number
}

const layerConfigArb: fc.Arbitrary<LayerConfig> = fc.record({
  mode: fc.constantFrom(...MODES),
  T: fc.integer({ min: 1, max: 4 }),
  B: fc.integer({ min: 1, max: 3 }),
  D: size,
  H: size,
  numLayers: fc.integer({ min: 1, max: 2 }),
  bidirectional: fc.boolean(),
  bias: fc.boolean(),
  withState: fc.boolean(),
  impl: fc.constantFrom<Impl>('fused', 'reference'),
  seed: fc.nat(),
})

function layerOf(c: LayerConfig, impl: Impl = c.impl, dtype: FloatDType = 'float64'): Layer {
  return newLayer(c.mode, { inputSize: c.D, hiddenSize: c.H, numLayers: c.numLayers, bidirectional: c.bidirectional, bias: c.bias, impl, dtype })
}

/** The config's input and initial states ([S, B, H] each; c only for the LSTM), leaves that require grad. */
function layerInputs(c: LayerConfig, gen: Generator): { x: Tensor; h0?: Tensor; c0?: Tensor } {
  const S = c.numLayers * (c.bidirectional ? 2 : 1)
  const x = leaf(gen, [c.T, c.B, c.D])
  const h0 = leaf(gen, [S, c.B, c.H])
  const c0 = leaf(gen, [S, c.B, c.H])
  if (!c.withState) return { x }
  return isLSTM(c.mode) ? { x, h0, c0 } : { x, h0 }
}

const leavesOf = (layer: Layer, { x, h0, c0 }: { x: Tensor; h0?: Tensor; c0?: Tensor }) => [x, ...(h0 ? [h0] : []), ...(c0 ? [c0] : []), ...layer.parameters()]

describe('the layers', () => {
  test('gradcheck through whole sequences: every new mode, layers, directions, bias, initial state, fused and reference', () => {
    fc.assert(
      fc.property(layerConfigArb.filter((c) => c.T <= 3), (c) => {
        const gen = new Generator(c.seed)
        const layer = layerOf(c)
        fill(layer.parameters(), gen)
        const inputs = layerInputs(c, gen)
        const leaves = leavesOf(layer, inputs)
        const fn = (...given: Tensor[]) => {
          const x = given[0]
          const h0 = inputs.h0 && given[1]
          const c0 = inputs.c0 && given[2]
          const r = runLayer(layer, x, h0, c0)
          return cat3(r.output, r.h, r.c)
        }
        return gradcheck(fn, leaves)
      }),
      { numRuns: 25, seed: SEED + 2 },
    )
  })

  test('the fused layer equals the reference layer in float64: output, h, c and every gradient to 1e-12', () => {
    fc.assert(
      fc.property(layerConfigArb, fc.constantFrom(1, 2), (c, scale) => {
        const runs = (['fused', 'reference'] as const).map((impl) => {
          const gen = new Generator(c.seed)
          const layer = layerOf(c, impl)
          fill(layer.parameters(), gen, scale)
          const inputs = layerInputs(c, gen)
          const r = runLayer(layer, inputs.x, inputs.h0, inputs.c0)
          const weights = new Generator(c.seed + 1)
          const all = cat3(r.output, r.h, r.c)
          all.mul(draw(weights, [...all.shape])).sum().backward()
          return { all, leaves: leavesOf(layer, inputs) }
        })
        const [fused, ref] = runs
        expect(maxDiff(fused.all.data, ref.all.data)).toBeLessThanOrEqual(1e-12)
        fused.leaves.forEach((t, k) => {
          const err = maxDiff(t.grad?.data ?? [NaN], ref.leaves[k].grad?.data ?? [])
          if (!(err <= 1e-12)) throw new Error(`${JSON.stringify(c)}: gradient of leaf ${k} differs by ${err}`)
        })
      }),
      { numRuns: 80, seed: SEED + 3 },
    )
  })

  test('output, h, c and every recorded gate equal the by-hand oracle (≤ 1e-12)', () => {
    fc.assert(
      fc.property(layerConfigArb, (c) => {
        const gen = new Generator(c.seed)
        const layer = layerOf(c)
        fill(layer.parameters(), gen, 2)
        const S = c.numLayers * (c.bidirectional ? 2 : 1)
        const x = draw(gen, [c.T, c.B, c.D])
        const h0 = draw(gen, [S, c.B, c.H])
        const c0 = draw(gen, [S, c.B, c.H])
        const result = runLayer(layer, x, h0, c0, { recordGates: true })
        const hand = handLayer(c.mode, layer.stateDict(), x.toArray() as Grid, c.numLayers, c.bidirectional, c.H, h0.toArray() as Grid, isLSTM(c.mode) ? (c0.toArray() as Grid) : null)
        expect(maxDiff(result.output.data, flat(hand.output))).toBeLessThanOrEqual(1e-12)
        expect(maxDiff(result.h.data, flat(hand.h))).toBeLessThanOrEqual(1e-12)
        if (isLSTM(c.mode)) expect(maxDiff(result.c?.data ?? [NaN], flat(hand.c))).toBeLessThanOrEqual(1e-12)
        ;(result.gates as GateTrace[]).forEach((trace, k) => {
          for (const name of GATE_NAMES[c.mode]) expect(maxDiff(trace[name].data, flat(hand.traces[k][name]))).toBeLessThanOrEqual(1e-12)
        })
      }),
      { numRuns: 60, seed: SEED + 4 },
    )
  })

  test('the options pick the mode (cellKind) and keep the state dict; the defaults are σ and tanh, as before', () => {
    const opts = { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true }
    expect([new LSTM(opts).recurrentActivation, new LSTM(opts).cellKind]).toEqual(['sigmoid', 'lstm'])
    expect([new GRU(opts).recurrentActivation, new GRU(opts).cellKind]).toEqual(['sigmoid', 'gru'])
    expect(new LSTM({ ...opts, recurrentActivation: 'sigmoid' }).cellKind).toBe('lstm')
    expect(new LSTM({ ...opts, recurrentActivation: 'hardSigmoid' }).cellKind).toBe('lstm_hard_sigmoid')
    expect(new GRU({ ...opts, recurrentActivation: 'hardSigmoid' }).cellKind).toBe('gru_hard_sigmoid')
    expect(new GRU({ ...opts, recurrentActivation: 'hardSigmoid', resetAfter: false }).cellKind).toBe('gru_reset_before_hard_sigmoid')
    expect(new GRU({ ...opts, recurrentActivation: 'sigmoid', resetAfter: false }).cellKind).toBe('gru_reset_before')
    expect([new RNN({ ...opts, nonlinearity: 'linear' }).nonlinearity, new RNN({ ...opts, nonlinearity: 'linear' }).cellKind]).toEqual(['linear', 'rnn_linear'])
    const shapes = (m: Layer) => Object.entries(m.stateDict()).map(([k, t]) => [k, t.shape])
    expect(shapes(new GRU({ ...opts, recurrentActivation: 'hardSigmoid' }))).toEqual(shapes(new GRU(opts)))
  })

  test('recurrentActivation: "sigmoid" is the default bit for bit, fused and reference, float32 and float64', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const impl of ['fused', 'reference'] as const) {
        const opts = { inputSize: 3, hiddenSize: 5, numLayers: 2, dtype, impl }
        const plain = new LSTM(opts)
        const named = new LSTM({ ...opts, recurrentActivation: 'sigmoid' })
        named.loadStateDict(plain.stateDict())
        const x = draw(new Generator(3), [4, 2, 3]).to(dtype)
        expect(Array.from(named.forward(x).output.data)).toEqual(Array.from(plain.forward(x).output.data))
      }
    }
  })
})

describe('with the other options of the layers', () => {
  test('projSize (the hard σ LSTM) and recurrentDropout / inputDropout (every new mode): fused equals reference to 1e-12, gradients included', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MODES), fc.boolean(), fc.nat(), (mode, bidirectional, seed) => {
        const projected = isLSTM(mode) && seed % 2 === 0
        const runs = (['fused', 'reference'] as const).map((impl) => {
          const gen = new Generator(seed)
          const extra = projected ? { projSize: 2 } : {}
          const layer = newLayer(mode, { inputSize: 3, hiddenSize: 3, numLayers: 2, bidirectional, recurrentDropout: 0.3, inputDropout: 0.2, impl, dtype: 'float64', ...extra })
          fill(layer.parameters(), gen, 2)
          const x = leaf(gen, [4, 2, 3])
          manualSeed(seed) // the same dropout masks on both paths
          const r = runLayer(layer, x)
          const all = cat3(r.output, r.h, r.c)
          all.mul(draw(new Generator(seed + 1), [...all.shape])).sum().backward()
          return { all, leaves: [x, ...layer.parameters()] }
        })
        // 1e-12 relative to the largest value: dropout's 1/(1 − p) and weights up to 2 make gradients of tens
        const close = (a: ArrayLike<number>, b: ArrayLike<number>) => expect(maxDiff(a, b)).toBeLessThanOrEqual(1e-12 * (1 + maxAbs(b)))
        close(runs[0].all.data, runs[1].all.data)
        runs[0].leaves.forEach((t, k) => close(t.grad?.data ?? [NaN], runs[1].leaves[k].grad?.data ?? []))
      }),
      { numRuns: 40, seed: SEED + 6 },
    )
  })
})

describe('the options are validated like the others', () => {
  test('an unknown activation, a Keras spelling, or the option on a layer without gates is an error that says so', () => {
    const opts = { inputSize: 3, hiddenSize: 2 }
    const bad = (v: string) => v as unknown as 'sigmoid'
    expectPlainError(() => new LSTM({ ...opts, recurrentActivation: bad('hard_sigmoid') }), /^LSTM: recurrentActivation must be one of 'sigmoid', 'hardSigmoid', got the string "hard_sigmoid"$/)
    expectPlainError(() => new GRU({ ...opts, recurrentActivation: bad('relu') }), /^GRU: recurrentActivation must be one of 'sigmoid', 'hardSigmoid', got the string "relu"$/)
    expectPlainError(() => new LSTMCell({ ...opts, recurrentActivation: bad('softsign') }), /^LSTMCell: recurrentActivation must be one of 'sigmoid', 'hardSigmoid'/)
    expectPlainError(() => new GRUCell({ ...opts, recurrentActivation: bad('tanh') }), /^GRUCell: recurrentActivation must be one of 'sigmoid', 'hardSigmoid'/)
    expectPlainError(() => new RNN({ ...opts, nonlinearity: 'softsign' as unknown as 'tanh' }), /^RNN: nonlinearity must be one of 'tanh', 'relu', 'linear', got the string "softsign"$/)
    expectPlainError(() => new RNNCell({ ...opts, nonlinearity: 'identity' as unknown as 'tanh' }), /^RNNCell: nonlinearity must be one of 'tanh', 'relu', 'linear'/)
    expectPlainError(() => new RNN({ ...opts, recurrentActivation: 'hardSigmoid' } as unknown as typeof opts), /RNN: unknown option 'recurrentActivation'/)
    expectPlainError(() => new LSTM({ ...opts, recurrent_activation: 'hardSigmoid' } as unknown as typeof opts), /LSTM: unknown option 'recurrent_activation' \(did you mean recurrentActivation\?\)/)
  })
})

describe('the one-token stepper (CellStack) for every new mode', () => {
  test('float64: stepping one token at a time equals the fused forward bit for bit; float32 within 1e-5', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MODES), fc.integer({ min: 1, max: 3 }), fc.oneof(size, fc.constantFrom(16, 33)), fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(16, 17)), fc.integer({ min: 1, max: 8 }), fc.nat(), (mode, numLayers, D, H, T, seed) => {
        const gen = new Generator(seed)
        const layers = (['float64', 'float32'] as const).map((dtype) => newLayer(mode, { inputSize: D, hiddenSize: H, numLayers, dtype }))
        fill(layers[0].parameters(), gen, 2)
        layers[1].loadStateDict(layers[0].stateDict())
        const x = draw(gen, [T * D]).data as Float64Array
        const stepped = (layer: Layer) => {
          const cells = new CellStack(layer.cellKind, Array.from({ length: numLayers }, (_, l) => layer.cellParams(l)), H, layer.dtype)
          const xs = layer.dtype === 'float32' ? Float32Array.from(x) : x
          const out = new Float64Array(T * H)
          for (let t = 0; t < T; t++) {
            cells.step(xs, t * D)
            out.set(cells.output, t * H)
          }
          return out
        }
        const want = noGrad(() => runLayer(layers[0], new Tensor(Float64Array.from(x), [T, 1, D])).output.data)
        expect(maxDiff(stepped(layers[0]), want)).toBe(0)
        expect(maxDiff(stepped(layers[1]), want)).toBeLessThanOrEqual(1e-5 * (mode === 'rnn_linear' ? 1 + maxAbs(want) : 1))
      }),
      { numRuns: 60, seed: SEED + 5 },
    )
  })
})

function cat3(output: Tensor, h: Tensor, c?: Tensor): Tensor {
  const parts = [output.reshape([-1]), h.reshape([-1]), ...(c === undefined ? [] : [c.reshape([-1])])]
  return parts.reduce((a, b) => a.cat(b, 0))
}

const maxAbs = (v: ArrayLike<number>) => Array.from(v).reduce((m, a) => Math.max(m, Math.abs(a)), 0)
