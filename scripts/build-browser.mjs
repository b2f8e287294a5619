// Builds the browser bundle: src/index.ts as one minified ES module with no imports, for
// <script type="module">, module workers and edge runtimes. Prints its raw, minified and gzip sizes.
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
const outfile = join(outdir, 'seqgrad.min.js')
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

// es2020: every browser with module workers runs it; esbuild lowers the newer syntax (class fields).
const common = { entryPoints: [join(root, 'src', 'index.ts')], bundle: true, platform: 'browser', format: 'esm', target: 'es2020', logLevel: 'warning' }
try {
  await build({ ...common, outfile, minify: true, sourcemap: true, banner: { js: `/*! seqgrad ${version} | MIT */` } })
  const readable = await build({ ...common, write: false })
  const raw = readable.outputFiles[0].contents.length
  const min = readFileSync(outfile)
  const gzip = gzipSync(min, { level: 9 }).length
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`
  const shown = relative(process.cwd(), outfile).startsWith('..') ? outfile : relative(process.cwd(), outfile)
  console.log(`build-browser: ${shown}: ${kb(raw)} raw, ${kb(min.length)} minified, ${kb(gzip)} min+gzip`)
} catch {
  console.error('build-browser: esbuild failed (its errors are above)')
  process.exit(1)
}
