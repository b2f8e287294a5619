// How the report writes numbers: three significant digits (exponents below 0.001 and from 100,000 up),
// integers with thousands separators, byte counts in KB and MB.

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v)
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(2)
  return v.toPrecision(3)
}

export const formatInteger = (v: number): string => Math.round(v).toLocaleString('en-US')

/** 1,000 B, 56.7 KB, 8.90 MB (powers of 1,024). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KB', 'MB', 'GB']
  let v = n / 1024
  let u = 0
  while (v >= 1024 && u < units.length - 1) [v, u] = [v / 1024, u + 1]
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`
}

/** `word`, or its plural when `n` is not 1: '1 step', '2 steps'. */
export const plural = (n: number, word: string, many = `${word}s`): string => (n === 1 ? word : many)

/** `n` with thousands separators and its noun: '1 run', '1,200 steps'. */
export const counted = (n: number, word: string, many = `${word}s`): string => `${formatInteger(n)} ${plural(n, word, many)}`
