// 16-bit floats as stored in safetensors files, widened to JS numbers (every value is exact in float32).

const SUBNORMAL_STEP = 2 ** -24 // a half's subnormals are multiples of 2^-24

/** The value of an IEEE 754 binary16 (half) bit pattern: subnormals, ±0, ±Infinity and NaN included. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1
  const exponent = (bits >> 10) & 0x1f
  const fraction = bits & 0x3ff
  if (exponent === 0) return sign * fraction * SUBNORMAL_STEP // sign * 0 keeps -0
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN
  return sign * (1024 + fraction) * 2 ** (exponent - 25)
}

// bfloat16 is the top half of a float32, so widening is a shift; a DataView pins the byte order.
const scratch = new DataView(new ArrayBuffer(4))

/** The value of a bfloat16 bit pattern (the high 16 bits of a float32). */
export function bfloat16ToFloat(bits: number): number {
  scratch.setUint32(0, (bits & 0xffff) * 0x10000)
  return scratch.getFloat32(0)
}
