// Single-step cell modules: gradcheck through each cell, unbatched input, and errors that name the problem.
import fc from 'fast-check'
import { GRUCell, gradcheck, LSTMCell, randn, RNNCell, type Tensor } from '../../src/index.js'

const size = fc.integer({ min: 1, max: 3 })
const leaf = (shape: number[]) => randn(shape, { dtype: 'float64', requiresGrad: true })

test('gradcheck passes through every cell, for the input, the state and every weight', () => {
  fc.assert(
    fc.property(size, size, size, fc.boolean(), fc.constantFrom('rnn_tanh', 'rnn_relu', 'lstm', 'gru'), (B, D, H, bias, kind) => {
      const x = leaf([B, D])
      const h = leaf([B, H])
      const c = leaf([B, H])
      const opts = { inputSize: D, hiddenSize: H, bias, dtype: 'float64' as const }
      if (kind === 'lstm') {
        const cell = new LSTMCell(opts)
        const run = (xs: Tensor, hs: Tensor, cs: Tensor) => {
          const next = cell.forward(xs, { h: hs, c: cs })
          return next.h.cat(next.c, -1)
        }
        return gradcheck(run, [x, h, c, ...cell.parameters()])
      }
      const cell = kind === 'gru' ? new GRUCell(opts) : new RNNCell({ ...opts, nonlinearity: kind === 'rnn_relu' ? 'relu' : 'tanh' })
      return gradcheck((xs: Tensor, hs: Tensor) => cell.forward(xs, { h: hs }).h, [x, h, ...cell.parameters()])
    }),
    { numRuns: 30 },
  )
})

test('an unbatched step equals the same step with a batch of one', () => {
  const cell = new LSTMCell({ inputSize: 3, hiddenSize: 2, dtype: 'float64' })
  const x = randn([3], { dtype: 'float64' })
  const h = randn([2], { dtype: 'float64' })
  const c = randn([2], { dtype: 'float64' })
  const single = cell.forward(x, { h, c })
  const batched = cell.forward(x.unsqueeze(0), { h: h.unsqueeze(0), c: c.unsqueeze(0) })
  expect(single.h.shape).toEqual([2])
  expect(Array.from(single.h.data)).toEqual(Array.from(batched.h.data))
  expect(Array.from(single.c.data)).toEqual(Array.from(batched.c.data))
})

test('state-dict keys are PyTorch’s', () => {
  expect(Object.keys(new GRUCell({ inputSize: 2, hiddenSize: 3 }).stateDict())).toEqual(['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'])
  const shapes = Object.values(new LSTMCell({ inputSize: 2, hiddenSize: 3, bias: false }).stateDict()).map((t) => t.shape)
  expect(shapes).toEqual([[12, 2], [12, 3]])
})

test('bad input and options are errors that say what was expected and what came', () => {
  const cell = new LSTMCell({ inputSize: 3, hiddenSize: 2 })
  expect(() => cell.forward(randn([4, 5]))).toThrow(/LSTMCell.forward: x must be \[B, 3\] or \[3\]; got shape \[4, 5\]/)
  expect(() => cell.forward(randn([4, 3]), { h: randn([4, 2]) } as { h: Tensor; c: Tensor })).toThrow(/both h and c/)
  expect(() => cell.forward(randn([4, 3]), { h: randn([4, 3]), c: randn([4, 2]) })).toThrow(/h must be float32 \[4, 2\]; got float32 \[4, 3\]/)
  expect(() => cell.forward(randn([4, 3], { dtype: 'float64' }))).toThrow(/x is float64 but the cell's parameters are float32/)
  expect(() => new RNNCell({ inputSize: 3, hiddenSize: 2, nonlinearity: 'sigmoid' as 'tanh' })).toThrow(/nonlinearity must be one of 'tanh', 'relu', 'linear', got the string "sigmoid"/)
  expect(() => new GRUCell({ inputSize: 3, hiddenSize: 1.5 })).toThrow(/hiddenSize must be a positive integer, got number 1.5/)
})
