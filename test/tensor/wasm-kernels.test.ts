// seqgrad's one WebAssembly module (kernels/wasm-kernels.ts): the file the build ships,
// dist/seqgrad-kernels.wasm, is byte for byte the module seqgrad emits and compiles at load time; and
// useWasmKernels, for runtimes that refuse to compile at run time (workerd), runs the same kernels from a
// precompiled WebAssembly.Module, switching kernels already in use and giving the emitted kernels' results
// bit for bit, while refusing anything that is not this seqgrad's module. The module has two variants:
// the exact one (shipped, and what runs here: jest's Node 20 has no relaxed SIMD) and one doing each
// multiply-add of the matmul tile and the mat-vec as relaxed SIMD's f32x4.relaxed_madd, chosen where the
// runtime validates it; the tests here run the exact kernels explicitly (useExactKernels) and check the
// choice with stand-ins. The runtimes themselves, relaxed SIMD included, are in test/runtimes.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fixedMatVec } from '../../src/cells/fused/fixed-matvec.js'
import { matmulInto } from '../../src/tensor/kernels/matmul.js'
import { hasSimd } from '../../src/tensor/kernels/simd-gemm.js'
import { activationScratch, sigmoidInPlace, tanhInPlace } from '../../src/tensor/kernels/simd-math.js'
import { encodeModule, FunctionBuilder, I32 } from '../../src/tensor/kernels/wasm-emit.js'
import { compactKernelBytes, hasFma, hasRelaxedSimd, kernelInstance, useExactKernels, wasmKernelBytes } from '../../src/tensor/kernels/wasm-kernels.js'
import { randomFloat32, uniform } from '../helpers/random.js'
import { loadFreshWith, type WasmStandIn } from '../helpers/wasm.js'

interface WasmApi {
  validate(bytes: Uint8Array): boolean
  Module: {
    new (bytes: Uint8Array): object
    exports(module: object): { name: string; kind: string }[]
    customSections(module: object, name: string): ArrayBuffer[]
  }
  Instance: new (module: object) => { exports: Record<string, unknown> }
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

const root = join(__dirname, '..', '..')
const shipped = join(root, 'dist', 'seqgrad-kernels.wasm')

type Fresh = {
  kernels: typeof import('../../src/tensor/kernels/wasm-kernels.js')
  simd: typeof import('../../src/tensor/kernels/simd-gemm.js')
  matmul: typeof import('../../src/tensor/kernels/matmul.js')
  math: typeof import('../../src/tensor/kernels/simd-math.js')
  matvec: typeof import('../../src/cells/fused/fixed-matvec.js')
}

/** Fresh copies of the kernel modules, loaded with WebAssembly as `standIn` while `first` runs on them. */
function freshWith<T>(standIn: WasmStandIn, first: (fresh: Fresh) => T): { fresh: Fresh; seen: T } {
  return loadFreshWith(standIn, () => {
    const fresh: Fresh = {
      kernels: require('../../src/tensor/kernels/wasm-kernels.js') as Fresh['kernels'],
      simd: require('../../src/tensor/kernels/simd-gemm.js') as Fresh['simd'],
      matmul: require('../../src/tensor/kernels/matmul.js') as Fresh['matmul'],
      math: require('../../src/tensor/kernels/simd-math.js') as Fresh['math'],
      matvec: require('../../src/cells/fused/fixed-matvec.js') as Fresh['matvec'],
    }
    return { fresh, seen: first(fresh) }
  })
}

/** workerd's WebAssembly: a precompiled module instantiates, bytes never compile. */
const precompiledOnly = {
  Module: Object.assign(
    class {
      constructor() {
        throw new Error('CompileError: WebAssembly.Module(): Wasm code generation disallowed by embedder')
      }
    },
    { customSections: wasm.Module.customSections },
  ),
  Instance: wasm.Instance,
}

const next = uniform(17)
const A = randomFloat32(9 * 260, next)
const B = randomFloat32(260 * 17, next)
const W = randomFloat32(37 * 29, next)
const X = randomFloat32(29, next)
const PRE = Float32Array.from({ length: 203 }, (_, i) => (i - 101) * 0.37)

/** What the float32 kernels give in a registry: a 9×260·260×17 product, σ and tanh over a range, a 37×29 matrix–vector product. */
function kernelResults(modules: { matmulInto: typeof matmulInto; activationScratch: typeof activationScratch; sigmoidInPlace: typeof sigmoidInPlace; tanhInPlace: typeof tanhInPlace; fixedMatVec: typeof fixedMatVec }) {
  const product = new Float32Array(9 * 17)
  modules.matmulInto(product, A, B, 9, 260, 17)
  const scratch = modules.activationScratch(2 * 204)
  if (scratch === null) throw new Error('no SIMD scratch')
  scratch.set(PRE, 0)
  scratch.set(PRE, 204)
  modules.sigmoidInPlace(scratch, 0, PRE.length)
  modules.tanhInPlace(scratch, 204, PRE.length)
  // the ranges only: the lane padding after each holds whatever an earlier user of the scratch left there
  const activations = [...scratch.subarray(0, PRE.length), ...scratch.subarray(204, 204 + PRE.length)]
  const y = new Float32Array(37)
  modules.fixedMatVec([{ data: W, rows: 37, cols: 29 }]).times(0, X, 0, y, 0)
  return { product: Array.from(product), activations, matvec: Array.from(y) }
}

const moduleOf = (bytes: Uint8Array) => new wasm.Module(bytes)

// The exact kernels, explicitly: what this file compares bit for bit (in a fresh registry, too).
beforeAll(() => useExactKernels(true))
afterAll(() => useExactKernels(false))
const freshResults = (fresh: Fresh) => kernelResults({ ...fresh.matmul, ...fresh.math, ...fresh.matvec })

describe('the shipped module', () => {
  test('dist/seqgrad-kernels.wasm is byte for byte the module seqgrad emits and compiles at load time, exported as seqgrad/kernels.wasm', () => {
    if (!existsSync(shipped)) throw new Error('dist/seqgrad-kernels.wasm is missing: run `npm run build` (npm ci runs it)')
    const file = new Uint8Array(readFileSync(shipped))
    const emitted = wasmKernelBytes()
    expect(file.length).toBe(emitted.length)
    expect(Buffer.from(file).equals(Buffer.from(emitted))).toBe(true) // if not: the kernels changed since the last `npm run build`
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown>; files: string[] }
    expect(pkg.exports['./kernels.wasm']).toBe('./dist/seqgrad-kernels.wasm')
    expect(pkg.files).toContain('dist')
  })

  test('it validates, exports its memory and the sixteen kernels, names its code in a custom section, and stays small; without the cells\' steps, under 4 KB', () => {
    const bytes = wasmKernelBytes()
    expect(wasm.validate(bytes)).toBe(true)
    const module = moduleOf(bytes)
    expect(wasm.Module.exports(module)).toEqual([
      { name: 'memory', kind: 'memory' },
      { name: 'tiles', kind: 'function' },
      { name: 'sigmoid', kind: 'function' },
      { name: 'tanh', kind: 'function' },
      { name: 'gemv', kind: 'function' },
      { name: 'tilesRows', kind: 'function' },
      ...['preActivation', 'lstmCell', 'lstmHidden', 'lstmBackward', 'gruNew', 'gruHidden', 'gruBackward', 'rnnBackward', 'reluActivation', 'reluBackward', 'linearBackward']
        .map((name) => ({ name, kind: 'function' })),
    ])
    const sections = wasm.Module.customSections(module, 'seqgrad.kernels').map((s) => Buffer.from(s).toString('latin1'))
    expect(sections).toHaveLength(1)
    expect(sections[0]).toMatch(/^fnv1a32:[0-9a-f]{8}$/)
    // Some browsers (older Chromium, some Android WebViews) compile at most 4 KB synchronously on a page's main
    // thread, which is where seqgrad compiles: there the compact module, without the cells' steps, runs
    expect(bytes.length).toBeLessThanOrEqual(6144)
    const compact = compactKernelBytes()
    expect(compact.length).toBeLessThanOrEqual(4096)
    expect(wasm.Module.exports(moduleOf(compact)).map((e) => e.name)).toEqual(['memory', 'tiles', 'sigmoid', 'tanh', 'gemv', 'tilesRows'])
  })

  test('wasmKernelBytes gives a copy; every kernelInstance has a memory of its own', () => {
    const bytes = wasmKernelBytes()
    bytes.fill(0)
    expect(wasmKernelBytes()[0]).toBe(0x00)
    expect(wasmKernelBytes()[1]).toBe(0x61) // '\0asm'
    const [one, two] = [kernelInstance(), kernelInstance()]
    expect(one).not.toBeNull()
    expect(one!.memory).not.toBe(two!.memory)
    expect(one!.memory.buffer.byteLength).toBe(65536)
  })

  test('tilesRows, reading A row-major with a row stride, sets and then accumulates the same bits as tiles on A packed into 4-row panels', () => {
    // A: 8 rows of k = 37 at a row stride of 40 floats; B: two 8-column panels; C: 8 rows of 16, ldc 16
    const instance = kernelInstance()!
    const view = new Float32Array(instance.memory.buffer)
    const m = 8, k = 37, lda = 40, n = 16
    const next = uniform(23)
    const a = randomFloat32(m * lda, next), b = randomFloat32(k * n, next)
    const [rowsAt, packedAt, bAt, cAt, c2At] = [0, 1024, 2048, 4096, 4096 + m * n]
    view.set(a, rowsAt)
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) view[packedAt + Math.floor(i / 4) * k * 4 + p * 4 + (i % 4)] = a[i * lda + p]
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) view[bAt + Math.floor(j / 8) * k * 8 + p * 8 + (j % 8)] = b[p * n + j]
    let c511 = 0
    for (const accumulate of [0, 1]) {
      instance.tiles(packedAt * 4, bAt * 4, cAt * 4, n * 4, m / 4, n / 8, k, accumulate)
      instance.tilesRows(rowsAt * 4, bAt * 4, c2At * 4, n * 4, m / 4, n / 8, k, accumulate, lda * 4)
      const [packed, rows] = [view.slice(cAt, cAt + m * n), view.slice(c2At, c2At + m * n)]
      expect(Buffer.from(rows.buffer).equals(Buffer.from(packed.buffer))).toBe(true)
      // float32 accumulation in k order, from 0, then the second time from what C held
      for (let p = 0; p < k; p++) c511 = Math.fround(c511 + Math.fround(a[5 * lda + p] * b[p * n + 11]))
      expect(rows[5 * n + 11]).toBe(c511)
    }
  })
})

describe('useWasmKernels', () => {
  test('where bytes may not be compiled (as in workerd), the scalar path runs until a precompiled module is handed over, then the SIMD kernels, bit for bit as emitted', () => {
    const file = new Uint8Array(readFileSync(shipped))
    const { fresh, seen } = freshWith(precompiledOnly, (f) => {
      const before = { simd: f.simd.hasSimd(), scratch: f.math.activationScratch(8), instance: f.kernels.kernelInstance() }
      f.kernels.useWasmKernels(moduleOf(file))
      return { before, after: { simd: f.simd.hasSimd(), scratch: f.math.activationScratch(8) !== null } }
    })
    expect(seen.before).toEqual({ simd: false, scratch: null, instance: null })
    expect(seen.after).toEqual({ simd: true, scratch: true })
    expect(hasSimd()).toBe(true)
    expect(freshResults(fresh)).toEqual(kernelResults({ matmulInto, activationScratch, sigmoidInPlace, tanhInPlace, fixedMatVec }))
  })

  test('kernels already running on the emitted module switch to the given one at their next call', () => {
    const { fresh, seen } = freshWith(wasm, (f) => {
      f.kernels.useExactKernels(true)
      return { before: freshResults(f), scratch: f.math.activationScratch(8)!.buffer }
    })
    fresh.kernels.useWasmKernels(moduleOf(wasmKernelBytes()))
    expect(fresh.kernels.kernelGeneration()).toBe(2) // useExactKernels, then useWasmKernels
    expect(freshResults(fresh)).toEqual(seen.before)
    expect(fresh.math.activationScratch(8)!.buffer).not.toBe(seen.scratch) // a new instance, with its own memory
  })

  test('refuses what is not this seqgrad\'s kernel module, and changes nothing then', () => {
    const { fresh } = freshWith(precompiledOnly, (f) => f.simd.hasSimd())
    const use = (module: unknown) => () => fresh.kernels.useWasmKernels(module as object)
    for (const notModule of [42, null, {}, wasmKernelBytes(), 'seqgrad-kernels.wasm']) {
      expect(use(notModule)).toThrow(/^useWasmKernels: expected a WebAssembly.Module of seqgrad's dist\/seqgrad-kernels.wasm, got /)
    }
    expect(use({})).toThrow(/got Object$/)
    expect(use(wasmKernelBytes())).toThrow(/got Uint8Array$/)
    const other = moduleOf(encodeModule({ f: new FunctionBuilder([I32]) }, 1))
    expect(use(other)).toThrow("useWasmKernels: this WebAssembly.Module is not seqgrad's kernels (it has no 'seqgrad.kernels' section): pass a module of seqgrad's dist/seqgrad-kernels.wasm")
    // another version's file: the same module with another fingerprint
    const bytes = wasmKernelBytes()
    const at = Buffer.from(bytes).indexOf('fnv1a32:') + 'fnv1a32:'.length
    const fingerprint = `fnv1a32:${Buffer.from(bytes.subarray(at, at + 8)).toString('latin1')}`
    bytes.set(Buffer.from('0badc0de', 'latin1'), at)
    expect(use(moduleOf(bytes))).toThrow(`useWasmKernels: this WebAssembly.Module holds other kernels (fnv1a32:0badc0de) than this seqgrad's (${fingerprint}): pass the dist/seqgrad-kernels.wasm of the seqgrad version you import`)
    // the right section on a module without the kernels (it once switched to it, and every product then threw a TypeError)
    const label = Buffer.from(bytes.subarray(at - 'fnv1a32:'.length, at + 8))
    label.set(Buffer.from(fingerprint, 'latin1'))
    const labelOnly = moduleOf(encodeModule({ tiles: new FunctionBuilder([I32]) }, 1, { 'seqgrad.kernels': label }))
    expect(use(labelOnly)).toThrow("useWasmKernels: this WebAssembly.Module bears seqgrad's section but not its kernels (missing or different: tiles, sigmoid, tanh, gemv, tilesRows, preActivation, lstmCell, lstmHidden, lstmBackward, gruNew, gruHidden, gruBackward, rnnBackward, reluActivation, reluBackward, linearBackward): pass the dist/seqgrad-kernels.wasm of the seqgrad version you import, unchanged")
    expect(fresh.simd.hasSimd()).toBe(false)
    expect(fresh.kernels.kernelGeneration()).toBe(0)
  })

  test('useExactKernels takes true or false, nothing else', () => {
    for (const [value, shown] of [['false', "the string 'false'"], [0, '0'], [undefined, 'undefined'], [null, 'null']] as const) {
      expect(() => useExactKernels(value as unknown as boolean)).toThrow(`useExactKernels: expected true or false, got ${shown}`)
    }
  })

  test('without WebAssembly it says so, and hasSimd() stays false', () => {
    const { seen } = freshWith('deleted', (f) => {
      let message = ''
      try {
        f.kernels.useWasmKernels({})
      } catch (error) {
        message = (error as Error).message
      }
      return { message, simd: f.simd.hasSimd(), instance: f.kernels.kernelInstance() }
    })
    expect(seen).toEqual({ message: 'useWasmKernels: this runtime has no WebAssembly', simd: false, instance: null })
  })
})

/** The bytes of each function body in a module's code section, in order (tiles, sigmoid, tanh, gemv). */
function bodies(bytes: Uint8Array): Uint8Array[] {
  const uleb = (at: number): [number, number] => {
    let value = 0
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++]
      value |= (byte & 0x7f) << shift
      if (byte < 0x80) return [value, at]
    }
  }
  for (let at = 8; at < bytes.length; ) {
    const id = bytes[at]
    const [size, start] = uleb(at + 1)
    if (id === 10) {
      let [count, p] = uleb(start)
      const found: Uint8Array[] = []
      while (count-- > 0) {
        const [length, body] = uleb(p)
        found.push(bytes.subarray(body, body + length))
        p = body + length
      }
      return found
    }
    at = start + size
  }
  throw new Error('no code section')
}

/** Where `pattern` occurs in `bytes`, as a count. */
const occurrences = (bytes: Uint8Array, pattern: number[]) =>
  bytes.filter((_, i) => pattern.every((b, j) => bytes[i + j] === b)).length

/** A WebAssembly that validates relaxed SIMD (as Deno's does) and records the modules it is asked to compile. */
function relaxedStandIn(compiles: boolean) {
  const asked: Uint8Array[] = []
  const standIn = {
    validate: () => true,
    Module: Object.assign(
      class {
        constructor(bytes: Uint8Array) {
          asked.push(bytes)
          if (!compiles && occurrences(bytes, RELAXED_MADD) > 0) throw new Error('CompileError: relaxed SIMD is not enabled')
          return new wasm.Module(wasm.validate(bytes) ? bytes : wasmKernelBytes()) // Node 20 cannot compile the FMA bytes: the exact ones stand in
        }
      },
      { customSections: wasm.Module.customSections },
    ),
    Instance: wasm.Instance,
  }
  return { standIn, asked }
}

/** f32x4.relaxed_madd: 0xfd and the opcode 0x105 as LEB128. */
const RELAXED_MADD = [0xfd, 0x85, 0x02]

describe('the two variants of the kernels', () => {
  test('the FMA variant does each multiply-add of the matmul tiles (8 per k) and the mat-vec (2 per k) as one relaxed_madd; σ, tanh and everything else are the exact variant\'s, and both stay small (under 4 KB without the cells\' steps)', () => {
    const exact = wasmKernelBytes('exact'), fma = wasmKernelBytes('fma')
    expect(Buffer.from(wasmKernelBytes()).equals(Buffer.from(exact))).toBe(true) // the shipped file is the exact variant
    expect(occurrences(exact, RELAXED_MADD)).toBe(0)
    const [tiles, sigmoid, tanh, gemv, tilesRows] = bodies(fma)
    expect([tiles, gemv, tilesRows].map((body) => occurrences(body, RELAXED_MADD))).toEqual([8, 2, 8])
    const [exactTiles, exactSigmoid, exactTanh, exactGemv, exactTilesRows] = bodies(exact)
    expect([Buffer.from(sigmoid).equals(Buffer.from(exactSigmoid)), Buffer.from(tanh).equals(Buffer.from(exactTanh))]).toEqual([true, true])
    // each relaxed_madd replaces a mul and an add (0xfd 0xe6 0x01, 0xfd 0xe4 0x01) and reorders its operands
    const MUL_ADD = [0xfd, 0xe6, 0x01, 0xfd, 0xe4, 0x01]
    expect([exactTiles, exactGemv, exactTilesRows].map((body) => occurrences(body, MUL_ADD))).toEqual([8, 2, 8])
    expect([tiles, gemv, tilesRows].map((body) => occurrences(body, MUL_ADD))).toEqual([0, 0, 0])
    expect(Math.max(exact.length, fma.length)).toBeLessThanOrEqual(6144)
    expect(Math.max(compactKernelBytes('exact').length, compactKernelBytes('fma').length)).toBeLessThanOrEqual(4096)
    // two modules, each naming its own code
    const section = (bytes: Uint8Array) => Buffer.from(bytes.subarray(Buffer.from(bytes).indexOf('fnv1a32:'))).toString('latin1')
    expect(section(fma)).not.toBe(section(exact))
  })

  test('the FMA variant validates exactly where relaxed SIMD does (not in jest\'s Node 20), the exact one everywhere; seqgrad compiles the one that validates', () => {
    const relaxed = hasRelaxedSimd()
    expect(relaxed).toBe(Number(process.versions.node.split('.')[0]) >= 22 || process.execArgv.includes('--experimental-wasm-relaxed-simd'))
    expect(wasm.validate(wasmKernelBytes('fma'))).toBe(relaxed)
    expect(wasm.validate(wasmKernelBytes('exact'))).toBe(true)
    const { seen } = freshWith(wasm, (f) => ({ fma: f.kernels.hasFma(), simd: f.simd.hasSimd(), instance: f.kernels.kernelInstance()?.fma }))
    expect(seen).toEqual({ fma: relaxed, simd: true, instance: relaxed })
    expect(hasFma()).toBe(false) // this file's registry runs the exact kernels (useExactKernels above)
  })

  test('where relaxed SIMD validates, seqgrad compiles the FMA variant; useExactKernels(true) switches kernels in use to the exact one, and back', () => {
    const { standIn, asked } = relaxedStandIn(true)
    const { fresh, seen } = freshWith(standIn, (f) => {
      const first = { relaxed: f.kernels.hasRelaxedSimd(), fma: f.kernels.hasFma(), simd: f.simd.hasSimd(), instance: f.kernels.kernelInstance()?.fma }
      f.kernels.useExactKernels(true)
      const exact = { fma: f.kernels.hasFma(), simd: f.simd.hasSimd(), instance: f.kernels.kernelInstance()?.fma, generation: f.kernels.kernelGeneration() }
      f.kernels.useExactKernels(false)
      return { first, exact, fma: f.kernels.hasFma(), generation: f.kernels.kernelGeneration() }
    })
    expect(seen).toEqual({
      first: { relaxed: true, fma: true, simd: true, instance: true },
      exact: { fma: false, simd: true, instance: false, generation: 1 },
      fma: true,
      generation: 2,
    })
    expect(asked.map((bytes) => occurrences(bytes, RELAXED_MADD) > 0)).toEqual([true, false, true])
    expect(fresh.kernels.hasFma()).toBe(true)
  })

  test('where relaxed SIMD validates but the FMA variant fails to compile, the exact one runs', () => {
    const { standIn, asked } = relaxedStandIn(false)
    const { seen } = freshWith(standIn, (f) => ({ fma: f.kernels.hasFma(), simd: f.simd.hasSimd(), results: freshResults(f) }))
    // the FMA module, whole and then compact, both refused; then the exact one, whole
    expect(asked.map((bytes) => [occurrences(bytes, RELAXED_MADD) > 0, bytes.length > 4096])).toEqual([[true, true], [true, false], [false, true]])
    expect({ fma: seen.fma, simd: seen.simd }).toEqual({ fma: false, simd: true })
    expect(seen.results).toEqual(kernelResults({ matmulInto, activationScratch, sigmoidInPlace, tanhInPlace, fixedMatVec }))
  })

  test('a module handed over by useWasmKernels is the exact variant: hasFma() is false after it, and useExactKernels keeps it', () => {
    const { standIn } = relaxedStandIn(true)
    const { fresh, seen } = freshWith(standIn, (f) => {
      const before = f.kernels.hasFma()
      f.kernels.useWasmKernels(moduleOf(wasmKernelBytes()))
      return { before, after: f.kernels.hasFma() }
    })
    expect(seen).toEqual({ before: true, after: false })
    fresh.kernels.useExactKernels(true)
    fresh.kernels.useExactKernels(false)
    expect({ fma: fresh.kernels.hasFma(), simd: fresh.simd.hasSimd() }).toEqual({ fma: false, simd: true })
    expect(freshResults(fresh)).toEqual(kernelResults({ matmulInto, activationScratch, sigmoidInPlace, tanhInPlace, fixedMatVec }))
  })

  test('where only 4 KB compile at once (a page\'s main thread in some browsers), the compact module runs: SIMD products, the cells\' JavaScript steps, the same bits', () => {
    const asked: number[] = []
    const mainThread = {
      validate: wasm.validate,
      Module: Object.assign(
        class {
          constructor(bytes: Uint8Array) {
            asked.push(bytes.length)
            if (bytes.length > 4096) throw new RangeError('WebAssembly.Compile is disallowed on the main thread, if the buffer size is larger than 4KB')
            return new wasm.Module(bytes)
          }
        },
        { customSections: wasm.Module.customSections },
      ),
      Instance: wasm.Instance,
    }
    const lstm = (sequence: typeof import('../../src/cells/fused/sequence.js'), tensors: typeof import('../../src/tensor/tensor.js')) => {
      const next = uniform(5)
      const t = (shape: number[]) => new tensors.Tensor(randomFloat32(shape.reduce((a, b) => a * b), next), shape)
      return Array.from(sequence.fusedSequence('lstm', t([6, 4, 3]), t([4, 8]), t([4, 8]), { W_ih: t([32, 3]), W_hh: t([32, 8]), b_ih: t([32]), b_hh: t([32]) }, false).output.data)
    }
    const { seen } = freshWith(mainThread, (f) => ({
      simd: f.simd.hasSimd(),
      cells: f.kernels.kernelInstance()?.cells ?? null,
      results: freshResults(f),
      output: lstm(require('../../src/cells/fused/sequence.js'), require('../../src/tensor/tensor.js')),
    }))
    expect(asked).toEqual([wasmKernelBytes().length, compactKernelBytes().length])
    expect({ simd: seen.simd, cells: seen.cells }).toEqual({ simd: true, cells: null })
    expect(seen.results).toEqual(kernelResults({ matmulInto, activationScratch, sigmoidInPlace, tanhInPlace, fixedMatVec }))
    expect(seen.output).toEqual(lstm(require('../../src/cells/fused/sequence.js'), require('../../src/tensor/tensor.js')))
  })

  test('without validate (an engine or stand-in that lacks it), relaxed SIMD counts as missing', () => {
    const { seen } = freshWith(precompiledOnly, (f) => f.kernels.hasRelaxedSimd())
    expect(seen).toBe(false)
  })
})
