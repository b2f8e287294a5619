// Optimizers against PyTorch (scripts/gen-torch-fixtures.py, optim-*.safetensors): the same GRU
// classifier, data and initial weights, the same steps (dropped grads, clip_grad_norm_), and after every
// step the same parameters (≤ 1e-9, float64); at the end the same state buffers and step counts.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadSafetensors, type Tensor } from '../../src/index.js'
import { Adam, AdamW } from '../../src/optim/adam.js'
import { clipGradNorm } from '../../src/optim/clip.js'
import type { Optimizer } from '../../src/optim/optimizer.js'
import { RMSprop } from '../../src/optim/rmsprop.js'
import { SGD } from '../../src/optim/sgd.js'
import { maxDiff } from '../helpers/max-diff.js'
import { GRUClassifier, lossAndGrad } from './gru-classifier.js'

interface FixtureEntry {
  file: string
  metadata: Record<string, string>
}

const dir = join(__dirname, '..', 'fixtures')
const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { optim_files: FixtureEntry[] }
const entries = index.optim_files

const camel = (key: string) => key.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase())

function makeOptimizer(name: string, params: Tensor[], torchOptions: Record<string, unknown>): Optimizer {
  const opts = Object.fromEntries(Object.entries(torchOptions).map(([k, v]) => [camel(k), v]))
  switch (name) {
    case 'SGD':
      return new SGD(params, opts as unknown as ConstructorParameters<typeof SGD>[1])
    case 'Adam':
      return new Adam(params, opts)
    case 'AdamW':
      return new AdamW(params, opts)
    case 'RMSprop':
      return new RMSprop(params, opts)
  }
  throw new Error(`unknown optimizer ${name}`)
}

test('the fixtures cover every optimizer, with and without clipping (2-, 1- and ∞-norm), and dropped grads', () => {
  const names = new Set(entries.map((e) => e.metadata.optimizer))
  expect([...names].sort()).toEqual(['Adam', 'AdamW', 'RMSprop', 'SGD'])
  const clips = entries.map((e) => JSON.parse(e.metadata.clip) as { norm_type: number | string } | null)
  expect(clips.filter((c) => c === null).length).toBeGreaterThan(10)
  expect(new Set(clips.filter((c) => c !== null).map((c) => String(c?.norm_type)))).toEqual(new Set(['2', '1', 'inf']))
  for (const name of names) expect(entries.some((e) => e.metadata.optimizer === name && e.metadata.clip !== 'null')).toBe(true)
  expect(entries.filter((e) => e.metadata.skip_grads !== '{}').length).toBeGreaterThanOrEqual(3)
})

test.each(entries.map((e) => [e.file, e] as const))('%s matches PyTorch step by step', (_file, { file, metadata: meta }) => {
  const { tensors } = loadSafetensors(new Uint8Array(readFileSync(join(dir, file))))
  const model = new GRUClassifier({ inputSize: Number(meta.input_size), hiddenSize: Number(meta.hidden_size), numClasses: Number(meta.num_classes) })
  const named = model.namedParameters()
  const names = Object.keys(named)
  model.loadStateDict(Object.fromEntries(names.map((name) => [name, tensors[name]])))
  const optimizer = makeOptimizer(meta.optimizer, model.parameters(), JSON.parse(meta.options) as Record<string, unknown>)
  const clip = JSON.parse(meta.clip) as { max_norm: number; norm_type: number | 'inf' } | null
  const skip = JSON.parse(meta.skip_grads) as Record<string, string[]>
  const x = tensors.input
  const target = tensors.target.data

  for (let k = 1; k <= Number(meta.steps); k++) {
    optimizer.zeroGrad()
    const loss = lossAndGrad(model, x, target)
    expect(Math.abs(loss - tensors.loss.data[k - 1])).toBeLessThanOrEqual(1e-12)
    for (const name of skip[String(k)] ?? []) named[name].grad = null
    if (clip !== null) {
      const total = clipGradNorm(model.parameters(), clip.max_norm, clip.norm_type === 'inf' ? Infinity : clip.norm_type)
      expect(Math.abs(total - tensors.total_norm.data[k - 1])).toBeLessThanOrEqual(1e-12)
    }
    optimizer.step()
    for (const name of names) {
      const diff = maxDiff(named[name].data, tensors[`step${k}.${name}`].data)
      if (diff > 1e-9) throw new Error(`${file}: step ${k}, ${name} differs from PyTorch by ${diff}`)
    }
  }

  // The state PyTorch ends with, under the same names and indices.
  const { tensors: state, config } = optimizer.stateDict()
  const expectedState = Object.keys(tensors).filter((key) => key.startsWith('state.'))
  expect(Object.keys(state).sort()).toEqual(expectedState.sort())
  for (const key of expectedState) expect(maxDiff(state[key].data, tensors[key].data)).toBeLessThanOrEqual(1e-9)
  const steps = Object.fromEntries(Object.entries(config).filter(([key]) => key.endsWith('.step')).map(([key, v]) => [key.split('.')[1], v]))
  expect(steps).toEqual(JSON.parse(meta.final_steps))
  expect(config.type).toBe(meta.optimizer)
})
