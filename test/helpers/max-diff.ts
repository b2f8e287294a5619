// The largest elementwise difference between two equally long arrays of numbers, for checks of the form
// "agrees within 1e-12".

const { abs, max } = Math

/** max_i |a[i] − b[i]|; expects the two lengths to be equal. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length)
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = max(worst, abs(a[i] - b[i]))
  return worst
}
