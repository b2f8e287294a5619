// `compare`'s progress while several runs train at once: a line that stays for every run that finishes
// (its seed, its metric, solved or not, its time), and where the whole phase stands: on a terminal one line
// redrawn in place (runs done, each running run's step, the ETA), elsewhere (CI logs, pipes) a plain line
// every tenth of the phase's steps, so a log stays short.
import { formatNumber } from '../compare/format.js'
import type { UnitProgress, UnitResult } from '../compare/unit.js'
import { formatSeconds } from './progress.js'

/** A run as the progress shows it. */
export interface RunView {
  id: number
  label: string
  seed: number
  phase: 'select' | 'final'
  lr: number
  steps: number
}

export interface CompareReporter {
  /** A phase begins (learning-rate trials, or the comparison's runs): its runs, for the counts and the ETA. */
  phase(runs: readonly RunView[]): void
  progress(run: RunView, event: UnitProgress): void
  /** A run has finished: its line stays. */
  finished(run: RunView, result: UnitResult): void
  /** Clears the live line (before other output, or at the end). */
  end(): void
}

/** `metricName` is the task's ('test MSE'); selection runs are scored on the validation split. */
export function compareReporter(stream: NodeJS.WriteStream, metricName: string): CompareReporter {
  const tty = stream.isTTY === true
  let runs: readonly RunView[] = []
  let width = 0
  let totalSteps = 0
  let doneSteps = 0
  let done = 0
  let began = 0
  let lastDraw = 0
  let lastTenth = -1
  let drawn = false
  const running = new Map<number, { run: RunView; step: number }>()
  const validationName = `validation ${metricName.replace(/^test /, '')}`

  const stepsSoFar = () => doneSteps + [...running.values()].reduce((n, r) => n + r.step, 0)
  const eta = () => {
    const sofar = stepsSoFar()
    const elapsed = (performance.now() - began) / 1000
    return sofar === 0 ? NaN : (elapsed * (totalSteps - sofar)) / sofar
  }
  const status = () => {
    const active = [...running.values()].map(({ run, step }) => `${run.label} seed ${run.seed}${run.phase === 'select' ? ` lr ${run.lr}` : ''} ${step}/${run.steps}`)
    return `  ${done}/${runs.length} ${runs.length === 1 ? 'run' : 'runs'} done, ETA ${formatSeconds(eta())}${active.length > 0 ? `; training ${active.join(', ')}` : ''}`
  }
  const clear = () => {
    if (drawn) stream.write('\r\x1b[K')
    drawn = false
  }
  const draw = (force: boolean) => {
    if (tty) {
      const now = performance.now()
      if (!force && now - lastDraw < 100) return
      lastDraw = now
      const columns = stream.columns || 80
      const text = status()
      stream.write(`\r${text.length >= columns ? `${text.slice(0, columns - 2)}…` : text}\x1b[K`)
      drawn = true
      return
    }
    const tenth = totalSteps === 0 ? 10 : Math.floor((10 * stepsSoFar()) / totalSteps)
    if (tenth > lastTenth && tenth > 0 && tenth < 10) {
      lastTenth = tenth
      stream.write(`  ${tenth * 10}% of the steps, ${done}/${runs.length} ${runs.length === 1 ? 'run' : 'runs'} done; ETA ${formatSeconds(eta())}\n`)
    }
  }
  const resultText = (run: RunView, r: UnitResult) => {
    const name = run.phase === 'select' ? validationName : metricName
    if (r.metric === null) return `diverged at step ${r.divergedAt}`
    const value = `${name} ${formatNumber(r.metric)}`
    return run.phase === 'select' ? value : `${value}  ${r.solved ? 'solved' : 'not solved'}`
  }

  return {
    phase(next) {
      runs = next
      width = Math.max(0, ...next.map((r) => r.label.length))
      totalSteps = next.reduce((n, r) => n + r.steps, 0)
      doneSteps = 0
      done = 0
      began = performance.now()
      lastTenth = -1
      running.clear()
    },
    progress(run, event) {
      running.set(run.id, { run, step: event.step })
      draw(false)
    },
    finished(run, result) {
      running.delete(run.id)
      done++
      doneSteps += run.steps
      clear()
      const lr = run.phase === 'select' ? `  lr ${run.lr}` : ''
      stream.write(`  ${run.label.padEnd(width)}  seed ${run.seed}${lr}  ${resultText(run, result)}  ${result.trainSeconds.toFixed(1)} s  [${done}/${runs.length}]\n`)
      if (done < runs.length) draw(true)
    },
    end() {
      clear()
    },
  }
}
