// Files, checked before any work and written so that a failure never leaves a half-written file where the
// last good one was: the bytes go to a temporary file beside the target, are flushed to disk, and only then
// renamed over it (a rename within one directory is atomic on POSIX file systems).
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, writeSync, type Stats } from 'node:fs'
import { basename, dirname, join, resolve, sep } from 'node:path'

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'it already exists',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
}

/** A file-system error in a few words ("permission denied"), without Node's syscall and path suffix. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code
  if (code !== undefined && code in REASONS) return REASONS[code]
  const message = error instanceof Error ? error.message : String(error)
  return message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')
}

/** stat, or null when nothing is there (also under a file); other errors (permissions) throw. */
function statOrNull(path: string): Stats | null {
  try {
    return statSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw error
  }
}

/** Why the directory `dir` is not there: a file where a directory should be, or nothing at all. */
function whyMissing(dir: string): string {
  for (let at = dirname(dir); dirname(at) !== at; at = dirname(at)) {
    const stats = statOrNull(at)
    if (stats !== null) return stats.isDirectory() ? `the directory ${dir} does not exist` : `${at} is not a directory`
  }
  return `the directory ${dir} does not exist`
}

/** Creates and removes a file in `dir`: the only honest test that it can be written (access() says yes to root). */
function probeDirectory(dir: string): void {
  const probe = join(dir, `.seqgrad-probe-${process.pid}-${Date.now()}`)
  closeSync(openSync(probe, 'wx'))
  rmSync(probe, { force: true })
}

/**
 * Makes `dir` (and missing parents, one mkdir each, so a path the system will not create fails at once
 * instead of looping) and checks that a file can be written in it; `what` names it in the error. The
 * directories it made are appended to `created`, outermost first.
 */
export function prepareDirectory(dir: string, what: string, created: string[] = []): string {
  const path = resolve(dir)
  try {
    const missing: string[] = []
    let at = path
    for (let stats = statOrNull(at); stats === null; stats = statOrNull(at)) {
      missing.push(at)
      const parent = dirname(at)
      if (parent === at) break
      at = parent
    }
    const existing = statOrNull(at)
    if (existing !== null && !existing.isDirectory()) throw new Error(`${at} is not a directory`)
    for (const d of missing.reverse()) {
      mkdirSync(d)
      created.push(d)
    }
    probeDirectory(path)
  } catch (error) {
    throw new Error(`cannot write to ${what} ${path}: ${describeFsError(error)}`)
  }
  return path
}

/** Whether `path` names an existing file; throws when it cannot be a file we replace (a directory, a device). */
export function checkFileTarget(path: string, what: string): boolean {
  if (path === '') throw new Error(`${what} is empty; give a file name, such as model.safetensors`)
  let stats: Stats | null
  try {
    stats = statOrNull(path)
  } catch (error) {
    throw new Error(`cannot use ${what} ${path}: ${describeFsError(error)}`)
  }
  if (stats?.isDirectory()) throw new Error(`${what} ${path} is a directory; give a file name, such as ${join(path, 'model.safetensors')}`)
  if (stats !== null && !stats.isFile()) throw new Error(`${what} ${path} is not a regular file`)
  // "newdir/" names a directory (resolve() would drop the slash and test the directory it is in)
  if (stats === null && (path.endsWith('/') || path.endsWith(sep))) throw new Error(`${what} ${path} ends in a slash, so it names a directory; give a file name, such as ${join(path, 'model.safetensors')}`)
  const dir = dirname(resolve(path))
  const parent = (() => {
    try {
      return statOrNull(dir)
    } catch (error) {
      throw new Error(`cannot write ${what} ${path}: ${describeFsError(error)}`)
    }
  })()
  if (parent === null) throw new Error(`cannot write ${what} ${path}: ${whyMissing(dir)}`)
  if (!parent.isDirectory()) throw new Error(`cannot write ${what} ${path}: ${dir} is not a directory`)
  try {
    probeDirectory(dir)
  } catch (error) {
    throw new Error(`cannot write ${what} ${path}: ${dir}: ${describeFsError(error)}`)
  }
  return stats !== null
}

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
    throw new Error(`could not write ${path}: ${describeFsError(error)}`)
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' // it exists, but is someone else's
  }
}

/**
 * Removes the temporary files writeFileAtomic left beside `path` when its process was killed mid-write
 * (kill -9 between open and rename): the target itself was never touched, but the temporary stays.
 */
export function removeStaleTemporaries(path: string): void {
  const dir = dirname(resolve(path))
  const escaped = basename(path).replace(/[.*+?^$()|[\]\\{}]/g, '\\$&')
  const pattern = new RegExp(`^\\.${escaped}\\.(\\d+)\\.\\d+\\.tmp$`)
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) {
    const match = pattern.exec(name)
    if (match !== null && !alive(Number(match[1]))) rmSync(join(dir, name), { force: true })
  }
}

/**
 * Removes the directories prepareDirectory made (`created`, outermost first) that are still empty, deepest
 * first; a directory that holds anything, or that the user had, stays.
 */
export function removeCreatedDirectories(created: readonly string[]): void {
  for (const d of [...created].reverse()) {
    try {
      rmdirSync(d) // fails on a directory that is not empty, which then stays
    } catch {
      return
    }
  }
}

/**
 * Why a checkpoint would not load, for the command line: the library's message without the name of the
 * function that threw, and without its hint at a load option (allowNonFinite) the commands do not have.
 */
export function checkpointProblem(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/^\w+: /, '').replace(/; pass \{ allowNonFinite: true \} to load non-finite values/g, ' (a run that diverged; resume from an earlier checkpoint, or train anew)')
}
