// A comparison as plain data: which cells (at which hidden size and parameter count), which seeds, which
// learning rates, what budget; then the units of work it takes. With several learning rates the work comes
// in two rounds: short selection runs scored on a validation split (planSelectionUnits), the best rate per
// cell chosen from their results (chooseLearningRates), then the comparison's own runs (planUnits).
import type { CellKind } from '../models/recurrent.js'
import { cellLabel, MAX_HIDDEN, toCellSpec, type CellSpec } from './cell-spec.js'
import type { Task, TaskRef, TaskSettings } from './task.js'
import type { RunUnit, UnitResult } from './unit.js'
import { checkOptionKeys } from '../validation/checks.js'

export type BudgetMatch = 'hidden' | 'params'

export interface PlanOptions {
  task: Task
  cells: readonly (CellKind | CellSpec)[]
  /** hidden: --hidden; seed: the first seed. */
  settings: TaskSettings
  steps: number
  /** How many seeds each cell trains on: settings.seed, settings.seed + 1, … (default 1). */
  seeds?: number
  /** 'hidden' (default): every cell at its hidden size; 'params': hidden sizes chosen to match parameter counts. */
  match?: BudgetMatch
  /** Candidate learning rates (default: the task's one); with several, each cell gets the best on validation. */
  learningRates?: readonly number[]
  /** Steps of each selection run (default a fifth of `steps`). */
  selectionSteps?: number
  clipNorm?: number
  /** Evaluations during training (evenly spaced; the last is at the end). */
  evaluations?: number
}

export interface PlannedCell {
  spec: CellSpec
  label: string
  hiddenSize: number
  parameters: number
  /** Its parameter count at the comparison's --hidden (the same as `parameters` unless --match params moved it). */
  parametersAtBaseHidden: number
}

export interface ComparisonPlan {
  task: TaskRef
  settings: TaskSettings
  seeds: number[]
  steps: number
  selectionSteps: number
  learningRates: number[]
  clipNorm: number
  evaluations: number
  match: BudgetMatch
  cells: PlannedCell[]
}

/** Each cell's choice of learning rate: the candidates' median validation metric (null: every run diverged). */
export interface LearningRateChoice {
  lr: number
  scores: { lr: number; validationMetric: number | null }[]
}

export const PLAN_KEYS: readonly string[] = ['task', 'cells', 'settings', 'steps', 'seeds', 'match', 'learningRates', 'selectionSteps', 'clipNorm', 'evaluations']

export function planComparison(opts: PlanOptions): ComparisonPlan {
  checkOptionKeys('planComparison', opts, PLAN_KEYS)
  const { task, settings, steps, seeds = 1, match = 'hidden', clipNorm = 1, evaluations = 10 } = opts
  const learningRates = [...(opts.learningRates ?? [task.learningRate])]
  const check = (ok: boolean, message: string) => {
    if (!ok) throw new Error(`compare: ${message}`)
  }
  check(opts.cells.length > 0, 'no cells to compare')
  check(Number.isSafeInteger(seeds) && seeds >= 1, `seeds must be a positive integer, got ${seeds}`)
  check(learningRates.length > 0 && learningRates.every((lr) => Number.isFinite(lr) && lr > 0), `learning rates must be positive numbers, got ${learningRates.join(', ')}`)
  check(new Set(learningRates).size === learningRates.length, `a learning rate is listed twice: ${learningRates.join(', ')}`)
  check(match === 'hidden' || match === 'params', `match must be 'hidden' or 'params', got '${String(match)}'`)
  const specs = opts.cells.map(toCellSpec)
  const count = (spec: CellSpec, hidden: number) => task.parameterCount(spec, hidden)
  const base = specs.map((spec) => spec.options.hidden ?? settings.hidden)
  const target = Math.max(...specs.map((spec, i) => count(spec, base[i])))
  const cells = specs.map((spec, i): PlannedCell => {
    const hiddenSize = match === 'params' && spec.options.hidden === undefined ? hiddenForParameters((h) => count(spec, h), target) : base[i]
    return { spec, label: cellLabel(spec), hiddenSize, parameters: count(spec, hiddenSize), parametersAtBaseHidden: count(spec, settings.hidden) }
  })
  return {
    task: task.ref,
    settings: { ...settings },
    seeds: Array.from({ length: seeds }, (_, k) => settings.seed + k),
    steps,
    selectionSteps: opts.selectionSteps ?? Math.max(1, Math.round(steps / 5)),
    learningRates,
    clipNorm,
    evaluations,
    match,
    cells,
  }
}

/** The hidden size whose parameter count is nearest `target` (the smaller on a tie); counts grow with H. */
export function hiddenForParameters(count: (hidden: number) => number, target: number): number {
  // Doubling, then bisecting: no model built is more than twice the size of the answer's.
  let hi = 1
  while (hi < MAX_HIDDEN && count(hi) < target) hi = Math.min(MAX_HIDDEN, 2 * hi)
  let lo = Math.max(1, Math.floor(hi / 2))
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2)
    if (count(mid) >= target) hi = mid
    else lo = mid + 1
  }
  return lo > 1 && target - count(lo - 1) <= count(lo) - target ? lo - 1 : lo
}

function unitsFor(plan: ComparisonPlan, phase: RunUnit['phase'], lrsOf: (cell: number) => number[]): RunUnit[] {
  const units: RunUnit[] = []
  plan.cells.forEach((cell, cellIndex) => {
    for (const lr of lrsOf(cellIndex)) {
      for (const seed of plan.seeds) {
        units.push({
          id: units.length,
          phase,
          task: plan.task,
          cellIndex,
          cell: cell.spec,
          settings: { ...plan.settings, hidden: cell.hiddenSize, seed },
          lr,
          steps: phase === 'select' ? plan.selectionSteps : plan.steps,
          clipNorm: plan.clipNorm,
          evaluations: plan.evaluations,
        })
      }
    }
  })
  return units
}

/** The selection runs: every cell × candidate rate × seed, for `selectionSteps`; none with a single rate. */
export function planSelectionUnits(plan: ComparisonPlan): RunUnit[] {
  return plan.learningRates.length < 2 ? [] : unitsFor(plan, 'select', () => plan.learningRates)
}

/**
 * Per cell, the rate whose selection runs score the best median validation metric (a diverged run scores
 * worst; a tie goes to the rate listed first). Results may come in any order.
 */
export function chooseLearningRates(plan: ComparisonPlan, task: Pick<Task, 'lowerIsBetter'>, results: readonly UnitResult[]): LearningRateChoice[] {
  return plan.cells.map((_, cellIndex) => {
    if (plan.learningRates.length < 2) return { lr: plan.learningRates[0], scores: [] }
    const scores = plan.learningRates.map((lr) => {
      const runs = results.filter((r) => r.phase === 'select' && r.cellIndex === cellIndex && r.lr === lr)
      if (runs.length !== plan.seeds.length) throw new Error(`compare: ${runs.length} selection results for cell ${cellIndex} at lr ${lr}, expected ${plan.seeds.length}`)
      const worst = task.lowerIsBetter ? Infinity : -Infinity
      const values = runs.map((r) => r.metric ?? worst)
      const m = median(values)
      return { lr, validationMetric: Number.isFinite(m) ? m : null }
    })
    const better = (a: number | null, b: number | null) => a !== null && (b === null || (task.lowerIsBetter ? a < b : a > b))
    const best = scores.reduce((acc, s) => (better(s.validationMetric, acc.validationMetric) ? s : acc))
    return { lr: best.lr, scores }
  })
}

/** The comparison's runs: every cell × seed at the cell's chosen rate (needs the choices when there were several rates). */
export function planUnits(plan: ComparisonPlan, choices?: readonly LearningRateChoice[]): RunUnit[] {
  if (plan.learningRates.length > 1 && choices?.length !== plan.cells.length) throw new Error('compare: with several learning rates, planUnits needs the choice of each cell (chooseLearningRates)')
  return unitsFor(plan, 'final', (cell) => [choices?.[cell].lr ?? plan.learningRates[0]])
}

/** The median of `values` (the mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
