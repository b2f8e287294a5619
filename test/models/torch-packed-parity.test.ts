// Parity with PyTorch's packed sequences (scripts/gen-torch-packed-fixtures.py: pack_padded_sequence with
// enforce_sorted=False → nn.RNN / nn.LSTM / nn.GRU → pad_packed_sequence) for forward(x, state, { lengths }):
// outputs, final states and the gradients of every parameter, the input and the initial state, along both
// paths, in float64 (≤ 1e-10) and float32 (≤ 1e-5).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { GRU, LSTM, RNN, loadSafetensors, type Impl, type Tensor } from '../../src/index.js'

interface FixtureEntry {
  file: string
  metadata: Record<string, string>
}

const dir = join(__dirname, '..', 'fixtures', 'packed')
const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { files: FixtureEntry[] }
const PARAM = /^(weight_(ih|hh|hr)|bias_(ih|hh))_l\d+(_reverse)?$/

function maxAbsDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape)
  let worst = 0
  for (let i = 0; i < a.size; i++) worst = Math.max(worst, Math.abs(a.data[i] - b.data[i]))
  return worst
}

test('the fixtures cover rnn_tanh, lstm and gru, two layers both ways, with lengths T and 1 unsorted, and a projected LSTM', () => {
  expect(index.files.filter((f) => f.metadata.proj_size !== '0').map((f) => f.file)).toEqual(['packed-lstm_proj-0.safetensors'])
  const modes = new Set(index.files.map((f) => f.metadata.mode))
  expect([...modes].sort()).toEqual(['gru', 'lstm', 'rnn_tanh'])
  for (const mode of modes) {
    const deep = index.files.filter((f) => f.metadata.mode === mode && f.metadata.num_layers === '2' && f.metadata.bidirectional === 'true')
    expect(deep.length).toBeGreaterThan(0)
    for (const { metadata } of deep) {
      const lengths = metadata.lengths.split(',').map(Number)
      expect(lengths).toContain(Number(metadata.seq_len))
      expect(lengths).toContain(1)
      expect([...lengths].sort((a, b) => b - a)).not.toEqual(lengths)
    }
  }
})

const cases = index.files.flatMap((entry) => (['float64', 'float32'] as const).flatMap((dtype) => (['fused', 'reference'] as const).map((impl) => [entry.file, dtype, impl, entry] as const)))

test.each(cases)('%s in %s along the %s path matches PyTorch', (_file, dtype, impl: Impl, { file, metadata: meta }) => {
  const tolerance = dtype === 'float64' ? 1e-10 : 1e-5
  const { tensors } = loadSafetensors(new Uint8Array(readFileSync(join(dir, file))))
  const cast = (t: Tensor) => t.to(dtype).detach()
  const opts = {
    inputSize: Number(meta.input_size), hiddenSize: Number(meta.hidden_size), numLayers: Number(meta.num_layers), bias: meta.bias === 'true',
    batchFirst: meta.batch_first === 'true', bidirectional: meta.bidirectional === 'true', dtype, impl,
  }
  const projSize = Number(meta.proj_size)
  const layer = meta.mode === 'lstm' ? new LSTM(projSize > 0 ? { ...opts, projSize } : opts) : meta.mode === 'gru' ? new GRU(opts) : new RNN(opts)
  layer.loadStateDict(Object.fromEntries(Object.entries(tensors).filter(([key]) => PARAM.test(key)).map(([key, t]) => [key, cast(t)])))
  const inputs: Record<string, Tensor> = {}
  for (const name of ['input', 'h0', 'c0']) {
    if (tensors[name] === undefined) continue
    inputs[name] = cast(tensors[name])
    inputs[name].requiresGrad = true
  }
  const lengths = tensors.lengths // int32 [B], as PyTorch's lengths
  const { input, h0, c0 } = inputs
  let outputs: Record<string, Tensor>
  if (layer instanceof LSTM) {
    const r = layer.forward(input, h0 && c0 && { h: h0, c: c0 }, { lengths })
    outputs = { output: r.output, h_n: r.h, c_n: r.c }
  } else {
    const r = layer.forward(input, h0 && { h: h0 }, { lengths })
    outputs = { output: r.output, h_n: r.h }
  }
  let loss: Tensor | null = null
  for (const [name, value] of Object.entries(outputs)) {
    expect(maxAbsDiff(value, tensors[name])).toBeLessThanOrEqual(tolerance)
    const term = value.mul(cast(tensors[`proj.${name}`])).sum()
    loss = loss === null ? term : loss.add(term)
  }
  ;(loss as Tensor).backward()
  const expected = Object.keys(tensors).filter((key) => key.startsWith('grad.'))
  expect(expected.length).toBe(layer.parameters().length + Object.keys(inputs).length)
  const params = layer.namedParameters()
  for (const key of expected) {
    const name = key.slice('grad.'.length)
    const got = (params[name] ?? inputs[name]).grad
    if (got === null) throw new Error(`${file}: no gradient for ${name}`)
    expect(maxAbsDiff(got, tensors[key])).toBeLessThanOrEqual(tolerance)
  }
})
