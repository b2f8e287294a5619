// `seqgrad train` never loses the user's work: --force replaces only a checkpoint (never the --data file or
// another file), a --checkpoint that cannot be a file is refused before the first step, a full disk under
// the progress log and a hangup save before stopping, and a text just long enough for the streams trains.
import { spawn } from 'node:child_process'
import { linkSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cli, expectFailure, LiveRun, seqgrad, STACK_TRACE, temp, textFile } from './run-cli.js'

const tiny = ['--hidden', '8', '--embedding', '4', '--bptt', '8', '--batch', '4']

describe('--force replaces only a checkpoint', () => {
  test('--checkpoint naming the --data file (or a hard link to it) is refused, and the text keeps its bytes', () => {
    const dir = temp()
    const data = textFile(dir, 'same.txt')
    linkSync(data, join(dir, 'link.txt'))
    const before = readFileSync(data)
    for (const checkpoint of [data, join(dir, '.', 'same.txt'), join(dir, 'link.txt')]) {
      for (const extra of [['--force'], ['--force', '--resume'], []]) {
        const run = seqgrad(['train', '--data', data, '--checkpoint', checkpoint, ...extra, ...tiny, '--steps', '1'])
        expectFailure(run, 2, /^seqgrad: --checkpoint .* is the --data file; give another --checkpoint$/)
      }
    }
    expect(readFileSync(data).equals(before)).toBe(true)
    expect(readdirSync(dir).sort()).toEqual(['link.txt', 'same.txt'])
  })

  test('an existing file that is not a seqgrad checkpoint is refused even with --force; a checkpoint is replaced', () => {
    const dir = temp()
    const data = textFile(dir)
    const notes = join(dir, 'notes.safetensors')
    writeFileSync(notes, 'my notes, not a model\n')
    const other = join(dir, 'other.safetensors') // a safetensors file, but not seqgrad's
    const header = Buffer.from('{"__metadata__":{"format":"pt"}}')
    const length = Buffer.alloc(8)
    length.writeBigUInt64LE(BigInt(header.length))
    writeFileSync(other, Buffer.concat([length, header]))
    for (const [file, why] of [[notes, /it does not start with a safetensors header/], [other, /a safetensors file, but not a seqgrad checkpoint/]] as const) {
      const before = readFileSync(file)
      const run = seqgrad(['train', '--data', data, '--checkpoint', file, '--force', ...tiny, '--steps', '1'])
      expectFailure(run, 2, /^seqgrad: --checkpoint .* exists and is not a seqgrad checkpoint \(.*\); --force replaces only a checkpoint, so give another --checkpoint$/)
      expect(run.stderr).toMatch(why)
      expect(readFileSync(file).equals(before)).toBe(true)
    }
    const model = join(dir, 'model.safetensors')
    expect(seqgrad(['train', '--data', data, '--checkpoint', model, ...tiny, '--steps', '1']).status).toBe(0)
    const before = readFileSync(model)
    expect(seqgrad(['train', '--data', data, '--checkpoint', model, '--force', '--seed', '3', ...tiny, '--steps', '1']).status).toBe(0)
    expect(readFileSync(model).equals(before)).toBe(false)
  })
})

describe('a --checkpoint or --out that cannot be written to is refused before the first step', () => {
  test('--checkpoint "" and --checkpoint newdir/ (a missing directory): one line, at once, nothing made', () => {
    const dir = temp()
    const data = textFile(dir)
    const cases: [string, RegExp][] = [
      ['', /^seqgrad: --checkpoint is empty; give a file name, such as model\.safetensors$/],
      ['newdir/', /^seqgrad: --checkpoint newdir\/ ends in a slash, so it names a directory; give a file name, such as newdir\/model\.safetensors$/],
      [join(dir, 'newdir') + '/', /^seqgrad: --checkpoint .*newdir\/ ends in a slash/],
    ]
    for (const [checkpoint, message] of cases) {
      const run = seqgrad(['train', '--data', data, '--checkpoint', checkpoint, ...tiny, '--steps', '2', '--every', '1'], { cwd: dir })
      expectFailure(run, 1, message)
      expect(run.stdout).toBe('')
    }
    expect(readdirSync(dir)).toEqual(['text.txt'])
  })

  test('compare --out "" is a usage error, and writes nothing into the current directory', () => {
    const dir = temp()
    const run = seqgrad(['compare', '--out', '', '--steps', '1'], { cwd: dir })
    expectFailure(run, 2, /^seqgrad: --out needs a directory name, such as seqgrad-report$/)
    expect(readdirSync(dir)).toEqual([])
  })
})

describe('stopping saves first', () => {
  test('progress to a full disk (ENOSPC): the checkpoint is saved, then one line and exit 1', async () => {
    const dir = temp()
    const data = textFile(dir)
    const checkpoint = join(dir, 'model.safetensors')
    const child = spawn(process.execPath, ['--require', join(__dirname, 'fixtures', 'full-stdout.cjs'), cli, 'train', '--data', data, '--checkpoint', checkpoint, ...tiny, '--steps', '1000000', '--every', '1000000'], { cwd: dir })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.stdout.resume()
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
    expect(code).toBe(1)
    const lines = stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^seqgrad: cannot write to standard output: no space left on device; saved .*model\.safetensors at step \d+ of 1000000\. Continue with: seqgrad train --data .* --resume --steps 1000000 --every 1000000$/)
    expect(stderr).not.toMatch(STACK_TRACE)
    expect(readdirSync(dir).sort()).toEqual(['model.safetensors', 'text.txt'])
    const step = Number(/at step (\d+)/.exec(stderr)?.[1])
    const resumed = seqgrad(['train', '--data', data, '--checkpoint', checkpoint, '--resume', '--steps', String(step + 1)])
    expect(resumed.status).toBe(0)
    expect(resumed.stdout).toMatch(new RegExp(`resuming .* at step ${step}`))
  }, 60_000)

  test('SIGHUP is handled as SIGTERM: the step finishes, a checkpoint is written, the resume line, exit 129', async () => {
    const dir = temp()
    const data = textFile(dir)
    const checkpoint = join(dir, 'model.safetensors')
    const run = new LiveRun(['train', '--data', data, '--checkpoint', checkpoint, ...tiny, '--steps', '1000000', '--every', '1000000'], dir)
    await run.waitFor(/step +\d+\/1000000 +loss/)
    run.child.kill('SIGHUP')
    const { code, signal } = await run.exited
    expect({ code, signal }).toEqual({ code: 129, signal: null })
    const lines = run.stderr.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^seqgrad: SIGHUP: finishing this step, then saving .*model\.safetensors \(SIGHUP again quits without saving\)$/)
    expect(lines[lines.length - 1]).toMatch(/^seqgrad: stopped by SIGHUP; saved .*model\.safetensors at step \d+ of 1000000\. Continue with: seqgrad train --data .* --resume --steps 1000000 --every 1000000$/)
    expect(readdirSync(dir).sort()).toEqual(['model.safetensors', 'text.txt'])
    const step = Number(/at step (\d+)/.exec(run.stderr)?.[1])
    expect(seqgrad(['train', '--data', data, '--checkpoint', checkpoint, '--resume', '--steps', String(step + 1)]).status).toBe(0)
  }, 60_000)
})

describe('a text just long enough for the streams', () => {
  // 16 streams of --bptt 64 + 1 need 1,040 characters; a tenth held out of 1,040–1,155 leaves fewer
  const small = ['--hidden', '8', '--embedding', '4', '--steps', '1']
  test('1,130 characters: the hold-out shrinks to what the streams leave, saying so, and validation runs', () => {
    const dir = temp()
    const data = textFile(dir, 'text.txt', 1, 'abcdefghij'.repeat(113))
    const run = seqgrad(['train', '--data', data, '--checkpoint', join(dir, 'm.safetensors'), ...small])
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' })
    expect(run.stdout).toMatch(/^note: holding out the last 90 characters for validation, not a tenth \(113\): training needs 1040 for --batch 16 streams of --bptt 64 \+ 1$/m)
    expect(run.stdout).toMatch(/validation [\d.]+ bits\/char/)
  })

  test('1,040 and 1,100 characters: too few to hold out a window, so training runs without validation', () => {
    const dir = temp()
    for (const length of [1040, 1100]) {
      const data = textFile(dir, `text-${length}.txt`, 1, 'a'.repeat(length - 1) + 'b')
      const run = seqgrad(['train', '--data', data, '--checkpoint', join(dir, `m-${length}.safetensors`), ...small])
      expect({ length, status: run.status, stderr: run.stderr }).toEqual({ length, status: 0, stderr: '' })
      expect(run.stdout).toMatch(/note: the text is too short to hold out validation text \(1105 characters would do\); training without validation/)
    }
  })
})
