// The worker thread of `seqgrad compare`: it takes one unit of the comparison at a time (one cell variant,
// one seed, one learning rate) as plain data, trains it with runUnit, and posts back the result and, at most
// every progressMs, where the unit stands. A unit depends on nothing but itself, so its numbers are the ones
// the main thread would compute; an error in a unit is posted back as its message, for one line.
import { parentPort } from 'node:worker_threads'
import { runUnit } from '../compare/unit.js'
import type { FromWorker, ToWorker } from './compare-pool.js'

const port = parentPort
if (port === null) throw new Error('compare-worker.js runs as a worker thread of seqgrad compare')

const post = (message: FromWorker) => port.postMessage(message)

port.on('message', ({ unit, progressEvents, progressMs }: ToWorker) => {
  let last = -Infinity
  try {
    const result = runUnit(unit, {
      progressEvents,
      onProgress: (event) => {
        const now = performance.now()
        if (now - last < progressMs && event.step !== event.steps) return
        last = now
        post({ type: 'progress', id: unit.id, event })
      },
    })
    post({ type: 'result', result })
  } catch (error) {
    post({ type: 'failed', id: unit.id, message: error instanceof Error ? error.message : String(error) })
  }
})
