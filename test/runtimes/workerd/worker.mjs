// The conformance scenario as a Cloudflare Worker, written as a Worker project writes it: seqgrad imported
// from the package, its kernels as the package's .wasm file, which the Workers toolchain (wrangler, or
// workerd itself from a wrangler.json) bundles as a compiled WebAssembly.Module, since workerd refuses to
// compile WebAssembly at run time. `workerd test` runs it; it prints its result as one JSON line.
import * as seqgrad from 'seqgrad'
import kernels from 'seqgrad/kernels.wasm'
import { conformance } from './conformance.mjs'

export default {
  async test(_controller, env) {
    const simdBeforeModule = seqgrad.hasSimd() // false: compiling from bytes is refused here
    seqgrad.useWasmKernels(kernels)
    console.log(JSON.stringify(conformance(seqgrad, { runtime: env.RUNTIME, kernels: 'precompiled', extra: { simdBeforeModule } })))
  },
}
