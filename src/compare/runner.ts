// Runs the comparison: each cell gets a fresh model from the same seed, the same batches, the same optimizer
// (Adam), clipping and step budget; its training loss, periodic evaluations, speed and the gradient norms
// over time steps (before and after training) are collected for the report.
import type { CellKind } from '../models/recurrent.js'
import { Adam } from '../optim/adam.js'
import { clipGradNorm } from '../optim/clip.js'
import { manualSeed } from '../tensor/random.js'
import type { Task, TaskEvaluation, TaskSettings } from './task.js'

export interface ProgressEvent {
  cell: CellKind
  step: number
  steps: number
  loss: number
  tokensPerSecond: number
  etaSeconds: number
}

export interface ComparisonOptions {
  task: Task
  cells: readonly CellKind[]
  settings: TaskSettings
  steps: number
  clipNorm?: number
  /** Evaluations during training (evenly spaced; the last is at the end). */
  evaluations?: number
  onProgress?: (event: ProgressEvent) => void
  onCellDone?: (result: CellResult) => void
  /** Progress events per cell (evenly spaced). */
  progressEvents?: number
}

export interface CellResult {
  cell: CellKind
  parameters: number
  seconds: number
  tokensPerSecond: number
  /** [step, training loss] for every step. */
  trainLoss: [number, number][]
  /** [step, metric] at every evaluation. */
  metricCurve: [number, number][]
  final: TaskEvaluation
  finalTrainLoss: number
  gradientNorms: { start: number[]; end: number[] }
}

export interface ComparisonResult {
  task: string
  title: string
  metricName: string
  verdictRule: string
  baseline?: { value: number; label: string }
  settings: TaskSettings & { steps: number; learningRate: number; clipNorm: number }
  cells: CellResult[]
}

const now = () => performance.now()

export function runComparison(opts: ComparisonOptions): ComparisonResult {
  const { task, settings, steps, clipNorm = 1, evaluations = 10, progressEvents = 50 } = opts
  const results: CellResult[] = []
  for (const cell of opts.cells) {
    manualSeed(settings.seed) // every cell starts from the same generator state
    const run = task.create(cell, settings)
    const params = run.model.parameters()
    const optimizer = new Adam(params, { lr: task.learningRate })
    const start = run.gradientNorms()
    const trainLoss: [number, number][] = []
    const metricCurve: [number, number][] = []
    const evalEvery = Math.max(1, Math.ceil(steps / evaluations))
    const progressEvery = Math.max(1, Math.floor(steps / progressEvents))
    let trainingMs = 0
    let final: TaskEvaluation | undefined
    for (let step = 1; step <= steps; step++) {
      const began = now()
      optimizer.zeroGrad()
      const loss = run.trainLoss(step)
      loss.backward()
      clipGradNorm(params, clipNorm)
      optimizer.step()
      trainingMs += now() - began
      const value = loss.item()
      if (!Number.isFinite(value)) throw new Error(`compare: ${cell} on ${task.name}: the loss is ${value} at step ${step}`)
      trainLoss.push([step, value])
      if (step % evalEvery === 0 || step === steps) {
        final = run.evaluate()
        metricCurve.push([step, final.metric])
      }
      if (step % progressEvery === 0 || step === steps) {
        const tokensPerSecond = (run.tokensPerStep * step) / (trainingMs / 1000)
        opts.onProgress?.({ cell, step, steps, loss: value, tokensPerSecond, etaSeconds: ((steps - step) * trainingMs) / step / 1000 })
      }
    }
    const result: CellResult = {
      cell,
      parameters: params.reduce((n, p) => n + p.size, 0),
      seconds: trainingMs / 1000,
      tokensPerSecond: (run.tokensPerStep * steps) / (trainingMs / 1000),
      trainLoss,
      metricCurve,
      final: final ?? run.evaluate(), // steps = 0: evaluate the untrained model
      finalTrainLoss: meanOfLast(trainLoss, Math.max(1, Math.floor(steps / 20))),
      gradientNorms: { start, end: run.gradientNorms() },
    }
    opts.onCellDone?.(result)
    results.push(result)
  }
  return {
    task: task.name,
    title: task.title,
    metricName: task.metricName,
    verdictRule: task.verdictRule,
    ...(task.baseline ? { baseline: task.baseline } : {}),
    settings: { ...settings, steps, learningRate: task.learningRate, clipNorm },
    cells: results,
  }
}

/** The mean of the last n training losses: one batch's loss is noisy. */
function meanOfLast(points: [number, number][], n: number): number {
  const tail = points.slice(-n)
  return tail.reduce((acc, [, v]) => acc + v, 0) / Math.max(1, tail.length)
}
