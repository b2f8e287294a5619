// The README's TypeScript examples compile against the library as it is: each ```ts block becomes a module
// importing 'seqgrad' (and its subpaths: seqgrad/core, /data, /compare, /internals, /testing, /node) from src/, type-checked by tsc.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const root = join(__dirname, '..')

test('every TypeScript example in the README type-checks', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1])
  expect(blocks.length).toBeGreaterThanOrEqual(5)
  const dir = join(root, 'build', 'readme-examples')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  blocks.forEach((code, i) => writeFileSync(join(dir, `example-${i + 1}.ts`), `${code}\nexport {}\n`))
  const config = {
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, esModuleInterop: true,
      types: ['node', 'jest'], baseUrl: root, paths: { seqgrad: ['src/index.ts'], 'seqgrad/core': ['src/core.ts'], 'seqgrad/data': ['src/data/index.ts'], 'seqgrad/compare': ['src/compare/index.ts'], 'seqgrad/internals': ['src/internals.ts'], 'seqgrad/testing': ['src/testing/index.ts'], 'seqgrad/node': ['src/cli/train-workers.ts'] },
    },
    files: blocks.map((_, i) => `example-${i + 1}.ts`),
  }
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config))
  const tsc = require.resolve('typescript/bin/tsc')
  let output = ''
  try {
    execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' })
  } catch (error) {
    output = String((error as { stdout?: string }).stdout ?? error)
  }
  expect(output).toBe('')
}, 60_000)

/** Runs one README example as written, importing the built package (dist/esm), in a fresh node process. */
function runExample(code: string, name: string): { status: number; stdout: string; stderr: string } {
  const ts = require('typescript') as typeof import('typescript')
  const dist = pathToFileURL(join(root, 'dist', 'esm')).href
  const js = ts
    .transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } })
    .outputText.replace(/from 'seqgrad(\/[a-z]+)?'/g, (_, sub: string | undefined) => `from '${dist}/${sub === undefined ? 'index' : sub === '/node' ? 'cli/train-workers' : ['/data', '/testing', '/compare'].includes(sub) ? `${sub.slice(1)}/index` : sub.slice(1)}.js'`)
  const dir = join(root, 'build', 'readme-run')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${name}.mjs`)
  writeFileSync(file, js)
  const result = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 })
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
}

test('the README examples run as written, and the training example refuses a short text at once', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1])
  // the examples that need a text of the reader's own ('...') or a test runner (test(...)) are run below or not at all
  const runnable = blocks.filter((code) => !code.includes("'...'") && !/\btest\(/.test(code))
  expect(runnable.length).toBeGreaterThanOrEqual(4)
  runnable.forEach((code, i) => {
    const { status, stderr } = runExample(code, `example-${i + 1}`)
    expect({ example: i + 1, status, stderr }).toEqual({ example: i + 1, status: 0, stderr: '' })
  })
  const training = blocks.find((code) => code.includes('trainLanguageModel('))
  if (training === undefined) throw new Error('the README has no training example')
  const started = Date.now()
  const { status, stderr } = runExample(training.replace("'...'", "'To be, or not to be: that is the question.'"), 'training-short-text')
  expect(status).toBe(1)
  expect(stderr).toMatch(/trainLanguageModel: \d+ tokens are too few for 16 streams with bptt 64/)
  expect(Date.now() - started).toBeLessThan(20_000)
}, 120_000)
