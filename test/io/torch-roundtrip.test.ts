// A file seqgrad saves loads into PyTorch's nn.LSTM. test/fixtures/seqgrad-lstm.safetensors was written by
// this test (SEQGRAD_WRITE_FIXTURES=1) and checked in torch by
//   /usr/bin/python3 scripts/gen-torch-fixtures.py --check-seqgrad-file test/fixtures/seqgrad-lstm.safetensors
// Here seqgrad must still write exactly those bytes, so the torch check keeps holding.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadSafetensors, LSTM, manualSeed, randn, saveSafetensors } from '../../src/index.js'

const file = join(__dirname, '..', 'fixtures', 'seqgrad-lstm.safetensors')

function seqgradLstmFile(): Uint8Array {
  manualSeed(2024)
  const config = { inputSize: 5, hiddenSize: 4, numLayers: 2, bidirectional: true, batchFirst: true }
  const lstm = new LSTM(config)
  const input = randn([3, 6, 5])
  const { output } = lstm.forward(input)
  const metadata = { input_size: '5', hidden_size: '4', num_layers: '2', bidirectional: 'true', batch_first: 'true' }
  return saveSafetensors({ ...lstm.stateDict(), input, output: output.detach() }, metadata)
}

test('seqgrad writes the LSTM file that PyTorch loaded and reproduced', () => {
  const bytes = seqgradLstmFile()
  if (process.env.SEQGRAD_WRITE_FIXTURES === '1') writeFileSync(file, bytes)
  const committed = new Uint8Array(readFileSync(file))
  expect(Buffer.compare(Buffer.from(bytes), Buffer.from(committed))).toBe(0)
  const { tensors } = loadSafetensors(committed)
  expect(Object.keys(tensors)).toContain('weight_hh_l1_reverse')
  expect(tensors.output.shape).toEqual([3, 6, 8])
})
