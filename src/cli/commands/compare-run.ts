// `seqgrad compare`'s runs, once everything is checked: with a list of learning rates, first the trial runs
// and the choice of a rate per cell, then every cell on every seed; --jobs of them at a time in worker
// threads (or all in this thread with --jobs 1). Then the table, the claims, and the report's files.
// Ctrl-C, SIGTERM or SIGHUP stops the runs (the worker threads are ended; in this thread, within a quarter
// second) and exits with 130, 143 or 129: a verdict needs every run, so a comparison cut short has nothing
// worth saving and nothing is written (an --out directory this command made, still empty, is removed). A
// second signal quits at once. A closed standard output (`| head -1`) stops only the printing: the runs go
// on and the report is written, as the report on disk is what the command is for.
import { cpus } from 'node:os'
import { join } from 'node:path'
import { claimsSummary } from '../../compare/claims.js'
import { chooseLearningRates, planSelectionUnits, planUnits, type ComparisonPlan, type LearningRateChoice } from '../../compare/plan.js'
import { buildReport, resultsTable } from '../../compare/report.js'
import { summarize } from '../../compare/summary.js'
import type { Task } from '../../compare/task.js'
import { counted } from '../../compare/format.js'
import type { RunUnit, UnitResult } from '../../compare/unit.js'
import { inProcessScheduler, StoppedError, WorkerPool, workerScript, type UnitScheduler } from '../compare-pool.js'
import { compareReporter, type RunView } from '../compare-progress.js'
import { removeCreatedDirectories, writeFileAtomic } from '../files.js'
import { onOutputClosed } from '../output.js'

export interface CompareRun {
  task: Task
  plan: ComparisonPlan
  jobs: number
  /** The output directory, made and checked already. */
  dir: string
  /** The directories made for it (outermost first): removed, if still empty, when no report is written. */
  created?: readonly string[]
  out: NodeJS.WriteStream
}

type Signal = 'SIGINT' | 'SIGTERM' | 'SIGHUP'
const EXIT_CODES: Record<Signal, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 }
const SIGNALS: Signal[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
const ignore = () => {}

const capitalize = (s: string) => s[0].toUpperCase() + s.slice(1)
const seedsText = (seeds: number[]) => (seeds.length === 1 ? `seed ${seeds[0]}` : `seeds ${seeds[0]}–${seeds[seeds.length - 1]}`)

/** Runs the plan, prints the results and writes the report; returns the exit code. */
export async function runCompare({ task, plan, jobs, dir, created = [], out }: CompareRun): Promise<number> {
  const label = (unit: RunUnit) => plan.cells[unit.cellIndex].label
  const describe = (unit: RunUnit) => `${label(unit)}, seed ${unit.settings.seed}${unit.phase === 'select' ? `, lr ${unit.lr}` : ''}`
  const view = (unit: RunUnit): RunView => ({ id: unit.id, label: label(unit), seed: unit.settings.seed, phase: unit.phase, lr: unit.lr, steps: unit.steps })
  const selection = planSelectionUnits(plan)
  const finalRuns = plan.cells.length * plan.seeds.length
  const runs = Math.max(selection.length, finalRuns)
  const runner: UnitScheduler = jobs === 1 || runs === 1 ? inProcessScheduler(task) : new WorkerPool(Math.min(jobs, runs), workerScript(), describe)
  const reporter = compareReporter(out, task.metricName)
  const s = plan.settings
  const cells = plan.cells.map((c) => (plan.match === 'params' ? `${c.label} (hidden ${c.hiddenSize})` : c.label)).join(', ')
  const atOnce = (n: number) => (runner.jobs === 1 ? 'one at a time in this thread' : `${Math.min(runner.jobs, n)} at a time in worker threads`)
  out.write(`${task.title}: ${cells}; length ${s.length}, hidden ${s.hidden}, batch ${s.batchSize}, ${counted(plan.steps, 'step')}, ${seedsText(plan.seeds)}; ${counted(finalRuns, 'run')}, ${atOnce(finalRuns)}\n`)
  let finished = 0

  const phase = async (units: RunUnit[]): Promise<UnitResult[]> => {
    reporter.phase(units.map(view))
    const results = await runner.run(units, { onProgress: (unit, e) => reporter.progress(view(unit), e), onResult: (unit, r) => {
        finished++
        reporter.finished(view(unit), r)
      } })
    reporter.end()
    return results
  }

  let stopped: Signal | null = null
  const onSignal = (signal: Signal) => {
    if (stopped !== null) process.exit(EXIT_CODES[signal]) // a second signal: at once
    stopped = signal
    reporter.end()
    void runner.close()
  }
  for (const signal of SIGNALS) process.on(signal, onSignal)
  process.stderr.on('error', ignore) // after a hangup the terminal may be gone: the exit code still says why
  onOutputClosed(() => {}) // the reader went away: later writes are dropped, the runs go on to the report
  let written = false
  try {
    let choices: LearningRateChoice[] | undefined
    if (selection.length > 0) {
      out.write(`Choosing each cell's learning rate among ${plan.learningRates.join(', ')}: ${counted(selection.length, 'trial run')} of ${counted(plan.selectionSteps, 'step')}, ${atOnce(selection.length)}, scored on a validation split\n`)
      choices = chooseLearningRates(plan, task, await phase(selection))
      const chosen = choices
      out.write(`Learning rates: ${plan.cells.map((c, i) => `${c.label} ${chosen[i].lr}`).join(', ')}\n`)
    }
    const units = planUnits(plan, choices)
    const result = summarize(plan, task, units, await phase(units), choices)
    const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}`
    const files = buildReport(result, { date: new Date().toISOString().slice(0, 10), machine })
    written = true // from here on the directory holds the report, or what of it could be written
    for (const [name, content] of Object.entries(files)) writeFileAtomic(join(dir, name), content)
    out.write(`\n${resultsTable(result)}\n\n${capitalize(task.verdictRule)}; a cell's verdict counts the seeds that solved it.\n\n`)
    out.write(`The usual advice, measured against this run (report.md gives the figures):\n${claimsSummary(result)}\n\n`)
    out.write(`Report: ${join(dir, 'report.md')} (with results.json, loss.svg, metric.svg, gradient-norms.svg)\n`)
    return 0
  } catch (error) {
    if (stopped !== null && error instanceof StoppedError) {
      const total = selection.length + finalRuns
      process.stderr.write(`seqgrad: stopped by ${stopped} after ${finished} of ${counted(total, 'run')} had finished; the runs under way were ended and nothing was written (a verdict needs every run, so a comparison cut short has no report)\n`)
      return EXIT_CODES[stopped]
    }
    throw error
  } finally {
    reporter.end()
    for (const signal of SIGNALS) process.off(signal, onSignal)
    process.stderr.off('error', ignore)
    await runner.close()
    if (!written) removeCreatedDirectories(created)
  }
}
