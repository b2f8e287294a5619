// Writing files so that a failure never leaves a half-written file where the last good one was: the bytes
// go to a temporary file beside the target, are flushed to disk, and only then renamed over it (a rename
// within one directory is atomic on POSIX file systems).
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/** Writes `data` to `path` atomically; on any error the temporary file is removed and `path` is untouched. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`)
  let fd: number | null = null
  try {
    fd = openSync(temporary, 'wx')
    for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written)
    fsyncSync(fd)
    closeSync(fd)
    fd = null
    renameSync(temporary, path)
  } catch (error) {
    if (fd !== null) closeSync(fd)
    rmSync(temporary, { force: true })
    throw new Error(`could not write ${path}: ${(error as Error).message}`)
  }
}
