// Element types: float32 by default, float64 for checking gradients, int32 for indices.

export type DType = 'float32' | 'float64' | 'int32'
export type FloatDType = 'float32' | 'float64'
export type TypedArray = Float32Array | Float64Array | Int32Array

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32']

export function isDType(value: unknown): value is DType {
  return value === 'float32' || value === 'float64' || value === 'int32'
}

/** Throws unless `value` is a known dtype; `where` names the caller in the message. */
export function checkDType(where: string, value: unknown): DType {
  if (!isDType(value)) {
    throw new Error(`${where}: unknown dtype ${JSON.stringify(value)}; expected one of ${DTYPES.map((d) => `'${d}'`).join(', ')}`)
  }
  return value
}

const BYTES_PER_ELEMENT: Record<DType, number> = { float32: 4, float64: 8, int32: 4 }

export function bytesPerElement(dtype: DType): number {
  return BYTES_PER_ELEMENT[dtype]
}

// measureAllocations' count: open scopes, and the bytes `allocate` has handed out while one was open.
let measuring = 0
let measuredBytes = 0

export function allocate(dtype: DType, size: number): TypedArray {
  if (measuring > 0) measuredBytes += size * BYTES_PER_ELEMENT[dtype]
  switch (dtype) {
    case 'float32':
      return new Float32Array(size)
    case 'float64':
      return new Float64Array(size)
    case 'int32':
      return new Int32Array(size)
  }
}

/**
 * Runs `fn` and counts the bytes of every typed array `allocate` makes meanwhile: every tensor's buffer
 * (Tensor.zeros, the ops' outputs) and the fused sequence op's per-call buffers (its saved activations).
 * Arrays made with `new Float32Array(…)` directly are not counted (kernel scratch, optimizer state), nor is
 * anything freed: it is the bytes handed out, an upper bound on what `fn` leaves alive. Scopes nest (an
 * inner scope's bytes count in the outer one too); with none open, `allocate` only tests one number.
 */
export function measureAllocations<T>(fn: () => T): { result: T; bytes: number } {
  const start = measuredBytes
  measuring++
  try {
    const result = fn()
    return { result, bytes: measuredBytes - start }
  } finally {
    measuring--
  }
}

export function dtypeOfArray(data: TypedArray): DType {
  if (data instanceof Float64Array) return 'float64'
  if (data instanceof Int32Array) return 'int32'
  return 'float32'
}

/** The dtype two operands combine to, as PyTorch promotes them: float64 > float32 > int32. */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === 'float64' || b === 'float64') return 'float64'
  if (a === 'float32' || b === 'float32') return 'float32'
  return 'int32'
}

export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype !== 'int32'
}

/** The float dtype option (float32 by default). */
export function floatDType(where: string, value: unknown): FloatDType {
  const dtype = checkDType(where, value ?? 'float32')
  if (dtype === 'int32') throw new Error(`${where}: parameters need a float dtype, got 'int32'`)
  return dtype
}
