// Zero-size tensors flow through matmul, reductions, softmax, layout, losses and the layers as they do in
// PyTorch (a dim of size 0 is a shape like any other: [2, 3, 0]·[0, 4] is zeros [2, 3, 4]), and are refused,
// with the reason, exactly where PyTorch refuses them (a maximum of nothing, a -1 that any size would fill,
// a sequence of no steps).
import { Embedding, GRU, GRUCell, LSTM, LSTMCell, LayerNorm, Linear, RNN, Tensor, crossEntropy, matmul, split, tensor, zeros } from '../../src/index.js'
import { expectPlainError } from '../helpers/errors.js'

const leaf = (shape: number[], dtype: 'float32' | 'float64' = 'float32') => zeros(shape, { dtype, requiresGrad: true })
const values = (t: Tensor | null) => (t === null ? null : Array.from(t.data))

describe('matmul', () => {
  test.each(['float32', 'float64'] as const)('[2, 3, 0] · [0, 4] is zeros [2, 3, 4], and both gradients are empty (%s)', (dtype) => {
    const a = leaf([2, 3, 0], dtype)
    const b = leaf([0, 4], dtype)
    const y = matmul(a, b)
    expect(y.shape).toEqual([2, 3, 4])
    expect(y.dtype).toBe(dtype)
    expect(values(y)).toEqual(new Array(24).fill(0))
    y.sum().backward()
    expect(a.grad?.shape).toEqual([2, 3, 0])
    expect(b.grad?.shape).toEqual([0, 4])
  })

  test('an empty inner dim in every form: batched, vector, and products with an empty outer dim', () => {
    expect(values(matmul(zeros([2, 3, 0]), zeros([2, 0, 4])))).toEqual(new Array(24).fill(0))
    expect(matmul(zeros([5, 2, 3, 0]), zeros([0, 6])).shape).toEqual([5, 2, 3, 6])
    expect(values(matmul(zeros([3, 0]), zeros([0])))).toEqual([0, 0, 0])
    expect(matmul(zeros([0]), zeros([0])).item()).toBe(0)
    expect(matmul(zeros([0, 3]), zeros([3, 4])).shape).toEqual([0, 4])
    expect(matmul(zeros([5, 3]), zeros([3, 0])).shape).toEqual([5, 0])
    expect(matmul(zeros([0, 3, 5]), zeros([5, 4])).shape).toEqual([0, 3, 4])
  })

  test('the gradient of the non-empty operand is zeros of its shape (no rows contributed)', () => {
    const a = leaf([0, 3], 'float64')
    const b = tensor([[1, 2], [3, 4], [5, 6]], { dtype: 'float64', requiresGrad: true })
    matmul(a, b).sum().backward()
    expect(a.grad?.shape).toEqual([0, 3])
    expect(values(b.grad)).toEqual([0, 0, 0, 0, 0, 0])
  })
})

describe('reductions', () => {
  test('sum of nothing is 0 and mean is NaN (0 / 0), over everything or along the empty dim', () => {
    const x = zeros([0, 3])
    expect(x.sum().item()).toBe(0)
    expect(values(x.sum(0))).toEqual([0, 0, 0])
    expect(x.sum(1).shape).toEqual([0])
    expect(x.mean().item()).toBeNaN()
    expect(values(x.mean(0))).toEqual([NaN, NaN, NaN])
    expect(x.mean(1).shape).toEqual([0])
  })

  test('max along a dim of size > 0 of an empty tensor is empty (PyTorch: [0, 3].max(1) has shape [0])', () => {
    const x = leaf([0, 3])
    const m = x.max(1)
    expect(m.shape).toEqual([0])
    expect(x.max(1, true).shape).toEqual([0, 1])
    expect(zeros([2, 0, 3]).max(-1).shape).toEqual([2, 0])
    m.sum().backward()
    expect(x.grad?.shape).toEqual([0, 3])
  })

  test('max of nothing is refused, naming the empty dim (PyTorch refuses both)', () => {
    expectPlainError(() => zeros([0, 3]).max(), /max: the tensor is empty \(shape \[0, 3\]\)/, /pass a dim/)
    expectPlainError(() => zeros([0, 3]).max(0), /max: dim 0 of shape \[0, 3\] has size 0, so it has no maximum/)
    expectPlainError(() => zeros([3, 0]).argmax(-1), /argmax: dim -1 of shape \[3, 0\] has size 0/)
    expect(zeros([0, 3]).argmax(1).shape).toEqual([0])
  })
})

describe('softmax and layout', () => {
  test('softmax and logSoftmax of an empty tensor are empty, along either dim, with empty gradients', () => {
    for (const shape of [[3, 0], [0, 3]]) {
      for (const dim of [0, 1]) {
        const x = leaf(shape)
        expect(x.softmax(dim).shape).toEqual(shape)
        x.logSoftmax(dim).sum().backward()
        expect(x.grad?.shape).toEqual(shape)
      }
    }
  })

  test('split of an empty dim gives one empty piece, as PyTorch (size 0 is allowed only there)', () => {
    const pieces = split(zeros([0, 3]), 2)
    expect(pieces.map((p) => p.shape)).toEqual([[0, 3]])
    expect(zeros([4, 0]).split(3, 1).map((p) => p.shape)).toEqual([[4, 0]])
    expect(zeros([0, 3]).split(0).map((p) => p.shape)).toEqual([[0, 3]])
    expect(zeros([4, 3]).split([0, 4]).map((p) => p.shape)).toEqual([[0, 3], [4, 3]])
    expectPlainError(() => zeros([4, 3]).split(0), /split: expected a positive integer size, got 0/)
  })

  test('cat, slice, transpose, expand and reshape keep empty dims; a -1 that any size fills is refused, as in PyTorch', () => {
    expect(zeros([0, 3]).cat(tensor([[1, 2, 3]])).shape).toEqual([1, 3])
    expect(zeros([4, 3]).slice(0, 2, 2).shape).toEqual([0, 3])
    expect(zeros([2, 0, 3]).transpose(0, 2).shape).toEqual([3, 0, 2])
    expect(zeros([1, 3]).expand([0, 3]).shape).toEqual([0, 3])
    expect(zeros([0, 3]).reshape([3, -1]).shape).toEqual([3, 0])
    expectPlainError(() => zeros([0, 3]).reshape([0, -1]), /reshape: cannot reshape \[0, 3\] \(0 elements\) to \[0, -1\]/)
  })
})

describe('losses', () => {
  test('crossEntropy over no rows: mean NaN, sum 0, none [0] (PyTorch gives the same three)', () => {
    const logits = leaf([0, 5])
    expect(crossEntropy(logits, []).item()).toBeNaN()
    expect(crossEntropy(logits, [], { reduction: 'sum' }).item()).toBe(0)
    const none = crossEntropy(logits, tensor([], { dtype: 'int32' }), { reduction: 'none' })
    expect(none.shape).toEqual([0])
    crossEntropy(logits, [], { reduction: 'sum' }).backward()
    expect(logits.grad?.shape).toEqual([0, 5])
    expectPlainError(() => crossEntropy(zeros([2, 0]), [0, 0]), /at least one class, got shape \[2, 0\]/)
  })
})

describe('layers', () => {
  test('Linear, Embedding and LayerNorm map empty batches to empty batches; parameter gradients are zeros', () => {
    const linear = new Linear({ inFeatures: 4, outFeatures: 2, dtype: 'float64' })
    const y = linear.forward(zeros([0, 4], { dtype: 'float64' }))
    expect(y.shape).toEqual([0, 2])
    y.sum().backward()
    for (const p of linear.parameters()) expect(values(p.grad)?.every((v) => v === 0)).toBe(true)
    expect(new Embedding({ numEmbeddings: 4, embeddingDim: 2 }).forward(zeros([2, 0], { dtype: 'int32' })).shape).toEqual([2, 0, 2])
    expect(new LayerNorm({ normalizedShape: 4 }).forward(zeros([0, 4])).shape).toEqual([0, 4])
  })

  test.each([
    ['RNN', (o: { bidirectional: boolean; impl: 'fused' | 'reference' }) => new RNN({ inputSize: 3, hiddenSize: 2, numLayers: 2, ...o })],
    ['LSTM', (o: { bidirectional: boolean; impl: 'fused' | 'reference' }) => new LSTM({ inputSize: 3, hiddenSize: 2, numLayers: 2, ...o })],
    ['GRU', (o: { bidirectional: boolean; impl: 'fused' | 'reference' }) => new GRU({ inputSize: 3, hiddenSize: 2, numLayers: 2, ...o })],
  ])('%s over a batch of 0: output [T, 0, dirs·H], state [layers·dirs, 0, H], zero gradients; no steps is refused', (name, make) => {
    for (const impl of ['fused', 'reference'] as const) {
      for (const bidirectional of [false, true]) {
        const layer = make({ bidirectional, impl })
        const dirs = bidirectional ? 2 : 1
        const { output, h } = layer.forward(zeros([5, 0, 3]))
        expect(output.shape).toEqual([5, 0, 2 * dirs])
        expect(h.shape).toEqual([2 * dirs, 0, 2])
        output.sum().add(h.sum()).backward()
        for (const p of layer.parameters()) expect(values(p.grad)?.every((v) => v === 0)).toBe(true)
      }
      // PyTorch: "Expected sequence length to be larger than 0 in RNN"
      expectPlainError(() => make({ bidirectional: false, impl }).forward(zeros([0, 2, 3])), new RegExp(`${name}.forward: the sequence is empty`))
    }
  })

  test('LSTMCell and GRUCell over a batch of 0', () => {
    const lstm = new LSTMCell({ inputSize: 3, hiddenSize: 2 }).forward(zeros([0, 3]))
    expect([lstm.h.shape, lstm.c.shape]).toEqual([[0, 2], [0, 2]])
    expect(new GRUCell({ inputSize: 3, hiddenSize: 2 }).forward(zeros([0, 3])).h.shape).toEqual([0, 2])
  })
})
