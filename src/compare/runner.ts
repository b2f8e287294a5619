// Runs a comparison in this thread, unit after unit: every cell variant on every seed, from the same seeded
// data, with the same optimizer (Adam), clipping and step budget; with several learning rates, first the
// short selection runs. A caller with worker threads does the same with the pieces: planComparison,
// planSelectionUnits, runUnit (in any thread, in any order), chooseLearningRates, planUnits, runUnit, and
// summarize; the numbers do not depend on the schedule.
import type { CellKind } from '../models/recurrent.js'
import { chooseLearningRates, PLAN_KEYS, planComparison, planSelectionUnits, planUnits, type PlanOptions } from './plan.js'
import { summarize, type ComparisonResult } from './summary.js'
import { runUnit, type RunUnit, type UnitProgress, type UnitResult } from './unit.js'
import { checkOptionKeys } from '../validation/checks.js'

export type { ComparisonResult, CellSummary } from './summary.js'

export interface ProgressEvent {
  cell: CellKind
  /** The variant's label ('LSTM, forget bias 2'). */
  label: string
  seed: number
  phase: RunUnit['phase']
  lr: number
  step: number
  steps: number
  loss: number
  tokensPerSecond: number
  etaSeconds: number
}

export interface ComparisonOptions extends PlanOptions {
  onProgress?: (event: ProgressEvent) => void
  /** Progress events per unit (evenly spaced). */
  progressEvents?: number
}

/** The whole comparison, sequentially (the numbers are the same as any parallel schedule gives). */
export function runComparison(opts: ComparisonOptions): ComparisonResult {
  checkOptionKeys('runComparison', opts, [...PLAN_KEYS, 'onProgress', 'progressEvents'])
  const { onProgress, progressEvents, ...planOptions } = opts
  const { task } = opts
  const plan = planComparison(planOptions)
  const run = (units: readonly RunUnit[]): UnitResult[] =>
    units.map((unit) => {
      const progress = onProgress && ((e: UnitProgress) => onProgress({ cell: unit.cell.kind, label: plan.cells[unit.cellIndex].label, seed: unit.settings.seed, phase: unit.phase, lr: unit.lr, ...e }))
      return runUnit(unit, { task, ...(progress ? { onProgress: progress } : {}), ...(progressEvents === undefined ? {} : { progressEvents }) })
    })
  const selectionUnits = planSelectionUnits(plan)
  const choices = selectionUnits.length === 0 ? [] : chooseLearningRates(plan, task, run(selectionUnits))
  const units = planUnits(plan, choices.length === 0 ? undefined : choices)
  return summarize(plan, task, units, run(units), choices)
}
