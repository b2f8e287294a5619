// Each cell's gate trace has its own type: a misspelt gate is a type error (tsc --noEmit checks this
// file, and each @ts-expect-error fails the type-check when its line compiles), while every specific trace
// is still a GateTrace, the general string-indexed record.
import { GATE_NAMES, GRU, GRUCell, LSTM, LSTMCell, randn, RNN, RNNCell, type GateTrace, type GRUGates, type LSTMGates, type RNNGates, type Tensor } from '../../src/index.js'

test('layers: gates[k] is LSTMGates, GRUGates or RNNGates, so only their own names type-check', () => {
  const x = randn([4, 1, 3])
  const lstm = new LSTM({ inputSize: 3, hiddenSize: 2 }).forward(x, undefined, { recordGates: true })
  const forgetGate: Tensor = lstm.gates[0].f
  // @ts-expect-error an LSTM's forget gate is f; there is no `forget`
  expect(lstm.gates[0].forget).toBeUndefined()
  // @ts-expect-error an LSTM has no update gate (that is the GRU's z)
  expect(lstm.gates[0].z).toBeUndefined()
  const gru = new GRU({ inputSize: 3, hiddenSize: 2 }).forward(x, undefined, { recordGates: true })
  const update: Tensor = gru.gates[0].z
  // @ts-expect-error a GRU has no output gate o (r is a reset gate)
  expect(gru.gates[0].o).toBeUndefined()
  const rnn = new RNN({ inputSize: 3, hiddenSize: 2 }).forward(x, undefined, { recordGates: true })
  const hidden: Tensor = rnn.gates[0].h
  // @ts-expect-error a plain RNN has no cell state
  expect(rnn.gates[0].c).toBeUndefined()
  expect([forgetGate, update, hidden].map((t) => t.shape)).toEqual([[4, 1, 2], [4, 1, 2], [4, 1, 2]])
  const typed: [LSTMGates[], GRUGates[], RNNGates[]] = [lstm.gates, gru.gates, rnn.gates]
  expect(typed.map((traces) => Object.keys(traces[0]))).toEqual([GATE_NAMES.lstm, GATE_NAMES.gru, GATE_NAMES.rnn_tanh])
})

test('cells: the same per-cell types for one step', () => {
  const x = randn([2, 3])
  const lstm = new LSTMCell({ inputSize: 3, hiddenSize: 2 }).forward(x, undefined, { recordGates: true })
  const cellState: Tensor = lstm.gates.c
  // @ts-expect-error the LSTM's input gate is i, not `input`
  expect(lstm.gates.input).toBeUndefined()
  const gru = new GRUCell({ inputSize: 3, hiddenSize: 2 }).forward(x, undefined, { recordGates: true })
  const reset: Tensor = gru.gates.r
  // @ts-expect-error a GRU has no forget gate
  expect(gru.gates.f).toBeUndefined()
  const rnn = new RNNCell({ inputSize: 3, hiddenSize: 2 }).forward(x, undefined, { recordGates: true })
  const h: Tensor = rnn.gates.h
  // @ts-expect-error the plain RNN records h only
  expect(rnn.gates.g).toBeUndefined()
  expect([cellState, reset, h].map((t) => t.shape)).toEqual([[2, 2], [2, 2], [2, 2]])
})

test('every specific trace is a GateTrace: string-indexed code that handles any cell still takes them', () => {
  const x = randn([3, 1, 2])
  const byName = (trace: GateTrace, name: string): Tensor => trace[name]
  const traces: GateTrace[] = [
    ...new LSTM({ inputSize: 2, hiddenSize: 2 }).forward(x, undefined, { recordGates: true }).gates,
    ...new GRU({ inputSize: 2, hiddenSize: 2 }).forward(x, undefined, { recordGates: true }).gates,
    new RNNCell({ inputSize: 2, hiddenSize: 2 }).forward(x.squeeze(1), undefined, { recordGates: true }).gates,
  ]
  expect(traces.map((trace) => Object.keys(trace).map((name) => byName(trace, name).ndim))).toEqual([[3, 3, 3, 3, 3], [3, 3, 3], [2]])
})
