// σ and tanh over float32 buffers on WebAssembly SIMD, four lanes at a time.
//
// In the fused cells the transcendental functions cost more than anything but the matmuls: each
// Math.exp or Math.tanh is a call of tens of nanoseconds, and an LSTM step takes five per unit. The
// kernels (wasm-math.ts: Cephes' expf and tanhf, as float32 libraries compute them) are part of seqgrad's
// one WebAssembly module (wasm-kernels.ts). float64 data never comes here: it keeps Math's functions.
//
// The kernels work in place on their module's own memory: `activationScratch` lends a float32 view of
// it, the caller writes pre-activations there, calls sigmoidInPlace / tanhInPlace on ranges of it, and
// reads the results back. Any other array is handled by plain loops with the exact functions.
import { sigmoid } from './elementwise.js'
import { ensureBytes, type WasmMemory } from './wasm-emit.js'
import { kernelGeneration, kernelInstance } from './wasm-kernels.js'
import type { RangeFn } from './wasm-math.js'

interface MathKernels {
  memory: WasmMemory
  sigmoid: RangeFn
  tanh: RangeFn
}

// An instance of the kernel module made on first use and kept (remade only if useWasmKernels changes the
// module): code and scratch memory, no observable state.
let kernels: MathKernels | null = null
let kernelsOf = -1 // the kernelGeneration() they were made in
let view: Float32Array | null = null

function mathKernels(): MathKernels | null {
  if (kernelsOf !== kernelGeneration()) {
    kernelsOf = kernelGeneration()
    const instance = kernelInstance()
    kernels = instance === null ? null : { memory: instance.memory, sigmoid: instance.sigmoid, tanh: instance.tanh }
  }
  return kernels
}

/**
 * A float32 buffer of at least `floats` elements in the kernels' memory (rounded up to whole lanes),
 * or null without SIMD. It is only valid until the next call: the memory may grow and move.
 */
export function activationScratch(floats: number): Float32Array | null {
  const math = mathKernels()
  if (math === null) return null
  ensureBytes(math.memory, Math.ceil(floats / 4) * 16)
  if (view === null || view.buffer !== math.memory.buffer) view = new Float32Array(math.memory.buffer)
  return view
}

let exactScratch = new Float64Array(0)

/**
 * Scratch for a step kernel's pre-activations: for float32 data the SIMD kernels' memory (when they
 * exist), else a float64 buffer, so float64 data (and float32 without SIMD) is computed as before,
 * exactly. Valid until the next call. Lay out ranges at multiples of 4 floats: see sigmoidInPlace.
 */
export function activationBuffer(float32: boolean, floats: number): Float32Array | Float64Array {
  const simd = float32 ? activationScratch(floats) : null
  if (simd !== null) return simd
  if (exactScratch.length < floats) exactScratch = new Float64Array(floats)
  return exactScratch
}

/** Rounds a range length up to whole SIMD lanes, for laying out several ranges in one scratch. */
export const lanes = (floats: number): number => Math.ceil(floats / 4) * 4

function applyInPlace(a: Float32Array | Float64Array, start: number, count: number, simd: RangeFn | undefined, exact: (v: number) => number): void {
  if (simd !== undefined && a instanceof Float32Array && a.buffer === kernels?.memory.buffer && a.byteOffset === 0) {
    simd(start * 4, count) // whole lanes: the scratch is padded, the last lane's extra floats are spare
    return
  }
  for (let i = start; i < start + count; i++) a[i] = exact(a[i])
}

/**
 * a[start … start+count) = σ(a[…]): SIMD on an activationScratch buffer, Math-exact elsewhere. On the
 * scratch, start must be a multiple of 4 and the floats up to the next multiple of 4 are overwritten.
 */
export function sigmoidInPlace(a: Float32Array | Float64Array, start: number, count: number): void {
  applyInPlace(a, start, count, kernels?.sigmoid, sigmoid)
}

/** a[start … start+count) = tanh(a[…]), as sigmoidInPlace. */
export function tanhInPlace(a: Float32Array | Float64Array, start: number, count: number): void {
  applyInPlace(a, start, count, kernels?.tanh, Math.tanh)
}
