// Independent references for the matrix-product kernels: plain loops in k order over the operands, read
// through index formulas written out here, nothing from the library; and the checks the kernel tests share
// (the float32 accumulation bound, an output block whose surroundings must stay untouched).

// Math's functions read once: looked up as Math.x on every call inside jest's sandbox, fround made the
// reference loops about a hundred times slower.
const { abs, floor, fround } = Math

/** Which operand the entry point reads transposed: 'nn' is a[m×k]·b[k×n]. */
export type Layout = 'nn' | 'transB' | 'transA'

type MatmulEntries = Pick<typeof import('../../src/tensor/kernels/matmul.js'), 'matmulInto' | 'matmulTransBInto' | 'matmulTransAInto'>
/** An entry point: out, a, b, m, k, n and the three offsets. */
export type Entry = MatmulEntries['matmulInto']

/** The three entry points of a copy of matmul.ts, each with the layout it reads. */
export const entriesOf = (matmul: MatmulEntries): { name: string; entry: Entry; layout: Layout }[] => [
  { name: 'matmulInto', entry: matmul.matmulInto, layout: 'nn' },
  { name: 'matmulTransBInto', entry: matmul.matmulTransBInto, layout: 'transB' },
  { name: 'matmulTransAInto', entry: matmul.matmulTransAInto, layout: 'transA' },
]

/** out[m×n] from outOffset = A[m×k] from aOffset · B[k×n] from bOffset. */
export interface Dims {
  m: number
  k: number
  n: number
  outOffset: number
  aOffset: number
  bOffset: number
}

/** Index of A(i, p) in `a` for the layout. */
export const aIndex = (layout: Layout, c: Dims, i: number, p: number): number => c.aOffset + (layout === 'transA' ? p * c.m + i : i * c.k + p)
/** Index of B(p, j) in `b` for the layout. */
export const bIndex = (layout: Layout, c: Dims, p: number, j: number): number => c.bOffset + (layout === 'transB' ? j * c.k + p : p * c.n + j)

/** Each element of C = A·B, [m·n] row-major, three ways. */
export interface ProductReference {
  /** acc = fround(acc + fround(A(i,p)·B(p,j))) for p = 0, 1, …, k−1 from +0: float32 accumulation in k order. */
  f32: Float32Array
  /** s = s + A(i,p)·B(p,j) in double for p = 0, 1, …, k−1 (exact products when both are float32). */
  dbl: Float64Array
  /** Σ_p |A(i,p)·B(p,j)|: the scale of any rounding error. */
  scale: Float64Array
}

/**
 * The reference for A's rows, row i at a[aOffset + i·k …], and B's columns, column j at cols[j·k …]: both
 * contiguous, so the inner loop reads memory in order.
 */
export function productOfRows(a: ArrayLike<number>, aOffset: number, m: number, cols: ArrayLike<number>, k: number, n: number): ProductReference {
  const f32 = new Float32Array(m * n)
  const dbl = new Float64Array(m * n)
  const scale = new Float64Array(m * n)
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0
      let s = 0
      let magnitude = 0
      for (let p = 0, x = aOffset + i * k, y = j * k; p < k; p++, x++, y++) {
        const term = a[x] * cols[y]
        acc = fround(acc + fround(term))
        s += term
        magnitude += abs(term)
      }
      f32[i * n + j] = acc
      dbl[i * n + j] = s
      scale[i * n + j] = magnitude
    }
  }
  return { f32, dbl, scale }
}

/** The reference for an entry point's operands: a and b read through the layout's index formulas. */
export function productReference(layout: Layout, c: Dims, a: ArrayLike<number>, b: ArrayLike<number>): ProductReference {
  const { m, k, n } = c
  const rows = new Float64Array(m * k)
  const cols = new Float64Array(n * k)
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) rows[i * k + p] = a[aIndex(layout, c, i, p)]
  for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) cols[j * k + p] = b[bIndex(layout, c, p, j)]
  return productOfRows(rows, 0, m, cols, k, n)
}

/**
 * Float32 accumulation of k terms: each product is rounded once (relative error ≤ u = 2^-24) and each of
 * the k additions once, so |computed − exact| ≤ ((1 + u)^(k+1) − 1)·Σ|a·b| ≤ (k + 1)·u·Σ|a·b|·(1 + 1e-4)
 * for k ≤ 2000 (the standard γ_n bound for recursive summation). (k + 2)·u covers that with room to spare
 * and is still tight enough to catch a missing or doubled term. The 1e-30 absolute term is room for
 * products that underflow (each off by at most 2^-150).
 */
export const float32Bound = (k: number, scale: number): number => (k + 2) * 2 ** -24 * scale + 1e-30

/** Throws naming the first element of out's block at outOffset farther from the double sum than the float32 bound. */
export function expectWithinFloat32Bound(out: ArrayLike<number>, outOffset: number, ref: ProductReference, k: number, n: number, what: string): void {
  for (let e = 0; e < ref.dbl.length; e++) {
    const got = out[outOffset + e]
    if (!(abs(got - ref.dbl[e]) <= float32Bound(k, ref.scale[e]))) {
      throw new Error(`${what}: out(${floor(e / n)}, ${e % n}) = ${got}, float64 gives ${ref.dbl[e]}, Σ|a·b| = ${ref.scale[e]}`)
    }
  }
}

/** What the output arrays are filled with before a kernel writes its block, so a stray write shows. */
export const SENTINEL = -7.75

/** Throws naming the first element outside [start, start + count) that is no longer `sentinel` (Object.is: bits of zeros too). */
export function expectUntouchedOutside(out: ArrayLike<number>, start: number, count: number, what: string, { sentinel = SENTINEL, name = 'out' } = {}): void {
  for (let i = 0; i < out.length; i++) {
    if (i >= start && i < start + count) continue
    if (!Object.is(out[i], sentinel)) throw new Error(`${what}: ${name}[${i}] = ${out[i]}, outside the output block, was written`)
  }
}

/** 2^-25: a quarter of float32's spacing at 1, so float32 rounds 1 + TINY back to 1. */
export const TINY = 2 ** -25

/**
 * 1 and k − 1 copies of TINY, the 1 first or last. Summed in order in float32, a 1 first loses every TINY
 * after it, while with the 1 last the small terms first add up to a representable (k − 1)·TINY; in double
 * the sum is 1 + (k − 1)·TINY either way.
 */
export function onePlusTinies(k: number, oneFirst?: boolean): Float32Array
export function onePlusTinies(k: number, oneFirst: boolean, Kind: typeof Float64Array): Float64Array
export function onePlusTinies(k: number, oneFirst = true, Kind: typeof Float32Array | typeof Float64Array = Float32Array): Float32Array | Float64Array {
  const terms = new Kind(k).fill(TINY)
  terms[oneFirst ? 0 : k - 1] = 1
  return terms
}
