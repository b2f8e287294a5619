// Parity with PyTorch on every committed fixture (scripts/gen-torch-fixtures.py): outputs, final states
// and the gradients of a random linear functional of all outputs, for cells and layers, along both the
// fused and the reference path, in float64 (≤ 1e-10) and float32 (≤ 1e-5).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { GRU, GRUCell, LSTM, LSTMCell, loadSafetensors, RNN, RNNCell, type Impl, type Module, type Tensor } from '../../src/index.js'

interface FixtureEntry {
  file: string
  metadata: Record<string, string>
}

const dir = join(__dirname, '..', 'fixtures')
const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { files: FixtureEntry[] }
const PARAM = /^(weight|bias)_(ih|hh)(_l\d+(_reverse)?)?$/

type Dtype = 'float32' | 'float64'
type Run = (inputs: Record<string, Tensor>) => Record<string, Tensor>

function maxAbsDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape)
  let worst = 0
  for (let i = 0; i < a.size; i++) worst = Math.max(worst, Math.abs(a.data[i] - b.data[i]))
  return worst
}

/** Builds the module a fixture describes and returns it with a function running it on the fixture's inputs. */
function build(meta: Record<string, string>, dtype: Dtype, impl: Impl): { module: Module; run: Run } {
  const flag = (key: string) => meta[key] === 'true'
  const mode = meta.mode
  const sizes = { inputSize: Number(meta.input_size), hiddenSize: Number(meta.hidden_size), bias: flag('bias'), dtype }
  if (meta.kind === 'cell') {
    if (mode === 'lstm') {
      const cell = new LSTMCell(sizes)
      return { module: cell, run: ({ input, h0, c0 }) => cell.forward(input, h0 === undefined ? undefined : { h: h0, c: c0 }) }
    }
    const cell = mode === 'gru' ? new GRUCell(sizes) : new RNNCell({ ...sizes, nonlinearity: mode === 'rnn_relu' ? 'relu' : 'tanh' })
    return { module: cell, run: ({ input, h0 }) => cell.forward(input, h0 === undefined ? undefined : { h: h0 }) }
  }
  const opts = { ...sizes, numLayers: Number(meta.num_layers), batchFirst: flag('batch_first'), bidirectional: flag('bidirectional'), impl }
  if (mode === 'lstm') {
    const layer = new LSTM(opts)
    return {
      module: layer,
      run: ({ input, h0, c0 }) => {
        const { output, h, c } = layer.forward(input, h0 === undefined ? undefined : { h: h0, c: c0 })
        return { output, h_n: h, c_n: c }
      },
    }
  }
  const layer = mode === 'gru' ? new GRU(opts) : new RNN({ ...opts, nonlinearity: mode === 'rnn_relu' ? 'relu' : 'tanh' })
  return {
    module: layer,
    run: ({ input, h0 }) => {
      const { output, h } = layer.forward(input, h0 === undefined ? undefined : { h: h0 })
      return { output, h_n: h }
    },
  }
}

const cases = index.files.flatMap((entry) =>
  (['float64', 'float32'] as const).flatMap((dtype) => (entry.metadata.kind === 'cell' ? ['fused' as const] : (['fused', 'reference'] as const)).map((impl) => ({ entry, dtype, impl }))),
)

test('every fixture kind is present: cells and layers of rnn_tanh, rnn_relu, lstm and gru', () => {
  const kinds = new Set(index.files.map((f) => `${f.metadata.kind}-${f.metadata.mode}`))
  expect([...kinds].sort()).toEqual(['cell-gru', 'cell-lstm', 'cell-rnn_relu', 'cell-rnn_tanh', 'layer-gru', 'layer-lstm', 'layer-rnn_relu', 'layer-rnn_tanh'])
})

test.each(cases.map((c) => [c.entry.file, c.dtype, c.impl, c] as const))('%s in %s along the %s path matches PyTorch', (_file, dtype, impl, { entry }) => {
  const tolerance = dtype === 'float64' ? 1e-10 : 1e-5
  const { tensors } = loadSafetensors(new Uint8Array(readFileSync(join(dir, entry.file))))
  const cast = (t: Tensor) => t.to(dtype).detach()
  const { module, run } = build(entry.metadata, dtype, impl)
  const weights = Object.fromEntries(Object.entries(tensors).filter(([key]) => PARAM.test(key)).map(([key, t]) => [key, cast(t)]))
  module.loadStateDict(weights)

  const inputs: Record<string, Tensor> = {}
  for (const name of ['input', 'h0', 'c0']) {
    if (tensors[name] === undefined) continue
    inputs[name] = cast(tensors[name])
    inputs[name].requiresGrad = true
  }
  const outputs = run(inputs)
  let loss: Tensor | null = null
  for (const [name, value] of Object.entries(outputs)) {
    expect(maxAbsDiff(value, tensors[name])).toBeLessThanOrEqual(tolerance)
    const term = value.mul(cast(tensors[`proj.${name}`])).sum()
    loss = loss === null ? term : loss.add(term)
  }
  ;(loss as Tensor).backward()

  const expected = Object.keys(tensors).filter((key) => key.startsWith('grad.'))
  expect(expected.length).toBeGreaterThan(0)
  const params = module.namedParameters()
  for (const key of expected) {
    const name = key.slice('grad.'.length)
    const got = (params[name] ?? inputs[name]).grad
    if (got === null) throw new Error(`${entry.file}: no gradient for ${name}`)
    expect(maxAbsDiff(got, tensors[key])).toBeLessThanOrEqual(tolerance)
  }
})
