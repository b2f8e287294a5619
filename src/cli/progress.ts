// Live progress for long runs: on a terminal, one bar per cell redrawn in place (step, loss, tokens/s,
// ETA); elsewhere (CI logs, pipes), a plain line every tenth of the run.
import type { ProgressEvent } from '../compare/runner.js'

const formatSeconds = (s: number) => (s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`)

export function progressReporter(stream: NodeJS.WriteStream): (event: ProgressEvent) => void {
  const tty = stream.isTTY === true
  let lastTenth = -1
  return (e) => {
    const fraction = e.step / e.steps
    const text = `step ${String(e.step).padStart(String(e.steps).length)}/${e.steps}  loss ${e.loss.toFixed(4)}  ${Math.round(e.tokensPerSecond).toLocaleString('en-US')} tokens/s  ETA ${formatSeconds(e.etaSeconds)}`
    if (tty) {
      const width = 24
      const filled = Math.round(fraction * width)
      stream.write(`\r  ${e.cell.padEnd(4)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K${e.step === e.steps ? '\n' : ''}`)
      return
    }
    const tenth = Math.floor(fraction * 10)
    if (tenth !== lastTenth || e.step === e.steps) {
      lastTenth = e.step === e.steps ? -1 : tenth
      stream.write(`  ${e.cell.padEnd(4)} ${text}\n`)
    }
  }
}
