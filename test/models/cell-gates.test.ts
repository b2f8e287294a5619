// Recording gate values from the single-step cells (RNNCell, LSTMCell, GRUCell) and passing a layer's traces
// through LanguageModel.forward: exact against a by-hand float64 step, shaped like h, detached, and absent
// unless asked for.
import fc from 'fast-check'
import { GATE_NAMES, GRUCell, LanguageModel, LSTMCell, manualSeed, randn, RNNCell, tensor, type CellMode as CellKind, type GateTrace, type Tensor } from '../../src/index.js'
import { expectPlainError } from '../helpers/errors.js'
import { flat, handStep, type Kind, type Rows } from '../helpers/hand-cells.js'
import { maxDiff } from '../helpers/max-diff.js'

type Cell = RNNCell | LSTMCell | GRUCell

function makeCell(kind: Kind, D: number, H: number, bias: boolean, dtype: 'float32' | 'float64' = 'float64'): Cell {
  const opts = { inputSize: D, hiddenSize: H, bias, dtype }
  return kind === 'lstm' ? new LSTMCell(opts) : kind === 'gru' ? new GRUCell(opts) : new RNNCell({ ...opts, nonlinearity: kind === 'rnn_relu' ? 'relu' : 'tanh' })
}

function step(cell: Cell, x: Tensor, h?: Tensor, c?: Tensor, opts?: { recordGates?: boolean }) {
  if (cell instanceof LSTMCell) return cell.forward(x, h && c && { h, c }, opts)
  return cell.forward(x, h && { h }, opts)
}

const rows = (t: Tensor): Rows => (t.ndim === 1 ? [t.toArray() as number[]] : (t.toArray() as Rows))

test("each cell's recorded step equals a by-hand float64 step (≤ 1e-12), shaped like h, detached", () => {
  fc.assert(
    fc.property(
      fc.constantFrom<Kind>('rnn_tanh', 'rnn_relu', 'lstm', 'gru'),
      fc.record({ B: fc.integer({ min: 1, max: 3 }), D: fc.integer({ min: 1, max: 4 }), H: fc.integer({ min: 1, max: 4 }) }),
      fc.boolean(),
      fc.boolean(),
      fc.integer({ min: 0, max: 10_000 }),
      (kind, { B, D, H }, bias, unbatched, seed) => {
        manualSeed(seed)
        const cell = makeCell(kind, D, H, bias)
        const shape = (n: number) => (unbatched ? [n] : [B, n])
        const x = randn(shape(D), { dtype: 'float64', requiresGrad: true })
        const h = randn(shape(H), { dtype: 'float64' })
        const c = randn(shape(H), { dtype: 'float64' })
        const result = step(cell, x, h, c, { recordGates: true })
        const sd = cell.stateDict()
        const w = { W_ih: sd.weight_ih.data, W_hh: sd.weight_hh.data, b_ih: sd.bias_ih?.data ?? null, b_hh: sd.bias_hh?.data ?? null }
        const hand = handStep(kind, w, rows(x), rows(h), kind === 'lstm' ? rows(c) : null, H)
        expect(maxDiff(result.h.data, flat(hand.h))).toBeLessThanOrEqual(1e-12)
        const gates = result.gates as GateTrace
        expect(Object.keys(gates)).toEqual(GATE_NAMES[kind as CellKind])
        for (const name of GATE_NAMES[kind as CellKind]) {
          expect(gates[name].shape).toEqual(result.h.shape)
          expect(gates[name].requiresGrad).toBe(false)
          expect(maxDiff(gates[name].data, flat(hand.gates[name]))).toBeLessThanOrEqual(1e-12)
        }
      },
    ),
    { numRuns: 60 },
  )
})

test("a cell's trace is the step it returned: RNN h is h, LSTM c is c and h = o ⊙ tanh(c), GRU h = (1 − z) ⊙ n + z ⊙ h", () => {
  manualSeed(8)
  const x = randn([2, 3])
  const h = randn([2, 4])
  const c = randn([2, 4])
  const rnn = new RNNCell({ inputSize: 3, hiddenSize: 4 }).forward(x, { h }, { recordGates: true })
  expect(Array.from(rnn.gates.h.data)).toEqual(Array.from(rnn.h.data))
  const lstm = new LSTMCell({ inputSize: 3, hiddenSize: 4 }).forward(x, { h, c }, { recordGates: true })
  expect(Array.from(lstm.gates.c.data)).toEqual(Array.from(lstm.c.data))
  expect(Array.from(lstm.gates.o.mul(lstm.gates.c.tanh()).data)).toEqual(Array.from(lstm.h.data))
  const gru = new GRUCell({ inputSize: 3, hiddenSize: 4 }).forward(x, { h }, { recordGates: true })
  const { z, n } = gru.gates
  expect(maxDiff(z.neg().add(1).mul(n).add(z.mul(h)).data, gru.h.data)).toBeLessThanOrEqual(1e-6)
  expect(gru.gates.r.dtype).toBe('float32')
})

test('recording in a cell leaves h, c and the gradients exactly as they are without it', () => {
  for (const kind of ['rnn_tanh', 'lstm', 'gru'] as const) {
    manualSeed(9)
    const cell = makeCell(kind, 3, 2, true)
    const x = randn([2, 3], { dtype: 'float64', requiresGrad: true })
    const pass = (record: boolean) => {
      const r = step(cell, x, undefined, undefined, { recordGates: record })
      const out: Tensor = 'c' in r ? r.h.add((r.c as Tensor).mul(2)) : r.h
      out.mul(out).sum().backward()
      const grads = [x, ...cell.parameters()].map((t) => Array.from(t.grad?.data ?? []))
      for (const t of [x, ...cell.parameters()]) t.grad = null
      return { values: Array.from(out.data), grads, keys: Object.keys(r) }
    }
    const plain = pass(false)
    const traced = pass(true)
    expect(plain.keys).not.toContain('gates')
    expect(traced.keys).toContain('gates')
    expect(traced.values).toEqual(plain.values)
    expect(traced.grads).toEqual(plain.grads)
  }
})

test('cells: no gates key unless asked, and bad options are plain errors naming what came', () => {
  const x = randn([2, 3])
  const cells = [new RNNCell({ inputSize: 3, hiddenSize: 2 }), new LSTMCell({ inputSize: 3, hiddenSize: 2 }), new GRUCell({ inputSize: 3, hiddenSize: 2 })]
  for (const cell of cells) {
    const keys = cell instanceof LSTMCell ? ['h', 'c'] : ['h']
    expect(Object.keys(step(cell, x))).toEqual(keys)
    expect(Object.keys(step(cell, x, undefined, undefined, { recordGates: false }))).toEqual(keys)
    const where = new RegExp(`^${cell.constructor.name}\\.forward: `)
    const bad = (opts: unknown) => () => step(cell, x, undefined, undefined, opts as { recordGates?: boolean })
    expectPlainError(bad({ recordgates: true }), where, /unknown option 'recordgates'; expected one of recordGates/)
    expectPlainError(bad({ recordGates: 'true' }), where, /recordGates must be true or false, got the string "true"/)
    expectPlainError(bad(7), where, /expected an options object, got number 7/)
  }
})

test('LanguageModel.forward passes its layer\'s traces through: one per layer, [B, T, H], logits unchanged', () => {
  for (const cell of ['rnn', 'lstm', 'gru'] as const) {
    manualSeed(10)
    const model = new LanguageModel({ vocabSize: 7, embeddingDim: 3, hiddenSize: 4, numLayers: 2, cell, dropout: 0.2, dtype: 'float64' })
    model.eval()
    const tokens = tensor([[1, 2, 3, 4, 5], [6, 0, 1, 2, 3]], { dtype: 'int32' })
    const plain = model.forward(tokens)
    expect(Object.keys(plain)).toEqual(['logits', 'state'])
    expect(Object.keys(model.forward(tokens, undefined, { recordGates: false }))).toEqual(['logits', 'state'])
    const traced = model.forward(tokens, undefined, { recordGates: true })
    expect(Array.from(traced.logits.data)).toEqual(Array.from(plain.logits.data))
    const gates = traced.gates as GateTrace[]
    const direct: GateTrace[] = model.rnn.forward(model.embedding.forward(tokens), undefined, { recordGates: true }).gates
    expect(gates).toHaveLength(2)
    gates.forEach((trace, k) => {
      expect(Object.keys(trace)).toEqual(GATE_NAMES[model.rnn.cellKind])
      for (const name of Object.keys(trace)) {
        expect(trace[name].shape).toEqual([2, 5, 4])
        expect(Array.from(trace[name].data)).toEqual(Array.from(direct[k][name].data))
      }
    })
    // With a carried state, the second half's trace continues the whole sequence's.
    const first = model.forward(tokens.slice(1, 0, 3), undefined, { recordGates: true })
    const second = model.forward(tokens.slice(1, 3, 5), first.state, { recordGates: true })
    const name = GATE_NAMES[model.rnn.cellKind][0]
    expect(maxDiff((second.gates as GateTrace[])[1][name].data, gates[1][name].slice(1, 3, 5).data)).toBeLessThanOrEqual(1e-12)
  }
  const model = new LanguageModel({ vocabSize: 5, embeddingDim: 2, hiddenSize: 2 })
  const tokens = tensor([[1, 2]], { dtype: 'int32' })
  expectPlainError(() => model.forward(tokens, undefined, { recordGate: true } as { recordGates?: boolean }), /^LanguageModel\.forward: unknown option 'recordGate'; expected one of recordGates/)
  expectPlainError(() => model.forward(tokens, undefined, { recordGates: 0 } as unknown as { recordGates?: boolean }), /^LanguageModel\.forward: recordGates must be true or false, got number 0/)
})
