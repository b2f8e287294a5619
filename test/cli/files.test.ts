// writeFileAtomic: a failed write leaves the previous file as it was and no temporary file behind.
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeFileAtomic } from '../../src/cli/files.js'

test('writes new content in place of the old', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqgrad-'))
  const file = join(dir, 'model.safetensors')
  writeFileSync(file, 'old')
  writeFileAtomic(file, new Uint8Array([1, 2, 3]))
  expect(Array.from(readFileSync(file))).toEqual([1, 2, 3])
  expect(readdirSync(dir)).toEqual(['model.safetensors'])
})

test('a failed write keeps the last good file and removes the temporary one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqgrad-'))
  const file = join(dir, 'checkpoint')
  mkdirSync(file) // a directory where the file should go: the final rename must fail
  mkdirSync(join(dir, 'keep'))
  writeFileSync(join(dir, 'keep', 'last-good'), 'good')
  expect(() => writeFileAtomic(file, 'new bytes')).toThrow(/could not write .*checkpoint/)
  expect(readdirSync(dir).sort()).toEqual(['checkpoint', 'keep'])
  expect(() => writeFileAtomic(join(dir, 'missing-dir', 'x'), 'data')).toThrow(/could not write/)
  expect(readFileSync(join(dir, 'keep', 'last-good'), 'utf8')).toBe('good')
})
