// The package's promises: no runtime dependencies, no Node built-ins in the core, the API's names
// exported, and a built package that loads the same from ESM and CommonJS.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import * as seqgrad from '../src/index.js'
import { expectSameFromRequireAndImport } from './helpers/built-package.js'

const root = join(__dirname, '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>

function sourceFiles(dir: string, ending = '.ts'): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sourceFiles(path, ending) : path.endsWith(ending) ? [path] : []
  })
}

test('package.json declares no runtime dependencies and serves ESM, CommonJS and types', () => {
  expect(pkg.dependencies ?? {}).toEqual({})
  expect(pkg.type).toBe('module')
  expect(pkg.sideEffects).toBe(false)
  const exportsMap = pkg.exports as Record<string, { import: Record<string, string>; require: Record<string, string> }>
  for (const entry of ['.', './testing']) {
    expect(Object.keys(exportsMap[entry].import)).toEqual(['types', 'default'])
    expect(Object.keys(exportsMap[entry].require)).toEqual(['types', 'default'])
  }
})

test('nothing in src/ but src/cli touches a Node built-in', () => {
  const offenders = sourceFiles(join(root, 'src'))
    .filter((file) => !file.includes(join('src', 'cli')))
    .filter((file) => {
      const code = readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '') // comments may say "process."
      return /from '(node:|fs|path|os|child_process|crypto|process|buffer)['/]|\bprocess\.|\brequire\(|\bBuffer\./.test(code)
    })
  expect(offenders).toEqual([])
})

test('the tensor and autograd names of the API contract are exported', () => {
  const names = ['tensor', 'zeros', 'ones', 'randn', 'rand', 'arange', 'manualSeed', 'Tensor', 'matmul', 'cat', 'noGrad', 'defineOp', 'gradcheck', 'fromNdarray', 'toNdarray']
  for (const name of names) expect(typeof (seqgrad as Record<string, unknown>)[name]).toBe('function')
  const methods = 'add sub mul div neg pow exp log sqrt tanh sigmoid relu abs clamp matmul sum mean max softmax logSoftmax reshape transpose slice concat cat split item toArray detach clone to backward'
  for (const method of methods.split(' ')) expect(typeof (seqgrad.Tensor.prototype as unknown as Record<string, unknown>)[method]).toBe('function')
})

test('the built package loads from ESM and CommonJS with the same exports', () => {
  expectSameFromRequireAndImport('seqgrad', 'cjs/index.js', Object.keys(seqgrad).sort())
})

test('the package carries its licence, and every source map carries the sources it maps', () => {
  const license = readFileSync(join(root, 'LICENSE'), 'utf8')
  expect(license).toMatch(/^MIT License/)
  expect(pkg.license).toBe('MIT')
  const maps = sourceFiles(join(root, 'dist'), '.map')
  expect(maps.length).toBeGreaterThan(50)
  for (const file of maps) {
    const map = JSON.parse(readFileSync(file, 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] }
    const carried = map.sourcesContent ?? []
    expect({ file, missing: map.sources.filter((_, i) => typeof carried[i] !== 'string') }).toEqual({ file, missing: [] })
  }
})
