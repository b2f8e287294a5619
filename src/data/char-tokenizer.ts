// CharTokenizer: one token per Unicode code point of a training text. Code points, not UTF-16 units,
// so an emoji or any astral character is one token rather than two halves that mean nothing alone.
// Ids follow code point order, so the same characters always give the same ids whatever the text's order.
import { checkOptionKeys, describe } from '../validation/checks.js'

export interface CharTokenizerOptions {
  /** A single character that stands in for any character outside the vocabulary (added to it). */
  unknown?: string
}

/** What toJSON writes: the vocabulary in id order (sorted by code point) and the stand-in, if any. */
export interface CharTokenizerJSON {
  kind: 'CharTokenizer'
  version: 1
  characters: string[]
  unknown?: string
}

/** 'U+00E9', 'U+1F600': how Unicode names a code point. */
function codePointLabel(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`
}

const ESCAPES: Record<number, string> = { 9: '\\t', 10: '\\n', 13: '\\r' }

/** The character as an error message should show it: control characters and lone surrogates escaped. */
function showCharacter(code: number): string {
  const invisible = code < 0x20 || (code >= 0x7f && code < 0xa0) || (code >= 0xd800 && code <= 0xdfff)
  return invisible ? (ESCAPES[code] ?? `\\u{${code.toString(16)}}`) : String.fromCodePoint(code)
}

/** The code point of a one-character string; null for anything else. */
function singleCodePoint(value: unknown): number | null {
  if (typeof value !== 'string' || value.length === 0) return null
  const code = value.codePointAt(0) as number
  return value.length === (code > 0xffff ? 2 : 1) ? code : null
}

export class CharTokenizer {
  /** The vocabulary in id order: one code point per entry, sorted by code point. */
  readonly characters: readonly string[]
  /** The stand-in for characters outside the vocabulary, if one was given. */
  readonly unknown: string | undefined
  private readonly idOfCode = new Map<number, number>()
  private readonly unknownId: number

  /** Builds the vocabulary from the distinct characters of `text` (which must not be empty). */
  constructor(text: string, opts: CharTokenizerOptions = {}) {
    if (typeof text !== 'string') throw new Error(`CharTokenizer: expected the training text to be a string, got ${describe(text)}`)
    if (text.length === 0) throw new Error('CharTokenizer: the training text is empty, so there are no characters to build a vocabulary from')
    checkOptionKeys('CharTokenizer', opts, ['unknown'])
    const { unknown } = opts
    const unknownCode = unknown === undefined ? null : singleCodePoint(unknown)
    if (unknown !== undefined && unknownCode === null) {
      const count = typeof unknown === 'string' ? ` (${[...unknown].length} characters)` : ''
      throw new Error(`CharTokenizer: unknown must be a single character, got ${describe(unknown)}${count}`)
    }
    const codes = new Set<number>()
    for (let i = 0; i < text.length; ) {
      const code = text.codePointAt(i) as number
      codes.add(code)
      i += code > 0xffff ? 2 : 1
    }
    if (unknownCode !== null) codes.add(unknownCode)
    const sorted = [...codes].sort((a, b) => a - b)
    sorted.forEach((code, id) => this.idOfCode.set(code, id))
    this.characters = Object.freeze(sorted.map((code) => String.fromCodePoint(code)))
    this.unknown = unknown
    this.unknownId = unknownCode === null ? -1 : (this.idOfCode.get(unknownCode) as number)
  }

  get vocabSize(): number {
    return this.characters.length
  }

  /**
   * One id per character of `s`. A character outside the vocabulary becomes the `unknown` stand-in's id,
   * or, without one, an error naming it and its position (counted in characters, not UTF-16 units).
   */
  encode(s: string): Int32Array {
    if (typeof s !== 'string') throw new Error(`CharTokenizer.encode: expected a string, got ${describe(s)}`)
    const ids = new Int32Array(s.length) // at least as many UTF-16 units as characters
    let count = 0
    for (let i = 0; i < s.length; ) {
      const code = s.codePointAt(i) as number
      const id = this.idOfCode.get(code) ?? this.unknownId
      if (id < 0) {
        throw new Error(
          `CharTokenizer.encode: unknown character '${showCharacter(code)}' (${codePointLabel(code)}) at position ${count}; ` +
            `the vocabulary has ${this.vocabSize} characters (give the tokenizer an unknown stand-in to map such characters to it)`,
        )
      }
      ids[count++] = id
      i += code > 0xffff ? 2 : 1
    }
    return count === ids.length ? ids : ids.slice(0, count)
  }

  /** The text that `ids` stand for; an id outside the vocabulary is an error naming it. */
  decode(ids: Int32Array | readonly number[]): string {
    if (!(ids instanceof Int32Array) && !Array.isArray(ids)) {
      throw new Error(`CharTokenizer.decode: expected an Int32Array or an array of ids, got ${describe(ids)}`)
    }
    let text = ''
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        const shown = typeof id === 'number' ? String(id) : describe(id)
        throw new Error(`CharTokenizer.decode: id ${shown} at position ${k} is not in the vocabulary of ${this.vocabSize} characters (ids 0 to ${this.vocabSize - 1})`)
      }
      text += this.characters[id]
    }
    return text
  }

  /** A plain object that fromJSON turns back into an equal tokenizer (JSON.stringify calls this). */
  toJSON(): CharTokenizerJSON {
    const json: CharTokenizerJSON = { kind: 'CharTokenizer', version: 1, characters: [...this.characters] }
    if (this.unknown !== undefined) json.unknown = this.unknown
    return json
  }

  /** The tokenizer that `toJSON` described (the object, or its JSON text), after checking every field. */
  static fromJSON(json: CharTokenizerJSON | string): CharTokenizer {
    const where = 'CharTokenizer.fromJSON'
    let value: unknown = json
    if (typeof json === 'string') {
      try {
        value = JSON.parse(json)
      } catch (error) {
        throw new Error(`${where}: the text is not valid JSON (${error instanceof Error ? error.message : String(error)})`)
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where}: expected an object, got ${describe(value)}`)
    const { kind, version, characters, unknown } = value as Record<string, unknown>
    if (kind !== 'CharTokenizer') throw new Error(`${where}: kind must be 'CharTokenizer', got ${describe(kind)}`)
    if (version !== 1) throw new Error(`${where}: version must be 1, got ${describe(version)}`)
    if (!Array.isArray(characters) || characters.length === 0) throw new Error(`${where}: characters must be a non-empty array of single characters, got ${describe(characters)}`)
    let previous = -1
    characters.forEach((character: unknown, id) => {
      const code = singleCodePoint(character)
      if (code === null) throw new Error(`${where}: characters[${id}] must be a single character, got ${describe(character)}`)
      // Ids are positions in this list; requiring code point order keeps them what the constructor gives.
      if (code <= previous) {
        throw new Error(`${where}: characters[${id}] (${codePointLabel(code)}) does not come after characters[${id - 1}] (${codePointLabel(previous)}); the characters must be distinct and sorted by code point`)
      }
      previous = code
    })
    if (unknown !== undefined && (singleCodePoint(unknown) === null || !characters.includes(unknown))) {
      throw new Error(`${where}: unknown must be one of the characters, got ${describe(unknown)}`)
    }
    return new CharTokenizer((characters as string[]).join(''), unknown === undefined ? {} : { unknown: unknown as string })
  }
}
