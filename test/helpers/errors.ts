// Shared by the bad-input tests: the library's errors are plain Errors (never a TypeError or RangeError from
// deep inside) whose messages say what was expected and what came.

/** Runs `fn`, which must throw exactly an Error whose message matches every pattern; returns the message. */
export function expectPlainError(fn: () => unknown, ...patterns: RegExp[]): string {
  let caught: unknown = null
  try {
    fn()
  } catch (e) {
    caught = e
  }
  expect(caught).toBeInstanceOf(Error)
  const err = caught as Error
  expect(err.constructor).toBe(Error) // so not a TypeError, RangeError or other subclass
  for (const p of patterns) expect(err.message).toMatch(p)
  return err.message
}
