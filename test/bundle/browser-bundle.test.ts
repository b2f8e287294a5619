// The browser bundle: src/index.ts bundles for the browser with nothing from src/cli, no Node built-in and
// no dependency; minified and gzipped it stays within the size budget; and the built file computes what
// the source tree computes, in a process whose Node globals have been removed.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import * as seqgrad from '../../src/index.js'

interface ScenarioResult {
  loss: number
  gradNorm: number
  gradWhh: number[][]
  lossAfterStep: number
  gradcheckPasses: boolean
}
const lstmScenario = require('./lstm-scenario.cjs') as (s: typeof seqgrad) => ScenarioResult

const root = join(__dirname, '..', '..')
const BUDGET_BYTES = 40 * 1024 // min+gzip, for the whole public API (tensor, autograd, cells, layers, optimizers, safetensors, …)

let outdir = ''
let bundle = ''
beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'seqgrad-browser-'))
  execFileSync(process.execPath, [join(root, 'scripts', 'build-browser.mjs'), '--outdir', outdir], { cwd: root, encoding: 'utf8' })
  bundle = join(outdir, 'seqgrad.min.js')
}, 60_000)
afterAll(() => rmSync(outdir, { recursive: true, force: true }))

test('src/index.ts bundles for the browser from src/ alone: no src/cli, no Node built-in, no dependency', async () => {
  const result = await build({ entryPoints: ['src/index.ts'], absWorkingDir: root, bundle: true, platform: 'browser', write: false, metafile: true, format: 'esm', logLevel: 'silent' })
  const inputs = Object.keys(result.metafile.inputs)
  expect(inputs).toContain('src/index.ts')
  expect(inputs.filter((file) => !file.startsWith('src/') || file.startsWith('src/cli/'))).toEqual([])
  const builtins = new Set(builtinModules)
  const nodeImports = Object.entries(result.metafile.inputs).flatMap(([file, input]) =>
    input.imports.filter(({ path }) => path.startsWith('node:') || builtins.has(path.split('/')[0])).map(({ path }) => `${file} imports ${path}`),
  )
  expect(nodeImports).toEqual([])
  const [output] = Object.values(result.metafile.outputs)
  expect(output.imports).toEqual([]) // one self-contained module
})

test(`the minified bundle is at most ${BUDGET_BYTES / 1024} KB gzipped`, () => {
  const minified = readFileSync(bundle)
  const gzipBytes = gzipSync(minified, { level: 9 }).length
  const size = `${(gzipBytes / 1024).toFixed(1)} KB min+gzip (${(minified.length / 1024).toFixed(1)} KB minified)`
  console.log(`browser bundle: ${size}; budget ${BUDGET_BYTES / 1024} KB`)
  expect({ size, withinBudget: gzipBytes <= BUDGET_BYTES }).toEqual({ size, withinBudget: true })
  expect(existsSync(join(outdir, 'seqgrad.min.js.map'))).toBe(true)
})

test('the built bundle, with no Node globals in sight, trains an LSTM step exactly as the source tree does', () => {
  const script = join(outdir, 'run-scenario.mjs')
  writeFileSync(
    script,
    [
      `const { default: lstmScenario } = await import(${JSON.stringify(pathToFileURL(join(__dirname, 'lstm-scenario.cjs')).href)})`,
      'const stdout = process.stdout',
      "for (const name of ['process', 'Buffer', 'global', 'setImmediate', 'clearImmediate']) delete globalThis[name]",
      `const seqgrad = await import(${JSON.stringify(pathToFileURL(bundle).href)})`,
      'stdout.write(JSON.stringify(lstmScenario(seqgrad)))',
    ].join('\n'),
  )
  const fromBundle = JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8' })) as ScenarioResult
  const fromSource = JSON.parse(JSON.stringify(lstmScenario(seqgrad))) as ScenarioResult
  expect(fromBundle).toEqual(fromSource)
  // and the scenario did real work: a finite loss that one Adam step lowered, a nonzero clipped gradient
  expect(Number.isFinite(fromSource.loss) && fromSource.loss > 0).toBe(true)
  expect(fromSource.lossAfterStep).toBeLessThan(fromSource.loss)
  expect(fromSource.gradNorm).toBeGreaterThan(0)
  expect(fromSource.gradWhh).toHaveLength(16)
  expect(fromSource.gradWhh.flat().some((g) => g !== 0)).toBe(true)
  expect(fromSource.gradcheckPasses).toBe(true)
}, 60_000)

test('package.json exports the bundle as seqgrad/browser, and npm run build has made it', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; default: string }> }
  expect(pkg.exports['./browser']).toEqual({ types: './dist/esm/index.d.ts', default: './dist/browser/seqgrad.min.js' })
  if (!existsSync(join(root, 'dist', 'browser', 'seqgrad.min.js'))) throw new Error('dist/browser is missing: run `npm run build` (npm ci runs it)')
})
