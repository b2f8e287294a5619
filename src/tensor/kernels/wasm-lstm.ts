// The LSTM's step, forward and back, as WebAssembly: the elementwise passes that cells/fused/lstm.ts runs
// as JavaScript loops, over the state the recurrence keeps in the kernels' memory between its products
// (cells/fused/lstm-resident.ts drives them). The arithmetic is the JavaScript step's, operation for
// operation in float64 (f64x2, two units at a time, float32 operands widened exactly, results rounded to
// float32 where JavaScript stores them), so both give the same bits; σ and tanh are the module's own
// kernels (wasm-math.ts), called between the passes as the JavaScript step calls them.
//
// Layouts (byte addresses; H a multiple of 4, rows of [B, H] blocks H floats apart): gate rows [i | f | g | o],
// 4H floats; the activation scratch `pre` five blocks of B·H floats, [i | f | o | g | c'], `block` bytes apart.
import { FunctionBuilder, I32, V128 } from './wasm-emit.js'

export type LstmGatesFn = (xp: number, bias: number, prod: number, pre: number, rows: number, hBytes: number, block: number) => void
export type LstmCellFn = (gates: number, c: number, pre: number, rows: number, hBytes: number, block: number) => void
export type LstmHiddenFn = (h: number, pre: number, count: number, block: number) => void
export type LstmBackwardFn = (gates: number, tanhC: number, cPrev: number, dOut: number, dhNext: number, dhStride: number, dc: number, da: number, rows: number, hBytes: number) => void

/** Where the scratch block of each gate goes: i, f, o (the σ gates, one range), then g. Indexed by the gate's place in a row. */
const PRE_BLOCK = [0, 1, 3, 2]
const C_BLOCK = 4

/**
 * Runs `body(j)` for every pair of units of every row: `rows` times, then hBytes / 8 times within the row,
 * j the pair's byte offset in the row; `endRow` after each row.
 */
function eachPair(f: FunctionBuilder, rows: number, hBytes: number, body: (j: number) => void, endRow: () => void): void {
  const b = f.local(I32), j = f.local(I32)
  f.get(rows).set(b)
  f.block(() => {
    f.get(b).i32Eqz().brIf(0)
    f.loop(() => {
      f.i32(0).set(j)
      f.loop(() => {
        body(j)
        f.addTo(j, 8)
        f.get(j).get(hBytes).i32LtU().brIf(0)
      })
      endRow()
      f.addTo(b, -1)
      f.get(b).brIf(0)
    })
  })
}

/** Pushes the two float32 at the address on the stack, widened to an f64x2. */
const widen = (f: FunctionBuilder) => f.v128Load64Zero().f64x2PromoteLowF32x4()
/** Stores the f64x2 on the stack as two float32 at the address below it. */
const narrowStore = (f: FunctionBuilder) => f.f32x4DemoteF64x2Zero().v128Store64Lane0()

/** The byte offsets of gate blocks 1–3 within a row: hBytes, 2·hBytes, 3·hBytes. */
function gateOffsets(f: FunctionBuilder, hBytes: number): number[] {
  const offsets = [f.local(I32), f.local(I32), f.local(I32)]
  f.get(hBytes).set(offsets[0])
  f.get(hBytes).get(hBytes).i32Add().set(offsets[1])
  f.get(offsets[1]).get(hBytes).i32Add().set(offsets[2])
  return offsets
}

/** Pushes the address base + row + j (+ the offset of gate q's block, for q > 0) of a gate row's pair. */
function gateAddress(f: FunctionBuilder, gate: number[], base: number, row: number, j: number, q: number): void {
  f.get(base).get(row).i32Add().get(j).i32Add()
  if (q > 0) f.get(gate[q - 1]).i32Add()
}

/** Pushes the address of scratch block `to` at byte offset `at`: at + to · block. */
function scratchAddress(f: FunctionBuilder, at: number, block: number, to: number): void {
  f.get(at)
  for (let k = 0; k < to; k++) f.get(block).i32Add()
}

/**
 * lstmGates(xp, bias, prod, pre, rows, hBytes, block): the pre-activations W_ih x + b + W_hh h of every
 * gate into its scratch block: xp and prod gate rows (4H floats each), bias 4H float64.
 */
export function buildLstmGates(): FunctionBuilder {
  const [xp, bias, prod, pre, rows, hBytes, block] = [0, 1, 2, 3, 4, 5, 6]
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32])
  const gate = gateOffsets(f, hBytes)
  const row = f.local(I32), at = f.local(I32), biasAt = f.local(I32)
  f.i32(0).set(row)
  f.get(pre).set(at)
  eachPair(f, rows, hBytes, (j) => {
    for (let q = 0; q < 4; q++) {
      scratchAddress(f, at, block, PRE_BLOCK[q])
      // pre = W_ih x + b + W_hh h, summed left to right in float64 as the JavaScript step does
      gateAddress(f, gate, xp, row, j, q)
      widen(f)
      // the bias is float64, one row for all: its byte offset is twice a float32's within the row
      f.get(j)
      if (q > 0) f.get(gate[q - 1]).i32Add()
      f.set(biasAt)
      f.get(bias).get(biasAt).get(biasAt).i32Add().i32Add().v128Load().f64x2Add()
      gateAddress(f, gate, prod, row, j, q)
      widen(f)
      f.f64x2Add()
      narrowStore(f)
    }
    f.addTo(at, 8)
  }, () => f.get(row).get(hBytes).i32(4).i32Mul().i32Add().set(row))
  return f
}

/**
 * lstmCell(gates, c, pre, rows, hBytes, block): with σ and tanh applied to the scratch, writes the gate
 * activations into the gate rows, c' = f ⊙ c + i ⊙ g over c (in place), and c' into scratch block 4 for tanh.
 */
export function buildLstmCell(): FunctionBuilder {
  const [gates, c, pre, rows, hBytes, block] = [0, 1, 2, 3, 4, 5]
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32])
  const gate = gateOffsets(f, hBytes)
  const row = f.local(I32), at = f.local(I32), cAt = f.local(I32)
  const value = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)] // i, f, g, o as float32 pairs
  const cNew = f.local(V128)
  f.i32(0).set(row)
  f.get(pre).set(at)
  f.get(c).set(cAt)
  eachPair(f, rows, hBytes, (j) => {
    for (let q = 0; q < 4; q++) {
      scratchAddress(f, at, block, PRE_BLOCK[q])
      f.v128Load64Zero().set(value[q])
      gateAddress(f, gate, gates, row, j, q)
      f.get(value[q]).v128Store64Lane0()
    }
    // c' = f ⊙ c + i ⊙ g
    f.get(value[1]).f64x2PromoteLowF32x4().get(cAt).with(widen).f64x2Mul()
    f.get(value[0]).f64x2PromoteLowF32x4().get(value[2]).f64x2PromoteLowF32x4().f64x2Mul()
    f.f64x2Add().f32x4DemoteF64x2Zero().set(cNew)
    f.get(cAt).get(cNew).v128Store64Lane0()
    scratchAddress(f, at, block, C_BLOCK)
    f.get(cNew).v128Store64Lane0()
    f.addTo(at, 8).addTo(cAt, 8)
  }, () => f.get(row).get(hBytes).i32(4).i32Mul().i32Add().set(row))
  return f
}

/** lstmHidden(h, pre, count, block): h' = o ⊙ tanh(c') over count floats (a multiple of 4), from scratch blocks 2 and 4. */
export function buildLstmHidden(): FunctionBuilder {
  const [h, pre, count, block] = [0, 1, 2, 3]
  const f = new FunctionBuilder([I32, I32, I32, I32])
  const end = f.local(I32), o = f.local(I32), tc = f.local(I32)
  f.get(h).get(count).i32(4).i32Mul().i32Add().set(end)
  f.get(pre).get(block).get(block).i32Add().i32Add().set(o)
  f.get(o).get(block).get(block).i32Add().i32Add().set(tc)
  f.block(() => {
    f.get(count).i32Eqz().brIf(0)
    f.loop(() => {
      // h' = o ⊙ tanh(c'): one float32 rounding of the exact product, as JavaScript's
      f.get(h).get(o).v128Load().get(tc).v128Load().f32x4Mul().v128Store()
      f.addTo(h, 16).addTo(o, 16).addTo(tc, 16)
      f.get(h).get(end).i32LtU().brIf(0)
    })
  })
  return f
}

/**
 * lstmBackward(gates, tanhC, cPrev, dOut, dhNext, dhStride, dc, da, rows, hBytes): the step's pre-activation
 * gradients into da (laid out as gates) from dh = dOut + dhNext (dhNext's rows dhStride bytes apart); dc comes
 * in as dc' and leaves as the dc of the state the step read. tanhC, cPrev, dOut and dc are [B, H].
 */
export function buildLstmBackward(): FunctionBuilder {
  const [gates, tanhC, cPrev, dOut, dhNext, dhStride, dc, da, rows, hBytes] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32])
  const gate = gateOffsets(f, hBytes)
  const row = f.local(I32), s = f.local(I32), dhRow = f.local(I32)
  const [i, fg, g, o, tc, cp, dh, dcNew] = Array.from({ length: 8 }, () => f.local(V128))
  f.i32(0).set(row).i32(0).set(s).get(dhNext).set(dhRow)
  const gateAt = (base: number, j: number, q: number) => gateAddress(f, gate, base, row, j, q)
  const one = () => f.f64x2Const(1)
  eachPair(f, rows, hBytes, (j) => {
    ;[i, fg, g, o].forEach((v, q) => { gateAt(gates, j, q); widen(f); f.set(v) })
    f.get(tanhC).get(s).i32Add().with(widen).set(tc)
    f.get(cPrev).get(s).i32Add().with(widen).set(cp)
    // dh = dOut + dhNext
    f.get(dOut).get(s).i32Add().with(widen).get(dhRow).get(j).i32Add().with(widen).f64x2Add().set(dh)
    // dc' = dc'(from the later step) + dh ⊙ o ⊙ (1 − tanh² c')
    f.get(dc).get(s).i32Add().with(widen)
    f.get(dh).get(o).f64x2Mul().with(one).get(tc).get(tc).f64x2Mul().f64x2Sub().f64x2Mul().f64x2Add().set(dcNew)
    // da_i = dc' ⊙ g ⊙ i(1 − i)
    gateAt(da, j, 0)
    f.get(dcNew).get(g).f64x2Mul().get(i).f64x2Mul().with(one).get(i).f64x2Sub().f64x2Mul().with(narrowStore)
    // da_f = dc' ⊙ c ⊙ f(1 − f)
    gateAt(da, j, 1)
    f.get(dcNew).get(cp).f64x2Mul().get(fg).f64x2Mul().with(one).get(fg).f64x2Sub().f64x2Mul().with(narrowStore)
    // da_g = dc' ⊙ i ⊙ (1 − g²)
    gateAt(da, j, 2)
    f.get(dcNew).get(i).f64x2Mul().with(one).get(g).get(g).f64x2Mul().f64x2Sub().f64x2Mul().with(narrowStore)
    // da_o = dh ⊙ tanh c' ⊙ o(1 − o)
    gateAt(da, j, 3)
    f.get(dh).get(tc).f64x2Mul().get(o).f64x2Mul().with(one).get(o).f64x2Sub().f64x2Mul().with(narrowStore)
    // dc = dc' ⊙ f: what flows on to the state this step read
    f.get(dc).get(s).i32Add().get(dcNew).get(fg).f64x2Mul().with(narrowStore)
    f.addTo(s, 8)
  }, () => {
    f.get(row).get(hBytes).i32(4).i32Mul().i32Add().set(row)
    f.get(dhRow).get(dhStride).i32Add().set(dhRow)
  })
  return f
}
