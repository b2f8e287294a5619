// The lock `seqgrad train` holds on its checkpoint while it runs: `<checkpoint>.lock`, created with the wx
// flag (so only one process can make it) and holding the pid and start time. A second run on the same
// checkpoint is refused at once instead of training beside the first, each overwriting the other's steps.
// The lock is removed however the run ends — finished, failed, stopped by a signal after saving, a closed
// pipe, process.exit — except by kill -9, after which the next run finds the pid dead and takes it over.
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync, type Stats } from 'node:fs'
import { describeFsError } from './files.js'

/** A run that cannot start because another holds the checkpoint: one line and exit code 2. */
export class LockedError extends Error {}

/** Whether process `pid` is running (EPERM: it is, but it is another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** A lock file whose content cannot be read is taken for one being written, until it is this old. */
const UNREADABLE_GRACE_MS = 10_000

interface Holder {
  pid: number | null
  started: string
  stats: Stats
}

function readHolder(path: string): Holder | null {
  try {
    const stats = statSync(path)
    const [pid, started] = readFileSync(path, 'utf8').split('\n')
    return { pid: /^\d+$/.test(pid) ? Number(pid) : null, started: started ?? '', stats }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null // released meanwhile: try again
    throw error
  }
}

/** Moves the stale lock aside if it is still the file `stale` (not one another run made meanwhile). */
function removeStale(path: string, stale: Stats): void {
  const aside = `${path}.${process.pid}.stale`
  try {
    renameSync(path, aside)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  const moved = statSync(aside)
  if (moved.ino !== stale.ino || moved.dev !== stale.dev) {
    try {
      linkSync(aside, path) // another run's fresh lock: put it back
    } catch {
      // a third run made one in the moment it was away; that one holds the checkpoint now
    }
  }
  rmSync(aside, { force: true })
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

/**
 * Takes the lock on `checkpoint` for this process, or throws LockedError naming the pid that holds it.
 * `note` gets a line when a stale lock (its process gone) is taken over. Returns the release function,
 * which is also called when the process exits.
 */
export function lockCheckpoint(checkpoint: string, note: (line: string) => void): () => void {
  const path = `${checkpoint}.lock`
  const content = `${process.pid}\n${new Date().toISOString()}\n`
  for (let attempt = 0; ; attempt++) {
    let fd: number
    try {
      fd = openSync(path, 'wx')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw new Error(`cannot lock --checkpoint ${checkpoint} (${path}): ${describeFsError(error)}`)
      const holder = readHolder(path)
      if (holder === null) continue
      const unreadableFor = Date.now() - holder.stats.mtimeMs
      if (holder.pid === null ? unreadableFor < UNREADABLE_GRACE_MS : holder.pid !== process.pid && processAlive(holder.pid)) {
        const who = holder.pid === null ? 'another seqgrad train (starting now)' : `another seqgrad train, pid ${holder.pid}${holder.started === '' ? '' : ` (started ${holder.started})`}`
        throw new LockedError(
          `--checkpoint ${checkpoint} is in use by ${who}: wait for it to finish or stop it, or give another --checkpoint (if no such run is going, remove ${path})`,
        )
      }
      removeStale(path, holder.stats)
      note(`note: took over the lock ${path} left by pid ${holder.pid ?? 'unknown'}${holder.started === '' ? '' : ` (started ${holder.started})`}, which is no longer running`)
      continue
    }
    try {
      writeSync(fd, content)
    } finally {
      closeSync(fd)
    }
    break
  }
  const handlers = new Map<NodeJS.Signals, () => void>()
  let released = false
  const release = () => {
    if (released) return
    released = true
    process.off('exit', release)
    for (const [signal, handler] of handlers) process.off(signal, handler)
    try {
      if (readFileSync(path, 'utf8') === content) rmSync(path, { force: true }) // only our own lock
    } catch {
      // already gone
    }
  }
  process.on('exit', release)
  // A signal before the training loop handles signals (or after it): release the lock, then die of it as before.
  for (const signal of SIGNALS) {
    const handler = () => {
      if (process.listenerCount(signal) > 1) return // the training loop saves and returns; release follows
      release()
      process.kill(process.pid, signal)
    }
    handlers.set(signal, handler)
    process.on(signal, handler)
  }
  return release
}
