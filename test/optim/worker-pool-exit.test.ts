// A pool of training threads left open must not keep the process alive: idle workers are unref'd (ref'd only
// while a request waits on them), so a program that trains with nodeTrainingWorkers(2) and never closes the
// pool ends on its own, and the pool still trains again while the program runs.
// Runs the built package: `npm run build` first.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const dist = join(__dirname, '../../dist/esm')
beforeAll(() => {
  if (!existsSync(join(dist, 'cli/train-worker.js'))) throw new Error('dist/ is missing: run `npm run build` (npm ci runs it)')
})

test('a program training with workers it never closes exits on its own, after training twice with them', () => {
  const url = (file: string) => JSON.stringify(pathToFileURL(join(dist, file)).href)
  const program = `
    const { Adam, LanguageModel, manualSeed, trainLanguageModel } = await import(${url('index.js')})
    const { nodeTrainingWorkers } = await import(${url('cli/train-workers.js')})
    manualSeed(1)
    const model = new LanguageModel({ vocabSize: 7, embeddingDim: 4, hiddenSize: 5 })
    const train = Int32Array.from({ length: 96 }, (_, k) => (k * 5) % 7)
    const workers = nodeTrainingWorkers(2)
    for (let run = 0; run < 2; run++) {
      const result = await trainLanguageModel({ model, optimizer: new Adam(model.parameters()), train, batchSize: 4, bptt: 6, steps: 3, workers })
      console.log('threads', result.threads, 'steps', result.history.length)
      // idle between runs, even for a while: the pool must still answer
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  `
  const file = join(mkdtempSync(join(tmpdir(), 'seqgrad-pool-')), 'train.mjs') // a file: the workers inherit the execArgv of -e
  writeFileSync(file, program)
  const started = Date.now()
  const run = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 20000, killSignal: 'SIGKILL' })
  const seconds = (Date.now() - started) / 1000
  expect({ signal: run.signal, status: run.status, stderr: run.stderr }).toEqual({ signal: null, status: 0, stderr: '' })
  expect(run.stdout).toBe('threads 2 steps 3\nthreads 2 steps 3\n')
  expect(seconds).toBeLessThan(10)
})
