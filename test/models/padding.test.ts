// Batches of sequences of different lengths: forward(x, state, { lengths }) and { mask } on RNN, LSTM and
// GRU. Oracles: each sequence run alone on its own steps (what packing means: padding never enters a
// state, a reverse direction starts at the sequence's own end; a masked step is skipped with its state
// carried), fused == reference on values and gradients, gradcheck through both paths, and the errors.
// lstm_proj is LSTM({ projSize }): h is H wide, c H + 1.
import fc from 'fast-check'
import { GRU, LSTM, RNN, Tensor, gradcheck, manualSeed, randn, tensor, type Impl } from '../../src/index.js'
import type { SequenceForwardOptions } from '../../src/models/recurrent.js'
import { expectPlainError } from '../helpers/errors.js'
import { maxDiff } from '../helpers/max-diff.js'

type Kind = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'lstm_proj' | 'gru' | 'gru_reset_before'
type Layer = RNN | LSTM | GRU

interface Case {
  kind: Kind
  T: number
  B: number
  D: number
  H: number
  numLayers: number
  bidirectional: boolean
  batchFirst: boolean
  withState: boolean
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  kind: fc.constantFrom<Kind>('rnn_tanh', 'rnn_relu', 'lstm', 'lstm_proj', 'gru', 'gru_reset_before'),
  T: fc.integer({ min: 1, max: 5 }),
  B: fc.integer({ min: 1, max: 4 }),
  D: fc.integer({ min: 1, max: 3 }),
  H: fc.integer({ min: 1, max: 3 }),
  numLayers: fc.integer({ min: 1, max: 2 }),
  bidirectional: fc.boolean(),
  batchFirst: fc.boolean(),
  withState: fc.boolean(),
})

function makeLayer(c: Case, impl: Impl): Layer {
  const opts = { inputSize: c.D, hiddenSize: c.H, numLayers: c.numLayers, bidirectional: c.bidirectional, batchFirst: c.batchFirst, dtype: 'float64' as const, impl }
  if (c.kind === 'lstm') return new LSTM(opts)
  if (c.kind === 'lstm_proj') return new LSTM({ ...opts, hiddenSize: c.H + 1, projSize: c.H })
  if (c.kind === 'gru' || c.kind === 'gru_reset_before') return new GRU({ ...opts, resetAfter: c.kind === 'gru' })
  return new RNN({ ...opts, nonlinearity: c.kind === 'rnn_relu' ? 'relu' : 'tanh' })
}

interface Result {
  output: Tensor
  h: Tensor
  c?: Tensor
}

function run(layer: Layer, x: Tensor, h0: Tensor | undefined, c0: Tensor | undefined, opts?: SequenceForwardOptions): Result {
  if (layer instanceof LSTM) return layer.forward(x, h0 && c0 && { h: h0, c: c0 }, opts)
  return layer.forward(x, h0 && { h: h0 }, opts)
}

const flat = (r: Result) => [r.output, r.h, ...(r.c ? [r.c] : [])].map((t) => t.reshape(-1)).reduce((a, b) => a.cat(b))

/** The width of c: H but for the projected LSTM, whose h is H wide. */
const cWidth = (c: Case) => (c.kind === 'lstm_proj' ? c.H + 1 : c.H)

function inputs(c: Case) {
  const leaf = (shape: number[]) => randn(shape, { dtype: 'float64', requiresGrad: true })
  const S = c.numLayers * (c.bidirectional ? 2 : 1)
  return {
    x: leaf(c.batchFirst ? [c.B, c.T, c.D] : [c.T, c.B, c.D]),
    h0: c.withState ? leaf([S, c.B, c.H]) : undefined,
    c0: c.withState && (c.kind === 'lstm' || c.kind === 'lstm_proj') ? leaf([S, c.B, cWidth(c)]) : undefined,
  }
}

/** Lengths in 1 … T with T and 1 among them where B allows, in no particular order, from the seed. */
function lengthsFor(c: Case, seed: number): number[] {
  return Array.from({ length: c.B }, (_, b) => (b === 0 ? c.T : b === 1 ? 1 : 1 + ((seed * 7 + b * 13) % c.T))).reverse()
}

/** A mask of 0/1 rows with holes anywhere (leading, inner, trailing, whole rows), from the seed. */
function maskFor(c: Case, seed: number): number[][] {
  let s = seed + 1
  return Array.from({ length: c.B }, () => Array.from({ length: c.T }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) >> 16) % 3 === 0 ? 0 : 1))
}

/** Sequence b's rows of x (the steps `keep` names, in order) as an unbatched [n, D] tensor. */
function stepsOf(c: Case, x: Tensor, b: number, keep: number[]): Tensor {
  const rows = keep.map((t) => (c.batchFirst ? x.slice(0, b, b + 1).slice(1, t, t + 1) : x.slice(0, t, t + 1).slice(1, b, b + 1)).reshape([1, c.D]))
  return rows.reduce((a, r) => a.cat(r, 0))
}

/** Each sequence run alone on the steps `keep(b)`: the output at a dropped step is 0, the final state that of the run. */
function oneByOne(c: Case, layer: Layer, x: Tensor, h0: Tensor | undefined, c0: Tensor | undefined, keep: (b: number) => number[]): { output: number[]; h: number[]; c: number[] } {
  const dirsH = (c.bidirectional ? 2 : 1) * c.H, S = c.numLayers * (c.bidirectional ? 2 : 1)
  const output = new Array<number>(c.T * c.B * dirsH).fill(0)
  const h = new Array<number>(S * c.B * c.H).fill(0)
  const C = cWidth(c)
  const cs = new Array<number>(S * c.B * C).fill(0)
  for (let b = 0; b < c.B; b++) {
    const steps = keep(b)
    const pick = (s: Tensor | undefined) => s?.slice(1, b, b + 1).squeeze(1)
    if (steps.length === 0) {
      // nothing to run: the state stays the initial one
      for (let k = 0; k < S; k++) for (let j = 0; j < c.H; j++) h[(k * c.B + b) * c.H + j] = h0 ? h0.data[(k * c.B + b) * c.H + j] : 0
      for (let k = 0; k < S; k++) for (let j = 0; j < C; j++) cs[(k * c.B + b) * C + j] = c0 ? c0.data[(k * c.B + b) * C + j] : 0
      continue
    }
    const r = run(layer, stepsOf(c, x, b, steps), pick(h0), pick(c0))
    steps.forEach((t, n) => {
      for (let j = 0; j < dirsH; j++) output[(c.batchFirst ? b * c.T + t : t * c.B + b) * dirsH + j] = r.output.data[n * dirsH + j]
    })
    for (let k = 0; k < S; k++) {
      for (let j = 0; j < c.H; j++) h[(k * c.B + b) * c.H + j] = r.h.data[k * c.H + j]
      if (r.c) for (let j = 0; j < C; j++) cs[(k * c.B + b) * C + j] = r.c.data[k * C + j]
    }
  }
  return { output, h, c: cs }
}

const range = (n: number) => Array.from({ length: n }, (_, t) => t)

test('lengths: each sequence as if run alone on its own steps, padding 0, every cell, layer and direction', () => {
  fc.assert(
    fc.property(caseArb, fc.integer({ min: 0, max: 1000 }), fc.constantFrom<Impl>('fused', 'reference'), (c, seed, impl) => {
      manualSeed(seed)
      const layer = makeLayer(c, impl)
      const { x, h0, c0 } = inputs(c)
      const lengths = lengthsFor(c, seed)
      const r = run(layer, x, h0, c0, { lengths: seed % 2 === 0 ? lengths : tensor(lengths, { dtype: 'int32' }) })
      const want = oneByOne(c, layer, x, h0, c0, (b) => range(lengths[b]))
      expect(maxDiff(r.output.data, want.output)).toBeLessThanOrEqual(1e-12)
      expect(maxDiff(r.h.data, want.h)).toBeLessThanOrEqual(1e-12)
      if (r.c) expect(maxDiff(r.c.data, want.c)).toBeLessThanOrEqual(1e-12)
    }),
    { numRuns: 80 },
  )
})

test('mask: a masked step is skipped with its state carried and outputs 0 (leading, inner, trailing, whole rows)', () => {
  fc.assert(
    fc.property(caseArb, fc.integer({ min: 0, max: 1000 }), fc.constantFrom<Impl>('fused', 'reference'), (c, seed, impl) => {
      manualSeed(seed)
      const layer = makeLayer(c, impl)
      const { x, h0, c0 } = inputs(c)
      const mask = maskFor(c, seed)
      const r = run(layer, x, h0, c0, { mask: seed % 2 === 0 ? mask : tensor(mask, { dtype: 'int32' }) })
      const want = oneByOne(c, layer, x, h0, c0, (b) => range(c.T).filter((t) => mask[b][t] === 1))
      expect(maxDiff(r.output.data, want.output)).toBeLessThanOrEqual(1e-12)
      expect(maxDiff(r.h.data, want.h)).toBeLessThanOrEqual(1e-12)
      if (r.c) expect(maxDiff(r.c.data, want.c)).toBeLessThanOrEqual(1e-12)
    }),
    { numRuns: 80 },
  )
})

test('the fused path equals the reference path with lengths and with a mask, values and gradients (float64, ≤ 1e-12)', () => {
  fc.assert(
    fc.property(caseArb, fc.integer({ min: 0, max: 1000 }), fc.boolean(), (c, seed, useMask) => {
      manualSeed(seed)
      const fused = makeLayer(c, 'fused')
      const reference = makeLayer(c, 'reference')
      reference.loadStateDict(fused.stateDict())
      const { x, h0, c0 } = inputs(c)
      const opts = useMask ? { mask: maskFor(c, seed) } : { lengths: lengthsFor(c, seed) }
      const leaves = (layer: Layer) => [x, h0, c0, ...layer.parameters()]
      const yFused = flat(run(fused, x, h0, c0, opts))
      const probe = randn([yFused.size], { dtype: 'float64' })
      yFused.mul(probe).sum().backward()
      const fusedGrads = leaves(fused).map((t) => (t?.grad ? Array.from(t.grad.data) : []))
      for (const t of [x, h0, c0]) if (t) t.grad = null
      const yReference = flat(run(reference, x, h0, c0, opts))
      yReference.mul(probe).sum().backward()
      const referenceGrads = leaves(reference).map((t) => (t?.grad ? Array.from(t.grad.data) : []))
      expect(maxDiff(yFused.data, yReference.data)).toBeLessThanOrEqual(1e-12)
      fusedGrads.forEach((g, i) => expect(maxDiff(g, referenceGrads[i])).toBeLessThanOrEqual(1e-12))
    }),
    { numRuns: 60 },
  )
})

test('gradcheck through lengths and masks on both paths, every cell', () => {
  fc.assert(
    fc.property(caseArb, fc.integer({ min: 0, max: 1000 }), fc.constantFrom<Impl>('fused', 'reference'), fc.boolean(), (c, seed, impl, useMask) => {
      manualSeed(seed)
      const layer = makeLayer(c, impl)
      const { x, h0, c0 } = inputs(c)
      const opts = useMask ? { mask: maskFor(c, seed) } : { lengths: lengthsFor(c, seed) }
      const leaves = [x, ...(h0 ? [h0] : []), ...(c0 ? [c0] : []), ...layer.parameters()]
      return gradcheck(() => flat(run(layer, x, h0, c0, opts)), leaves, { fastMode: true })
    }),
    { numRuns: 40 },
  )
  // One full Jacobian per cell: two layers, both directions, lengths T, 1 and between, unsorted
  for (const kind of ['rnn_tanh', 'lstm', 'lstm_proj', 'gru', 'gru_reset_before'] as const) {
    const c: Case = { kind, T: 4, B: 3, D: 2, H: 2, numLayers: 2, bidirectional: true, batchFirst: false, withState: true }
    manualSeed(5)
    const layer = makeLayer(c, 'fused')
    const { x, h0, c0 } = inputs(c)
    const leaves = [x, h0 as Tensor, ...(c0 ? [c0] : []), ...layer.parameters()]
    expect(gradcheck(() => flat(run(layer, x, h0, c0, { lengths: [2, 4, 1] })), leaves)).toBe(true)
    expect(gradcheck(() => flat(run(layer, x, h0, c0, { mask: [[0, 1, 0, 1], [1, 1, 1, 0], [0, 0, 0, 0]] })), leaves)).toBe(true)
  }
})

test('a mask of each row’s first L steps equals lengths L; lengths of T equal no option; unbatched takes one length', () => {
  for (const kind of ['lstm', 'gru', 'rnn_tanh'] as const) {
    const c: Case = { kind, T: 5, B: 3, D: 2, H: 3, numLayers: 2, bidirectional: true, batchFirst: true, withState: true }
    manualSeed(3)
    const layer = makeLayer(c, 'fused')
    const { x, h0, c0 } = inputs(c)
    const lengths = [3, 5, 1]
    const mask = lengths.map((n) => range(5).map((t) => (t < n ? 1 : 0)))
    expect(Array.from(flat(run(layer, x, h0, c0, { mask })).data)).toEqual(Array.from(flat(run(layer, x, h0, c0, { lengths })).data))
    expect(Array.from(flat(run(layer, x, h0, c0, { lengths: [5, 5, 5] })).data)).toEqual(Array.from(flat(run(layer, x, h0, c0)).data))
    const one = x.slice(0, 0, 1).squeeze(0) // [T, D]
    const s0 = (s: Tensor | undefined) => s?.slice(1, 0, 1).squeeze(1)
    const unbatched = run(layer, one, s0(h0), s0(c0), { lengths: [3] })
    const batched = run(layer, x.slice(0, 0, 1), h0?.slice(1, 0, 1), c0?.slice(1, 0, 1), { lengths: [3] })
    expect(Array.from(flat(unbatched).data)).toEqual(Array.from(flat(batched).data))
    expect(Array.from(flat(run(layer, one, s0(h0), s0(c0), { mask: [1, 1, 1, 0, 0] })).data)).toEqual(Array.from(flat(unbatched).data))
    // one value for unbatched x may be a plain number; lengths may be an Int32Array or any array-like of integers
    expect(Array.from(flat(run(layer, one, s0(h0), s0(c0), { lengths: 3 })).data)).toEqual(Array.from(flat(unbatched).data))
    const withArray = Array.from(flat(run(layer, x, h0, c0, { lengths })).data)
    expect(Array.from(flat(run(layer, x, h0, c0, { lengths: Int32Array.from(lengths) })).data)).toEqual(withArray)
    expect(Array.from(flat(run(layer, x, h0, c0, { lengths: { length: 3, 0: 3, 1: 5, 2: 1 } })).data)).toEqual(withArray)
  }
})

test('the output keeps all T steps, as pad_packed_sequence(…, total_length=T) gives them, even when every length is shorter', () => {
  const layer = new GRU({ inputSize: 2, hiddenSize: 3, batchFirst: true })
  const { output } = layer.forward(randn([2, 5, 2]), undefined, { lengths: new Int32Array([2, 3]) })
  expect(output.shape).toEqual([2, 5, 3])
  expect(Array.from(output.slice(1, 3, 5).data)).toEqual(new Array(12).fill(0))
})

test('recorded gates are 0 at padded steps and the others’ as run alone', () => {
  manualSeed(4)
  const layer = new LSTM({ inputSize: 2, hiddenSize: 3, batchFirst: true, dtype: 'float64' })
  const x = randn([2, 4, 2], { dtype: 'float64' })
  const { gates } = layer.forward(x, undefined, { lengths: [4, 2], recordGates: true })
  const alone = layer.forward(x.slice(0, 1, 2).slice(1, 0, 2), undefined, { recordGates: true })
  expect(Array.from(gates[0].f.slice(0, 1, 2).slice(1, 2, 4).data)).toEqual(new Array(6).fill(0))
  expect(maxDiff(gates[0].f.slice(0, 1, 2).slice(1, 0, 2).data, alone.gates[0].f.data)).toBeLessThanOrEqual(1e-15)
})

test('bad lengths and masks are refused with what was expected and what came, before anything runs', () => {
  const layer = new GRU({ inputSize: 2, hiddenSize: 3, batchFirst: true })
  const x = randn([3, 4, 2])
  const where = /^GRU\.forward: /
  expectPlainError(() => layer.forward(x, undefined, { lengths: [4, 0, 2] }), where, /lengths\[1\] is number 0/, /PyTorch refuses it too/)
  expectPlainError(() => layer.forward(x, undefined, { lengths: [4, 5, 2] }), where, /3 lengths \(one per sequence\), integers in 1 … 4/, /lengths\[1\] is number 5/)
  expectPlainError(() => layer.forward(x, undefined, { lengths: [4, 2.5, 2] }), where, /lengths\[1\] is number 2.5/)
  expectPlainError(() => layer.forward(x, undefined, { lengths: [4, 2] }), where, /got 2 values/)
  expectPlainError(() => layer.forward(x, undefined, { lengths: tensor([4, 2, 1]) }), where, /int32 tensor \[3\]; got a float32 tensor \[3\]/)
  expectPlainError(() => layer.forward(x, undefined, { lengths: 4 as unknown as number[] }), where, /got number 4/)
  expectPlainError(() => layer.forward(x.slice(0, 0, 1).squeeze(0), undefined, { lengths: [4, 4] }), where, /one length \(x is unbatched\)/)
  expectPlainError(() => layer.forward(x.slice(0, 0, 1).squeeze(0), undefined, { lengths: 5 }), where, /one length \(x is unbatched\) in 1 … 4; lengths\[0\] is number 5/)
  expectPlainError(() => layer.forward(x, undefined, { lengths: new Float64Array([4, 1.5, 2]) }), where, /lengths\[1\] is number 1.5/)
  expectPlainError(() => layer.forward(x, undefined, { mask: [[1, 1, 1, 1], [1, 0, 1, 1]] }), where, /mask of 0 and 1 shaped \[3, 4\] \(B, T\)/)
  expectPlainError(() => layer.forward(x, undefined, { mask: tensor([[1, 1, 1, 1], [1, 0, 1, 1], [1, 1, 1, 0.5]]) }), where, /only 0 and 1; element \[2, 3\] is number 0.5/)
  expectPlainError(() => layer.forward(x, undefined, { mask: randn([4, 3]) }), where, /got a tensor \[4, 3\]/)
  expectPlainError(() => layer.forward(x, undefined, { lengths: [4, 4, 4], mask: [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]] }), where, /give lengths or mask, not both/)
  expectPlainError(() => layer.forward(x, { lengths: [4, 4, 4] } as unknown as { h: Tensor }), where, /lengths in the state argument; options go third/)
  expectPlainError(() => layer.forward(x, undefined, { length: [4, 4, 4] } as SequenceForwardOptions), where, /length/)
})

test('under recurrentDropout and inputDropout (training mode) the fused path still equals the reference path with lengths and masks', () => {
  fc.assert(
    fc.property(caseArb, fc.integer({ min: 0, max: 1000 }), fc.boolean(), (c, seed, useMask) => {
      manualSeed(seed)
      const withDropout = (impl: Impl): Layer => {
        const base = makeLayer(c, impl)
        const opts = { inputSize: c.D, hiddenSize: c.kind === 'lstm_proj' ? c.H + 1 : c.H, numLayers: c.numLayers, bidirectional: c.bidirectional, batchFirst: c.batchFirst, dtype: 'float64' as const, impl, recurrentDropout: 0.4, inputDropout: 0.3 }
        const layer = base instanceof LSTM ? new LSTM(c.kind === 'lstm_proj' ? { ...opts, projSize: c.H } : opts) : base instanceof GRU ? new GRU({ ...opts, resetAfter: base.resetAfter }) : new RNN({ ...opts, nonlinearity: base.nonlinearity })
        layer.loadStateDict(base.stateDict())
        return layer
      }
      const fused = withDropout('fused')
      const reference = withDropout('reference')
      expect(fused.training && reference.training).toBe(true) // layers start in training mode: the masks are drawn
      reference.loadStateDict(fused.stateDict())
      const { x, h0, c0 } = inputs(c)
      const opts = useMask ? { mask: maskFor(c, seed) } : { lengths: lengthsFor(c, seed) }
      manualSeed(seed + 1) // the same dropout masks on both paths
      const yFused = flat(run(fused, x, h0, c0, opts))
      const probe = randn([yFused.size], { dtype: 'float64' })
      yFused.mul(probe).sum().backward()
      const fusedGrads = [x, h0, c0, ...fused.parameters()].map((t) => (t?.grad ? Array.from(t.grad.data) : []))
      for (const t of [x, h0, c0]) if (t) t.grad = null
      manualSeed(seed + 1)
      const yReference = flat(run(reference, x, h0, c0, opts))
      yReference.mul(probe).sum().backward()
      const referenceGrads = [x, h0, c0, ...reference.parameters()].map((t) => (t?.grad ? Array.from(t.grad.data) : []))
      expect(maxDiff(yFused.data, yReference.data)).toBeLessThanOrEqual(1e-12)
      fusedGrads.forEach((g, i) => expect(maxDiff(g, referenceGrads[i])).toBeLessThanOrEqual(1e-12))
    }),
    { numRuns: 40 },
  )
})
