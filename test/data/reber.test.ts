// The embedded Reber grammar: generated strings are valid, the long-range symbol repeats, and the
// entropies the library computes from the graph match the values derived by hand here.
import { Generator } from '../../src/index.js'
import { embeddedReberEntropies, embeddedReberString, embeddedReberText, isEmbeddedReber, reberString } from '../../src/data/tasks/reber.js'

test('every generated string is an embedded Reber string, and the validator rejects broken ones', () => {
  const g = new Generator(5)
  for (let i = 0; i < 500; i++) {
    const s = embeddedReberString(g)
    expect(isEmbeddedReber(s)).toBe(true)
    expect(s[1]).toBe(s[s.length - 2])
  }
  expect(isEmbeddedReber('BTBTXSETE')).toBe(true) // B T | B T X S E | T E
  expect(isEmbeddedReber('BTBTXSEPE')).toBe(false) // the long-range symbol differs
  expect(isEmbeddedReber('BTBTXXETE')).toBe(false) // X X ends nowhere
  expect(isEmbeddedReber('BTBPVVETE')).toBe(true)
  expect(isEmbeddedReber('BPBTSSXXTVVEPE')).toBe(true)
})

test('the same seed gives the same text; both outer symbols appear about equally', () => {
  expect(embeddedReberText(50, new Generator(9))).toBe(embeddedReberText(50, new Generator(9)))
  const g = new Generator(1)
  let t = 0
  for (let i = 0; i < 4000; i++) if (embeddedReberString(g)[1] === 'T') t++
  expect(Math.abs(t / 4000 - 0.5)).toBeLessThan(0.03)
})

test('Reber strings average 8 symbols (6 choices), as the graph implies', () => {
  const g = new Generator(2)
  let total = 0
  for (let i = 0; i < 20000; i++) total += reberString(g).length
  expect(Math.abs(total / 20000 - 8)).toBeLessThan(0.1)
})

test('the entropies equal the hand derivation: 7 choices of ln 2 in 12 symbols; unigram from symbol counts', () => {
  // Expected visits by hand: nodes 1, 2, 4, 5 once, node 3 twice → 6 inner choices; +1 outer choice.
  // Expected symbols per embedded string: B 2, E 2, T 2.5, P 2, S 1, X 1, V 1.5 (12 in all).
  const counts = [2, 2, 2.5, 2, 1, 1, 1.5]
  const unigram = -counts.reduce((acc, c) => acc + (c / 12) * Math.log(c / 12), 0)
  const { optimal, forgetful, unigram: computed } = embeddedReberEntropies()
  expect(optimal).toBeCloseTo((7 * Math.LN2) / 12, 12)
  expect(forgetful).toBeCloseTo((8 * Math.LN2) / 12, 12)
  expect(computed).toBeCloseTo(unigram, 12)
})
