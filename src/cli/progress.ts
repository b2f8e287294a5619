// Live progress for long runs: on a terminal, one line redrawn in place (step, loss, tokens/s, ETA);
// elsewhere (CI logs, pipes), a plain line every tenth of the run, so a log stays short. (compare's, for
// several runs at once, is compare-progress.ts.)

export const formatSeconds = (s: number) =>
  !Number.isFinite(s) ? '?' : s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`

const rate = (tokensPerSecond: number) => `${Math.round(tokensPerSecond).toLocaleString('en-US')} tokens/s`

export interface TrainStatus {
  step: number
  steps: number
  loss: number
  tokensPerSecond: number
  etaSeconds: number
  /** The step of the last checkpoint written, or null before the first. */
  savedStep: number | null
}

/**
 * `train`: `update` shows where training stands (redrawn at most ten times a second on a terminal; a
 * plain line per tenth of the run elsewhere); `line` prints a line that stays (a checkpoint, say).
 */
export function trainReporter(stream: NodeJS.WriteStream): { update(s: TrainStatus): void; line(text: string): void; end(): void } {
  const tty = stream.isTTY === true
  let drawn = false
  let lastDraw = 0
  let lastTenth = -1
  const text = (s: TrainStatus) =>
    `step ${String(s.step).padStart(String(s.steps).length)}/${s.steps}  loss ${s.loss.toFixed(4)}  ${rate(s.tokensPerSecond)}  ETA ${formatSeconds(s.etaSeconds)}` +
    `  last checkpoint: ${s.savedStep === null ? 'none yet' : `step ${s.savedStep}`}`
  return {
    update(s) {
      if (tty) {
        const now = performance.now()
        if (now - lastDraw < 100 && s.step !== s.steps) return
        lastDraw = now
        drawn = true
        stream.write(`\r${text(s)}\x1b[K`)
        return
      }
      const tenth = Math.floor((s.step / s.steps) * 10)
      if (tenth !== lastTenth) {
        lastTenth = tenth
        stream.write(`${text(s)}\n`)
      }
    },
    line(line) {
      stream.write(tty && drawn ? `\r${line}\x1b[K\n` : `${line}\n`)
      drawn = false
    },
    end() {
      if (tty && drawn) stream.write('\n')
      drawn = false
    },
  }
}
