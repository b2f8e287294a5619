// Without WebAssembly (some edge runtimes), or where compiling it fails (no SIMD, a strict CSP), the float32
// matmul entry points run the scalar double-accumulating kernel and still give the product. Each case loads
// a fresh copy of matmul.ts and simd-gemm.ts with the global WebAssembly removed or replaced while their
// kernel is first asked for (the compile attempt is made once and cached by the module).
type MatmulModule = typeof import('../../src/tensor/kernels/matmul.js')
type SimdModule = typeof import('../../src/tensor/kernels/simd-gemm.js')
type Entry = MatmulModule['matmulInto']
type Layout = 'nn' | 'transB' | 'transA'

// Read once: looked up as Math.x on every call inside jest's sandbox, these are much slower.
const { abs, floor, fround, imul } = Math

/** Loads fresh copies of the two modules with globalThis.WebAssembly set to `replacement` (or deleted) until they have tried to compile. */
function loadWith(replacement: 'deleted' | object): { matmul: MatmulModule; simd: SimdModule; simdAtLoad: boolean } {
  const g = globalThis as Record<string, unknown>
  const original = Object.getOwnPropertyDescriptor(g, 'WebAssembly')
  expect(original).toBeDefined()
  let loaded: { matmul: MatmulModule; simd: SimdModule; simdAtLoad: boolean } | undefined
  try {
    if (replacement === 'deleted') delete g.WebAssembly
    else Object.defineProperty(g, 'WebAssembly', { value: replacement, configurable: true, writable: true })
    jest.isolateModules(() => {
      const matmul = require('../../src/tensor/kernels/matmul.js') as MatmulModule
      const simd = require('../../src/tensor/kernels/simd-gemm.js') as SimdModule
      loaded = { matmul, simd, simdAtLoad: simd.hasSimd() }
    })
  } finally {
    Object.defineProperty(g, 'WebAssembly', original!)
  }
  expect(typeof (globalThis as { WebAssembly?: unknown }).WebAssembly).toBe('object')
  return loaded!
}

/** A WebAssembly whose compiler refuses every module, as in a runtime without SIMD or under a CSP without wasm-unsafe-eval. */
const refusingWasm = {
  Module: class {
    constructor() {
      throw new Error('CompileError: SIMD unsupported')
    }
  },
  Instance: class {},
}

function uniform(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = imul(t ^ (t >>> 15), t | 1)
    t ^= t + imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function randomArray(size: number, next: () => number): Float32Array {
  const x = new Float32Array(size)
  for (let i = 0; i < size; i++) x[i] = fround((next() < 0.5 ? -1 : 1) * (1 + next()) * 2 ** (floor(next() * 17) - 8))
  return x
}

interface Case {
  m: number
  k: number
  n: number
  outOffset: number
  aOffset: number
  bOffset: number
}

// Shapes on both sides of the SIMD kernel's blocks (KC = 256, MC = 128, NC = 512) and tiles, and the smallest
const CASES: Case[] = [
  { m: 4, k: 1, n: 1, outOffset: 0, aOffset: 0, bOffset: 0 },
  { m: 7, k: 33, n: 13, outOffset: 2, aOffset: 1, bOffset: 3 },
  { m: 131, k: 257, n: 9, outOffset: 1, aOffset: 4, bOffset: 0 },
  { m: 5, k: 300, n: 519, outOffset: 3, aOffset: 0, bOffset: 2 },
]
const SENTINEL = -7.75

/**
 * Runs `entry` on random float32 operands and checks each element against a float64 triple loop. The scalar
 * kernel sums exact float64 products in float64 and rounds once on the store: within half a float32 ulp
 * (2^-24 relative) of its float64 sum, which differs from the test's, summed in whatever order, by at most
 * 2(k − 1)·2^-53·Σ|a·b|. Hence |out − ref| ≤ 2^-24·|ref| + (2k + 2)·2^-53·Σ|a·b|, a bound some 2^28 times
 * tighter than float32 accumulation's (k + 2)·2^-24·Σ|a·b|. Elements outside the block stay untouched.
 */
function checkProduct(entry: Entry, layout: Layout, c: Case, seed: number): void {
  const { m, k, n } = c
  const next = uniform(seed)
  const a = randomArray(c.aOffset + m * k + 3, next)
  const b = randomArray(c.bOffset + k * n + 3, next)
  const out = new Float32Array(c.outOffset + m * n + 5).fill(SENTINEL)
  entry(out, a, b, m, k, n, c.outOffset, c.aOffset, c.bOffset)
  const aAt = (i: number, p: number) => c.aOffset + (layout === 'transA' ? p * m + i : i * k + p)
  const bAt = (p: number, j: number) => c.bOffset + (layout === 'transB' ? j * k + p : p * n + j)
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0
      let scale = 0
      for (let p = 0; p < k; p++) {
        const term = a[aAt(i, p)] * b[bAt(p, j)]
        sum += term
        scale += abs(term)
      }
      const got = out[c.outOffset + i * n + j]
      if (!(abs(got - sum) <= 2 ** -24 * abs(sum) + (2 * k + 2) * 2 ** -53 * scale + 1e-30)) {
        throw new Error(`${layout} m=${m} k=${k} n=${n}: out(${i}, ${j}) = ${got}, float64 gives ${sum}`)
      }
    }
  }
  for (let i = 0; i < out.length; i++) {
    if (i < c.outOffset || i >= c.outOffset + m * n) expect(out[i]).toBe(SENTINEL)
  }
}

/** k = 1000, one B column: 1 then 999 terms of 2^-25. Float32 accumulation in k order gives exactly 1; float64 does not. */
function onePlusTinies(matmul: MatmulModule): number {
  const k = 1000
  const a = new Float32Array(4 * k).fill(1)
  const b = new Float32Array(k).fill(2 ** -25)
  b[0] = 1
  const out = new Float32Array(4)
  matmul.matmulInto(out, a, b, 4, k, 1)
  expect(out.every((x) => x === out[0])).toBe(true)
  return out[0]
}

const entries = (matmul: MatmulModule): [string, Entry, Layout][] => [
  ['matmulInto', matmul.matmulInto, 'nn'],
  ['matmulTransBInto', matmul.matmulTransBInto, 'transB'],
  ['matmulTransAInto', matmul.matmulTransAInto, 'transA'],
]

describe.each([
  ['WebAssembly missing', 'deleted' as const],
  ['WebAssembly that cannot compile the kernel', refusingWasm],
])('%s', (_label, replacement) => {
  test('hasSimd() is false and simdGemm writes nothing and returns false', () => {
    const { simd, simdAtLoad } = loadWith(replacement)
    expect(simdAtLoad).toBe(false)
    expect(simd.hasSimd()).toBe(false)
    const out = new Float32Array(20).fill(SENTINEL)
    const a = new Float32Array(16).fill(1)
    const b = new Float32Array(16).fill(1)
    expect(simd.simdGemm(out, 2, 4, 4, 4, a, 0, 4, 1, b, 0, 4, 1)).toBe(false)
    expect(Array.from(out)).toEqual(new Array(20).fill(SENTINEL))
  })

  test('the float32 entry points still give the product (float64 accumulation, rounded once)', () => {
    const { matmul } = loadWith(replacement)
    for (const [name, entry, layout] of entries(matmul)) {
      CASES.forEach((c, i) => {
        try {
          checkProduct(entry, layout, c, 100 + i)
        } catch (error) {
          throw new Error(`${name}: ${(error as Error).message}`)
        }
      })
    }
    // float64 accumulation: the 999 terms of 2^-25 after the 1 are kept, as float32 accumulation would not
    expect(onePlusTinies(matmul)).toBe(fround(1 + 999 * 2 ** -25))
  })
})

test('with WebAssembly present, a fresh load compiles the kernel and accumulates in float32', () => {
  const { matmul, simd, simdAtLoad } = loadWith(Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly')!.value as object)
  expect(simdAtLoad).toBe(true)
  expect(simd.hasSimd()).toBe(true)
  expect(onePlusTinies(matmul)).toBe(1)
  for (const [, entry, layout] of entries(matmul)) checkProductFloat32(entry, layout)
})

/** The SIMD path against the same float64 loop with float32 accumulation's (k + 2)·2^-24·Σ|a·b| bound. */
function checkProductFloat32(entry: Entry, layout: Layout): void {
  const c: Case = { m: 9, k: 260, n: 17, outOffset: 1, aOffset: 2, bOffset: 3 }
  const next = uniform(7)
  const a = randomArray(c.aOffset + c.m * c.k, next)
  const b = randomArray(c.bOffset + c.k * c.n, next)
  const out = new Float32Array(c.outOffset + c.m * c.n)
  entry(out, a, b, c.m, c.k, c.n, c.outOffset, c.aOffset, c.bOffset)
  for (let i = 0; i < c.m; i++) {
    for (let j = 0; j < c.n; j++) {
      let sum = 0
      let scale = 0
      for (let p = 0; p < c.k; p++) {
        const term = a[c.aOffset + (layout === 'transA' ? p * c.m + i : i * c.k + p)] * b[c.bOffset + (layout === 'transB' ? j * c.k + p : p * c.n + j)]
        sum += term
        scale += abs(term)
      }
      expect(abs(out[c.outOffset + i * c.n + j] - sum)).toBeLessThanOrEqual((c.k + 2) * 2 ** -24 * scale)
    }
  }
}
