// Elementwise kernels written as their formulas: a program of statements `name = expression` (+, −, ×,
// parentheses, numbers, and relu(x) = x > 0 ? x : 0 and positive(y, x) = y > 0 ? x : 0) compiled to WebAssembly that runs it over rows × H units, two units at a time, in
// float64 (f64x2). Evaluated left to right as JavaScript evaluates the same expression, with float32 operands
// widened exactly and a value stored to a float32 stream rounded once, as JavaScript's typed arrays store it,
// the kernel gives the bits of the JavaScript loop it replaces (wasm-cells.ts has the cells' kernels).
import { FunctionBuilder, I32, V128, type ValType } from './wasm-emit.js'

/** fn(rows, hBytes, a₀, s₀, a₁, s₁, …): see buildFormula. */
export type FormulaFn = (rows: number, hBytes: number, ...addressesAndStrides: number[]) => void

/**
 * Builds fn(rows, hBytes, a₀, s₀, a₁, s₁, …), which runs `program` for each of `rows` rows and each pair of
 * the row's hBytes / 4 units (hBytes a positive multiple of 8), stream k's pair at byte address
 * a_k + row · s_k + the pair's offset (twice it for a float64 stream). `streams` names them in parameter
 * order, space-separated, `name:64` for a float64 one (read only). Assigning a stream stores to it, rounded to
 * float32; any other name assigned is a float64 temporary. A stream is read where it is named, so a statement
 * after one that stored to it reads the stored value.
 */
export function buildFormula(streams: string, program: string): FunctionBuilder {
  const names = streams.split(' ')
  const f = new FunctionBuilder([I32, I32, ...names.flatMap((): ValType[] => [I32, I32])])
  const row = f.local(I32), j = f.local(I32), j2 = f.local(I32)
  const rowAt = names.map(() => f.local(I32)) // stream k's row in the current row
  const wide = names.map((name) => name.endsWith(':64'))
  const stream = new Map(names.map((name, k) => [name.replace(':64', ''), k]))
  const temps = new Map<string, number>()
  const tokens = program.match(/\d+(\.\d+)?|\w+|[-+*()=;,]/g) ?? []
  /** The local of a float64 temporary, made on first use. */
  const temp = (name: string) => {
    if (!temps.has(name)) temps.set(name, f.local(V128))
    return temps.get(name) as number
  }
  let at = 0, masks = 0
  const peek = () => tokens[at]
  const take = (expected?: string) => {
    const token = tokens[at++]
    if (expected !== undefined && token !== expected) throw new Error(`buildFormula: expected '${expected}', got '${token}' in ${program}`)
    return token
  }
  /** Pushes the address of stream k's pair. */
  const address = (k: number) => f.get(rowAt[k]).get(wide[k] ? j2 : j).i32Add()
  const factor = (): void => {
    const token = take()
    if (token === '(') {
      expression()
      take(')')
    } else if (token === 'relu' || token === 'positive') {
      // as JavaScript's `y > 0 ? x : 0`: 0 where y is NaN, −0 or below
      take('(')
      if (token === 'relu') {
        f.f64x2Const(0)
        expression()
        f.f64x2Pmax()
      } else {
        f.f64x2Const(0)
        expression() // y: a lane mask of 0 < y, kept while x is computed
        f.f64x2Lt()
        take(',')
        const mask = temp(`\0mask${masks++}`) // one local per call: nested calls keep theirs
        f.set(mask)
        expression()
        f.f64x2Const(0).get(mask).v128Bitselect()
      }
      take(')')
    } else if (/^\d/.test(token)) f.f64x2Const(Number(token))
    else if (stream.has(token)) {
      const k = stream.get(token) as number
      address(k)
      if (wide[k]) f.v128Load()
      else f.v128Load64Zero().f64x2PromoteLowF32x4()
    } else if (temps.has(token)) f.get(temps.get(token) as number)
    else throw new Error(`buildFormula: '${token}' is neither a stream nor assigned before, in ${program}`)
  }
  const term = () => {
    factor()
    while (peek() === '*') {
      take()
      factor()
      f.f64x2Mul()
    }
  }
  const expression = () => {
    term()
    for (let op = peek(); op === '+' || op === '-'; op = peek()) {
      take()
      term()
      if (op === '+') f.f64x2Add()
      else f.f64x2Sub()
    }
  }
  const rows = 0, hBytes = 1
  f.i32(0).set(row)
  f.block(() => {
    f.get(rows).i32Eqz().brIf(0)
    f.loop(() => {
      names.forEach((_, k) => f.get(2 + 2 * k).get(row).get(3 + 2 * k).i32Mul().i32Add().set(rowAt[k]))
      f.i32(0).set(j).i32(0).set(j2)
      f.loop(() => {
        at = 0
        while (at < tokens.length) {
          const name = take()
          take('=')
          const k = stream.get(name)
          if (k !== undefined) {
            if (wide[k]) throw new Error(`buildFormula: the float64 stream '${name}' is read only, in ${program}`)
            address(k)
            expression()
            f.f32x4DemoteF64x2Zero().v128Store64Lane0()
          } else {
            expression()
            f.set(temp(name))
          }
          if (at < tokens.length) take(';')
        }
        f.addTo(j, 8).addTo(j2, 16)
        f.get(j).get(hBytes).i32LtU().brIf(0)
      })
      f.addTo(row, 1)
      f.get(row).get(rows).i32LtU().brIf(0)
    })
  })
  return f
}
