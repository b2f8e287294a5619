// Runs the conformance scenario (conformance.mjs) in Node, Deno or Bun, on the built package imported by
// its name as their users import it (each resolves 'seqgrad' to dist/esm), and prints its result as one
// JSON line.
//   node test/runtimes/run.mjs [emitted|precompiled|none]      (likewise deno run, bun run)
// emitted: the kernels seqgrad compiles at load time (the default). precompiled: a WebAssembly.Module of
// dist/seqgrad-kernels.wasm handed to useWasmKernels first. none: WebAssembly deleted before seqgrad loads,
// so the scalar JavaScript fallback runs.
import { readFileSync } from 'node:fs'
import { conformance, fnv1a32 } from './conformance.mjs'

const kernels = process.argv[2] ?? 'emitted'
if (!['emitted', 'precompiled', 'none'].includes(kernels)) throw new Error(`run.mjs: expected emitted, precompiled or none, got ${kernels}`)
const runtime = typeof Deno !== 'undefined' ? `deno ${Deno.version.deno}` : typeof Bun !== 'undefined' ? `bun ${Bun.version}` : `node ${process.versions.node}`

if (kernels === 'none') delete globalThis.WebAssembly
// imported only now, so that the kernels see the runtime as it was left above
const seqgrad = await import('seqgrad')
const { wasmKernelBytes } = await import('seqgrad/internals')
const file = readFileSync(new URL(import.meta.resolve('seqgrad/kernels.wasm')))
if (kernels === 'precompiled') seqgrad.useWasmKernels(new WebAssembly.Module(file))

const extra = { kernelFile: fnv1a32(file), emittedKernels: fnv1a32(wasmKernelBytes()) }
console.log(JSON.stringify(conformance(seqgrad, { runtime, kernels, extra })))
