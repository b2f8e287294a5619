// Standard output that may close under us: `seqgrad gradcheck | head -1`. A write to a closed pipe fails
// with EPIPE, which Node reports as an 'error' event after the synchronous work is done (an uncaught one,
// with a stack trace). Every write is checked as it happens instead, and a closed pipe is handed to the
// command's handler: by default, exit quietly with code 0 at once; `train` saves a checkpoint first.
// Any other write error (a full disk) is one line on stderr and exit code 1; `train` saves first here too.

type ClosedHandler = () => void
type FailedHandler = (reason: string) => void

let onClosed: ClosedHandler = () => process.exit(0)
let onFailed: FailedHandler = (reason) => {
  process.stderr.write(`seqgrad: cannot write to standard output: ${reason}\n`)
  process.exit(1)
}
let closed = false

/** Whether standard output has been closed by its reader. */
export function outputClosed(): boolean {
  return closed
}

/** Replaces what happens when standard output closes (it then stays silent: later writes are dropped). */
export function onOutputClosed(handler: ClosedHandler): void {
  onClosed = handler
}

/**
 * Replaces what happens when a write to standard output fails otherwise (ENOSPC): `handler` gets the reason
 * in a few words and must end the process; later writes are dropped.
 */
export function onOutputFailed(handler: FailedHandler): void {
  onFailed = handler
}

function check(stream: NodeJS.WriteStream): void {
  const error = stream.errored as NodeJS.ErrnoException | null
  if (error === null || closed) return
  closed = true
  if (error.code === 'EPIPE') return onClosed()
  onFailed(error.code === 'ENOSPC' ? 'no space left on device' : error.message)
}

/** Checks every write to process.stdout (console.log included) as it is made. */
export function guardOutput(): void {
  const stream = process.stdout
  stream.on('error', () => check(stream)) // reported by check() already; this only keeps Node from throwing
  const write = stream.write
  stream.write = function guardedWrite(this: NodeJS.WriteStream, ...args: unknown[]): boolean {
    if (closed) return false
    const result = Reflect.apply(write, this, args) as boolean
    check(stream)
    return result
  } as typeof stream.write
}
