// LSTM({ projSize }) against PyTorch's nn.LSTM(proj_size=…) on every committed fixture of
// scripts/gen-torch-proj-fixtures.py (test/fixtures/proj): 1 and 2 layers, one or two directions, with and
// without bias and initial state, batch-first and unbatched. Outputs, h_n, c_n and the gradients of a random
// linear functional of all three for every parameter (weight_hr included), the input and the initial state,
// along the fused and the reference path, in float64 (≤ 1e-10) and float32 (≤ 1e-5).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadSafetensors, LSTM, type Tensor } from '../../src/index.js'
import { maxDiff } from '../helpers/max-diff.js'

interface FixtureEntry {
  file: string
  metadata: Record<string, string>
}

const dir = join(__dirname, '..', 'fixtures', 'proj')
const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { files: FixtureEntry[] }
const PARAM = /^(weight_(ih|hh|hr)|bias_(ih|hh))_l\d+(_reverse)?$/

test('the fixtures cover 1 and 2 layers, both directions, bias or not, an initial state or not, and unbatched input', () => {
  const seen = (key: string) => new Set(index.files.map((f) => f.metadata[key]))
  expect(index.files.length).toBeGreaterThanOrEqual(6)
  expect([...seen('num_layers')].sort()).toEqual(['1', '2'])
  for (const key of ['bidirectional', 'bias', 'has_initial_state', 'batch_first', 'unbatched']) expect([...seen(key)].sort()).toEqual(['false', 'true'])
  for (const { metadata } of index.files) expect(Number(metadata.proj_size)).toBeLessThan(Number(metadata.hidden_size))
})

const cases = index.files.flatMap((entry) => (['float64', 'float32'] as const).flatMap((dtype) => (['fused', 'reference'] as const).map((impl) => [entry.file, dtype, impl, entry] as const)))

test.each(cases)('%s in %s along the %s path matches PyTorch', (_file, dtype, impl, entry) => {
  const tolerance = dtype === 'float64' ? 1e-10 : 1e-5
  const meta = entry.metadata
  const { tensors } = loadSafetensors(new Uint8Array(readFileSync(join(dir, entry.file))))
  const cast = (t: Tensor) => t.to(dtype).detach()
  const layer = new LSTM({
    inputSize: Number(meta.input_size), hiddenSize: Number(meta.hidden_size), projSize: Number(meta.proj_size), numLayers: Number(meta.num_layers),
    bias: meta.bias === 'true', batchFirst: meta.batch_first === 'true', bidirectional: meta.bidirectional === 'true', dtype, impl,
  })
  const weights = Object.fromEntries(Object.entries(tensors).filter(([key]) => PARAM.test(key)).map(([key, t]) => [key, cast(t)]))
  // the same names and shapes as PyTorch's state dict, in its order
  expect(Object.keys(layer.stateDict())).toEqual(Object.keys(weights))
  layer.loadStateDict(weights)

  const inputs: Record<string, Tensor> = {}
  for (const name of ['input', 'h0', 'c0']) {
    if (tensors[name] === undefined) continue
    inputs[name] = cast(tensors[name])
    inputs[name].requiresGrad = true
  }
  const { output, h, c } = layer.forward(inputs.input, inputs.h0 === undefined ? undefined : { h: inputs.h0, c: inputs.c0 })
  const outputs: Record<string, Tensor> = { output, h_n: h, c_n: c }
  let loss: Tensor | null = null
  for (const [name, value] of Object.entries(outputs)) {
    expect(value.shape).toEqual(tensors[name].shape)
    expect(maxDiff(value.data, tensors[name].data)).toBeLessThanOrEqual(tolerance)
    const term = value.mul(cast(tensors[`proj.${name}`])).sum()
    loss = loss === null ? term : loss.add(term)
  }
  ;(loss as Tensor).backward()

  const expected = Object.keys(tensors).filter((key) => key.startsWith('grad.'))
  expect(expected.filter((key) => key.startsWith('grad.weight_hr')).length).toBe(Number(meta.num_layers) * (meta.bidirectional === 'true' ? 2 : 1))
  const params = layer.namedParameters()
  for (const key of expected) {
    const name = key.slice('grad.'.length)
    const got = (params[name] ?? inputs[name]).grad
    if (got === null) throw new Error(`${entry.file}: no gradient for ${name}`)
    expect({ name, worst: maxDiff(got.data, tensors[key].data) <= tolerance }).toEqual({ name, worst: true })
  }
})
