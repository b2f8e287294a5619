// seqgrad's WebAssembly: one module holding every SIMD kernel (the matmul tiles, σ and tanh, the matrix–
// vector product, the cells' steps), written by wasm-emit.ts at load time and compiled once; each user
// instantiates it for a memory of its own. It comes in two variants. Where the runtime validates relaxed SIMD
// (Chromium, Deno, Node ≥ 22; Node 20 with --experimental-wasm-relaxed-simd), the matmul tile and the mat-vec do each
// multiply-add as one f32x4.relaxed_madd, fused where the hardware has FMA; elsewhere, and always where
// asked (useExactKernels), the exact variant rounds each product before adding it, the same bits in every
// runtime. σ and tanh are the same in both. The exact variant ships as dist/seqgrad-kernels.wasm (the
// build writes it, a test holds it equal), for runtimes that refuse to compile WebAssembly at run time but
// take a precompiled module (Cloudflare Workers, workerd): useWasmKernels hands one over. The module
// carries a custom section naming its code, so that the file of another seqgrad version is refused, not run.
import { encodeModule, FunctionBuilder, V128, type WasmMemory } from './wasm-emit.js'
import { buildGemv, type GemvFn } from './wasm-gemv.js'
import { buildCellKernels, CELL_KERNELS, type CellKernels } from './wasm-cells.js'
import { buildSigmoid, buildTanh, type RangeFn } from './wasm-math.js'
import { buildTiles, buildTilesRows, type TilesFn, type TilesRowsFn } from './wasm-tiles.js'

/** The kernels' two variants: products rounded before they are added, or relaxed SIMD's multiply-add. */
export type KernelVariant = 'exact' | 'fma'

/** One instance of the module: its own memory, and the kernels working on it. */
export interface KernelInstance {
  memory: WasmMemory
  tiles: TilesFn
  /** The tile reading A row-major, unpacked (see buildTilesRows). */
  tilesRows: TilesRowsFn
  sigmoid: RangeFn
  tanh: RangeFn
  gemv: GemvFn
  /** The cells' elementwise steps (wasm-cells.ts); null from the module without them (see kernelModule). */
  cells: CellKernels | null
  /** Whether this instance's matmul tile and mat-vec use relaxed SIMD's multiply-add. */
  fma: boolean
}

/** The little of the WebAssembly API used here, typed locally: the core's lib settings have no DOM or Node types. */
interface WasmApi {
  validate?(bytes: Uint8Array): boolean
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

/** A variant's bytes, the fingerprint its section holds, and each function's parameter count by name. */
interface BuiltModule {
  bytes: Uint8Array
  fingerprint: string
  arity: Record<string, number>
}
const built: Record<string, BuiltModule> = {}

/**
 * The module of a variant: every kernel, or with `compact` all but the cells' steps. A page's main thread may
 * compile only 4 KB synchronously in some browsers (older Chromium, some Android WebViews): there the compact
 * module, under 4 KB, keeps the matmuls on SIMD, and the cells run their JavaScript steps (the same bits).
 */
function kernelModule(variant: KernelVariant, compact = false): BuiltModule {
  const key = `${variant}${compact ? ' compact' : ''}`
  let module = built[key]
  if (module === undefined) {
    const fma = variant === 'fma'
    const functions = {
      tiles: buildTiles(fma), sigmoid: buildSigmoid(), tanh: buildTanh(), gemv: buildGemv(fma), tilesRows: buildTilesRows(fma),
      ...(compact ? {} : buildCellKernels()),
    }
    const fingerprint = fnv1a32(encodeModule(functions, 1))
    const ascii = Uint8Array.from(fingerprint, (ch) => ch.charCodeAt(0))
    const arity = Object.fromEntries(Object.entries(functions).map(([name, f]) => [name, f.params.length]))
    module = built[key] = { bytes: encodeModule(functions, 1, { [SECTION]: ascii }), fingerprint, arity }
  }
  return module
}

/**
 * The bytes of the kernel module (a copy): the exact variant by default, as shipped in
 * dist/seqgrad-kernels.wasm; 'fma' gives the relaxed-SIMD variant, which only validates where relaxed SIMD does.
 */
export function wasmKernelBytes(variant: KernelVariant = 'exact'): Uint8Array {
  return kernelModule(variant).bytes.slice()
}

/** The bytes of the compact module (all but the cells' steps, see kernelModule), for tests. */
export const compactKernelBytes = (variant: KernelVariant = 'exact'): Uint8Array => kernelModule(variant, true).bytes.slice()

/**
 * Whether this runtime's WebAssembly validates relaxed SIMD's f32x4.relaxed_madd: a module of one function
 * doing one, which engines without the proposal (or with it behind a flag) reject.
 */
export function hasRelaxedSimd(): boolean {
  const wasm = webAssembly()
  if (typeof wasm?.validate !== 'function') return false
  const f = new FunctionBuilder([])
  const v = f.local(V128)
  f.v128Zero().v128Zero().v128Zero().f32x4RelaxedMadd().set(v)
  try {
    return wasm.validate(encodeModule({ f }, 0))
  } catch {
    return false
  }
}

// The compiled module instances are made from, and whether it is the FMA variant: undefined until first
// asked for, null where it cannot be had. A cache of code with no observable state; useWasmKernels
// replaces it (`given`), useExactKernels drops one that seqgrad compiled.
let compiled: { module: object; fma: boolean; given: boolean } | null | undefined
let generation = 0
let exactOnly = false

/** Counts changes of the module (useWasmKernels, useExactKernels): a kernel user keeping an instance remakes it when this changes. */
export const kernelGeneration = (): number => generation

function compiledModule(): { module: object; fma: boolean } | null {
  const wasm = webAssembly()
  if (wasm === undefined) return null
  if (compiled === undefined) {
    compiled = null
    // the FMA variant where relaxed SIMD validates, the exact one otherwise (or if that fails after all); each
    // whole, else compact (a main thread that compiles only 4 KB at once)
    for (const variant of !exactOnly && hasRelaxedSimd() ? (['fma', 'exact'] as const) : (['exact'] as const)) {
      for (const compact of [false, true]) {
        try {
          compiled = { module: new wasm.Module(kernelModule(variant, compact).bytes), fma: variant === 'fma', given: false }
          break
        } catch {
          // smaller, next variant, or none: the callers use JavaScript
        }
      }
      if (compiled !== null) break
    }
  }
  return compiled
}

/**
 * Whether seqgrad's float32 matmuls and matrix–vector products use relaxed SIMD's fused multiply-add
 * (f32x4.relaxed_madd) in this runtime: true where the runtime has relaxed SIMD (Chromium, Deno, Node ≥ 22)
 * and seqgrad compiled its kernels itself. Their results then differ from the exact kernels' (each product
 * rounded to float32 before it is added) by FMA rounding, and may differ between machines.
 */
export function hasFma(): boolean {
  return compiledModule()?.fma ?? false
}

/**
 * With `exact` true, seqgrad's kernels round each float32 product before adding it, as where relaxed SIMD
 * is missing, even where it exists: the same bits in every runtime, at some cost in speed. false (the
 * default) lets them use relaxed SIMD's multiply-add where it validates. Kernels in use switch at their next call.
 */
export function useExactKernels(exact: boolean): void {
  if (typeof exact !== 'boolean') throw new Error(`useExactKernels: expected true or false, got ${typeof exact === 'string' ? `the string '${exact}'` : String(exact)}`)
  if (exact === exactOnly) return
  exactOnly = exact
  if (compiled?.given !== true) compiled = undefined // a module handed over is the exact variant already
  generation++
}

/**
 * A new instance of the kernel module, with a memory of its own; null where WebAssembly or its SIMD is
 * missing, or compiling at run time is forbidden and no module was handed over: callers then use JavaScript.
 */
export function kernelInstance(): KernelInstance | null {
  const wasm = webAssembly()
  const module = compiledModule()
  if (wasm === undefined || module === null) return null
  try {
    const { exports } = new wasm.Instance(module.module)
    return {
      memory: exports.memory as WasmMemory,
      tiles: exports.tiles as TilesFn,
      tilesRows: exports.tilesRows as TilesRowsFn,
      sigmoid: exports.sigmoid as RangeFn,
      tanh: exports.tanh as RangeFn,
      gemv: exports.gemv as GemvFn,
      cells: typeof exports.lstmCell === 'function' ? (Object.fromEntries(CELL_KERNELS.map((name) => [name, exports[name]])) as CellKernels) : null,
      fma: module.fma,
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
 * and `hasSimd()` then says true. The results are those of the exact kernels seqgrad compiles itself
 * (where relaxed SIMD is missing, or after `useExactKernels(true)`), bit for bit: the bytes are the same,
 * and a module of other kernels (another seqgrad version's file, or one without every kernel) is refused.
 * (A compiled module's code cannot be read back, so what is checked is its section and its exports: a file
 * edited by hand that keeps both would run.)
 * The file holds the exact kernels (no relaxed SIMD), so they run in any runtime with SIMD: `hasFma()`
 * is false after this.
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
  const { fingerprint } = kernelModule('exact')
  const given = sections.map((section) => String.fromCharCode(...new Uint8Array(section)))
  if (given.length === 0) {
    throw new Error(`${where}: this WebAssembly.Module is not seqgrad's kernels (it has no '${SECTION}' section): pass a module of seqgrad's dist/seqgrad-kernels.wasm`)
  }
  if (given.length !== 1 || given[0] !== fingerprint) {
    throw new Error(`${where}: this WebAssembly.Module holds other kernels (${given.join(', ')}) than this seqgrad's (${fingerprint}): pass the dist/seqgrad-kernels.wasm of the seqgrad version you import`)
  }
  let exports: Record<string, unknown>
  try {
    exports = new wasm.Instance(module).exports // an instance fails here, not silently at the first product
  } catch (error) {
    throw new Error(`${where}: the module cannot be instantiated here: ${error instanceof Error ? error.message : String(error)}`)
  }
  // the section names the code but cannot vouch for it: a module must at least export every kernel, as emitted
  const { arity } = kernelModule('exact')
  const wrong = Object.keys(arity).filter((name) => typeof exports[name] !== 'function' || (exports[name] as (...args: never[]) => unknown).length !== arity[name])
  if (wrong.length > 0 || typeof (exports.memory as WasmMemory | undefined)?.grow !== 'function') {
    throw new Error(`${where}: this WebAssembly.Module bears seqgrad's section but not its kernels (${wrong.length > 0 ? `missing or different: ${wrong.join(', ')}` : 'no memory'}): pass the dist/seqgrad-kernels.wasm of the seqgrad version you import, unchanged`)
  }
  compiled = { module, fma: false, given: true }
  generation++
}

/** This thread's choice of kernels (useExactKernels, useWasmKernels), for a worker thread to make the same. */
export interface KernelSettings {
  exact: boolean
  /** The module handed to useWasmKernels, or null. */
  module: object | null
}

export const kernelSettings = (): KernelSettings => ({ exact: exactOnly, module: compiled?.given === true ? compiled.module : null })

/** Makes the choice `settings` describes in this thread (a training worker: the main thread's). */
export function applyKernelSettings(settings: KernelSettings): void {
  if (settings.module !== null) useWasmKernels(settings.module)
  useExactKernels(settings.exact)
}
