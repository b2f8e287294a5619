// The CLI's faults, driven as a user meets them on the built command: every case checks the exit code, one
// clear line, no stack trace, and that nothing the user had is lost (checkpoints keep their bytes, refused
// runs create nothing).
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expectFailure, LiveRun, root, seqgrad, STACK_TRACE, temp, textFile } from './run-cli.js'

const tiny = ['--hidden', '8', '--embedding', '4', '--bptt', '8', '--batch', '4']

describe('checked before training starts', () => {
  test('an output directory the system will not create fails at once instead of hanging', () => {
    const run = seqgrad(['compare', '--out', '/proc/seqgrad-x', '--steps', '1'], { timeout: 10_000 })
    expectFailure(run, 1, /cannot write to the output directory \(--out\) \/proc\/seqgrad-x/)
    expect(run.ms).toBeLessThan(5_000)
  })

  test('a checkpoint path that is a directory, or in a missing directory, fails in well under a second', () => {
    const dir = temp()
    const data = textFile(dir)
    mkdirSync(join(dir, 'taken'))
    const cases: [string, RegExp][] = [
      [join(dir, 'taken'), /--checkpoint .*taken is a directory/],
      [join(dir, 'missing', 'model.safetensors'), /cannot write --checkpoint .*: the directory .*missing does not exist/],
      [join(data, 'model.safetensors'), /cannot write --checkpoint .*text\.txt\/model.safetensors: .*text\.txt is not a directory/],
    ]
    for (const [checkpoint, message] of cases) {
      const run = seqgrad(['train', '--data', data, '--checkpoint', checkpoint, ...tiny, '--steps', '2'])
      expectFailure(run, 1, message)
      expect(run.ms).toBeLessThan(3_000) // a cold node start included; the check itself takes milliseconds
    }
    expect(readdirSync(dir).sort()).toEqual(['taken', 'text.txt'])
  })

  test('a text too short for the streams names the flags that fix it; a short one holds out one window, saying so', () => {
    const dir = temp()
    const short = textFile(dir, 'short.txt', 1)
    const run = seqgrad(['train', '--data', short, '--checkpoint', join(dir, 'm.safetensors'), '--steps', '2'])
    expectFailure(run, 1, /the text has 45 characters, too few for --batch 16 streams of --bptt 64: .* give a longer text or a smaller --batch or --bptt/)
    expect(run.stderr).not.toMatch(/trainLanguageModel|batchStreams/)
    // 4 streams of 8 + 1 need 36 characters; a tenth of 60 is 6, less than the 9 of one validation window
    const sixty = textFile(dir, 'sixty.txt', 1, 'abcdefghij'.repeat(6))
    const adapted = seqgrad(['train', '--data', sixty, '--checkpoint', join(dir, 'a.safetensors'), ...tiny, '--steps', '2'])
    expect(adapted.status).toBe(0)
    expect(adapted.stdout).toMatch(/holding out the last 9 characters for validation/)
    expect(adapted.stdout).toMatch(/validation [\d.]+ bits\/char/)
  })

  test('a binary or non-UTF-8 --data file is refused, by train and by compare', () => {
    const dir = temp()
    writeFileSync(join(dir, 'nul.bin'), Buffer.from('some text\u0000more text'.repeat(100)))
    writeFileSync(join(dir, 'latin1.txt'), Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from(' au lait '.repeat(200))]))
    for (const [name, message] of [['nul.bin', /is not a text file \(it has a NUL byte at byte 9\)/], ['latin1.txt', /is not UTF-8 text \(invalid byte sequence at byte 3\)/]] as const) {
      expectFailure(seqgrad(['train', '--data', join(dir, name), '--checkpoint', join(dir, 'm.safetensors'), ...tiny]), 1, message)
      expectFailure(seqgrad(['compare', '--task', 'text', '--data', join(dir, name), '--out', join(dir, 'out')]), 1, message)
    }
    expect(readdirSync(dir).sort()).toEqual(['latin1.txt', 'nul.bin'])
  })
})

test('compare --task text on a text too short for its streams: one line naming the flags, and no --out made', () => {
  const dir = temp()
  const data = textFile(dir)
  const run = seqgrad(['compare', '--task', 'text', '--data', data, '--length', '500', '--out', join(dir, 'out')])
  expectFailure(run, 1, /the text has 1800 characters, too few for 32 streams with windows of 500: .* or a smaller --batch or --length/)
  expect(run.stdout).toBe('')
  expect(readdirSync(dir)).toEqual(['text.txt'])
})

test('odd command lines of every command: exit code 0, 1 or 2, one line, in flags, never a stack trace', () => {
  const dir = temp()
  const data = textFile(dir)
  writeFileSync(join(dir, 'empty.txt'), '')
  const odd = [
    ['compare', '--cells', ',,'], ['compare', '--cells'], ['compare', 'positional'], ['compare', '--length=-3'], ['compare', '--out', data],
    ['train', '-x'], ['train', '--task', 'reber', '--dropout', '1'], ['train', '--data', dir, '--checkpoint', join(dir, 'm')],
    ['train', '--data', join(dir, 'empty.txt'), '--checkpoint', join(dir, 'm')], ['train', '--data', data, '--checkpoint', join(dir, 'm'), '--batch', '200'],
    ['sample', '--checkpoint', dir], ['sample', '--checkpoint', data], ['sample', '--checkpoint', join(dir, 'empty.txt')],
    ['gradcheck', '--only', 'no-such-case'], ['gradcheck', '--seed', '-1'], ['bench', '--only', 'nope'], ['help', 'help'],
  ]
  for (const args of odd) {
    const run = seqgrad(args)
    expect({ args, exit: [1, 2].includes(run.status ?? -1), stack: STACK_TRACE.test(run.stderr) }).toEqual({ args, exit: true, stack: false })
    expect({ args, lines: run.stderr.trimEnd().split('\n').length }).toEqual({ args, lines: run.status === 2 ? 2 : 1 })
    // a library function's name before a colon ("loadSafetensors: …", "trainLanguageModel: …") is not the CLI's language
    expect({ args, stderr: run.stderr }).not.toEqual({ args, stderr: expect.stringMatching(/(^seqgrad: |\()[a-zA-Z]+[A-Z]\w*(\.\w+)?(\(\w*\))?: /) })
  }
  expect(readdirSync(dir).sort()).toEqual(['empty.txt', 'text.txt'])
})

describe('sizes that cannot fit are refused before allocating', () => {
  test('train --hidden 100000 and compare --length 100000: the estimate, at once', () => {
    const dir = temp()
    const data = textFile(dir)
    const train = seqgrad(['train', '--data', data, '--checkpoint', join(dir, 'm.safetensors'), '--hidden', '100000'], { timeout: 20_000 })
    expectFailure(train, 2, /this configuration needs about [\d.]+ TB of memory \(.*\), more than the limit of .*; make --hidden, --layers, --batch or --bptt smaller, or raise --max-memory/)
    const compare = seqgrad(['compare', '--length', '100000', '--out', join(dir, 'out')], { timeout: 20_000 })
    expectFailure(compare, 2, /this configuration needs about [\d.]+ GB of memory .*make --length, --hidden or --batch smaller/)
    for (const run of [train, compare]) {
      expect(run.stderr).not.toMatch(/Invalid typed array length|WebAssembly/)
      expect(run.ms).toBeLessThan(5_000)
    }
    expect(readdirSync(dir)).toEqual(['text.txt'])
  })

  test('--max-memory sets the limit, in units; a size it cannot read is a usage error', () => {
    const dir = temp()
    const data = textFile(dir)
    const args = ['train', '--data', data, '--checkpoint', join(dir, 'm.safetensors'), ...tiny, '--steps', '1']
    expectFailure(seqgrad([...args, '--max-memory', '1M']), 2, /needs about [\d.]+ MB of memory .* more than the limit of 1\.0 MB \(--max-memory 1M\)/)
    expectFailure(seqgrad([...args, '--max-memory', 'lots']), 2, /--max-memory must be a size such as 512M or 2G, got 'lots'/)
    expect(seqgrad([...args, '--max-memory', '2G']).status).toBe(0)
    expectFailure(seqgrad(['compare', '--hidden', '1024', '--length', '2000', '--max-memory', '512M', '--out', join(dir, 'out')]), 2, /limit of 512 MB \(--max-memory 512M\)/)
  })
})

describe('arguments', () => {
  test('negative numbers get the range message; --lr must be positive; --data needs --task text', () => {
    const cases: [string[], RegExp][] = [
      [['train', '--task', 'reber', '--steps', '-1'], /^seqgrad: --steps must be between 1 and 100000000, got -1$/],
      [['compare', '--hidden', '-5'], /^seqgrad: --hidden must be between 1 and 4096, got -5$/],
      [['sample', '--checkpoint', 'x', '--temperature', '-0.5'], /^seqgrad: --temperature must be between 0 and 1000, got -0.5$/],
      [['train', '--task', 'reber', '--lr', '0'], /^seqgrad: --lr must be greater than 0 and at most 10, got 0$/],
      [['compare', '--data', 'notes.txt'], /--data is the text for --task text; add --task text to model notes.txt/],
      [['help', 'frobnicate'], /help takes one command name, one of compare, train, sample, gradcheck, bench/],
    ]
    for (const [args, message] of cases) expectFailure(seqgrad(args), 2, message)
  })

  test('--version and seqgrad help <command>', () => {
    const version = seqgrad(['--version'])
    expect(version.status).toBe(0)
    expect(version.stdout).toBe(`seqgrad ${(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version}\n`)
    for (const command of ['compare', 'train', 'sample', 'gradcheck', 'bench']) {
      const help = seqgrad(['help', command])
      expect(help.status).toBe(0)
      expect(help.stdout).toBe(seqgrad([command, '--help']).stdout)
    }
  })

  test('messages speak in flags, not in the library functions behind them', () => {
    const dir = temp()
    writeFileSync(join(dir, 'empty.safetensors'), '')
    const run = seqgrad(['sample', '--checkpoint', join(dir, 'empty.safetensors')])
    expectFailure(run, 1, /is not a seqgrad checkpoint/)
    expect(run.stderr).not.toMatch(/loadSafetensors|loadCheckpoint/)
  })
})

describe('a closed pipe is not an error', () => {
  const pipedRun = async (args: string[]) => {
    const child = spawn(process.execPath, [join(root, 'dist', 'esm', 'cli', 'main.js'), ...args], { cwd: root })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.stdout.once('data', () => child.stdout.destroy()) // the reader goes away after its first line
    const started = Date.now()
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
    return { code, stderr, ms: Date.now() - started }
  }

  test('seqgrad gradcheck | head -1 ends quietly', async () => {
    const run = await pipedRun(['gradcheck'])
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' })
    expect(run.ms).toBeLessThan(20_000)
  }, 60_000)

  // the report on disk is what compare is for: a closed pipe stops the printing, not the runs (failed before:
  // exit 0 at once with an empty --out)
  test('seqgrad compare | head -1 trains on quietly and writes the report', async () => {
    const out = join(temp(), 'report')
    const run = await pipedRun(['compare', '--steps', '4', '--length', '6', '--hidden', '4', '--batch', '4', '--seeds', '2', '--out', out])
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' })
    expect(readdirSync(out).sort()).toEqual(['gradient-norms.svg', 'loss.svg', 'metric.svg', 'report.md', 'results.json'])
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/^# seqgrad compare: Adding problem\n/)
  }, 60_000)
})

describe('never overwrite silently', () => {
  test('an existing checkpoint is refused without --resume or --force, and keeps its bytes', () => {
    const dir = temp()
    const data = textFile(dir)
    const checkpoint = join(dir, 'model.safetensors')
    const args = ['--data', data, '--checkpoint', checkpoint, ...tiny, '--every', '2']
    expect(seqgrad(['train', ...args, '--steps', '2']).status).toBe(0)
    const before = readFileSync(checkpoint)
    expectFailure(seqgrad(['train', ...args, '--steps', '4']), 2, /--checkpoint .*model.safetensors already exists: add --resume to continue it, or --force/)
    expect(readFileSync(checkpoint).equals(before)).toBe(true)
    const forced = seqgrad(['train', ...args, '--steps', '2', '--force', '--seed', '5'])
    expect(forced.status).toBe(0)
    expect(readFileSync(checkpoint).equals(before)).toBe(false)
    expect(readdirSync(dir).sort()).toEqual(['model.safetensors', 'text.txt'])
  })

  test('--resume takes repeated options that match, refuses ones that differ, and refuses other data unless forced', () => {
    const dir = temp()
    const data = textFile(dir)
    const other = textFile(dir, 'other.txt', 40, 'a lazy dog sleeps over the quick brown fox. ')
    const checkpoint = join(dir, 'model.safetensors')
    expect(seqgrad(['train', '--data', data, '--checkpoint', checkpoint, ...tiny, '--every', '2', '--steps', '2', '--lr', '0.01']).status).toBe(0)
    const before = readFileSync(checkpoint)
    const differs = seqgrad(['train', '--data', data, '--checkpoint', checkpoint, '--resume', '--steps', '4', '--hidden', '16', '--lr', '0.02'])
    expectFailure(differs, 2, /--resume continues .* but --hidden 16 \(the checkpoint has 8\), --lr 0.02 \(the checkpoint has 0.01\) differ/)
    const otherData = seqgrad(['train', '--data', other, '--checkpoint', checkpoint, '--resume', '--steps', '4'])
    expectFailure(otherData, 2, /--resume: --data .*other.txt is not the data .* was trained on, .*text.txt \(1,800 bytes, sha256 [0-9a-f]{12}…\); give that data, or add --force/)
    expect(readFileSync(checkpoint).equals(before)).toBe(true)
    const same = seqgrad(['train', '--data', data, '--checkpoint', checkpoint, '--resume', '--steps', '4', ...tiny, '--lr', '0.01'])
    expect(same.status).toBe(0)
    expect(same.stdout).toMatch(/resuming .* at step 2/)
    const forced = seqgrad(['train', '--data', other, '--checkpoint', checkpoint, '--resume', '--force', '--steps', '6'])
    expect(forced.status).toBe(0)
    expect(forced.stdout).toMatch(/step 6\/6 .*saved/)
  })
})

describe('Ctrl-C and SIGTERM save', () => {
  // the held-out tenth of 20 MB takes seconds to evaluate at every checkpoint; a signal used to wait for all of it
  test('Ctrl-C during a long validation is heard within a moment: it saves and stops', async () => {
    const dir = temp()
    const data = join(dir, 'big.txt')
    const words = ['the', 'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog']
    writeFileSync(data, Array.from({ length: 4_000_000 }, (_, i) => words[(i * 7 + (i >> 3)) % 8]).join(' '))
    const checkpoint = join(dir, 'model.safetensors')
    const run = new LiveRun(['train', '--data', data, '--checkpoint', checkpoint, '--hidden', '16', '--embedding', '4', '--bptt', '8', '--batch', '4', '--steps', '1000', '--every', '1'], dir)
    await run.waitFor(/characters/) // the header: the first step and its validation follow at once
    const signalled = Date.now()
    run.child.kill('SIGINT')
    expect((await run.exited).code).toBe(130)
    expect(Date.now() - signalled).toBeLessThan(3000) // 9.3 s before, while the whole validation ran
    expect(run.stderr.trimEnd().split('\n').pop()).toMatch(/stopped by SIGINT; saved .*model\.safetensors at step 1 of 1000\./)
  }, 60_000)

  test('the command to continue keeps --jobs, on which the run\'s float32 rounding depends', async () => {
    const dir = temp()
    const checkpoint = join(dir, 'model.safetensors')
    const run = new LiveRun(['train', '--data', textFile(dir), '--checkpoint', checkpoint, ...tiny, '--steps', '1000000', '--every', '1000000', '--jobs', '2'], dir)
    await run.waitFor(/step +\d+\/1000000 +loss/)
    run.child.kill('SIGINT')
    expect((await run.exited).code).toBe(130)
    expect(run.stderr.trimEnd().split('\n').pop()).toMatch(/Continue with: seqgrad train --data .* --resume --steps 1000000 --every 1000000 --jobs 2$/)
  }, 60_000)

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    test(`${signal}: the step finishes, a checkpoint is written, the run says how to resume, exit ${code}`, async () => {
      const dir = temp()
      const data = textFile(dir)
      const checkpoint = join(dir, 'model.safetensors')
      const run = new LiveRun(['train', '--data', data, '--checkpoint', checkpoint, ...tiny, '--steps', '1000000', '--every', '1000000'], dir)
      await run.waitFor(/step +\d+\/1000000 +loss/)
      run.child.kill(signal)
      const { code: exit } = await run.exited
      expect(exit).toBe(code)
      const lines = run.stderr.trimEnd().split('\n')
      expect(lines[lines.length - 1]).toMatch(new RegExp(`stopped by ${signal}; saved .*model.safetensors at step \\d+ of 1000000\\. Continue with: seqgrad train --data .* --checkpoint .* --resume --steps 1000000 --every 1000000`))
      expect(run.stderr).not.toMatch(STACK_TRACE)
      expect(readdirSync(dir).sort()).toEqual(['model.safetensors', 'text.txt'])
      // the checkpoint is the state after its step, bit for bit: an uninterrupted run to that step writes the same file
      const step = Number(/at step (\d+)/.exec(run.stderr)?.[1])
      const again = join(dir, 'again.safetensors')
      expect(seqgrad(['train', '--data', data, '--checkpoint', again, ...tiny, '--steps', String(step), '--every', String(step)]).status).toBe(0)
      expect(readFileSync(checkpoint).equals(readFileSync(again))).toBe(true)
      const resumed = seqgrad(['train', '--data', data, '--checkpoint', checkpoint, '--resume', '--steps', String(step + 2)])
      expect(resumed.status).toBe(0)
      expect(resumed.stdout).toMatch(new RegExp(`resuming .* at step ${step}`))
    }, 60_000)
  }

  // This held before the CLI learned to save on signals; the test keeps it so.
  test('kill -9 at any moment leaves a checkpoint that loads, and no temporary file once training runs again', async () => {
    const dir = temp()
    const data = textFile(dir)
    const checkpoint = join(dir, 'model.safetensors')
    const args = ['train', '--data', data, '--checkpoint', checkpoint, ...tiny, '--steps', '1000000', '--every', '1']
    for (let round = 0; round < 4; round++) {
      const before = existsSync(checkpoint) ? statSync(checkpoint).mtimeMs : -1
      const run = new LiveRun(round === 0 ? args : [...args, '--resume'], dir)
      await run.waitFor(() => existsSync(checkpoint) && statSync(checkpoint).mtimeMs > before) // a checkpoint of this run
      await new Promise((resolve) => setTimeout(resolve, 37 * round)) // somewhere in the stream of writes
      run.child.kill('SIGKILL')
      await run.exited
      const leftover = readdirSync(dir).filter((name) => !['model.safetensors', 'text.txt'].includes(name))
      // a temporary file, and the lock the killed run held (the next run takes it over)
      expect(leftover.every((name) => /^\.model\.safetensors\.\d+\.\d+\.tmp$|^model\.safetensors\.lock$/.test(name))).toBe(true)
      const sample = seqgrad(['sample', '--checkpoint', checkpoint, '--length', '5'])
      expect({ status: sample.status, stderr: sample.stderr }).toEqual({ status: 0, stderr: '' })
    }
    const step = Number(/step (\d+)/.exec(seqgrad(['train', ...args.slice(1, 5), '--resume', '--steps', '1']).stdout)?.[1])
    expect(step).toBeGreaterThan(1)
    expect(readdirSync(dir).sort()).toEqual(['model.safetensors', 'text.txt'])
  }, 90_000)
})

describe('train shows its progress', () => {
  test('piped: plain lines with step, loss, tokens/s, ETA and the last checkpoint', () => {
    const dir = temp()
    const data = textFile(dir)
    const run = seqgrad(['train', '--data', data, '--checkpoint', join(dir, 'm.safetensors'), ...tiny, '--steps', '20', '--every', '10'])
    expect(run.status).toBe(0)
    expect(run.stdout).not.toMatch(/\r|\x1b/)
    expect(run.stdout).toMatch(/^step +\d+\/20 +loss \d+\.\d{4} +[\d,]+ tokens\/s +ETA \d+s +last checkpoint: none yet$/m)
    expect(run.stdout).toMatch(/^step +1\d\/20 +loss .* last checkpoint: step 10$/m)
    expect(run.stdout).toMatch(/^step 10\/20 +loss \d+\.\d{4} +validation \d+\.\d{4} bits\/char +saved .*m\.safetensors$/m)
    expect(run.stdout.trimEnd().split('\n').length).toBeLessThan(16) // a tenth of the run per line, not a line per step
  })
})

describe('a checkpoint that holds non-finite values', () => {
  test('sample and train --resume refuse it in the command line\'s words, not with a library option', () => {
    const dir = temp()
    const data = textFile(dir)
    const checkpoint = join(dir, 'model.safetensors')
    expect(seqgrad(['train', '--data', data, '--checkpoint', checkpoint, ...tiny, '--steps', '1']).status).toBe(0)
    const bytes = readFileSync(checkpoint)
    const headerEnd = 8 + Number(bytes.readBigUInt64LE(0))
    bytes.writeFloatLE(Number.NaN, headerEnd) // the first value of the first tensor
    writeFileSync(checkpoint, bytes)
    for (const args of [['sample', '--checkpoint', checkpoint], ['train', '--data', data, '--checkpoint', checkpoint, '--resume', '--steps', '2']]) {
      const run = seqgrad(args)
      expect(run.status).not.toBe(0)
      expect(run.stderr).toMatch(/non-finite|NaN/)
      expect(run.stderr).toMatch(/a run that diverged; resume from an earlier checkpoint, or train anew/)
      expect(run.stderr).not.toMatch(/allowNonFinite/)
    }
  })
})
