// results.json: every number of a comparison in a documented, versioned shape (docs/results-schema.md).
// A change that removes or renames a field, or changes its meaning, raises RESULTS_SCHEMA_VERSION; a new
// field does not.
import type { CellKind } from '../models/recurrent.js'
import { assessClaims, type ClaimAssessment } from './claims.js'
import type { CellOptions } from './cell-spec.js'
import type { MemoryBytes } from './memory.js'
import type { Reliability, Spread, ComparisonResult, LrSchedule } from './summary.js'
import type { SolvedThreshold } from './task.js'
import { checkOptionKeys } from '../validation/checks.js'

export const RESULTS_SCHEMA_VERSION = 1

export interface SeedResultJson {
  seed: number
  metric: number | null
  finalLoss: number | null
  solved: boolean
  solvedAtStep: number | null
  divergedAtStep: number | null
  trainSeconds: number
  tokensPerSecond: number
  details: Record<string, number>
  curves: { trainLoss: number[]; metric: [number, number][]; gradientNorms: { start: number[]; end: number[] } }
}

export interface CellResultJson {
  label: string
  kind: CellKind
  options: CellOptions
  spec: string
  hiddenSize: number
  parameters: number
  memoryBytes: number
  memory: Omit<MemoryBytes, 'total'>
  lr: number
  lrSelection: { lr: number; validationMetric: number | null }[]
  solved: number
  seedCount: number
  reliability: Reliability
  verdict: string
  metric: Spread | null
  finalLoss: Spread | null
  trainSeconds: number
  tokensPerSecond: number
  solvedAtStep: number | null
  seeds: SeedResultJson[]
}

export interface ResultsJson {
  schemaVersion: typeof RESULTS_SCHEMA_VERSION
  date: string
  machine: string
  task: { name: string; title: string; longRange: string | null }
  settings: { length: number; batchSize: number; hidden: number; steps: number; seeds: number[]; match: 'hidden' | 'params'; learningRates: number[]; selectionSteps: number | null; clipNorm: number; evaluations: number; optimizer: 'Adam'; lrSchedule: LrSchedule }
  metric: { name: string; unit: string | null; lowerIsBetter: boolean; threshold: SolvedThreshold; rule: string; baseline: { value: number; label: string } | null }
  loss: { name: string }
  cells: CellResultJson[]
  claims: ClaimAssessment[]
}

export function resultsJson(result: ComparisonResult, opts: { date: string; machine: string }): ResultsJson {
  checkOptionKeys('resultsJson', opts, ['date', 'machine'])
  const { date, machine } = opts
  const s = result.settings
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    date,
    machine,
    task: { name: result.task, title: result.title, longRange: result.longRange },
    settings: {
      length: s.length,
      batchSize: s.batchSize,
      hidden: s.hidden,
      steps: s.steps,
      seeds: s.seeds,
      match: s.match,
      learningRates: s.learningRates,
      selectionSteps: s.learningRates.length > 1 ? s.selectionSteps : null,
      clipNorm: s.clipNorm,
      evaluations: s.evaluations,
      optimizer: 'Adam',
      lrSchedule: s.lrSchedule,
    },
    metric: { name: result.metricName, unit: result.metricUnit ?? null, lowerIsBetter: result.lowerIsBetter, threshold: result.threshold, rule: result.verdictRule, baseline: result.baseline ?? null },
    loss: { name: result.lossName },
    cells: result.cells.map((c) => ({
      label: c.label,
      kind: c.kind,
      options: c.options,
      spec: c.spec,
      hiddenSize: c.hiddenSize,
      parameters: c.parameters,
      memoryBytes: c.memoryBytes,
      memory: { parameters: c.memory.parameters, gradients: c.memory.gradients, optimizerState: c.memory.optimizerState, activations: c.memory.activations },
      lr: c.lr,
      lrSelection: c.lrSelection,
      solved: c.solved,
      seedCount: c.seeds.length,
      reliability: c.reliability,
      verdict: c.verdict,
      metric: c.metric,
      finalLoss: c.finalLoss,
      trainSeconds: c.trainSeconds,
      tokensPerSecond: c.tokensPerSecond,
      solvedAtStep: c.solvedAt,
      seeds: c.seeds.map((r) => ({
        seed: r.seed,
        metric: r.metric,
        finalLoss: r.finalLoss,
        solved: r.solved,
        solvedAtStep: r.solvedAt,
        divergedAtStep: r.divergedAt,
        trainSeconds: r.trainSeconds,
        tokensPerSecond: r.tokensPerSecond,
        details: r.details,
        curves: { trainLoss: r.trainLoss, metric: r.metricCurve, gradientNorms: r.gradientNorms },
      })),
    })),
    claims: assessClaims(result),
  }
}

/** results.json's text: indented, but each array of numbers on one line (a 5,000-step curve is one line, not 5,000). */
export function stringifyResults(json: ResultsJson): string {
  const number = '(?:-?[\\d.eE+-]+|null)'
  const flat = new RegExp(`\\[\\n\\s*(${number}(?:,\\n\\s*${number})*)\\n\\s*\\]`, 'g')
  return JSON.stringify(json, null, 1).replace(flat, (_, inner: string) => `[${inner.replace(/,\n\s*/g, ',')}]`) + '\n'
}
