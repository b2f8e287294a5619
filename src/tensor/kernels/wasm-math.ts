// σ and tanh over float32 ranges, as WebAssembly SIMD, four lanes at a time; simd-math.ts drives them.
// exp is Cephes' expf (range reduction by ln 2, a degree-5 polynomial, 2ⁿ built in the exponent bits;
// about 1 ulp in float32) and tanh Cephes' tanhf (an odd polynomial below 0.625, 1 − 2/(e^{2|x|} + 1)
// above), as float32 libraries compute them.
import { FunctionBuilder, I32, V128 } from './wasm-emit.js'

/** fn(byteOffset, count): the count floats from byteOffset, in place, rounded up to whole lanes. */
export type RangeFn = (byteOffset: number, count: number) => void

const LOG2E = 1.4426950408889634
// ln 2 in two parts, so n·C1 is exact for the n that occur and r = x − n ln 2 keeps its low bits
const C1 = 0.693359375
const C2 = -2.12194440e-4
const EXP_POLY = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1]
const TANH_POLY = [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1]
/** e^88 is the last power below float32's overflow; e^−87 the last above its smallest normal. */
const EXP_MAX = 88
const EXP_MIN = -87
/**
 * e^−104 < 2^−150, half the smallest subnormal, so e^x rounds to 0 in float32 from here down; between it
 * and EXP_MIN, e^x is subnormal, and 2ⁿ (n down to −150) no longer fits the exponent field.
 */
const EXP_UNDERFLOW = -104
/** Below EXP_MIN, emitExp can give e^x · 2^SUBNORMAL_SHIFT instead, a normal number, to be scaled down once. */
const SUBNORMAL_SHIFT = 25

/**
 * Pushes e^x for the f32x4 in local `x` (already within [EXP_MIN, EXP_MAX]); n and r are scratch locals.
 * With `shifted`, a local holding the mask of the lanes where x is in [EXP_UNDERFLOW, EXP_MIN), those
 * lanes get e^x · 2^SUBNORMAL_SHIFT: the caller's one scaling by 2^−SUBNORMAL_SHIFT then rounds it to a
 * subnormal (or 0) as float32 rounds e^x.
 */
function emitExp(f: FunctionBuilder, x: number, n: number, r: number, shifted?: number): void {
  // n = round(x / ln 2), r = x − n ln 2
  f.get(x).f32x4Const(LOG2E).f32x4Mul().f32x4Nearest().set(n)
  f.get(x).get(n).f32x4Const(C1).f32x4Mul().f32x4Sub().get(n).f32x4Const(C2).f32x4Mul().f32x4Sub().set(r)
  // e^r ≈ 1 + r + r²·P(r)
  f.f32x4Const(EXP_POLY[0])
  for (const c of EXP_POLY.slice(1)) f.get(r).f32x4Mul().f32x4Const(c).f32x4Add()
  f.get(r).get(r).f32x4Mul().f32x4Mul().get(r).f32x4Add().f32x4Const(1).f32x4Add()
  // e^x = e^r · 2ⁿ, with 2ⁿ made by writing n + 127 into the exponent field (n + SHIFT + 127 in shifted lanes)
  f.get(n).i32x4TruncSatF32x4S()
  if (shifted !== undefined) f.get(shifted).i32x4Const(SUBNORMAL_SHIFT).v128And().i32x4Add()
  f.i32x4Const(127).i32x4Add().i32(23).i32x4Shl().f32x4Mul()
}

/**
 * fn(ptr, count): replaces the floats at ptr by `body`'s result, four at a time (count rounded up to whole
 * lanes). `body` pushes the result for the f32x4 in local x, using `scratch` extra v128 locals.
 */
function inPlace(scratch: number, body: (f: FunctionBuilder, x: number, locals: number[]) => void): FunctionBuilder {
  const [ptr, count] = [0, 1]
  const f = new FunctionBuilder([I32, I32])
  const end = f.local(I32), x = f.local(V128)
  const locals = Array.from({ length: scratch }, () => f.local(V128))
  f.get(ptr).get(count).i32(4).i32Mul().i32Add().set(end)
  f.block(() => {
    f.get(count).i32Eqz().brIf(0)
    f.loop(() => {
      f.get(ptr).v128Load().set(x)
      f.get(ptr)
      body(f, x, locals)
      f.v128Store()
      f.addTo(ptr, 16)
      f.get(ptr).get(end).i32LtU().brIf(0)
    })
  })
  return f
}

export const buildSigmoid = (): FunctionBuilder => inPlace(4, (f, x, [n, r, t, tiny]) => {
  // σ(x) = 1 / (1 + e^−x) for x ≥ EXP_MIN. Below it e^−x overflows, and σ(x) = e^x / (1 + e^x) = e^x in
  // float32 (1 + e^x rounds to 1): subnormal from −87, exactly 0 from EXP_UNDERFLOW. One exp serves both,
  // of x on the "tiny" lanes below EXP_MIN and of −x on the others: selects, no branch. (σ is 1 in float32
  // from x ≈ 17, so clamping x at −EXP_MIN changes nothing.)
  f.get(x).f32x4Const(EXP_UNDERFLOW).f32x4Max().f32x4Const(-EXP_MIN).f32x4Min().set(t)
  f.get(t).f32x4Const(EXP_MIN).f32x4Lt().set(tiny)
  // the argument: x on tiny lanes, −x (x with its sign bit flipped) on the others
  f.i32x4Const(-0x80000000).get(tiny).v128Andnot().get(t).v128Xor().set(t)
  emitExp(f, t, n, r, tiny)
  f.set(r)
  // tiny lanes: (e^x · 2^SHIFT) · 2^−SHIFT, rounded once; the others: 1 / (1 + e^−x)
  f.get(r).f32x4Const(2 ** -SUBNORMAL_SHIFT).f32x4Mul()
  f.f32x4Const(1).f32x4Const(1).get(r).f32x4Add().f32x4Div()
  f.get(tiny).v128Bitselect()
})

export const buildTanh = (): FunctionBuilder => inPlace(4, (f, x, [n, r, a, z]) => {
  f.get(x).f32x4Abs().set(a)
  // |x| < 0.625: tanh|x| ≈ |x| + |x|·z·Q(z), z = x²
  f.get(a).get(a).f32x4Mul().set(z)
  f.f32x4Const(TANH_POLY[0])
  for (const c of TANH_POLY.slice(1)) f.get(z).f32x4Mul().f32x4Const(c).f32x4Add()
  f.get(z).f32x4Mul().get(a).f32x4Mul().get(a).f32x4Add()
  // otherwise: tanh|x| = 1 − 2 / (e^{2|x|} + 1)
  f.get(a).get(a).f32x4Add().f32x4Const(EXP_MAX).f32x4Min().set(z)
  f.f32x4Const(1).f32x4Const(2)
  emitExp(f, z, n, r)
  f.f32x4Const(1).f32x4Add().f32x4Div().f32x4Sub()
  f.get(a).f32x4Const(0.625).f32x4Lt().v128Bitselect()
  // tanh is odd: put x's sign back
  f.get(x).i32x4Const(-0x80000000).v128And().v128Or()
})
