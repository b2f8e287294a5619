// Fresh copies of the kernel modules, loaded with the global WebAssembly removed or replaced. The kernels
// try to compile their WebAssembly once, when first asked for, and cache the outcome; a copy loaded by
// jest.isolateModules while WebAssembly is absent or refuses to compile keeps that outcome for good, as in a
// runtime without WebAssembly (some edge runtimes), without SIMD, or under a CSP without wasm-unsafe-eval.

/** What stands in for globalThis.WebAssembly while the fresh copy loads: nothing, or the given object. */
export type WasmStandIn = 'deleted' | object

/** A WebAssembly whose compiler refuses every module, as in a runtime without SIMD or under a CSP without wasm-unsafe-eval. */
export const refusingWasm = {
  Module: class {
    constructor() {
      throw new Error('CompileError: SIMD unsupported')
    }
  },
  Instance: class {},
}

/** describe.each rows [label, stand-in] for the two ways a runtime goes without the kernels: no WebAssembly, or one that cannot compile them. */
export const withoutWasm = (kernels: string): [string, WasmStandIn][] => [
  ['WebAssembly missing', 'deleted'],
  [`WebAssembly that cannot compile the ${kernels}`, refusingWasm],
]

/**
 * Runs `load` in a module registry of its own, so each `require` inside it gives a fresh copy of the
 * module (its own compiled kernel and module memory), and returns what `load` returned.
 */
export function loadFresh<T>(load: () => T): T {
  let loaded: { value: T } | undefined
  jest.isolateModules(() => {
    loaded = { value: load() }
  })
  return loaded!.value
}

/**
 * As loadFresh, with globalThis.WebAssembly deleted or replaced by `standIn` until `load` returns: `load`
 * should require the modules and ask for their kernel, so that the compile attempt is made meanwhile. The
 * real WebAssembly is put back afterwards, even if `load` throws.
 */
export function loadFreshWith<T>(standIn: WasmStandIn, load: () => T): T {
  const g = globalThis as Record<string, unknown>
  const original = Object.getOwnPropertyDescriptor(g, 'WebAssembly')
  expect(original).toBeDefined()
  let loaded: { value: T } | undefined
  try {
    if (standIn === 'deleted') delete g.WebAssembly
    else Object.defineProperty(g, 'WebAssembly', { value: standIn, configurable: true, writable: true })
    loaded = { value: loadFresh(load) }
  } finally {
    Object.defineProperty(g, 'WebAssembly', original!)
  }
  expect(typeof (globalThis as { WebAssembly?: unknown }).WebAssembly).toBe('object')
  return loaded!.value
}

