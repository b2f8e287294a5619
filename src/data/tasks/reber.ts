// The embedded Reber grammar (Reber 1967; embedded form from Hochreiter & Schmidhuber 1997): a string
// B, then T or P, then a whole Reber string, then the same T or P again, then E. Predicting that second-
// to-last symbol needs a memory of the second one across the inner string — the long-range dependency.
import { defaultGenerator, type Generator } from '../../tensor/random.js'

export const REBER_SYMBOLS = 'BTPSXVE'

/** The Reber graph: from each node, two edges of probability ½, each emitting a symbol. Node 6 ends. */
const REBER_EDGES: Readonly<Record<number, readonly (readonly [string, number])[]>> = {
  1: [['T', 2], ['P', 3]],
  2: [['S', 2], ['X', 4]],
  3: [['T', 3], ['V', 5]],
  4: [['X', 3], ['S', 6]],
  5: [['P', 4], ['V', 6]],
}
const END = 6

/** One Reber string, B … E. */
export function reberString(generator: Generator = defaultGenerator): string {
  let out = 'B'
  for (let node = 1; node !== END; ) {
    const [symbol, next] = REBER_EDGES[node][generator.randint(2)]
    out += symbol
    node = next
  }
  return out + 'E'
}

/** One embedded Reber string: B, T or P, a Reber string, the same T or P, E. */
export function embeddedReberString(generator: Generator = defaultGenerator): string {
  const outer = generator.randint(2) === 0 ? 'T' : 'P'
  return `B${outer}${reberString(generator)}${outer}E`
}

/** `count` embedded Reber strings, one after another, as one stream of text. */
export function embeddedReberText(count: number, generator: Generator = defaultGenerator): string {
  if (!Number.isInteger(count) || count < 1) throw new Error(`embeddedReberText: count must be a positive integer, got ${String(count)}`)
  let text = ''
  for (let i = 0; i < count; i++) text += embeddedReberString(generator)
  return text
}

/** Whether `s` is one embedded Reber string. */
export function isEmbeddedReber(s: string): boolean {
  if (s.length < 6 || s[0] !== 'B' || s[s.length - 1] !== 'E' || (s[1] !== 'T' && s[1] !== 'P') || s[s.length - 2] !== s[1]) return false
  const inner = s.slice(2, -2)
  if (inner[0] !== 'B' || inner[inner.length - 1] !== 'E') return false
  let node = 1
  for (const symbol of inner.slice(1, -1)) {
    const edge = REBER_EDGES[node]?.find(([emitted]) => emitted === symbol)
    if (edge === undefined) return false
    node = edge[1]
  }
  return node === END
}

/**
 * Cross-entropies per symbol (nats) of an endless stream of embedded Reber strings: `optimal` for a
 * predictor that knows the grammar and remembers everything (only the ½–½ choices cost ln 2 each),
 * `forgetful` for one that predicts every symbol perfectly but the long-range one, and `unigram` for
 * symbol frequencies alone. From the expected visits to each node of the graph.
 */
export function embeddedReberEntropies(): { optimal: number; forgetful: number; unigram: number } {
  // Expected visits: v(1) = 1, v(n) = Σ over edges m → n of ½ v(m); iterate to the fixed point.
  const visits = [0, 1, 0, 0, 0, 0, 0]
  for (let sweep = 0; sweep < 200; sweep++) {
    for (let n = 2; n <= 5; n++) {
      let v = 0
      for (let m = 1; m <= 5; m++) for (const [, to] of REBER_EDGES[m]) if (to === n) v += visits[m] / 2
      visits[n] = v
    }
  }
  const counts: Record<string, number> = { B: 2, E: 2, T: 1, P: 1 } // outer B, inner B, both E, outer T/P twice
  let choices = 1 // the outer T or P
  for (let m = 1; m <= 5; m++) {
    for (const [symbol] of REBER_EDGES[m]) counts[symbol] = (counts[symbol] ?? 0) + visits[m] / 2
    choices += visits[m]
  }
  const length = Object.values(counts).reduce((a, b) => a + b, 0)
  const unigram = -Object.values(counts).reduce((acc, c) => acc + (c / length) * Math.log(c / length), 0)
  return { optimal: (choices * Math.LN2) / length, forgetful: ((choices + 1) * Math.LN2) / length, unigram }
}

/**
 * The legal next symbols after each prefix of the embedded Reber string `s`: entry i holds the symbols
 * that may follow s[0..i] ('' after the final E). After the inner string's E only the outer symbol is
 * legal — the long-range one; elsewhere the grammar offers one or two.
 */
export function embeddedReberNextSymbols(s: string): string[] {
  if (!isEmbeddedReber(s)) throw new Error(`embeddedReberNextSymbols: '${s}' is not an embedded Reber string`)
  const outer = s[1]
  const next = ['TP', 'B'] // after the outer B, after the outer T or P
  let node = 1
  next.push(REBER_EDGES[node].map(([symbol]) => symbol).join('')) // after the inner B
  for (const symbol of s.slice(3, -3)) {
    node = (REBER_EDGES[node].find(([emitted]) => emitted === symbol) as readonly [string, number])[1]
    next.push(node === END ? 'E' : REBER_EDGES[node].map(([emitted]) => emitted).join(''))
  }
  next.push(outer, 'E', '') // after the inner E, after the repeated outer symbol, after the final E
  return next
}
