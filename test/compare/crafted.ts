// Hand-made comparison results for the summary, report, claims and schema tests: a plan's units with
// results whose numbers the test chooses, run through the real summarize.
import { copyTask } from '../../src/compare/copy.js'
import type { CellSpec } from '../../src/compare/cell-spec.js'
import { planComparison, planUnits, type PlanOptions } from '../../src/compare/plan.js'
import { summarize, type ComparisonResult } from '../../src/compare/summary.js'
import type { Task } from '../../src/compare/task.js'
import type { RunUnit, UnitResult } from '../../src/compare/unit.js'

export interface SeedNumbers {
  metric: number | null
  solved?: boolean
  solvedAt?: number | null
  divergedAt?: number | null
  tokensPerSecond?: number
  trainSeconds?: number
  memory?: number
}

/** A result for `unit` with the given numbers (and small, plausible curves). */
export function unitResult(unit: RunUnit, n: SeedNumbers, parameters = 100): UnitResult {
  const mem = n.memory ?? 1000
  return {
    id: unit.id,
    phase: unit.phase,
    cellIndex: unit.cellIndex,
    seed: unit.settings.seed,
    lr: unit.lr,
    parameters,
    memory: { parameters: mem / 4, gradients: mem / 4, optimizerState: mem / 2, activations: 0, total: mem },
    trainLoss: [2, 1, 0.5, 0.25],
    metricCurve: [[2, 0.5], [4, n.metric ?? 0.5]],
    metric: n.metric,
    solved: n.solved ?? false,
    solvedAt: n.solvedAt ?? (n.solved ? 4 : null),
    details: { 'chance accuracy': 0.125 },
    finalLoss: n.metric === null ? null : 0.3,
    divergedAt: n.divergedAt ?? null,
    gradientNorms: { start: [1e-6, 1e-3, 1], end: n.divergedAt ? [] : [0.5, 0.7, 1] },
    trainSeconds: n.trainSeconds ?? 1,
    tokensPerSecond: n.tokensPerSecond ?? 1000,
  }
}

export interface CraftedCell {
  cell: CellSpec | 'rnn' | 'lstm' | 'gru'
  seeds: SeedNumbers[]
  parameters?: number
}

/** A comparison of `cells` on `task` (copy by default) whose per-seed numbers are the given ones. */
export function crafted(cells: CraftedCell[], { task = copyTask, ...opts }: Partial<PlanOptions> & { task?: Task } = {}): ComparisonResult {
  const seeds = cells[0].seeds.length
  const plan = planComparison({ task, cells: cells.map((c) => c.cell), settings: { length: 20, hidden: 32, batchSize: 32, seed: 0 }, steps: 4, seeds, ...opts })
  const units = planUnits(plan)
  const results = units.map((u) => unitResult(u, cells[u.cellIndex].seeds[u.settings.seed - plan.seeds[0]], cells[u.cellIndex].parameters ?? plan.cells[u.cellIndex].parameters))
  return summarize(plan, task, units, results)
}
