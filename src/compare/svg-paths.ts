// The geometry of the chart's data: unbroken runs of usable points (a hole in the data is a gap in the
// line), thinning that keeps each bucket's extremes so spikes survive, and the same for a band's envelope.

export type Point = readonly [number, number]
/** [x, low, high]: one slice of a band. */
export type BandPoint = readonly [number, number, number]

/** About how many points a series keeps at most: the min and max of each bucket of neighbours. */
export const MAX_POINTS = 1000

/** The unbroken runs of usable items: an unusable one ends one run and the next starts after it. */
export function runsOf<P>(items: readonly P[], usable: (p: P) => boolean): P[][] {
  const runs: P[][] = []
  let run: P[] = []
  for (const p of items) {
    if (usable(p)) run.push(p)
    else if (run.length > 0) {
      runs.push(run)
      run = []
    }
  }
  if (run.length > 0) runs.push(run)
  return runs
}

/** Keeps each run's ends and the min and max of every bucket of neighbours, so spikes survive. */
export function thin(runs: Point[][]): Point[][] {
  const total = runs.reduce((n, r) => n + r.length, 0)
  if (total <= MAX_POINTS) return runs
  const bucket = Math.ceil(total / (MAX_POINTS / 2))
  return runs.map((run) => {
    const keep = [0]
    for (let start = 0; start < run.length; start += bucket) {
      let [lo, hi] = [start, start]
      for (let j = start + 1; j < Math.min(start + bucket, run.length); j++) {
        if (run[j][1] < run[lo][1]) lo = j
        if (run[j][1] > run[hi][1]) hi = j
      }
      for (const j of [Math.min(lo, hi), Math.max(lo, hi)]) if (j > keep[keep.length - 1]) keep.push(j)
    }
    if (run.length - 1 > keep[keep.length - 1]) keep.push(run.length - 1)
    return keep.map((j) => run[j])
  })
}

/** A band with at most about MAX_POINTS / 2 slices per run: each bucket's lowest low and highest high, at its first x. */
export function thinBand(runs: BandPoint[][]): BandPoint[][] {
  const total = runs.reduce((n, r) => n + r.length, 0)
  if (total <= MAX_POINTS / 2) return runs
  const bucket = Math.ceil(total / (MAX_POINTS / 2))
  return runs.map((run) => {
    const out: BandPoint[] = []
    for (let start = 0; start < run.length; start += bucket) {
      const slice = run.slice(start, start + bucket)
      out.push([slice[0][0], Math.min(...slice.map((p) => p[1])), Math.max(...slice.map((p) => p[2]))])
    }
    const last = run[run.length - 1]
    if (out[out.length - 1][0] !== last[0]) out.push(last)
    return out
  })
}
