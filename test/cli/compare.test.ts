// seqgrad compare's flags on the built command: seeds, cell variants, budgets, learning-rate lists and
// --jobs, their usage errors, the same numbers whatever --jobs is, and the worker threads stopped by
// Ctrl-C or failing, each as one line.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expectFailure, LiveRun, root, seqgrad, STACK_TRACE, temp } from './run-cli.js'

const tiny = ['--task', 'adding', '--length', '10', '--hidden', '4', '--batch', '4', '--steps', '6']

describe('flags and their usage errors', () => {
  test('a bad --cells entry is a usage error naming the bad part', () => {
    const cases: [string, RegExp][] = [
      ['lstm:forget-bias=x', /^seqgrad: --cells: 'forget-bias=x' in 'lstm:forget-bias=x': forget-bias must be a number between -100 and 100 \(the total b_if \+ b_hf\), got 'x'$/],
      ['rnn,gru:colour=red', /^seqgrad: --cells: gru has no option 'colour' \(in 'gru:colour=red'\); gru takes reset-after, hidden$/],
      ['lstm,lstm:forget-bias=0,tree', /^seqgrad: --cells: 'tree' in 'tree' is not a cell; expected rnn, irnn, lstm or gru$/],
      ['gru,gru:reset-after=true', /^seqgrad: --cells names one cell twice: 'gru' and 'gru:reset-after=true' are both gru$/],
      ['lstm:hidden=0', /^seqgrad: --cells: 'hidden=0' in 'lstm:hidden=0': hidden must be an integer from 1 to 4096, got '0'$/],
    ]
    for (const [cells, message] of cases) expectFailure(seqgrad(['compare', '--cells', cells]), 2, message)
  })

  test('--seeds, --seed, --jobs, --match, --lr and --selection-steps are checked before anything runs', () => {
    const cases: [string[], RegExp][] = [
      [['--seeds', '0'], /^seqgrad: --seeds must be between 1 and 1000, got 0$/],
      [['--seeds', 'three'], /^seqgrad: --seeds must be an integer, got 'three'$/],
      // the real limit: the last run's seed + 3 stays safe (failed before: "between 0 and 9007199254740991")
      [['--seed', '9007199254740987', '--seeds', '3'], /^seqgrad: --seed must be between 0 and 9007199254740986 with --seeds 3 \(the last run's seed and the three after it must stay below 2\^53\), got 9007199254740987$/],
      [['--seed', '9007199254740991'], /^seqgrad: --seed must be between 0 and 9007199254740984 with --seeds 5 /],
      // trial runs no longer than the final ones (accepted before)
      [['--lr', '0.01,0.003', '--steps', '20', '--selection-steps', '50'], /^seqgrad: --selection-steps 50 is more than --steps 20: the trial runs that choose the lr must be at most as long as the final runs; give --selection-steps 20 or fewer$/],
      // an explicit hidden size equal to the run's is the same cell (accepted before)
      [['--cells', 'lstm,lstm:hidden=32'], /^seqgrad: --cells names one cell twice: 'lstm' and 'lstm:hidden=32' are both lstm at hidden size 32, the run's \(--hidden\)$/],
      [['--jobs', '0'], /^seqgrad: --jobs must be between 1 and 256, got 0$/],
      [['--match', 'size'], /^seqgrad: --match must be one of hidden, params, got 'size'$/],
      [['--lr', '0.01,0'], /^seqgrad: --lr must be greater than 0 and at most 10, got 0$/],
      [['--lr', '0.01,fast'], /^seqgrad: --lr must be a decimal number, got 'fast'$/],
      [['--lr', '0x10'], /^seqgrad: --lr must be a decimal number, got '0x10'$/],
      [['--lr', '0.01,0.003,0.01'], /^seqgrad: --lr lists 0.01 twice: '0.01,0.003,0.01'$/],
      [['--selection-steps', '10'], /^seqgrad: --selection-steps is the length of the trial runs .* give --lr a comma list, or drop --selection-steps$/],
      [['--lr', '0.01,0.003', '--selection-steps', '0'], /^seqgrad: --selection-steps must be between 1 and/],
    ]
    const dir = temp()
    for (const [args, message] of cases) expectFailure(seqgrad(['compare', ...args, '--out', join(dir, 'out')]), 2, message)
    expect(readdirSync(dir)).toEqual([])
  })

  test('--help says what --cells takes, forget-bias as the total b_if + b_hf', () => {
    const { stdout } = seqgrad(['compare', '--help'])
    expect(stdout).toMatch(/--cells LIST +comma list of KIND\[:KEY=VALUE\]\.\.\. \(default rnn,lstm,gru\)/)
    expect(stdout).toMatch(/lstm\[:forget-bias=B\] +B is the total forget-gate bias b_if \+ b_hf/)
    for (const flag of ['--seeds N', '--seed S', '--jobs J', '--match M', '--lr R', '--selection-steps N']) expect(stdout).toContain(`  ${flag} `)
  })

  test('memory: each variant at its own hidden size, times the runs at once', () => {
    const dir = temp()
    const blocked = join(dir, 'a-file', 'out') // passing the memory check leads to this --out's failure (exit 1)
    writeFileSync(join(dir, 'a-file'), 'x')
    const run = (...args: string[]) => seqgrad(['compare', '--length', '100', '--max-memory', '1G', '--out', blocked, ...args])
    expectFailure(run('--cells', 'rnn,gru', '--jobs', '1'), 1, /cannot write to the output directory/)
    expectFailure(run('--cells', 'rnn,gru:hidden=512', '--jobs', '1'), 2, /needs about [\d.]+ GB of memory .* more than the limit of 1\.0 GB \(--max-memory 1G\); make --length, --hidden or --batch smaller/)
    // --match params gives the RNN about twice the LSTM's hidden size
    expectFailure(run('--cells', 'rnn,lstm', '--hidden', '260', '--jobs', '1'), 1, /cannot write to the output directory/)
    expectFailure(run('--cells', 'rnn,lstm', '--hidden', '260', '--jobs', '1', '--match', 'params'), 2, /needs about [\d.]+ GB of memory .* more than the limit of 1\.0 GB/)
    expectFailure(run('--cells', 'rnn,gru', '--jobs', '8'), 2, /needs about [\d.]+ GB of memory \(8 × an evaluation pass [\d.]+ MB, 8 worker threads 320 MB\), more than the limit .*; make --length, --hidden or --batch smaller, give fewer --jobs \(8 runs train at once\), or raise --max-memory$/)
    // --jobs counts only runs that exist: one cell on one seed is one run at a time
    expectFailure(run('--cells', 'gru', '--seeds', '1', '--jobs', '8'), 1, /cannot write to the output directory/)
  })
})

/** results.json without what is wall time: the times, and the claim that is judged on them. */
function withoutTimes(path: string): string {
  const json = JSON.parse(readFileSync(path, 'utf8')) as { date: string; cells: { trainSeconds: number; tokensPerSecond: number; seeds: { trainSeconds: number; tokensPerSecond: number }[] }[]; claims: { id: string }[] }
  json.date = ''
  for (const cell of [json.cells, ...json.cells.map((c) => c.seeds)].flat()) {
    cell.trainSeconds = 0
    cell.tokensPerSecond = 0
  }
  json.claims = json.claims.filter((c) => c.id !== 'gru-trains-faster')
  return JSON.stringify(json, null, 1)
}

test('--jobs 1 and --jobs 2 write the same results.json, bar the times; every run finished is a line', () => {
  const args = ['compare', ...tiny, '--cells', 'lstm,gru:hidden=5', '--seeds', '2', '--seed', '3', '--lr', '0.01,0.03', '--selection-steps', '3']
  const [one, two] = ['1', '2'].map((jobs) => {
    const dir = temp()
    const run = seqgrad([...args, '--jobs', jobs, '--out', dir], { timeout: 60_000 })
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' })
    return { dir, stdout: run.stdout }
  })
  expect(one.stdout).toMatch(/; 4 runs, one at a time in this thread\n/)
  expect(two.stdout).toMatch(/; 4 runs, 2 at a time in worker threads\n/)
  expect(two.stdout).toMatch(/^Choosing each cell's learning rate among 0\.01, 0\.03: 8 trial runs of 3 steps, 2 at a time in worker threads, scored on a validation split$/m)
  for (const { stdout } of [one, two]) {
    // 2 cells × 2 rates × 2 seeds trial runs, then 2 cells × 2 seeds
    expect(stdout.match(/^ {2}(LSTM|GRU, hidden 5) +seed [34] +lr 0\.0[13] +validation MSE [\d.e+-]+ +[\d.]+ s +\[\d\/8\]$/gm)).toHaveLength(8)
    expect(stdout.match(/^ {2}(LSTM|GRU, hidden 5) +seed [34] +test MSE [\d.e+-]+ +(solved|not solved) +[\d.]+ s +\[\d\/4\]$/gm)).toHaveLength(4)
    expect(stdout).toMatch(/^Learning rates: LSTM 0\.0[13], GRU, hidden 5 0\.0[13]$/m)
    expect(stdout).toMatch(/^\| LSTM \| 4 \|.*\| (not solved: 0 of 2|unreliable: 1 of 2|solved in 2 of 2) \|$/m)
    expect(stdout).toMatch(/^The usual advice, measured against this run .*:\n {2}(supported|not supported|depends|cannot test) +The GRU has fewer parameters than the LSTM\.$/m)
  }
  const a = withoutTimes(join(one.dir, 'results.json'))
  expect(withoutTimes(join(two.dir, 'results.json'))).toBe(a)
  expect(a).toMatch(/"lrSelection": \[\n\s+\{\n\s+"lr": 0.01/)
}, 90_000)

describe('Ctrl-C, SIGTERM and SIGHUP stop the runs', () => {
  for (const [signal, code, jobs] of [['SIGINT', 130, '2'], ['SIGTERM', 143, '2'], ['SIGHUP', 129, '2'], ['SIGINT', 130, '1']] as const) {
    test(`${signal} during a compare with --jobs ${jobs}: one line, exit ${code}, no report, no empty --out left`, async () => {
      const dir = temp()
      const out = join(dir, 'report')
      const run = new LiveRun(['compare', '--length', '20', '--steps', '400', '--seeds', '4', '--jobs', jobs, '--out', out], dir)
      await run.waitFor(/^ {2}10% of the steps/m, 60_000) // the runs are under way
      const sent = Date.now()
      run.child.kill(signal)
      const { code: exit } = await run.exited
      expect(Date.now() - sent).toBeLessThan(5_000)
      expect(exit).toBe(code)
      expect(run.stderr).toMatch(new RegExp(`^seqgrad: stopped by ${signal} after \\d+ of 12 runs had finished; the runs under way were ended and nothing was written \\(a verdict needs every run, so a comparison cut short has no report\\)\\n$`))
      expect(run.stderr).not.toMatch(STACK_TRACE)
      expect(run.stdout).not.toMatch(/\| LSTM \|/)
      expect(readdirSync(dir)).toEqual([]) // the --out it made is gone (failed before: left empty)
    }, 90_000)
  }
})

test("--jobs beyond the runs there are is capped at them (failed before: '6 runs, 12 at a time')", () => {
  const dir = temp()
  const run = seqgrad(['compare', ...tiny, '--seeds', '2', '--jobs', '64', '--lr', '0.01,0.003', '--selection-steps', '2', '--out', join(dir, 'out')], { timeout: 60_000 })
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' })
  expect(run.stdout).toMatch(/; 6 runs, 6 at a time in worker threads\n/)
  expect(run.stdout).toMatch(/: 12 trial runs of 2 steps, 12 at a time in worker threads,/)
}, 90_000)

test('an interrupted compare keeps a --out directory the user had', async () => {
  const dir = temp()
  const out = join(dir, 'mine')
  mkdirSync(out)
  const run = new LiveRun(['compare', '--length', '20', '--steps', '400', '--seeds', '2', '--jobs', '2', '--out', out], dir)
  await run.waitFor(/^ {2}10% of the steps/m, 60_000)
  run.child.kill('SIGINT')
  expect((await run.exited).code).toBe(130)
  expect(readdirSync(dir)).toEqual(['mine'])
}, 90_000)

describe('a worker thread that fails is one line and exit code 1', () => {
  // The built command, copied with a worker script that fails as a real one might.
  function withWorker(source: string): string {
    const dir = temp()
    cpSync(join(root, 'dist', 'esm'), join(dir, 'dist', 'esm'), { recursive: true })
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }))
    writeFileSync(join(dir, 'dist', 'esm', 'cli', 'compare-worker.js'), source)
    mkdirSync(join(dir, 'out'))
    return dir
  }
  const cases: [string, string, RegExp][] = [
    ['throws', "import { parentPort } from 'node:worker_threads'\nparentPort.on('message', () => { throw new Error('out of luck') })\n", /^seqgrad: a worker thread failed \(out of luck\) while training (RNN \(tanh\)|LSTM|GRU), seed [01]$/],
    ['exits', "import { parentPort } from 'node:worker_threads'\nparentPort.on('message', () => process.exit(3))\n", /^seqgrad: a worker thread stopped unexpectedly \(exit code 3\) while training (RNN \(tanh\)|LSTM|GRU), seed [01]$/],
  ]
  for (const [what, source, message] of cases) {
    test(`a worker that ${what}`, () => {
      const dir = withWorker(source)
      const started = Date.now()
      const result = spawnSync(process.execPath, [join(dir, 'dist', 'esm', 'cli', 'main.js'), 'compare', ...tiny, '--seeds', '2', '--jobs', '2', '--out', join(dir, 'out')], { cwd: dir, encoding: 'utf8', timeout: 30_000 })
      const run = { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started }
      expectFailure(run, 1, message)
      expect(readdirSync(join(dir, 'out'))).toEqual([])
    })
  }
})
