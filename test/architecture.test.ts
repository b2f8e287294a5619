// The dependency rule: ARCHITECTURE.md's table says which folders of src/ each folder may import, and
// this test holds every import in src/ to it, reading the imports with the TypeScript compiler's own
// pre-processor (static imports, re-exports, dynamic import() and require()).
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, posix, relative } from 'node:path'
import ts from 'typescript'

const root = join(__dirname, '..')
const src = join(root, 'src')

/** One row of the map: the paths it covers (relative to src/), and what files on it may import. */
interface Row {
  paths: string[]
  mayImport: string[] | 'everything'
}

function readMap(markdown: string): Row[] {
  const rows: Row[] = []
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('| `')) continue
    const cells = line.split('|').map((c) => c.trim())
    const ticks = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1])
    const last = cells[cells.length - 2]
    rows.push({ paths: ticks(cells[1]), mayImport: last === 'everything' ? 'everything' : ticks(last) })
  }
  return rows
}

const isFile = (path: string) => path.endsWith('.ts')

/** The most specific folder row covering `file` (a path relative to src/, with '/'), else its own file row. */
function rowOf(rows: Row[], file: string): { row: Row; path: string } | null {
  let best: { row: Row; path: string } | null = null
  for (const row of rows) {
    for (const path of row.paths) {
      const covers = isFile(path) ? file === path : file.startsWith(`${path}/`)
      const better = best === null || (isFile(best.path) && !isFile(path)) || (!isFile(path) && path.length > best.path.length)
      if (covers && better) best = { row, path }
    }
  }
  return best
}

/** Why importing `target` from `file` breaks the map, or null when it may. Both relative to src/. */
function violation(rows: Row[], file: string, target: string): string | null {
  const from = rowOf(rows, file)
  if (from === null) return `${file} is on no row of ARCHITECTURE.md`
  const to = rowOf(rows, target)
  if (to === null) return `${file} imports ${target}, which is on no row of ARCHITECTURE.md`
  if (to.row === from.row) return null
  // A file on a row of its own keeps its folder's rule and may also import what that row lists.
  const own = rows.find((row) => row !== from.row && row.paths.includes(file))
  for (const row of own === undefined ? [from.row] : [from.row, own]) {
    if (row.mayImport === 'everything' || row.mayImport.some((p) => target === p || target.startsWith(`${p}/`))) return null
  }
  return `${file} (${from.path}) imports ${target} (${to.path}), which ${from.path} may not import`
}

/** Why importing the package or built-in `name` from `file` breaks the map, or null. */
function packageViolation(file: string, name: string): string | null {
  if (file.startsWith('cli/') && name.startsWith('node:')) return null
  if (file.startsWith('testing/') && name === 'fast-check') return null
  return `${file} imports '${name}': only src/cli may import Node built-ins (as node:…) and only src/testing fast-check`
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') ? [path] : []
  })
}

const map = readMap(readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8'))
const files = sourceFiles(src).map((f) => relative(src, f).split('\\').join('/'))

test('the map in ARCHITECTURE.md has its rows, and each names paths that exist', () => {
  expect(map.length).toBeGreaterThanOrEqual(10)
  for (const row of map) {
    for (const path of [...row.paths, ...(row.mayImport === 'everything' ? [] : row.mayImport)]) {
      expect(files.some((f) => (isFile(path) ? f === path : f.startsWith(`${path}/`))) ? path : `${path} does not exist in src/`).toBe(path)
    }
  }
})

test('every file in src/ is on a row of the map', () => {
  expect(files.filter((f) => rowOf(map, f) === null)).toEqual([])
})

test('every import in src/ is one the map allows', () => {
  const problems: string[] = []
  let imports = 0
  for (const file of files) {
    const text = readFileSync(join(src, file), 'utf8')
    for (const { fileName: spec } of ts.preProcessFile(text, true, true).importedFiles) {
      imports++
      if (!spec.startsWith('.')) {
        const problem = packageViolation(file, spec)
        if (problem !== null) problems.push(problem)
        continue
      }
      const target = posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, '.ts')
      const problem = violation(map, file, target)
      if (problem !== null) problems.push(problem)
    }
  }
  expect(imports).toBeGreaterThan(300)
  expect(problems).toEqual([])
})

test('the rule catches what it must: an upward, a sideways and a built-in import are refused', () => {
  expect(violation(map, 'validation/checks.ts', 'tensor/shape.ts')).toMatch(/validation may not import/)
  expect(violation(map, 'tensor/kernels/matmul.ts', 'tensor/tensor.ts')).toMatch(/tensor\/kernels may not import/)
  expect(violation(map, 'tensor/create.ts', 'autograd/engine.ts')).toMatch(/tensor may not import/)
  expect(violation(map, 'cells/lstm.ts', 'cells/fused/lstm.ts')).toMatch(/cells may not import/)
  expect(violation(map, 'optim/option-checks.ts', 'io/safetensors.ts')).toMatch(/optim may not import/)
  expect(violation(map, 'models/recurrent.ts', 'compare/task.ts')).toMatch(/models may not import/)
  expect(packageViolation('io/checkpoint.ts', 'node:fs')).toMatch(/only src\/cli/)
  // and allows what the map lists
  expect(violation(map, 'tensor/tensor.ts', 'autograd/engine.ts')).toBeNull()
  expect(violation(map, 'cells/fused/sequence.ts', 'cells/kinds.ts')).toBeNull()
  expect(violation(map, 'cli/main.ts', 'compare/runner.ts')).toBeNull()
})

test("the README's layout names the same folders of src/ as the map, in the same order", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const layout = readme.slice(readme.indexOf('## Layout'))
  const block = layout.slice(layout.indexOf('```'), layout.indexOf('```', layout.indexOf('```') + 3))
  const inReadme = block.split('\n').map((line) => line.split(/\s+/)[0]).filter((p) => p.startsWith('src/') && !isFile(p))
  const inMap = map.flatMap((row) => row.paths).filter((p) => !isFile(p)).map((p) => `src/${p}`)
  expect(inReadme).toEqual(inMap)
})
