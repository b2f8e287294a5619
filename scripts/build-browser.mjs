// Builds the browser bundles, each one minified ES module with no imports and its source map, for
// <script type="module">, module workers and edge runtimes:
//   seqgrad.min.js        src/index.ts, the whole API
//   seqgrad-core.min.js   src/core.ts, the core (tensor, autograd, cells, layers, losses, optimizers, safetensors)
//   seqgrad-compare.min.js  src/compare/index.ts, seqgrad/compare: the comparison's tasks, runner, summary and report
//   train-worker.js       src/optim/train-worker.ts, the worker script of data-parallel training
// Prints the raw, minified and gzip sizes of each.
//   node scripts/build-browser.mjs [--outdir DIR]     (default dist/browser; npm run build runs it too)
import { build } from 'esbuild'
import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const root = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
const outdirFlag = args.indexOf('--outdir')
if (args.length > 0 && !(outdirFlag === 0 && args.length === 2)) {
  console.error(`build-browser: expected no arguments or --outdir DIR, got: ${args.join(' ')}`)
  process.exit(2)
}
const outdir = outdirFlag === 0 ? args[1] : join(root, 'dist', 'browser')
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const bundles = [
  { entry: 'index.ts', file: 'seqgrad.min.js' },
  { entry: 'core.ts', file: 'seqgrad-core.min.js' },
  { entry: 'compare/index.ts', file: 'seqgrad-compare.min.js' },
  // the module worker of trainLanguageModel({ workers }), found beside the bundles by the name it has in dist/esm
  { entry: 'optim/train-worker.ts', file: 'train-worker.js' },
]

// es2020: every browser with module workers runs it; esbuild lowers the newer syntax (class fields).
const common = { bundle: true, platform: 'browser', format: 'esm', target: 'es2020', logLevel: 'warning' }
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`
async function buildOne({ entry, file }) {
  const outfile = join(outdir, file)
  const entryPoints = [join(root, 'src', entry)]
  const [, readable] = await Promise.all([
    build({ ...common, entryPoints, outfile, minify: true, sourcemap: true, banner: { js: `/*! seqgrad ${version} | MIT */` } }),
    build({ ...common, entryPoints, write: false }),
  ])
  const raw = readable.outputFiles[0].contents.length
  const min = readFileSync(outfile)
  const gzip = gzipSync(min, { level: 9 }).length
  const shown = relative(process.cwd(), outfile).startsWith('..') ? outfile : relative(process.cwd(), outfile)
  return `build-browser: ${shown}: ${kb(raw)} raw, ${kb(min.length)} minified, ${kb(gzip)} min+gzip`
}
try {
  for (const line of await Promise.all(bundles.map(buildOne))) console.log(line)
} catch {
  console.error('build-browser: esbuild failed (its errors are above)')
  process.exit(1)
}
