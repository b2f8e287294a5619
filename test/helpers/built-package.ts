// The built package (dist/) loaded by its name, as a user's code would, from CommonJS and from ESM, each in a
// fresh Node process.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

const root = join(__dirname, '..', '..')

/** Runs `script` with node -e (and `flags`) from the repository root; returns what it printed, trimmed. */
const runNode = (script: string, ...flags: string[]) => execFileSync(process.execPath, [...flags, '-e', script], { cwd: root, encoding: 'utf8' }).trim()

/**
 * Loads `specifier` (such as 'seqgrad/core', built as `builtFile` under dist/) with require and with
 * import(): both give the same export names, exactly `names` (sorted), and tensor([1, 2]).sum() is 3.
 */
export function expectSameFromRequireAndImport(specifier: string, builtFile: string, names: string[]): void {
  if (!existsSync(join(root, 'dist', builtFile))) throw new Error('dist/ is missing: run `npm run build` (npm ci runs it)')
  const fromRequire = runNode(`const s = require('${specifier}'); console.log(Object.keys(s).sort().join(','), s.tensor([1, 2]).sum().item())`)
  const fromImport = runNode(`import('${specifier}').then((s) => console.log(Object.keys(s).sort().join(','), s.tensor([1, 2]).sum().item()))`, '--input-type=module')
  expect(fromImport).toBe(fromRequire)
  expect(fromRequire.endsWith(' 3')).toBe(true)
  expect(fromRequire.split(' ')[0].split(',')).toEqual(names)
}
