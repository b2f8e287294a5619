// A projected LSTM that seqgrad saves loads into PyTorch's nn.LSTM(proj_size=…).
// test/fixtures/proj/seqgrad-lstm-proj.safetensors was written by this test (SEQGRAD_WRITE_FIXTURES=1) and
// checked in torch by
//   /usr/bin/python3 scripts/gen-torch-proj-fixtures.py --check-seqgrad-file test/fixtures/proj/seqgrad-lstm-proj.safetensors
// which loads the weights with load_state_dict(strict=True), runs them from h0, c0 and compares output, h_n
// and c_n. Here seqgrad must still write the same weights and inputs bit for bit, and compute the same
// results within float32 rounding (kernels may change the order of a sum), so the torch check keeps holding.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadSafetensors, LSTM, manualSeed, randn, saveSafetensors, type Tensor } from '../../src/index.js'
import { maxDiff } from '../helpers/max-diff.js'

const file = join(__dirname, '..', 'fixtures', 'proj', 'seqgrad-lstm-proj.safetensors')

function seqgradLstm() {
  manualSeed(2025)
  const lstm = new LSTM({ inputSize: 5, hiddenSize: 6, projSize: 3, numLayers: 2, bidirectional: true, batchFirst: true })
  const input = randn([2, 4, 5])
  const h0 = randn([4, 2, 3])
  const c0 = randn([4, 2, 6])
  const { output, h, c } = lstm.forward(input, { h: h0, c: c0 })
  return { lstm, inputs: { input, h0, c0 }, results: { output: output.detach(), h_n: h.detach(), c_n: c.detach() } }
}

test('seqgrad writes the projected LSTM file that PyTorch loaded and reproduced', () => {
  const { lstm, inputs, results } = seqgradLstm()
  if (process.env.SEQGRAD_WRITE_FIXTURES === '1') {
    const metadata = { input_size: '5', hidden_size: '6', proj_size: '3', num_layers: '2', bidirectional: 'true', batch_first: 'true', bias: 'true' }
    writeFileSync(file, saveSafetensors({ ...lstm.stateDict(), ...inputs, ...results }, metadata))
  }
  const { tensors, metadata } = loadSafetensors(new Uint8Array(readFileSync(file)))
  expect(metadata.proj_size).toBe('3')
  const ours: Record<string, Tensor> = { ...lstm.stateDict(), ...inputs }
  expect(Object.keys(tensors).sort()).toEqual([...Object.keys(ours), ...Object.keys(results)].sort())
  expect(Object.keys(ours).filter((k) => k.startsWith('weight_hr'))).toEqual(['weight_hr_l0', 'weight_hr_l0_reverse', 'weight_hr_l1', 'weight_hr_l1_reverse'])
  for (const [name, t] of Object.entries(ours)) expect(Array.from(t.data)).toEqual(Array.from(tensors[name].data))
  expect([results.output.shape, results.h_n.shape, results.c_n.shape]).toEqual([[2, 4, 6], [4, 2, 3], [4, 2, 6]])
  for (const [name, t] of Object.entries(results)) {
    expect(t.shape).toEqual(tensors[name].shape)
    expect(maxDiff(t.data, tensors[name].data)).toBeLessThanOrEqual(1e-6)
  }
})
