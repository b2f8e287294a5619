import { readFileSync } from 'node:fs'

/** CPU time (user + system) of the calling thread in ms, from /proc/thread-self/stat (Linux; 10 ms ticks). */
export function threadCpuMs(): number {
  const fields = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}
