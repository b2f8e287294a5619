// The README's TypeScript examples compile against the library as it is: each ```ts block becomes a module
// importing 'seqgrad' (and its subpaths: seqgrad/core, /data, /internals, /testing) from src/, type-checked by tsc.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

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
      types: ['node', 'jest'], baseUrl: root, paths: { seqgrad: ['src/index.ts'], 'seqgrad/core': ['src/core.ts'], 'seqgrad/data': ['src/data/index.ts'], 'seqgrad/internals': ['src/internals.ts'], 'seqgrad/testing': ['src/testing/index.ts'] },
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
