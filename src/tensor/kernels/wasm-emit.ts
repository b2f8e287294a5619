// A minimal WebAssembly binary writer: just enough to express seqgrad's SIMD kernels (wasm-kernels.ts) as
// structured code (one module, one exported memory, i32/v128 locals, blocks and loops), so the kernels
// ship as a few kilobytes built at load time, with no toolchain and no dependency.
// Encoding: https://webassembly.github.io/spec/core/binary/ (and the fixed-width and relaxed SIMD proposals).

export const I32 = 0x7f
export const V128 = 0x7b
export type ValType = typeof I32 | typeof V128

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const bytes: number[] = []
  do {
    let byte = n & 0x7f
    n >>>= 7
    if (n !== 0) byte |= 0x80
    bytes.push(byte)
  } while (n !== 0)
  return bytes
}

/** Signed LEB128 of a 32-bit integer. */
function sleb(n: number): number[] {
  const bytes: number[] = []
  for (;;) {
    const byte = n & 0x7f
    n >>= 7
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      bytes.push(byte)
      return bytes
    }
    bytes.push(byte | 0x80)
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()]
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body]
const name = (s: string): number[] => vec([...s].map((ch) => [ch.charCodeAt(0)]))

/** Builds one function body; locals are numbered after the parameters, in the order they are declared. */
export class FunctionBuilder {
  readonly code: number[] = []
  private readonly locals: ValType[] = []

  constructor(readonly params: readonly ValType[]) {}

  local(type: ValType): number {
    this.locals.push(type)
    return this.params.length + this.locals.length - 1
  }

  private op(...bytes: number[]): this {
    this.code.push(...bytes)
    return this
  }
  private simd(opcode: number, ...rest: number[]): this {
    return this.op(0xfd, ...uleb(opcode), ...rest)
  }

  /** Runs `emit` on this builder, for emitting helpers inside a chain. */
  with(emit: (f: this) => unknown): this { emit(this); return this }

  get(index: number): this { return this.op(0x20, ...uleb(index)) }
  set(index: number): this { return this.op(0x21, ...uleb(index)) }
  i32(value: number): this { return this.op(0x41, ...sleb(value)) }
  i32Add(): this { return this.op(0x6a) }
  i32Sub(): this { return this.op(0x6b) }
  i32Mul(): this { return this.op(0x6c) }
  i32LtU(): this { return this.op(0x49) }
  i32Ne(): this { return this.op(0x47) }
  i32Eqz(): this { return this.op(0x45) }
  /** local[index] += delta */
  addTo(index: number, delta: number): this { return this.get(index).i32(delta).i32Add().set(index) }

  /** block … end; `br 0` inside leaves it. */
  block(body: () => void): this { this.op(0x02, 0x40); body(); return this.op(0x0b) }
  /** loop … end; `br 0` inside jumps back to its start. */
  loop(body: () => void): this { this.op(0x03, 0x40); body(); return this.op(0x0b) }
  /** if (popped i32 ≠ 0) then … else … end */
  ifElse(then: () => void, otherwise: () => void): this {
    this.op(0x04, 0x40); then(); this.op(0x05); otherwise(); return this.op(0x0b)
  }
  brIf(depth: number): this { return this.op(0x0d, ...uleb(depth)) }

  // Memory access: alignment hint 4 bytes (the kernels' data is only 4-byte aligned), constant offset in bytes.
  f32Load(offset = 0): this { return this.op(0x2a, 2, ...uleb(offset)) }
  f32Store(offset = 0): this { return this.op(0x38, 2, ...uleb(offset)) }
  v128Load(offset = 0): this { return this.simd(0x00, 2, ...uleb(offset)) }
  v128Load32Splat(offset = 0): this { return this.simd(0x09, 2, ...uleb(offset)) }
  v128Store(offset = 0): this { return this.simd(0x0b, 2, ...uleb(offset)) }
  /** Loads 8 bytes (two float32) into the low half, zeroing the high one. */
  v128Load64Zero(offset = 0): this { return this.simd(0x5d, 2, ...uleb(offset)) }
  /** Stores the low 8 bytes (lane 0 of 64 bits: two float32). */
  v128Store64Lane0(offset = 0): this { return this.simd(0x5b, 2, ...uleb(offset), 0) }
  v128Zero(): this { return this.simd(0x0c, ...new Array<number>(16).fill(0)) }
  // Vector constants as a scalar constant splatted (7 bytes, 13 for float64) rather than v128.const (18): the
  // same value in every lane, and the module stays within the 4 KB a page's main thread may compile.
  /** Four equal float32 lanes. */
  f32x4Const(value: number): this {
    return this.op(0x43, ...new Uint8Array(new Float32Array([value]).buffer)).simd(0x13)
  }
  /** Four equal int32 lanes. */
  i32x4Const(value: number): this { return this.i32(value).simd(0x11) }
  /** Two equal float64 lanes. */
  f64x2Const(value: number): this {
    return this.op(0x44, ...new Uint8Array(new Float64Array([value]).buffer)).simd(0x14)
  }
  /** The two low float32 lanes widened to float64 (exactly). */
  f64x2PromoteLowF32x4(): this { return this.simd(0x5f) }
  /** The two float64 lanes rounded to float32 in the low lanes, the high ones 0. */
  f32x4DemoteF64x2Zero(): this { return this.simd(0x5e) }
  f64x2Add(): this { return this.simd(0xf0) }
  f64x2Sub(): this { return this.simd(0xf1) }
  f64x2Mul(): this { return this.simd(0xf2) }
  /** Per lane a < b, for a (below) and b (top): all ones where true, else zeros. */
  f64x2Lt(): this { return this.simd(0x49) }
  /** Per lane a < b ? b : a, for a (below) and b (top): so pmax(0, x) is x > 0 ? x : 0, NaN and −0 giving 0. */
  f64x2Pmax(): this { return this.simd(0xf7) }
  f32x4Add(): this { return this.simd(0xe4) }
  f32x4Sub(): this { return this.simd(0xe5) }
  f32x4Mul(): this { return this.simd(0xe6) }
  f32x4Div(): this { return this.simd(0xe7) }
  f32x4Min(): this { return this.simd(0xe8) }
  f32x4Max(): this { return this.simd(0xe9) }
  /**
   * a·b + c for a, b, c on the stack (c on top), rounded once or twice as the engine chooses: relaxed SIMD's
   * f32x4.relaxed_madd (0xfd 0x105), fused where the hardware has FMA. Validates only where relaxed SIMD does.
   */
  f32x4RelaxedMadd(): this { return this.simd(0x105) }
  f32x4Abs(): this { return this.simd(0xe0) }
  f32x4Neg(): this { return this.simd(0xe1) }
  f32x4Nearest(): this { return this.simd(0x6a) }
  f32x4Lt(): this { return this.simd(0x43) }
  i32x4TruncSatF32x4S(): this { return this.simd(0xf8) }
  i32x4Add(): this { return this.simd(0xae) }
  /** Shifts each int32 lane left by the i32 on top of the stack. */
  i32x4Shl(): this { return this.simd(0xab) }
  v128And(): this { return this.simd(0x4e) }
  /** a & ~b, for a (below) and b (top of the stack). */
  v128Andnot(): this { return this.simd(0x4f) }
  v128Or(): this { return this.simd(0x50) }
  v128Xor(): this { return this.simd(0x51) }
  /** Lanes of the first operand where the mask (top of stack) has bits set, else of the second. */
  v128Bitselect(): this { return this.simd(0x52) }
  f32x4ExtractLane(lane: number): this { return this.simd(0x1f, lane) }
  f32Add(): this { return this.op(0x92) }

  /** The body as the code section wants it: locals grouped by run of one type, then the code and `end`. */
  encode(): number[] {
    const groups: number[][] = []
    for (let i = 0; i < this.locals.length; ) {
      let j = i
      while (j < this.locals.length && this.locals[j] === this.locals[i]) j++
      groups.push([...uleb(j - i), this.locals[i]])
      i = j
    }
    const body = [...vec(groups), ...this.code, 0x0b]
    return [...uleb(body.length), ...body]
  }
}

/**
 * A module of functions returning nothing, each exported under its name, plus an exported memory "memory";
 * then a custom section per entry of `custom` (name → bytes), which engines keep but do not run.
 */
export function encodeModule(functions: Record<string, FunctionBuilder>, initialPages: number, custom: Record<string, Uint8Array> = {}): Uint8Array {
  const entries = Object.entries(functions)
  const types = section(1, vec(entries.map(([, f]) => [0x60, ...vec(f.params.map((t) => [t])), 0])))
  const declarations = section(3, vec(entries.map((_, i) => uleb(i))))
  const memory = section(5, vec([[0x00, ...uleb(initialPages)]]))
  const exports = section(7, vec([
    [...name('memory'), 0x02, 0],
    ...entries.map(([n], i) => [...name(n), 0x00, ...uleb(i)]),
  ]))
  const code = section(10, vec(entries.map(([, f]) => f.encode())))
  const customs = Object.entries(custom).flatMap(([n, bytes]) => section(0, [...name(n), ...bytes]))
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...types, ...declarations, ...memory, ...exports, ...code, ...customs])
}

/** The little of a WebAssembly memory used here, typed locally: the core's lib settings have no DOM or Node types. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}

/** Grows `memory` (in 64 KiB pages) to hold at least `bytes`. Growing detaches views of the old buffer. */
export function ensureBytes(memory: WasmMemory, bytes: number): void {
  const have = memory.buffer.byteLength
  if (have < bytes) memory.grow(Math.ceil((bytes - have) / 65536))
}
