// Builds dist/esm and dist/cjs with tsc, then dist/seqgrad-kernels.wasm, then dist/browser
// (scripts/build-browser.mjs, esbuild). dist/cjs gets its own package.json so Node reads its .js files as
// CommonJS even though the package is "type": "module".
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
rmSync('dist', { recursive: true, force: true })
for (const config of ['tsconfig.build.json', 'tsconfig.cjs.json']) {
  try {
    execFileSync(process.execPath, [tsc, '-p', config], { stdio: 'inherit' })
  } catch {
    console.error(`build: tsc -p ${config} failed (its errors are above)`)
    process.exit(1)
  }
}
mkdirSync('dist/cjs', { recursive: true })
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n')
// CommonJS has no import.meta: the training worker's URL is taken from this file's own path instead, and
// names the ES module script (dist/esm/optim/train-worker.js), which is what a module worker runs.
const workerUrl = 'dist/cjs/optim/train-worker-url.js'
const workerUrlSource = readFileSync(workerUrl, 'utf8')
const rewritten = workerUrlSource.replace("new URL('./train-worker.js', import.meta.url)", "new URL('../../esm/optim/train-worker.js', require('url').pathToFileURL(__filename).href)")
if (rewritten === workerUrlSource) {
  console.error(`build: ${workerUrl} no longer holds the line this script rewrites`)
  process.exit(1)
}
writeFileSync(workerUrl, rewritten)
// The WebAssembly kernels, the bytes seqgrad compiles at load time (the exact variant, which needs no
// relaxed SIMD), as a file: for runtimes that may not compile at run time but import .wasm files as
// compiled modules (useWasmKernels). A test holds them equal.
const { wasmKernelBytes } = await import('../dist/esm/internals.js')
writeFileSync('dist/seqgrad-kernels.wasm', wasmKernelBytes())
try {
  execFileSync(process.execPath, ['scripts/build-browser.mjs'], { stdio: 'inherit' })
} catch {
  process.exit(1) // build-browser said why
}
