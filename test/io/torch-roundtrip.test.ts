// A file seqgrad saves loads into PyTorch's nn.LSTM. test/fixtures/seqgrad-lstm.safetensors was written by
// this test (SEQGRAD_WRITE_FIXTURES=1) and checked in torch by
//   /usr/bin/python3 scripts/gen-torch-fixtures.py --check-seqgrad-file test/fixtures/seqgrad-lstm.safetensors
// Here seqgrad must still write the same weights and input bit for bit, and compute the same output within
// float32 rounding (kernels may change the order of a sum), so the torch check keeps holding.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadSafetensors, LSTM, manualSeed, randn, saveSafetensors, type Tensor } from '../../src/index.js'

const file = join(__dirname, '..', 'fixtures', 'seqgrad-lstm.safetensors')

function seqgradLstm() {
  manualSeed(2024)
  const lstm = new LSTM({ inputSize: 5, hiddenSize: 4, numLayers: 2, bidirectional: true, batchFirst: true })
  const input = randn([3, 6, 5])
  return { lstm, input, output: lstm.forward(input).output.detach() }
}

test('seqgrad writes the LSTM file that PyTorch loaded and reproduced', () => {
  const { lstm, input, output } = seqgradLstm()
  if (process.env.SEQGRAD_WRITE_FIXTURES === '1') {
    const metadata = { input_size: '5', hidden_size: '4', num_layers: '2', bidirectional: 'true', batch_first: 'true' }
    writeFileSync(file, saveSafetensors({ ...lstm.stateDict(), input, output }, metadata))
  }
  const { tensors } = loadSafetensors(new Uint8Array(readFileSync(file)))
  const ours: Record<string, Tensor> = { ...lstm.stateDict(), input }
  expect(Object.keys(tensors).sort()).toEqual([...Object.keys(ours), 'output'].sort())
  for (const [name, t] of Object.entries(ours)) expect(Array.from(t.data)).toEqual(Array.from(tensors[name].data))
  expect(output.shape).toEqual([3, 6, 8])
  let worst = 0
  for (let i = 0; i < output.size; i++) worst = Math.max(worst, Math.abs(output.data[i] - tensors.output.data[i]))
  expect(worst).toBeLessThanOrEqual(1e-6)
})
