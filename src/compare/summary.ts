// The comparison's results from its units: per cell the median metric and its range over seeds, how many
// seeds solved the task (k of N) and the verdict that follows from k/N, the memory and speed, and every
// seed's own numbers. Results are matched to units by id, so the order they finished in changes nothing.
import type { CellKind } from '../models/recurrent.js'
import { formatCellSpec, type CellOptions } from './cell-spec.js'
import type { MemoryBytes } from './memory.js'
import { median, type BudgetMatch, type ComparisonPlan, type LearningRateChoice } from './plan.js'
import type { Task, TaskSettings } from './task.js'
import { LR_DROP, type RunUnit, type UnitResult } from './unit.js'

export interface Spread {
  median: number
  min: number
  max: number
}

/** The learning-rate schedule of every run: its lr until `at` (a fraction of the steps), then lr × factor. */
export interface LrSchedule {
  name: 'step'
  at: number
  factor: number
}

export type Reliability = 'solved' | 'unreliable' | 'not solved'

export interface SeedSummary {
  seed: number
  metric: number | null
  finalLoss: number | null
  solved: boolean
  solvedAt: number | null
  divergedAt: number | null
  trainSeconds: number
  tokensPerSecond: number
  details: Record<string, number>
  trainLoss: number[]
  metricCurve: [number, number][]
  gradientNorms: { start: number[]; end: number[] }
}

export interface CellSummary {
  label: string
  kind: CellKind
  options: CellOptions
  /** The variant as --cells writes it. */
  spec: string
  hiddenSize: number
  parameters: number
  parametersAtBaseHidden: number
  memoryBytes: number
  memory: MemoryBytes
  lr: number
  /** The candidates' median validation metric, when the rate was chosen among several. */
  lrSelection: { lr: number; validationMetric: number | null }[]
  /** Seeds that solved the task (k of N = seeds.length). */
  solved: number
  reliability: Reliability
  verdict: string
  /** Over the seeds that did not diverge; null when all did. */
  metric: Spread | null
  finalLoss: Spread | null
  trainSeconds: number
  tokensPerSecond: number
  /** The median first solved step over the seeds that solved, or null. */
  solvedAt: number | null
  seeds: SeedSummary[]
}

/** What a result tells of its task: the task's own descriptive fields, as Task declares them. */
type TaskDescription = Pick<Task, 'title' | 'metricName' | 'metricUnit' | 'lossName' | 'lowerIsBetter' | 'verdictRule' | 'threshold' | 'baseline' | 'longRange'>

export interface ComparisonResult extends TaskDescription {
  task: string
  settings: TaskSettings & { steps: number; clipNorm: number; seeds: number[]; match: BudgetMatch; learningRates: number[]; selectionSteps: number; evaluations: number; lrSchedule: LrSchedule }
  cells: CellSummary[]
}

/** "solved in 5 of 5", "unreliable: 2 of 5", "not solved: 0 of 5". */
export function verdictOf(solved: number, seeds: number): { reliability: Reliability; verdict: string } {
  if (solved === seeds) return { reliability: 'solved', verdict: `solved in ${solved} of ${seeds}` }
  if (solved === 0) return { reliability: 'not solved', verdict: `not solved: 0 of ${seeds}` }
  return { reliability: 'unreliable', verdict: `unreliable: ${solved} of ${seeds}` }
}

export function spreadOf(values: readonly (number | null)[]): Spread | null {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v))
  return finite.length === 0 ? null : { median: median(finite), min: Math.min(...finite), max: Math.max(...finite) }
}

/** The comparison's result from the plan's final units and their results (in any order). */
export function summarize(plan: ComparisonPlan, task: Task, units: readonly RunUnit[], results: readonly UnitResult[], choices: readonly LearningRateChoice[] = []): ComparisonResult {
  const byId = new Map<number, UnitResult>()
  for (const r of results) {
    if (r.phase !== 'final') continue
    if (byId.has(r.id)) throw new Error(`compare: two results for unit ${r.id}`)
    byId.set(r.id, r)
  }
  const cells = plan.cells.map((cell, cellIndex): CellSummary => {
    const own = units.filter((u) => u.phase === 'final' && u.cellIndex === cellIndex).sort((a, b) => a.id - b.id)
    const runs = own.map((u) => {
      const r = byId.get(u.id)
      if (r === undefined || r.cellIndex !== cellIndex || r.seed !== u.settings.seed) throw new Error(`compare: no result for unit ${u.id} (${cell.label}, seed ${u.settings.seed})`)
      return r
    })
    if (runs.length === 0) throw new Error(`compare: no units for ${cell.label}`)
    const solved = runs.filter((r) => r.solved).length
    const solvedAts = runs.map((r) => r.solvedAt).filter((s): s is number => s !== null)
    return {
      label: cell.label,
      kind: cell.spec.kind,
      options: cell.spec.options,
      spec: formatCellSpec(cell.spec),
      hiddenSize: cell.hiddenSize,
      parameters: runs[0].parameters,
      parametersAtBaseHidden: cell.parametersAtBaseHidden,
      memoryBytes: runs[0].memory.total,
      memory: runs[0].memory,
      lr: runs[0].lr,
      lrSelection: choices[cellIndex]?.scores ?? [],
      solved,
      ...verdictOf(solved, runs.length),
      metric: spreadOf(runs.map((r) => r.metric)),
      finalLoss: spreadOf(runs.map((r) => r.finalLoss)),
      trainSeconds: median(runs.map((r) => r.trainSeconds)),
      tokensPerSecond: median(runs.map((r) => r.tokensPerSecond)),
      solvedAt: solvedAts.length === 0 ? null : median(solvedAts),
      seeds: runs.map((r) => ({
        seed: r.seed,
        metric: r.metric,
        finalLoss: r.finalLoss,
        solved: r.solved,
        solvedAt: r.solvedAt,
        divergedAt: r.divergedAt,
        trainSeconds: r.trainSeconds,
        tokensPerSecond: r.tokensPerSecond,
        details: r.details,
        trainLoss: r.trainLoss,
        metricCurve: r.metricCurve,
        gradientNorms: r.gradientNorms,
      })),
    }
  })
  return {
    task: task.name,
    title: task.title,
    metricName: task.metricName,
    ...(task.metricUnit === undefined ? {} : { metricUnit: task.metricUnit }),
    lossName: task.lossName,
    lowerIsBetter: task.lowerIsBetter,
    verdictRule: task.verdictRule,
    threshold: task.threshold,
    ...(task.baseline ? { baseline: task.baseline } : {}),
    longRange: task.longRange,
    settings: {
      ...plan.settings,
      steps: plan.steps,
      clipNorm: plan.clipNorm,
      lrSchedule: { name: 'step', ...LR_DROP },
      seeds: plan.seeds,
      match: plan.match,
      learningRates: plan.learningRates,
      selectionSteps: plan.selectionSteps,
      evaluations: plan.evaluations,
    },
    cells,
  }
}
