// The speed targets seqgrad is held to, read against one run's medians. Each target names the rows it
// applies to; a row not measured (not installed, not available) is said so, never counted as met.
//   time ratio: the row's time per token over PyTorch's (one thread); at or below the bound is met.
//   speed-up: tfjs-wasm's time per token over the row's; at or above the bound is met.

/** The single-thread seqgrad rows, and the one that uses both cores. */
export const SEQGRAD_SINGLE = ['seqgrad-node', 'seqgrad-node-rsimd', 'seqgrad-deno', 'seqgrad-bun']
export const SEQGRAD_PARALLEL = 'seqgrad-2-workers'

export const TARGETS = [
  { workload: 'W-LSTM-128', rows: ['seqgrad-node'], against: 'pytorch', bound: 2, text: 'W-LSTM-128 on Node 20, one thread: at most 2× PyTorch-OpenBLAS-1-thread\'s time' },
  { workload: 'W-LSTM-128', rows: 'fma', against: 'pytorch', bound: 1.5, text: 'W-LSTM-128 where relaxed SIMD is on, one thread: at most 1.5× PyTorch\'s time' },
  { workload: 'W-LSTM-128', rows: [SEQGRAD_PARALLEL], against: 'pytorch', bound: 1, text: 'W-LSTM-128 with 2 workers: at or below PyTorch\'s 1-thread time' },
  { workload: 'W-LSTM-128', rows: SEQGRAD_SINGLE, against: 'tfjs-wasm', bound: 10, text: 'W-LSTM-128 on one thread: at least 10× faster than tfjs-wasm (one thread)' },
  { workload: 'W-LSTM-128', rows: [SEQGRAD_PARALLEL], against: 'tfjs-wasm', bound: 20, text: 'W-LSTM-128 with both cores: at least 20× faster than tfjs-wasm (one thread)' },
  { workload: 'W-GEN', rows: SEQGRAD_SINGLE, against: 'pytorch', bound: 0.5, text: 'W-GEN: at or below half of PyTorch\'s latency' },
]

/**
 * One line per target: `met`/`missed` with the figure for every row it applies to.
 * `results[workload][row]` holds `{ timePerToken, fma, status }` (status: why a row has no median).
 * `label(row)` gives the row's display name.
 */
export function evaluateTargets(results, label, fmt) {
  const lines = []
  for (const target of TARGETS) {
    const byRow = results[target.workload]
    if (byRow === undefined) {
      lines.push(`${target.text}: not measured (${target.workload} not in this run)`)
      continue
    }
    const base = byRow[target.against]
    const rows = target.rows === 'fma' ? SEQGRAD_SINGLE.filter((r) => byRow[r]?.fma === true) : target.rows
    if (rows.length === 0) {
      lines.push(`${target.text}: not measured (no runtime in this run had relaxed SIMD on)`)
      continue
    }
    const parts = rows.map((row) => {
      const entry = byRow[row]
      if (entry === undefined) return `${label(row)} not in this run`
      if (!entry.timePerToken) return `${label(row)} ${entry.status ?? 'not measured'}`
      if (!base?.timePerToken) return `${label(row)} not comparable (${target.against} ${base?.status ?? 'not in this run'})`
      if (target.against === 'pytorch') {
        const ratio = entry.timePerToken / base.timePerToken
        return `${label(row)} ${ratio <= target.bound ? 'met' : 'missed'}: ${fmt(ratio)}× PyTorch's time`
      }
      const speedup = base.timePerToken / entry.timePerToken
      return `${label(row)} ${speedup >= target.bound ? 'met' : 'missed'}: ${fmt(speedup)}× faster`
    })
    lines.push(`${target.text}: ${parts.join('; ')}`)
  }
  return lines
}
