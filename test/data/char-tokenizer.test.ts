// CharTokenizer: vocabularies and ids against references built here from the string's code points,
// round trips over random Unicode (astral characters included), JSON round trips, and the errors.
import fc from 'fast-check'
import { CharTokenizer, type CharTokenizerJSON } from '../../src/data/char-tokenizer.js'

/** The code points of a string, each as a string: what the tokenizer should call characters. */
const codePoints = (s: string): string[] => Array.from(s)

/** Distinct characters sorted by code point, computed independently of the tokenizer. */
function referenceVocabulary(s: string): string[] {
  return [...new Set(codePoints(s))].sort((a, b) => (a.codePointAt(0) as number) - (b.codePointAt(0) as number))
}

const anyText = fc.string({ unit: 'binary', minLength: 1, maxLength: 60 })
const astralHeavy = fc.string({ unit: fc.constantFrom('a', 'é', '😀', '𝔸', '中', '\n', '👍', '🏽'), minLength: 1, maxLength: 40 })
const text = fc.oneof(anyText, astralHeavy)

test('the vocabulary is the distinct code points sorted by code point, and ids index it', () => {
  fc.assert(
    fc.property(text, (s) => {
      const tokenizer = new CharTokenizer(s)
      const vocabulary = referenceVocabulary(s)
      expect([...tokenizer.characters]).toEqual(vocabulary)
      expect(tokenizer.vocabSize).toBe(vocabulary.length)
      expect(Array.from(tokenizer.encode(s))).toEqual(codePoints(s).map((c) => vocabulary.indexOf(c)))
    }),
  )
})

test('decode(encode(s)) is s for any text over the vocabulary, one id per code point', () => {
  fc.assert(
    fc.property(
      text.chain((training) => fc.tuple(fc.constant(training), fc.array(fc.constantFrom(...codePoints(training)), { maxLength: 50 }).map((cs) => cs.join('')))),
      ([training, s]) => {
        const tokenizer = new CharTokenizer(training)
        const ids = tokenizer.encode(s)
        expect(ids).toBeInstanceOf(Int32Array)
        expect(ids.length).toBe(codePoints(s).length)
        expect(tokenizer.decode(ids)).toBe(s)
        expect(tokenizer.decode(Array.from(ids))).toBe(s)
      },
    ),
  )
})

test('the order of the training text does not change the ids', () => {
  fc.assert(
    fc.property(text, fc.integer(), (s, seed) => {
      const shuffled = fc.sample(fc.shuffledSubarray(codePoints(s), { minLength: codePoints(s).length }), { numRuns: 1, seed })[0].join('')
      expect(new CharTokenizer(shuffled).characters).toEqual(new CharTokenizer(s).characters)
    }),
    { numRuns: 50 },
  )
})

test('astral characters and emoji are one token each, not two surrogate halves', () => {
  const tokenizer = new CharTokenizer('😀a😀𝔸')
  expect([...tokenizer.characters]).toEqual(['a', '𝔸', '😀']) // U+0061 < U+1D538 < U+1F600
  expect(Array.from(tokenizer.encode('a😀𝔸😀'))).toEqual([0, 2, 1, 2])
  expect(tokenizer.decode([2, 0])).toBe('😀a')
  // An emoji with a skin-tone modifier is two code points, hence two tokens.
  expect(new CharTokenizer('👍🏽').vocabSize).toBe(2)
  // A lone surrogate (malformed UTF-16) is still one token and survives the round trip.
  const lone = new CharTokenizer('x\ud800y')
  expect(lone.vocabSize).toBe(3)
  expect(lone.decode(lone.encode('\ud800x'))).toBe('\ud800x')
  expect(CharTokenizer.fromJSON(JSON.stringify(lone)).characters).toEqual(['x', 'y', '\ud800'])
})

test('unknown: a stand-in joins the vocabulary and replaces characters outside it', () => {
  const tokenizer = new CharTokenizer('cab', { unknown: '?' })
  expect([...tokenizer.characters]).toEqual(['?', 'a', 'b', 'c'])
  expect(tokenizer.unknown).toBe('?')
  expect(Array.from(tokenizer.encode('aé😀b?'))).toEqual([1, 0, 0, 2, 0])
  expect(tokenizer.decode(tokenizer.encode('xyz'))).toBe('???')
  // A stand-in already in the text is not added twice; an astral stand-in is one character.
  expect(new CharTokenizer('a?', { unknown: '?' }).vocabSize).toBe(2)
  expect(Array.from(new CharTokenizer('ab', { unknown: '�' }).encode('aé'))).toEqual([0, 2])
  expect(Array.from(new CharTokenizer('ab', { unknown: '😶' }).encode('zb'))).toEqual([2, 1])
})

test('encode names an unknown character, its code point and its position in characters', () => {
  const tokenizer = new CharTokenizer('abcdefghijklmnopqrstuvwxyz ')
  expect(() => tokenizer.encode('café')).toThrow("CharTokenizer.encode: unknown character 'é' (U+00E9) at position 3; the vocabulary has 27 characters")
  // Positions count characters: the emoji before 'é' is one position, not two UTF-16 units.
  expect(() => new CharTokenizer('ab😀').encode('😀aé')).toThrow("unknown character 'é' (U+00E9) at position 2")
  expect(() => tokenizer.encode('a😀')).toThrow("unknown character '😀' (U+1F600) at position 1")
  expect(() => tokenizer.encode('ab\n')).toThrow("unknown character '\\n' (U+000A) at position 2")
  expect(() => tokenizer.encode('\u0000')).toThrow("unknown character '\\u{0}' (U+0000) at position 0")
  expect(() => tokenizer.encode(42 as unknown as string)).toThrow('CharTokenizer.encode: expected a string, got number 42')
})

test('decode names an id outside the vocabulary', () => {
  const tokenizer = new CharTokenizer('abc')
  expect(() => tokenizer.decode([0, 3])).toThrow('CharTokenizer.decode: id 3 at position 1 is not in the vocabulary of 3 characters (ids 0 to 2)')
  expect(() => tokenizer.decode(Int32Array.of(-1))).toThrow('CharTokenizer.decode: id -1 at position 0 is not in the vocabulary of 3 characters')
  expect(() => tokenizer.decode([1.5])).toThrow('id 1.5 at position 0 is not in the vocabulary')
  expect(() => tokenizer.decode('abc' as unknown as number[])).toThrow(/expected an Int32Array or an array of ids/)
  expect(tokenizer.decode([])).toBe('')
})

test('the constructor rejects an empty text and a stand-in that is not one character', () => {
  expect(() => new CharTokenizer('')).toThrow('CharTokenizer: the training text is empty')
  expect(() => new CharTokenizer('', { unknown: '?' })).toThrow('the training text is empty')
  expect(() => new CharTokenizer('abc', { unknown: '<unk>' })).toThrow('CharTokenizer: unknown must be a single character, got the string "<unk>" (5 characters)')
  expect(() => new CharTokenizer('abc', { unknown: '' })).toThrow(/unknown must be a single character, got the string "" \(0 characters\)/)
  expect(() => new CharTokenizer('abc', { unknown: '👍🏽' })).toThrow(/\(2 characters\)/)
  expect(() => new CharTokenizer(['a'] as unknown as string)).toThrow(/expected the training text to be a string/)
})

test('toJSON / fromJSON round trip, through JSON text too, with and without a stand-in', () => {
  fc.assert(
    fc.property(text, fc.option(fc.constantFrom('?', '�', '😶', 'a')), text, (training, unknown, probe) => {
      const tokenizer = new CharTokenizer(training, unknown === null ? {} : { unknown })
      const viaText = CharTokenizer.fromJSON(JSON.stringify(tokenizer))
      const viaObject = CharTokenizer.fromJSON(tokenizer.toJSON())
      for (const copy of [viaText, viaObject]) {
        expect(copy.characters).toEqual(tokenizer.characters)
        expect(copy.unknown).toBe(tokenizer.unknown)
        if (unknown !== null) expect(copy.encode(probe)).toEqual(tokenizer.encode(probe))
        expect(copy.encode(training)).toEqual(tokenizer.encode(training))
      }
    }),
  )
})

test('fromJSON names what is wrong', () => {
  const good: CharTokenizerJSON = { kind: 'CharTokenizer', version: 1, characters: ['?', 'a', 'b'], unknown: '?' }
  const bad = (patch: Record<string, unknown>) => ({ ...good, ...patch }) as unknown as CharTokenizerJSON
  expect(CharTokenizer.fromJSON(good).vocabSize).toBe(3)
  expect(() => CharTokenizer.fromJSON('{"kind":')).toThrow(/CharTokenizer.fromJSON: the text is not valid JSON/)
  expect(() => CharTokenizer.fromJSON('[1]')).toThrow('CharTokenizer.fromJSON: expected an object, got the array [1]')
  expect(() => CharTokenizer.fromJSON(bad({ kind: 'WordTokenizer' }))).toThrow(`CharTokenizer.fromJSON: kind must be 'CharTokenizer', got the string "WordTokenizer"`)
  expect(() => CharTokenizer.fromJSON(bad({ version: 2 }))).toThrow('CharTokenizer.fromJSON: version must be 1, got number 2')
  expect(() => CharTokenizer.fromJSON(bad({ characters: 'ab' }))).toThrow(/characters must be a non-empty array of single characters, got the string "ab"/)
  expect(() => CharTokenizer.fromJSON(bad({ characters: [], unknown: undefined }))).toThrow(/characters must be a non-empty array/)
  expect(() => CharTokenizer.fromJSON(bad({ characters: ['?', 'ab'] }))).toThrow('CharTokenizer.fromJSON: characters[1] must be a single character, got the string "ab"')
  expect(() => CharTokenizer.fromJSON(bad({ characters: ['?', 7] }))).toThrow('characters[1] must be a single character, got number 7')
  expect(() => CharTokenizer.fromJSON(bad({ characters: ['?', 'b', 'a'] }))).toThrow(
    'CharTokenizer.fromJSON: characters[2] (U+0061) does not come after characters[1] (U+0062); the characters must be distinct and sorted by code point',
  )
  expect(() => CharTokenizer.fromJSON(bad({ characters: ['?', 'a', 'a'] }))).toThrow(/characters\[2\] \(U\+0061\) does not come after characters\[1\] \(U\+0061\)/)
  expect(() => CharTokenizer.fromJSON(bad({ unknown: '!' }))).toThrow('CharTokenizer.fromJSON: unknown must be one of the characters, got the string "!"')
})
