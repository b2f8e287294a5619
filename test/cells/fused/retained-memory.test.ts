// One long sequence must not pin memory for the life of the page. The fused backward keeps its scratch
// between calls only up to 16 MiB a buffer (matmul's policy for its pack buffer), and the SIMD matmul's
// module memory, which WebAssembly can never shrink, holds a bounded block of rows whatever the row count
// (the input projection of a sequence has T·B rows). Results stay what they were: compared here with the
// same products and layers before any large call.
import { LSTM, Tensor, manualSeed, randn } from '../../../src/index.js'
import { retainedWorkspaceBytes } from '../../../src/cells/fused/sequence.js'
import { matmulInto } from '../../../src/tensor/kernels/matmul.js'
import { hasSimd, simdMemoryBytes } from '../../../src/tensor/kernels/simd-gemm.js'

const MiB = 2 ** 20

function gradients(layer: LSTM, x: Tensor): number[][] {
  layer.zeroGrad()
  layer.forward(x).output.sum().backward()
  return layer.parameters().map((p) => Array.from(p.grad?.data ?? []))
}

test('the fused backward keeps a small sequence’s scratch, but not a long one’s (over 16 MiB a buffer)', () => {
  manualSeed(5)
  const layer = new LSTM({ inputSize: 3, hiddenSize: 16 })
  const short = randn([20, 16, 3])
  const before = gradients(layer, short)
  const kept = retainedWorkspaceBytes()
  expect(kept).toBeGreaterThanOrEqual(20 * 16 * 64 * 4) // da of the short sequence: T·B·4H float32
  expect(kept).toBeLessThanOrEqual(16 * MiB)
  // T·B·4H = 4200·16·64 floats = 17.2 MB, over the limit: allocated for its call, then left to the collector
  gradients(layer, randn([4200, 16, 3]))
  expect(retainedWorkspaceBytes()).toBe(kept)
  // the kept scratch still serves the short sequence, with the same gradients bit for bit
  expect(gradients(layer, short)).toEqual(before)
})

test('every kept buffer is at most 16 MiB, float64 too, and a larger call never replaces a kept one', () => {
  manualSeed(6)
  const layer = new LSTM({ inputSize: 2, hiddenSize: 16, dtype: 'float64' })
  gradients(layer, randn([10, 8, 2], { dtype: 'float64' }))
  const kept = retainedWorkspaceBytes()
  // 4200·8·64 doubles = 17.2 MB: not kept
  gradients(layer, randn([4200, 8, 2], { dtype: 'float64' }))
  expect(retainedWorkspaceBytes()).toBe(kept)
  // 4000·8·64 doubles = 16.4 MB, under 16 MiB (16.8 MB): kept
  gradients(layer, randn([4000, 8, 2], { dtype: 'float64' }))
  expect(retainedWorkspaceBytes()).toBeGreaterThan(kept)
  expect(retainedWorkspaceBytes()).toBeLessThanOrEqual(2 * 16 * MiB)
})

const describeSimd = hasSimd() ? describe : describe.skip

describeSimd('the SIMD matmul’s WebAssembly memory', () => {
  /** Rows `rows` of a·b for a [·, k], b [k, n], by plain double loops, rounded to float32 once per element. */
  function reference(a: Float32Array, b: Float32Array, k: number, n: number, rows: number[]): number[] {
    return rows.flatMap((i) => Array.from({ length: n }, (_, j) => {
      let acc = 0
      for (let p = 0; p < k; p++) acc += a[i * k + p] * b[p * n + j]
      return Math.fround(acc)
    }))
  }

  test('a product of 20,000 rows does not grow it past a bounded block (8 MiB of C rows), and is right', () => {
    const [m, k, n] = [20000, 16, 512]
    const a = Float32Array.from({ length: m * k }, (_, i) => ((i * 37) % 101) / 50 - 1)
    const b = Float32Array.from({ length: k * n }, (_, i) => ((i * 53) % 97) / 48 - 1)
    const out = new Float32Array(m * n)
    matmulInto(out, a, b, m, k, n)
    expect(simdMemoryBytes()).toBeLessThanOrEqual(12 * MiB) // a block sized by m would be 20000·512·4 = 41 MB
    const rows = [0, 1, 4095, 4096, 4097, 8191, 8192, 12345, 19996, 19999]
    const got = rows.flatMap((i) => Array.from(out.subarray(i * n, (i + 1) * n)))
    const want = reference(a, b, k, n, rows)
    got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[i]))))
  })

  test('a long sequence through an LSTM leaves the memory bounded too', () => {
    manualSeed(7)
    const layer = new LSTM({ inputSize: 8, hiddenSize: 64 })
    gradients(layer, randn([3000, 4, 8])) // input projection and dx: 12,000 rows each
    expect(simdMemoryBytes()).toBeLessThanOrEqual(12 * MiB)
  })
})
