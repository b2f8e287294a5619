// The Keras mapping against the fixtures: the script derived Keras-layout weights from PyTorch's with
// Keras's documented layout (and checked Keras's equations on them), so importing them must give back
// a layer with PyTorch's outputs, and exporting PyTorch's weights must give exactly those arrays.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { fromKerasWeights, GRU, loadSafetensors, LSTM, randn, RNN, toKerasWeights, type KerasKind, type Tensor } from '../../src/index.js'

const dir = join(__dirname, '..', 'fixtures')
const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { files: { file: string; metadata: Record<string, string>; tensors: Record<string, number[]> }[] }
const kerasFixtures = index.files.filter((f) => 'keras.kernel' in f.tensors)
const KIND: Record<string, KerasKind> = { rnn_tanh: 'simple_rnn', lstm: 'lstm', gru: 'gru' }

function maxDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape)
  let worst = 0
  for (let i = 0; i < a.size; i++) worst = Math.max(worst, Math.abs(a.data[i] - b.data[i]))
  return worst
}

function layerFor(kind: KerasKind, meta: Record<string, string>) {
  const opts = { inputSize: Number(meta.input_size), hiddenSize: Number(meta.hidden_size), batchFirst: meta.batch_first === 'true', dtype: 'float64' as const }
  return kind === 'lstm' ? new LSTM(opts) : kind === 'gru' ? new GRU(opts) : new RNN(opts)
}

test('there are Keras fixtures for SimpleRNN, LSTM and GRU', () => {
  expect(new Set(kerasFixtures.filter((f) => f.metadata.mode in KIND).map((f) => KIND[f.metadata.mode]))).toEqual(new Set(['simple_rnn', 'lstm', 'gru']))
})

test.each(kerasFixtures.filter((f) => f.metadata.mode in KIND).map((f) => [f.file, f] as const))('%s: Keras weights load into a layer with PyTorch’s outputs, and export back exactly', (_name, fixture) => {
  const kind = KIND[fixture.metadata.mode]
  const { tensors } = loadSafetensors(new Uint8Array(readFileSync(join(dir, fixture.file))))
  const keras = { kernel: tensors['keras.kernel'], recurrentKernel: tensors['keras.recurrent_kernel'], bias: tensors['keras.bias'] }
  const layer = layerFor(kind, fixture.metadata)
  layer.loadStateDict(fromKerasWeights(kind, keras))
  const state = tensors.h0 === undefined ? undefined : { h: tensors.h0, c: tensors.c0 }
  const result = layer instanceof LSTM ? layer.forward(tensors.input, state as { h: Tensor; c: Tensor } | undefined) : layer.forward(tensors.input, state)
  expect(maxDiff(result.output, tensors.output)).toBeLessThanOrEqual(1e-12)

  const exported = toKerasWeights(kind, tensors)
  expect(maxDiff(exported.kernel, keras.kernel)).toBe(0)
  expect(maxDiff(exported.recurrentKernel, keras.recurrentKernel)).toBe(0)
  expect(maxDiff(exported.bias as Tensor, keras.bias)).toBeLessThanOrEqual(1e-15) // LSTM and SimpleRNN sum two biases
})

test('fromKerasWeights ∘ toKerasWeights keeps what the layer computes, for every kind', () => {
  fc.assert(
    fc.property(fc.constantFrom<KerasKind>('simple_rnn', 'lstm', 'gru'), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), (kind, D, H) => {
      const meta = { input_size: String(D), hidden_size: String(H), batch_first: 'false' }
      const original = layerFor(kind, meta)
      const copy = layerFor(kind, meta)
      copy.loadStateDict(fromKerasWeights(kind, toKerasWeights(kind, original.stateDict())))
      const x = randn([3, 2, D], { dtype: 'float64' })
      expect(maxDiff(copy.forward(x).output, original.forward(x).output)).toBeLessThanOrEqual(1e-14)
    }),
    { numRuns: 30 },
  )
})

test('mis-shaped Keras weights are errors naming the array and both shapes', () => {
  const kernel = randn([3, 8])
  expect(() => fromKerasWeights('lstm', { kernel, recurrentKernel: randn([2, 6]) })).toThrow(/recurrentKernel must have shape \[2, 8\], got \[2, 6\]/)
  expect(() => fromKerasWeights('gru', { kernel: randn([3, 6]), recurrentKernel: randn([2, 6]), bias: randn([6]) })).toThrow(/bias must have shape \[2, 6\], got \[6\]/)
  expect(() => fromKerasWeights('lstm_v2' as KerasKind, { kernel, recurrentKernel: randn([2, 8]) })).toThrow(/kind must be 'simple_rnn', 'lstm' or 'gru'/)
})
