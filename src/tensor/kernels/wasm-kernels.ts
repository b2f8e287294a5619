// seqgrad's WebAssembly: one module holding every SIMD kernel (the matmul tile, σ and tanh, the matrix–
// vector product), written by wasm-emit.ts at load time and compiled once; each user instantiates it for
// a memory of its own. The same bytes ship as dist/seqgrad-kernels.wasm (the build writes them, a test
// holds them equal), for runtimes that refuse to compile WebAssembly at run time but take a precompiled
// module (Cloudflare Workers, workerd): useWasmKernels hands one over. The module carries a custom
// section naming its code, so that the file of another seqgrad version is refused, not run.
import { encodeModule, type WasmMemory } from './wasm-emit.js'
import { buildGemv, type GemvFn } from './wasm-gemv.js'
import { buildSigmoid, buildTanh, type RangeFn } from './wasm-math.js'
import { buildTiles, type TilesFn } from './wasm-tiles.js'

/** One instance of the module: its own memory, and the kernels working on it. */
export interface KernelInstance {
  memory: WasmMemory
  tiles: TilesFn
  sigmoid: RangeFn
  tanh: RangeFn
  gemv: GemvFn
}

/** The little of the WebAssembly API used here, typed locally: the core's lib settings have no DOM or Node types. */
interface WasmApi {
  Module: {
    new (bytes: Uint8Array): object
    customSections(module: object, name: string): ArrayBuffer[]
  }
  Instance: new (module: object) => { exports: Record<string, unknown> }
}
const webAssembly = (): WasmApi | undefined => (globalThis as { WebAssembly?: WasmApi }).WebAssembly

/** The custom section that names the kernels' code: `fnv1a32:` and the hash of the module without it, in hex. */
const SECTION = 'seqgrad.kernels'

function fnv1a32(bytes: Uint8Array): string {
  let hash = 0x811c9dc5
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193)
  return `fnv1a32:${(hash >>> 0).toString(16).padStart(8, '0')}`
}

let built: { bytes: Uint8Array; fingerprint: string } | undefined

function kernelModule(): { bytes: Uint8Array; fingerprint: string } {
  if (built === undefined) {
    const functions = { tiles: buildTiles(), sigmoid: buildSigmoid(), tanh: buildTanh(), gemv: buildGemv() }
    const fingerprint = fnv1a32(encodeModule(functions, 1))
    const ascii = Uint8Array.from(fingerprint, (ch) => ch.charCodeAt(0))
    built = { bytes: encodeModule(functions, 1, { [SECTION]: ascii }), fingerprint }
  }
  return built
}

/** The bytes of the kernel module, as compiled at load time and as shipped in dist/seqgrad-kernels.wasm (a copy). */
export function wasmKernelBytes(): Uint8Array {
  return kernelModule().bytes.slice()
}

// The compiled module instances are made from: undefined until first asked for, null where it cannot
// be had. A cache of code with no observable state; useWasmKernels replaces it.
let compiled: object | null | undefined
let generation = 0

/** Counts the modules handed over by useWasmKernels: a kernel user keeping an instance remakes it when this changes. */
export const kernelGeneration = (): number => generation

/**
 * A new instance of the kernel module, with a memory of its own; null where WebAssembly or its SIMD is
 * missing, or compiling at run time is forbidden and no module was handed over: callers then use JavaScript.
 */
export function kernelInstance(): KernelInstance | null {
  const wasm = webAssembly()
  if (wasm === undefined) return null
  if (compiled === undefined) {
    try {
      compiled = new wasm.Module(kernelModule().bytes)
    } catch {
      compiled = null
    }
  }
  if (compiled === null) return null
  try {
    const { exports } = new wasm.Instance(compiled)
    return {
      memory: exports.memory as WasmMemory,
      tiles: exports.tiles as TilesFn,
      sigmoid: exports.sigmoid as RangeFn,
      tanh: exports.tanh as RangeFn,
      gemv: exports.gemv as GemvFn,
    }
  } catch {
    return null
  }
}

/**
 * Runs seqgrad's SIMD kernels from `module`, a `WebAssembly.Module` of the package's
 * `dist/seqgrad-kernels.wasm`, instead of compiling them from bytes at run time: for runtimes that forbid
 * compiling (Cloudflare Workers and workerd, which import a .wasm file as a compiled module). Call it
 * once, before or after first use: kernels already in use switch to the new module at their next call,
 * and `hasSimd()` then says true. The results are those of the module seqgrad compiles itself, bit for
 * bit: the bytes are the same, and a module of other kernels (another seqgrad version's file) is refused.
 */
export function useWasmKernels(module: object): void {
  const where = 'useWasmKernels'
  const wasm = webAssembly()
  if (wasm === undefined) throw new Error(`${where}: this runtime has no WebAssembly`)
  let sections: ArrayBuffer[]
  try {
    sections = wasm.Module.customSections(module, SECTION)
  } catch {
    throw new Error(`${where}: expected a WebAssembly.Module of seqgrad's dist/seqgrad-kernels.wasm, got ${module === null ? 'null' : typeof module === 'object' ? (module.constructor?.name ?? 'an object') : typeof module}`)
  }
  const { fingerprint } = kernelModule()
  const given = sections.map((section) => String.fromCharCode(...new Uint8Array(section)))
  if (given.length === 0) {
    throw new Error(`${where}: this WebAssembly.Module is not seqgrad's kernels (it has no '${SECTION}' section): pass a module of seqgrad's dist/seqgrad-kernels.wasm`)
  }
  if (given.length !== 1 || given[0] !== fingerprint) {
    throw new Error(`${where}: this WebAssembly.Module holds other kernels (${given.join(', ')}) than this seqgrad's (${fingerprint}): pass the dist/seqgrad-kernels.wasm of the seqgrad version you import`)
  }
  try {
    new wasm.Instance(module) // an instance fails here, not silently at the first product
  } catch (error) {
    throw new Error(`${where}: the module cannot be instantiated here: ${error instanceof Error ? error.message : String(error)}`)
  }
  compiled = module
  generation++
}
