// Recording per-step gate values from the RNN, LSTM and GRU layers (forward(x, state, { recordGates: true })):
// the traces equal a by-hand float64 computation from the state dict, sit in the output's layout and time
// order, are detached, and leave output, state and gradients exactly as they are without the option.
import fc from 'fast-check'
import { GATE_NAMES, GRU, LSTM, manualSeed, randn, RNN, tensor, type CellMode as CellKind, type FloatDType, type GateTrace, type Impl, type Tensor } from '../../src/index.js'
import { expectPlainError } from '../helpers/errors.js'
import { flat, handLayer, type Grid } from '../helpers/hand-cells.js'
import { layerCaseArbs, layerFor, runLayer as run, type Layer, type LayerCase } from '../helpers/layers.js'
import { maxDiff } from '../helpers/max-diff.js'

type Layout = 'tbh' | 'bth' | 'th'
interface Config extends LayerCase {
  layout: Layout
  impl: Impl
}

const configArb: fc.Arbitrary<Config> = fc.record({
  ...layerCaseArbs,
  layout: fc.constantFrom<Layout>('tbh', 'bth', 'th'),
  impl: fc.constantFrom<Impl>('fused', 'reference'),
})

function makeLayer(c: Config, dtype: FloatDType = 'float64', dropout = 0): Layer {
  return layerFor(c, { batchFirst: c.layout === 'bth', dtype, impl: c.impl, dropout })
}

/** A [T, B, H] grid as a tensor in the given layout ([T, H] unbatched takes batch row 0). */
function toTensor(g: Grid, layout: Layout, dtype: 'float32' | 'float64' = 'float64'): Tensor {
  if (layout === 'th') return tensor(g.map((rows) => rows[0]), { dtype })
  if (layout === 'bth') return tensor(g[0].map((_, b) => g.map((rows) => rows[b])), { dtype })
  return tensor(g, { dtype })
}

/** A tensor in the given layout back as a [T, B, H] grid. */
function toGrid(t: Tensor, layout: Layout): Grid {
  const nested = t.toArray() as number[][] | number[][][]
  if (layout === 'th') return (nested as number[][]).map((row) => [row])
  if (layout === 'bth') return (nested as number[][][])[0].map((_, s) => (nested as number[][][]).map((rows) => rows[s]))
  return nested as number[][][]
}

const randomGrid = (a: number, b: number, c: number): Grid => randn([a, b, c], { dtype: 'float64' }).toArray() as Grid
const zeroGrid = (a: number, b: number, c: number): Grid => Array.from({ length: a }, () => Array.from({ length: b }, () => new Array<number>(c).fill(0)))
const shapeFor = (layout: Layout, T: number, B: number, H: number) => (layout === 'th' ? [T, H] : layout === 'bth' ? [B, T, H] : [T, B, H])
const kindOf = (c: Config): CellKind => c.kind

test('every recorded gate equals a by-hand float64 computation from the state dict (≤ 1e-12), in the output layout and time order', () => {
  fc.assert(
    fc.property(configArb, fc.integer({ min: 0, max: 10_000 }), (c, seed) => {
      manualSeed(seed)
      const layer = makeLayer(c)
      const B = c.layout === 'th' ? 1 : c.B
      const S = c.numLayers * (c.bidirectional ? 2 : 1)
      const xs = randomGrid(c.T, B, c.D)
      const h0 = c.withState ? randomGrid(S, B, c.H) : zeroGrid(S, B, c.H)
      const c0 = c.kind !== 'lstm' ? null : c.withState ? randomGrid(S, B, c.H) : zeroGrid(S, B, c.H)
      const state = (g: Grid) => (c.layout === 'th' ? tensor(g.map((rows) => rows[0]), { dtype: 'float64' }) : tensor(g, { dtype: 'float64' }))
      const x = toTensor(xs, c.layout)
      x.requiresGrad = true
      const result = run(layer, x, c.withState ? state(h0) : undefined, c.withState && c0 !== null ? state(c0) : undefined, { recordGates: true })
      const hand = handLayer(c.kind, layer.stateDict(), xs, c.numLayers, c.bidirectional, c.H, h0, c0)
      expect(maxDiff(flat(toGrid(result.output, c.layout)), flat(hand.output))).toBeLessThanOrEqual(1e-12) // the oracle itself is sound
      const gates = result.gates as GateTrace[]
      expect(gates).toHaveLength(S)
      gates.forEach((trace, k) => {
        expect(Object.keys(trace)).toEqual(GATE_NAMES[kindOf(c)])
        for (const name of GATE_NAMES[kindOf(c)]) {
          const value = trace[name]
          expect(value.shape).toEqual(shapeFor(c.layout, c.T, B, c.H))
          expect(value.dtype).toBe('float64')
          expect(value.requiresGrad).toBe(false)
          expect(maxDiff(flat(toGrid(value, c.layout)), flat(hand.traces[k][name]))).toBeLessThanOrEqual(1e-12)
        }
      })
    }),
    { numRuns: 60 },
  )
})

test('output, state and every gradient are bit for bit the same with and without recordGates (dropout in training included)', () => {
  fc.assert(
    fc.property(configArb, fc.constantFrom<'float32' | 'float64'>('float32', 'float64'), fc.integer({ min: 0, max: 10_000 }), (c, dtype, seed) => {
      manualSeed(seed)
      const layer = makeLayer(c, dtype, 0.3)
      const B = c.layout === 'th' ? 1 : c.B
      const x = toTensor(randomGrid(c.T, B, c.D), c.layout, dtype)
      x.requiresGrad = true
      const pass = (record: boolean) => {
        manualSeed(seed + 1) // the same dropout masks in both passes
        const r = run(layer, x, undefined, undefined, record ? { recordGates: true } : undefined)
        const parts: Tensor[] = [r.output, r.h]
        if ('c' in r) parts.push(r.c as Tensor)
        const probe = randn([r.output.size], { dtype })
        r.output.reshape(-1).mul(probe).sum().add(r.h.sum()).backward()
        const grads = [x, ...layer.parameters()].map((t) => Array.from(t.grad?.data ?? []))
        for (const t of [x, ...layer.parameters()]) t.grad = null
        return { values: parts.map((t) => Array.from(t.data)), grads, hasGates: 'gates' in r }
      }
      const plain = pass(false)
      const traced = pass(true)
      expect(plain.hasGates).toBe(false)
      expect(traced.hasGates).toBe(true)
      expect(traced.values).toEqual(plain.values)
      expect(traced.grads).toEqual(plain.grads)
    }),
    { numRuns: 30 },
  )
})

/** The value of a [T, B, H] tensor at (t, b, j). */
const at = (t: Tensor, s: number, b: number, j: number) => t.data[(s * t.shape[1] + b) * t.shape[2] + j]

test('the traces agree with what the layer returns: RNN h is the output, LSTM c ends in the returned c, GRU h′ = (1 − z) ⊙ n + z ⊙ h', () => {
  manualSeed(3)
  const T = 5, B = 2, D = 3, H = 4
  const h0 = randn([4, B, H], { dtype: 'float64' })
  const c0 = randn([4, B, H], { dtype: 'float64' })
  const x = randn([T, B, D], { dtype: 'float64' })
  const opts = { inputSize: D, hiddenSize: H, numLayers: 2, bidirectional: true, dtype: 'float64' as const }
  // RNN: the last layer's h traces are the two halves of the output, in time order.
  const rnn = new RNN(opts).forward(x, { h: h0 }, { recordGates: true })
  for (let s = 0; s < T; s++) for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) {
    expect(at(rnn.gates[2].h, s, b, j)).toBeCloseTo(at(rnn.output, s, b, j), 12)
    expect(at(rnn.gates[3].h, s, b, j)).toBeCloseTo(at(rnn.output, s, b, H + j), 12)
  }
  // LSTM: c after the last step read (t = T − 1 forward, t = 0 reverse) is the returned c; h′ = o ⊙ tanh(c′).
  const lstm = new LSTM(opts).forward(x, { h: h0, c: c0 }, { recordGates: true })
  lstm.gates.forEach((trace, k) => {
    const last = k % 2 === 0 ? T - 1 : 0
    for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) expect(at(trace.c, last, b, j)).toBeCloseTo(at(lstm.c, k, b, j), 12)
  })
  for (let s = 0; s < T; s++) for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) {
    const { o, c } = lstm.gates[3]
    expect(at(o, s, b, j) * Math.tanh(at(c, s, b, j))).toBeCloseTo(at(lstm.output, s, b, H + j), 12)
  }
  // GRU: each step's h′ from its r, z, n trace and the previous h (h0 before the first step read).
  const gru = new GRU(opts).forward(x, { h: h0 }, { recordGates: true })
  for (const [k, offset, reverse] of [[2, 0, false], [3, H, true]] as const) {
    const { z, n } = gru.gates[k]
    for (let s = 0; s < T; s++) for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) {
      const prev = reverse ? (s === T - 1 ? at(h0, k, b, j) : at(gru.output, s + 1, b, offset + j)) : s === 0 ? at(h0, k, b, j) : at(gru.output, s - 1, b, offset + j)
      const zv = at(z, s, b, j)
      expect((1 - zv) * at(n, s, b, j) + zv * prev).toBeCloseTo(at(gru.output, s, b, offset + j), 12)
    }
  }
})

test('the reverse direction is recorded in time order: index t is input position t', () => {
  manualSeed(4)
  const T = 4, H = 3
  const layer = new RNN({ inputSize: 2, hiddenSize: H, bidirectional: true, dtype: 'float64' })
  const x = randn([T, 1, 2], { dtype: 'float64' })
  const { output, h, gates } = layer.forward(x, undefined, { recordGates: true })
  const reverse = gates[1].h
  // The reverse direction reads x[T − 1] first and ends at x[0], so its last state is the trace at t = 0.
  expect(maxDiff(reverse.slice(0, 0, 1).data, h.slice(0, 1, 2).data)).toBeLessThanOrEqual(1e-12)
  for (let s = 0; s < T; s++) expect(maxDiff(reverse.slice(0, s, s + 1).data, output.slice(0, s, s + 1).slice(2, H, 2 * H).data)).toBeLessThanOrEqual(1e-12)
  expect(maxDiff(reverse.slice(0, 0, 1).data, reverse.slice(0, T - 1, T).data)).toBeGreaterThan(1e-3) // so the order is really tested
  // Reading only x[T − 1] in reverse gives the same first step as the whole sequence's t = T − 1.
  const lastOnly = layer.forward(x.slice(0, T - 1, T), undefined, { recordGates: true }).gates[1].h
  expect(maxDiff(lastOnly.data, reverse.slice(0, T - 1, T).data)).toBeLessThanOrEqual(1e-15)
})

test('shapes follow the output: [T, B, H], [B, T, H] with batchFirst, [T, H] unbatched; one trace per layer·direction in state order', () => {
  const base = { inputSize: 3, hiddenSize: 4, numLayers: 3, bidirectional: true }
  const x = randn([5, 2, 3])
  const plain = new LSTM(base).forward(x, undefined, { recordGates: true })
  expect(plain.gates).toHaveLength(6)
  for (const trace of plain.gates) for (const name of ['i', 'f', 'g', 'o', 'c'] as const) expect(trace[name].shape).toEqual([5, 2, 4])
  const batchFirst = new GRU({ ...base, batchFirst: true }).forward(x.transpose(0, 1), undefined, { recordGates: true })
  for (const trace of batchFirst.gates) for (const name of ['r', 'z', 'n'] as const) expect(trace[name].shape).toEqual([2, 5, 4])
  const unbatched = new RNN(base).forward(x.slice(1, 0, 1).squeeze(1), undefined, { recordGates: true })
  for (const trace of unbatched.gates) expect(trace.h.shape).toEqual([5, 4])
  for (const trace of unbatched.gates) expect(trace.h.dtype).toBe('float32')
  // State order: layer 0 forward, layer 0 reverse, layer 1 …, as h is: the last step read of each is its final h.
  const rnn = new RNN({ ...base, dtype: 'float64' })
  const r = rnn.forward(randn([5, 2, 3], { dtype: 'float64' }), undefined, { recordGates: true })
  r.gates.forEach((trace, k) => {
    const last = k % 2 === 0 ? 4 : 0
    expect(maxDiff(trace.h.slice(0, last, last + 1).data, r.h.slice(0, k, k + 1).data)).toBeLessThanOrEqual(1e-12)
  })
})

test('with dropout in training, each layer is traced on the input it actually got', () => {
  manualSeed(5)
  // The reference path, so the trace (the same equations again) must be the output bit for bit.
  const layer = new RNN({ inputSize: 3, hiddenSize: 6, numLayers: 3, dropout: 0.5, dtype: 'float64', impl: 'reference' })
  const x = randn([6, 2, 3], { dtype: 'float64' })
  const trained = layer.forward(x, undefined, { recordGates: true })
  expect(Array.from(trained.gates[2].h.data)).toEqual(Array.from(trained.output.data))
  layer.eval()
  const evaluated = layer.forward(x, undefined, { recordGates: true })
  expect(Array.from(evaluated.gates[2].h.data)).toEqual(Array.from(evaluated.output.data))
  expect(maxDiff(evaluated.gates[2].h.data, trained.gates[2].h.data)).toBeGreaterThan(1e-3)
})

test('in float32 the trace keeps the layer dtype; on the reference path it is the output bit for bit, on the fused path equal to rounding', () => {
  manualSeed(6)
  const x = randn([7, 3, 4])
  const reference = new RNN({ inputSize: 4, hiddenSize: 5, impl: 'reference' })
  const r = reference.forward(x, undefined, { recordGates: true })
  expect(r.gates[0].h.dtype).toBe('float32')
  expect(Array.from(r.gates[0].h.data)).toEqual(Array.from(r.output.data))
  const fused = new RNN({ inputSize: 4, hiddenSize: 5 })
  fused.loadStateDict(reference.stateDict())
  const f = fused.forward(x, undefined, { recordGates: true })
  expect(maxDiff(f.gates[0].h.data, f.output.data)).toBeLessThanOrEqual(1e-5)
})

test('without recordGates (absent, undefined or false) the result has no gates key', () => {
  const x = randn([3, 2, 2])
  const layers = [new RNN({ inputSize: 2, hiddenSize: 3 }), new GRU({ inputSize: 2, hiddenSize: 3 }), new LSTM({ inputSize: 2, hiddenSize: 3 })]
  for (const layer of layers) {
    const keys = layer instanceof LSTM ? ['output', 'h', 'c'] : ['output', 'h']
    expect(Object.keys(run(layer, x))).toEqual(keys)
    expect(Object.keys(run(layer, x, undefined, undefined, {}))).toEqual(keys)
    expect(Object.keys(run(layer, x, undefined, undefined, { recordGates: false }))).toEqual(keys)
    expect(Object.keys(run(layer, x, undefined, undefined, { recordGates: undefined }))).toEqual(keys)
    expect(Object.keys(run(layer, x, undefined, undefined, { recordGates: true }))).toEqual([...keys, 'gates'])
  }
})

test('bad options are plain errors naming what was expected and what came', () => {
  const x = randn([3, 2, 2])
  const layers = [new RNN({ inputSize: 2, hiddenSize: 3 }), new GRU({ inputSize: 2, hiddenSize: 3 }), new LSTM({ inputSize: 2, hiddenSize: 3 })]
  for (const layer of layers) {
    const where = new RegExp(`^${layer instanceof LSTM ? 'LSTM' : layer instanceof GRU ? 'GRU' : 'RNN'}\\.forward: `)
    const bad = (opts: unknown) => () => run(layer, x, undefined, undefined, opts as { recordGates?: boolean })
    expectPlainError(bad({ record_gates: true }), where, /unknown option 'record_gates' \(did you mean recordGates\?\); expected one of recordGates/)
    expectPlainError(bad({ recordGates: true, verbose: 1 }), where, /unknown option 'verbose'/)
    expectPlainError(bad({ recordGates: 'yes' }), where, /recordGates must be true or false, got the string "yes"/)
    expectPlainError(bad({ recordGates: 1 }), where, /recordGates must be true or false, got number 1/)
    expectPlainError(bad(null), where, /expected an options object, got null/)
    expectPlainError(bad(true), where, /expected an options object, got boolean true/)
    // The options passed where the state goes: said so, rather than silently starting from zeros.
    expectPlainError(() => (layer as RNN).forward(x, { recordGates: true } as { h?: Tensor }), where, /recordGates in the state argument; options go third/)
  }
})
