// Matrix-multiply kernels on float32: GFLOP/s (2·m·n·k per second) for every variant, each
// compared with the i-k-j loop measured in the same process. The machine's load varies from
// second to second, so each figure is the median of several timed runs after a warm-up.
import type { TypedArray } from '../tensor/dtype.js'
import { matmulInto, matmulTransAInto, matmulTransBInto, scalarMatmulInto } from '../tensor/kernels/matmul.js'
import { matmulIJK, matmulIKJ, matmulRows4, matmulTiled4x4, matmulTransposedDot } from './matmul-variants.js'

type Kernel = (out: TypedArray, a: TypedArray, b: TypedArray, m: number, k: number, n: number) => void

interface Variant {
  name: string
  kernel: Kernel
}

interface Shape {
  m: number
  k: number
  n: number
}

const SHAPES: Shape[] = [
  { m: 32, k: 193, n: 512 },
  { m: 512, k: 512, n: 512 },
]

const NN_VARIANTS: Variant[] = [
  { name: 'i-j-k (naive)', kernel: matmulIJK },
  { name: 'i-k-j (baseline)', kernel: matmulIKJ },
  { name: 'transpose B, dot products', kernel: matmulTransposedDot },
  { name: 'i-k-j, 4 rows at once', kernel: matmulRows4 },
  { name: '4×4 register tile', kernel: matmulTiled4x4 },
  { name: 'packed 4×4 tile (scalar path)', kernel: scalarMatmulInto },
  { name: 'f32x4 SIMD 4×8 tile = matmulInto', kernel: matmulInto },
]

// Random data of the right size serves these too: they read it in another order, at equal cost.
const TRANSPOSED_VARIANTS: Variant[] = [
  { name: 'a·bᵀ  matmulTransBInto', kernel: matmulTransBInto },
  { name: 'aᵀ·b  matmulTransAInto', kernel: matmulTransAInto },
]

const REPEATS = 7
const SAMPLE_SECONDS = 0.15
const WARMUP_SECONDS = 0.3

function randomArray(size: number): Float32Array {
  const x = new Float32Array(size)
  for (let i = 0; i < size; i++) x[i] = Math.random() * 2 - 1
  return x
}

/** performance.now() exists in Node and in browsers alike, so the benchmarks can run anywhere. */
function secondsSince(start: number): number {
  return (performance.now() - start) / 1000
}

/** Median seconds per call; calls are batched so each timed sample lasts about SAMPLE_SECONDS. */
function secondsPerCall(kernel: Kernel, shape: Shape, out: TypedArray, a: TypedArray, b: TypedArray): number {
  const { m, k, n } = shape
  // Warm-up long enough for the optimizing compiler, and an estimate of one call's cost.
  let calls = 0
  const warmStart = performance.now()
  while (calls < 3 || secondsSince(warmStart) < WARMUP_SECONDS) {
    kernel(out, a, b, m, k, n)
    calls++
  }
  const callsPerSample = Math.max(1, Math.round(SAMPLE_SECONDS / (secondsSince(warmStart) / calls)))
  const samples: number[] = []
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now()
    for (let c = 0; c < callsPerSample; c++) kernel(out, a, b, m, k, n)
    samples.push(secondsSince(start) / callsPerSample)
  }
  samples.sort((x, y) => x - y)
  return samples[Math.floor(samples.length / 2)]
}

function measureAll(variants: Variant[]): number[][] {
  const gflops = variants.map(() => SHAPES.map(() => 0))
  SHAPES.forEach((shape, s) => {
    const { m, k, n } = shape
    const a = randomArray(m * k)
    const b = randomArray(k * n)
    const out = new Float32Array(m * n)
    variants.forEach(({ kernel }, v) => {
      gflops[v][s] = (2 * m * n * k) / secondsPerCall(kernel, shape, out, a, b) / 1e9
    })
  })
  return gflops
}

export function runMatmulBench(): void {
  const variants = [...NN_VARIANTS, ...TRANSPOSED_VARIANTS]
  const gflops = measureAll(variants)
  const baseline = gflops[variants.findIndex((variant) => variant.kernel === matmulIKJ)]

  const nameWidth = Math.max(...variants.map((variant) => variant.name.length)) + 2
  const cellWidth = 20
  console.log(`\nMatrix multiply, float32: GFLOP/s (median of ${REPEATS}) and speed relative to i-k-j`)
  console.log(' '.repeat(nameWidth) + SHAPES.map(({ m, k, n }) => `${m}×${k}·${k}×${n}`.padStart(cellWidth)).join(''))
  variants.forEach(({ name }, v) => {
    if (v === NN_VARIANTS.length) console.log('transposed products (backward pass):')
    const cells = SHAPES.map((_, s) => `${gflops[v][s].toFixed(2).padStart(8)}  ${(gflops[v][s] / baseline[s]).toFixed(2).padStart(6)}×`)
    console.log(name.padEnd(nameWidth) + cells.map((cell) => cell.padStart(cellWidth)).join(''))
  })
}
