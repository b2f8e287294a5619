// One unit of a comparison's work: one cell variant, one seed, one learning rate, trained from scratch. Its
// input and output are plain JSON data, so a worker thread can run it and post the result back; it depends
// on nothing but its input (the runner seeds the generator at its start), so every number in it but the
// wall times is the same whichever thread runs it and in whatever order.
import { Adam } from '../optim/adam.js'
import { clipGradNorm } from '../optim/clip.js'
import { StepLR } from '../optim/schedules.js'
import { measureAllocations } from '../tensor/dtype.js'
import { manualSeed } from '../tensor/random.js'
import type { CellSpec } from './cell-spec.js'
import { stepMemory, type MemoryBytes } from './memory.js'
import type { Task, TaskEvaluation, TaskRef, TaskSettings } from './task.js'
import { resolveTask } from './tasks.js'
import { checkOptionKeys } from '../validation/checks.js'

export interface RunUnit {
  /** Position in its plan: results are put back in this order, whatever order they finish in. */
  id: number
  /** 'select': a short run scored on the validation split, to choose a learning rate; 'final': the comparison's. */
  phase: 'select' | 'final'
  task: TaskRef
  /** Index of the cell in the comparison's cell list. */
  cellIndex: number
  cell: CellSpec
  /** hidden: this cell's hidden size; seed: this run's seed (data and initialisation). */
  settings: TaskSettings
  lr: number
  steps: number
  clipNorm: number
  /** Evaluations during training, evenly spaced, the last at the end ('final' only; 'select' scores once). */
  evaluations: number
}

export interface UnitResult {
  id: number
  phase: 'select' | 'final'
  cellIndex: number
  seed: number
  lr: number
  parameters: number
  memory: MemoryBytes
  /** The training loss of steps 1, 2, … (up to the step before a divergence). */
  trainLoss: number[]
  /** [step, metric] at every evaluation (on the validation split for 'select'). */
  metricCurve: [number, number][]
  /** The last evaluation's metric; null when the run diverged. */
  metric: number | null
  solved: boolean
  /** The first evaluated step at which the run counted as solved, or null. */
  solvedAt: number | null
  details: Record<string, number>
  /** The mean training loss of the last 5% of steps (one batch's loss is noisy). */
  finalLoss: number | null
  /** The step whose loss was not finite, when training stopped there. */
  divergedAt: number | null
  /** ‖∂L_T/∂h_t‖ over t before and after training ('final' only: empty for 'select', and `end` after a divergence). */
  gradientNorms: { start: number[]; end: number[] }
  /** Wall time of the training steps: the only numbers that differ between two runs of one unit. */
  trainSeconds: number
  tokensPerSecond: number
}

export interface UnitProgress {
  step: number
  steps: number
  loss: number
  tokensPerSecond: number
  etaSeconds: number
}

export interface RunUnitOptions {
  /** The task, when the caller has it built already; by default rebuilt from unit.task. */
  task?: Task
  onProgress?: (event: UnitProgress) => void
  /** Progress events per unit (evenly spaced). */
  progressEvents?: number
}

const now = () => performance.now()

/**
 * Every run keeps its lr for the first 80 % of its steps, then goes on at a tenth of it (PyTorch's StepLR):
 * the same for every cell, so no cell is favoured, and the last steps settle the weights instead of
 * ending wherever the last batches left them. With a constant lr the GRU's copy-task accuracy at delay 20
 * ended at 0.938–0.994 over three seeds, one over the 0.99 bar (with this drop: two). A cosine from the
 * first step down to 5 % helped the GRU as much but cost the LSTM one seed of three on the adding problem at
 * length 100, which needs the full lr for longer. Before the drop a run is the constant-lr run, step for step.
 */
export const LR_DROP = { at: 0.8, factor: 0.1 } as const

/**
 * A unit being trained, one step per call: what lets a page's worker run a unit in slices and answer a Stop
 * between them. Its numbers are runUnit's, which is this run to the end.
 */
export interface UnitRunner {
  readonly unit: RunUnit
  /** Training steps run so far (the losses of steps 1 … stepsRun are finite). */
  readonly stepsRun: number
  /** True once every step has run or a loss was not finite. */
  readonly done: boolean
  /** Runs the next training step, if any (and its evaluation, when one is due); returns whether another remains. */
  step(): boolean
  /** The unit's result, after its last step (the gradient norms of the trained model are taken here). */
  result(): UnitResult
}

/** Starts a unit: seeds the generator, builds the model and its data, and takes the untrained gradient norms. */
export function startUnit(unit: RunUnit, opts: RunUnitOptions = {}): UnitRunner {
  checkOptionKeys('startUnit', opts, ['task', 'onProgress', 'progressEvents'])
  const { task = resolveTask(unit.task), onProgress, progressEvents = 50 } = opts
  const { steps, settings, phase } = unit
  const final = phase === 'final'
  manualSeed(settings.seed) // initialisation follows the seed, as the data does
  const run = task.create(unit.cell, settings, final ? 'train' : 'select')
  const params = run.model.parameters()
  const optimizer = new Adam(params, { lr: unit.lr })
  const schedule = new StepLR(optimizer, { stepSize: Math.max(1, Math.floor(LR_DROP.at * steps)), gamma: LR_DROP.factor })
  const start = final ? run.gradientNorms() : []
  const split = final ? 'test' : 'validation'
  const trainLoss: number[] = []
  const metricCurve: [number, number][] = []
  const evalEvery = final ? Math.max(1, Math.ceil(steps / unit.evaluations)) : Infinity
  const progressEvery = Math.max(1, Math.floor(steps / progressEvents))
  let activations = 0
  let trainingMs = 0
  let step = 0
  let divergedAt: number | null = null
  let solvedAt: number | null = null
  let evaluation: TaskEvaluation | null = null
  let result: UnitResult | null = null
  const done = () => divergedAt !== null || step >= steps

  function trainStep(): boolean {
    if (done()) return false
    step++
    const began = now()
    optimizer.zeroGrad()
    const loss = step === 1 ? measured(() => run.trainLoss(step), (bytes) => (activations = bytes)) : run.trainLoss(step)
    loss.backward()
    clipGradNorm(params, unit.clipNorm)
    optimizer.step()
    schedule.step()
    trainingMs += now() - began
    const value = loss.item()
    if (!Number.isFinite(value)) {
      // The weights are past use: the run counts as unsolved, with no final metric.
      divergedAt = step
      evaluation = null
      solvedAt = null
      return false
    }
    trainLoss.push(value)
    if (step % evalEvery === 0 || step === steps) {
      evaluation = run.evaluate(split)
      metricCurve.push([step, evaluation.metric])
      if (evaluation.solved && solvedAt === null) solvedAt = step
    }
    if (onProgress && (step % progressEvery === 0 || step === steps)) {
      onProgress({ step, steps, loss: value, tokensPerSecond: (run.tokensPerStep * step) / (trainingMs / 1000), etaSeconds: ((steps - step) * trainingMs) / step / 1000 })
    }
    return !done()
  }

  function finish(): UnitResult {
    if (!done()) throw new Error(`compare: unit ${unit.id} has run ${step} of ${steps} steps; its result comes after the last`)
    if (result !== null) return result
    if (divergedAt === null && evaluation === null) evaluation = run.evaluate(split) // steps = 0: the untrained model
    const tail = trainLoss.slice(-Math.max(1, Math.floor(steps / 20)))
    const stepsRun = trainLoss.length
    const last = evaluation
    result = {
      id: unit.id,
      phase,
      cellIndex: unit.cellIndex,
      seed: settings.seed,
      lr: unit.lr,
      parameters: params.reduce((n, p) => n + p.size, 0),
      memory: stepMemory(params, optimizer, activations),
      trainLoss,
      metricCurve,
      metric: last === null ? null : last.metric,
      solved: last?.solved ?? false,
      solvedAt,
      details: last?.details ?? {},
      finalLoss: tail.length === 0 ? null : tail.reduce((a, v) => a + v, 0) / tail.length,
      divergedAt,
      gradientNorms: { start, end: final && divergedAt === null ? run.gradientNorms() : [] },
      trainSeconds: trainingMs / 1000,
      tokensPerSecond: stepsRun === 0 ? 0 : (run.tokensPerStep * stepsRun) / (trainingMs / 1000),
    }
    return result
  }

  return {
    unit,
    get stepsRun() {
      return trainLoss.length
    },
    get done() {
      return done()
    },
    step: trainStep,
    result: finish,
  }
}

/** Trains one unit: the same input gives the same numbers (bar the two timings). */
export function runUnit(unit: RunUnit, opts: RunUnitOptions = {}): UnitResult {
  const runner = startUnit(unit, opts)
  while (runner.step());
  return runner.result()
}

/** fn's result, with the bytes it allocated handed to `report`. */
function measured<T>(fn: () => T, report: (bytes: number) => void): T {
  const { result, bytes } = measureAllocations(fn)
  report(bytes)
  return result
}
