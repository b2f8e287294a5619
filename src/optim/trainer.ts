// Truncated backpropagation through time for a LanguageModel, the classic char-rnn / PTB set-up: the token
// stream is cut into B parallel streams, training walks windows of `bptt` steps along them, and the hidden
// state is carried from one window to the next but detached, so gradients stop at the window's start.
import { noGrad } from '../autograd/engine.js'
import { batchStreams, streamWindow, type StreamBatches } from '../data/batching.js'
import type { LanguageModel } from '../models/language-model.js'
import type { RecurrentState } from '../models/recurrent.js'
import type { Tensor } from '../tensor/tensor.js'
import { checkOptionKeys, describe } from '../validation/checks.js'
import { clipGradNorm } from './clip.js'
import { crossEntropy } from './losses.js'
import { trainInParallel, type ParallelOptions } from './parallel-trainer.js'

export interface OptimizerLike {
  lr: number
  step(): void
  zeroGrad(): void
}

export interface ScheduleLike {
  step(metric?: number): void
}

/** Where training stands between windows: enough to continue exactly where it stopped. */
export interface TrainerState {
  /** Optimizer steps taken so far. */
  step: number
  /** The next window along the streams. */
  window: number
  /** The (detached) state carried into the next window; null at the start of a pass. */
  hidden: RecurrentState | null
  bestValidation: number
  evaluationsSinceBest: number
}

export interface StepInfo {
  step: number
  loss: number
  gradNorm: number
  lr: number
  tokens: number
}

export interface Evaluation {
  step: number
  /** Mean cross-entropy per token, in nats. */
  loss: number
  perplexity: number
  bitsPerToken: number
  tokens: number
}

export interface TrainLanguageModelOptions {
  model: LanguageModel
  optimizer: OptimizerLike
  train: ArrayLike<number>
  validation?: ArrayLike<number>
  batchSize: number
  bptt: number
  /** Train until this many optimizer steps have been taken in all (resumed runs count earlier steps). */
  steps: number
  /** Clip the gradients' total 2-norm to this before each step (PyTorch's clip_grad_norm_). */
  clipNorm?: number
  /** Stepped after every optimizer step, or after every validation with its loss when scheduleOn is 'validation'. */
  schedule?: ScheduleLike
  scheduleOn?: 'step' | 'validation'
  /** Validate every this many steps (and always at the end when there is validation data). */
  evalEvery?: number
  /** Stop after this many validations without an improvement of at least minDelta. */
  earlyStop?: { patience: number; minDelta?: number }
  /** Called after every step; returning false stops training after it. */
  onStep?: (info: StepInfo) => void | boolean
  onEvaluation?: (evaluation: Evaluation) => void
  /** A state from an earlier run (see TrainResult.state), to continue it. */
  resume?: TrainerState
}

export interface TrainResult {
  state: TrainerState
  history: StepInfo[]
  evaluations: Evaluation[]
  stopReason: 'steps' | 'early-stop' | 'callback'
  /** With `workers`: the threads that trained (1 when it fell back to this thread). */
  threads?: number
  /** With `workers`: why training ran in this thread instead, when it did. */
  notice?: string
}

function windowLoss(model: LanguageModel, inputs: Tensor, targets: Tensor, hidden: RecurrentState | null): { loss: Tensor; state: RecurrentState } {
  const { logits, state } = model.forward(inputs, hidden ?? undefined)
  const [B, T, V] = logits.shape
  return { loss: crossEntropy(logits.reshape([B * T, V]), targets.reshape([B * T])), state }
}

const detached = (s: RecurrentState): RecurrentState => ({ h: s.h.detach(), ...(s.c ? { c: s.c.detach() } : {}) })

/** Mean cross-entropy per token of `tokens` under `model`, walked like training but without gradients. */
export function evaluateLanguageModel(model: LanguageModel, tokens: ArrayLike<number>, opts: { batchSize: number; bptt: number }): Omit<Evaluation, 'step'> {
  const windows = evaluationWindows(model, tokens, opts)
  for (;;) {
    const next = windows.next()
    if (next.done === true) return next.value
  }
}

/**
 * evaluateLanguageModel a window at a time, for a caller that must stay responsive between windows (the CLI
 * answering Ctrl-C during a long validation): yields after each window, returns the evaluation. The model is
 * in eval mode until the generator ends, so one given up must be ended with `return()`.
 * @internal
 */
export function* evaluationWindows(model: LanguageModel, tokens: ArrayLike<number>, opts: { batchSize: number; bptt: number }): Generator<void, Omit<Evaluation, 'step'>> {
  checkOptionKeys('evaluateLanguageModel', opts, ['batchSize', 'bptt'])
  const { batchSize, bptt } = opts
  const batches = batchStreams('evaluateLanguageModel', tokens, batchSize, bptt)
  const wasTraining = model.training
  model.eval()
  let total = 0
  let count = 0
  let hidden: RecurrentState | null = null
  try {
    for (let w = 0; w < batches.windows; w++) {
      // no graph, window by window: the no-grad flag must not stay set while the caller runs between them
      noGrad(() => {
        const { inputs, targets } = streamWindow(batches, w)
        const { loss, state } = windowLoss(model, inputs, targets, hidden)
        total += loss.item() * targets.size
        count += targets.size
        hidden = state
      })
      yield
    }
  } finally {
    model.train(wasTraining) // on a throw too: a model left in eval mode would train with dropout off
  }
  const loss = total / count
  return { loss, perplexity: Math.exp(loss), bitsPerToken: loss / Math.LN2, tokens: count }
}

const TRAIN_KEYS = ['model', 'optimizer', 'train', 'validation', 'batchSize', 'bptt', 'steps', 'clipNorm', 'schedule', 'scheduleOn', 'evalEvery', 'earlyStop', 'onStep', 'onEvaluation', 'resume']

function checkOptions(opts: TrainLanguageModelOptions): void {
  const where = 'trainLanguageModel'
  if (opts.earlyStop !== undefined) checkOptionKeys(`${where}: earlyStop`, opts.earlyStop, ['patience', 'minDelta'])
  if (!Number.isInteger(opts.steps) || opts.steps < 0) throw new Error(`${where}: steps must be a non-negative integer, got ${describe(opts.steps)}`)
  if (opts.clipNorm !== undefined && !(opts.clipNorm > 0)) throw new Error(`${where}: clipNorm must be a positive number, got ${describe(opts.clipNorm)}`)
  if (opts.evalEvery !== undefined && !(Number.isInteger(opts.evalEvery) && opts.evalEvery > 0)) throw new Error(`${where}: evalEvery must be a positive integer, got ${describe(opts.evalEvery)}`)
  if (opts.earlyStop !== undefined && opts.validation === undefined) throw new Error(`${where}: earlyStop needs validation data`)
  if (opts.scheduleOn === 'validation' && opts.validation === undefined) throw new Error(`${where}: scheduleOn 'validation' needs validation data`)
}

/** A run's bookkeeping, shared by the single-thread loop and the data-parallel one (parallel-trainer.ts). */
export interface TrainingRun {
  batches: StreamBatches
  state: TrainerState
  params: Tensor[]
  /** Whether another step is due; resets the carried state where a new pass starts. */
  more(): boolean
  /** Throws naming the step if the window's loss is not finite. */
  checkLoss(lossValue: number): void
  /** With the window's gradients in place: clips, steps the optimizer and the schedule, validates; false when training stops. */
  finishStep(lossValue: number, tokens: number, next: RecurrentState | null): boolean
  result(): TrainResult
}

export function startRun(opts: TrainLanguageModelOptions): TrainingRun {
  checkOptions(opts)
  const { model, optimizer, batchSize, bptt, clipNorm, schedule, earlyStop, onStep, onEvaluation } = opts
  const batches = batchStreams('trainLanguageModel', opts.train, batchSize, bptt)
  const evalEvery = opts.validation === undefined ? Infinity : (opts.evalEvery ?? Infinity)
  // The validation set must hold a window per stream too: say so now, not after training.
  if (opts.validation !== undefined) batchStreams('trainLanguageModel: validation', opts.validation, batchSize, bptt)
  const state: TrainerState = opts.resume
    ? { ...opts.resume, hidden: opts.resume.hidden && detached(opts.resume.hidden) }
    : { step: 0, window: 0, hidden: null, bestValidation: Infinity, evaluationsSinceBest: 0 }
  const history: StepInfo[] = []
  const evaluations: Evaluation[] = []
  const params = model.parameters()
  let stopReason: TrainResult['stopReason'] = 'steps'
  let stopped = false

  const validate = (): boolean => {
    const evaluation = { step: state.step, ...evaluateLanguageModel(model, opts.validation as ArrayLike<number>, { batchSize, bptt }) }
    evaluations.push(evaluation)
    onEvaluation?.(evaluation)
    if (opts.scheduleOn === 'validation') schedule?.step(evaluation.loss)
    if (evaluation.loss < state.bestValidation - (earlyStop?.minDelta ?? 0)) {
      state.bestValidation = evaluation.loss
      state.evaluationsSinceBest = 0
    } else state.evaluationsSinceBest++
    return earlyStop !== undefined && state.evaluationsSinceBest >= earlyStop.patience
  }

  model.train()
  return {
    batches, state, params,
    more() {
      if (stopped || state.step >= opts.steps) return false
      if (state.window % batches.windows === 0) state.hidden = null // a new pass starts from a zero state
      return true
    },
    checkLoss(lossValue) {
      if (!Number.isFinite(lossValue)) throw new Error(`trainLanguageModel: the loss is ${lossValue} at step ${state.step + 1}; lower the learning rate or set clipNorm`)
    },
    finishStep(lossValue, tokens, next) {
      const gradNorm = clipGradNorm(params, clipNorm ?? Infinity)
      if (!Number.isFinite(gradNorm)) throw new Error(`trainLanguageModel: the gradient norm is ${gradNorm} at step ${state.step + 1} (loss ${lossValue}); lower the learning rate or set clipNorm`)
      const lr = optimizer.lr
      optimizer.step()
      state.step++
      state.window = (state.window + 1) % batches.windows
      state.hidden = next
      if (opts.scheduleOn !== 'validation') schedule?.step()
      const info = { step: state.step, loss: lossValue, gradNorm, lr, tokens }
      history.push(info)
      if (onStep?.(info) === false) {
        stopReason = 'callback'
        stopped = true
      } else if (state.step % evalEvery === 0 && validate()) {
        stopReason = 'early-stop'
        stopped = true
      }
      return !stopped
    },
    result() {
      const validatedLast = evaluations.length > 0 && evaluations[evaluations.length - 1].step === state.step
      if (opts.validation !== undefined && !validatedLast && stopReason !== 'early-stop') validate()
      return { state, history, evaluations, stopReason }
    },
  }
}

/**
 * Trains `model` by truncated BPTT; throws naming the step if the loss or a gradient stops being finite.
 * With `workers`, the batch's streams are shared among worker threads and the call returns a promise.
 */
export function trainLanguageModel(opts: TrainLanguageModelOptions & { workers?: undefined }): TrainResult
export function trainLanguageModel(opts: TrainLanguageModelOptions & ParallelOptions): Promise<TrainResult>
export function trainLanguageModel(opts: TrainLanguageModelOptions & { workers?: ParallelOptions['workers'] }): TrainResult | Promise<TrainResult> {
  checkOptionKeys('trainLanguageModel', opts, [...TRAIN_KEYS, 'workers'])
  if (opts.workers !== undefined) return trainInParallel({ ...opts, workers: opts.workers })
  const run = startRun(opts)
  const { model, optimizer } = opts
  while (run.more()) {
    const { inputs, targets } = streamWindow(run.batches, run.state.window)
    optimizer.zeroGrad()
    const { loss, state: next } = windowLoss(model, inputs, targets, run.state.hidden)
    const lossValue = loss.item()
    run.checkLoss(lossValue)
    loss.backward()
    if (!run.finishStep(lossValue, targets.size, detached(next))) break
  }
  return run.result()
}
