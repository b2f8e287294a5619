// The training loop of `seqgrad train`. Steps run in slices of a quarter second, and between slices the
// event loop turns, so Ctrl-C (SIGINT), SIGTERM, SIGHUP, a closed standard output or one that cannot be
// written (a full disk) is seen within one slice: the current step finishes, a checkpoint is written
// (atomically: the last good file is replaced only by a whole new one) and the run says how to continue.
// A second signal quits at once; the last checkpoint stays as it was. With --jobs N > 1 the steps run in N
// worker threads (kept for the whole run); the event loop turns at every step then, so there are no slices:
// the workers start once per checkpoint interval.
import { evaluationWindows, trainLanguageModel, type StepInfo, type TrainerState } from '../../optim/trainer.js'
import type { LanguageModel } from '../../models/language-model.js'
import type { Adam } from '../../optim/adam.js'
import type { TrainingWorkers } from '../../optim/training-workers.js'
import { onOutputClosed, onOutputFailed, outputClosed } from '../output.js'
import { trainReporter } from '../progress.js'
import { nodeTrainingWorkers } from '../train-workers.js'

const SLICE_MS = 250

export interface TrainLoop {
  model: LanguageModel
  optimizer: Adam
  train: Int32Array
  /** Held-out ids and the streams to read them in; null when the text is too short to hold any out. */
  validation: { ids: Int32Array; streams: number } | null
  batch: number
  bptt: number
  steps: number
  every: number
  /** Worker threads sharing each batch's streams; 1 trains in this thread. */
  jobs: number
  state: TrainerState | undefined
  /** Writes the checkpoint of `state`. */
  save(state: TrainerState): void
  path: string
  /** The command that continues the run, for the message after an interruption. */
  resumeCommand: string
}

type Signal = 'SIGINT' | 'SIGTERM' | 'SIGHUP'
type Stop = Signal | 'closed' | 'failed'
const EXIT_CODES: Record<Stop, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129, closed: 0, failed: 1 }
const SIGNALS: Signal[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
const ignore = () => {}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Trains to `steps`, checkpointing every `every` steps and at the end; returns the exit code. */
export async function runTraining(run: TrainLoop): Promise<number> {
  const out = trainReporter(process.stdout)
  const say = (line: string) => outputClosed() || out.line(line)
  let stop: Stop | null = null
  let state = run.state
  const startStep = state?.step ?? 0
  let savedStep: number | null = state === undefined ? null : state.step

  let failure = ''
  const onSignal = (signal: Signal) => {
    if (stop !== null) {
      process.stderr.write(`\nseqgrad: ${signal} again: quitting without saving; ${savedStep === null ? 'no checkpoint was written' : `${run.path} holds step ${savedStep}`}\n`)
      process.exit(EXIT_CODES[signal])
    }
    stop = signal
    if (!outputClosed()) out.end()
    process.stderr.write(`seqgrad: ${signal}: finishing this step, then saving ${run.path} (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again quits without saving)\n`)
  }
  for (const signal of SIGNALS) process.on(signal, onSignal)
  // after a hangup the terminal may be gone: a failed write to stderr must not end the run before it saves
  process.stderr.on('error', ignore)
  onOutputClosed(() => {
    stop ??= 'closed'
  })
  onOutputFailed((reason) => {
    failure = reason
    stop ??= 'failed'
  })

  const save = (s: TrainerState) => {
    run.save(s)
    savedStep = s.step
  }
  // The held-out text's bits per character, a window at a time with the event loop turning every SLICE_MS, so
  // that Ctrl-C is heard during a long validation (a large --data); a stop gives it up, and the line leaves it out
  const validate = async (): Promise<string> => {
    if (run.validation === null) return ''
    const windows = evaluationWindows(run.model, run.validation.ids, { batchSize: run.validation.streams, bptt: run.bptt })
    for (let sliceEnd = performance.now() + SLICE_MS; ; ) {
      const next = windows.next()
      if (next.done === true) return `  validation ${next.value.bitsPerToken.toFixed(4)} bits/char`
      if (performance.now() < sliceEnd) continue
      await nextTurn()
      sliceEnd = performance.now() + SLICE_MS
      if (stop !== null) {
        windows.return({ loss: NaN, perplexity: NaN, bitsPerToken: NaN, tokens: 0 }) // ends it: the model back in training mode
        return ''
      }
    }
  }
  let trainingMs = 0
  let lastLoss = NaN
  let workers: TrainingWorkers | null = null
  try {
    if (run.jobs > 1) workers = nodeTrainingWorkers(run.jobs)
    while ((state?.step ?? 0) < run.steps && stop === null) {
      const target = Math.min(run.steps, (Math.floor((state?.step ?? 0) / run.every) + 1) * run.every)
      const sliceEnd = performance.now() + SLICE_MS
      let began = performance.now()
      const options = {
        model: run.model, optimizer: run.optimizer, train: run.train, batchSize: run.batch, bptt: run.bptt, steps: target, clipNorm: 1, resume: state,
        onStep: (info: StepInfo) => {
          const now = performance.now()
          trainingMs += now - began
          began = now
          lastLoss = info.loss
          const done = info.step - startStep
          const tokensPerSecond = (done * run.batch * run.bptt) / (trainingMs / 1000)
          // (the step that ends at a checkpoint is reported by the checkpoint's line; after a stop notice nothing
          // is redrawn: with --jobs the steps go on while the event loop turns, and a redraw would join its line)
          if (!outputClosed() && info.step !== target && stop === null) out.update({ step: info.step, steps: run.steps, loss: info.loss, tokensPerSecond, etaSeconds: ((run.steps - info.step) * trainingMs) / done / 1000, savedStep })
          return (workers !== null || now < sliceEnd) && stop === null
        },
      }
      const result = workers === null ? trainLanguageModel(options) : await trainLanguageModel({ ...options, workers })
      if (result.notice !== undefined && !outputClosed()) out.line(result.notice)
      state = result.state
      if (state.step === target) {
        const validation = await validate()
        save(state)
        say(`step ${String(state.step).padStart(String(run.steps).length)}/${run.steps}  loss ${lastLoss.toFixed(4)}${validation}  saved ${run.path}`)
      }
      await nextTurn() // here a signal or a closed pipe is seen
    }
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).replace(/^trainLanguageModel: /, '').replace('lower the learning rate or set clipNorm', 'lower --lr')
    const kept = savedStep === null ? 'no checkpoint was written' : `${run.path} holds step ${savedStep}`
    throw new Error(`${message} (${kept})`)
  } finally {
    workers?.close()
    for (const signal of SIGNALS) process.off(signal, onSignal)
  }
  if (stop === null) {
    out.end()
    say(`done: ${run.path} holds step ${state?.step ?? 0}`)
    if (failure === '') return 0
    process.stderr.write(`seqgrad: cannot write to standard output: ${failure}; ${run.path} holds step ${state?.step ?? 0}\n`)
    return 1
  }
  if (state !== undefined && state.step !== savedStep) save(state)
  if (!outputClosed()) out.end() // the stop's message starts a line of its own
  const where = savedStep === null ? 'nothing to save yet (no step was taken)' : `saved ${run.path} at step ${savedStep} of ${run.steps}`
  const reason = stop === 'closed' ? 'standard output closed' : stop === 'failed' ? `cannot write to standard output: ${failure}` : `stopped by ${stop}`
  process.stderr.write(`seqgrad: ${reason}; ${where}${savedStep === null ? '' : `. Continue with: ${run.resumeCommand}`}\n`)
  return EXIT_CODES[stop]
}
