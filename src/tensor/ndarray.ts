// Interop with scijs ndarray-shaped objects ({ data, shape, stride, offset }), without importing ndarray.
import { describe } from '../validation/checks.js'
import { dtypeOfArray, type DType, type TypedArray } from './dtype.js'
import { formatShape, sizeOf, stridesOf } from './shape.js'
import { Tensor } from './tensor.js'

export interface NdarrayLike {
  data: ArrayLike<number>
  shape: readonly number[]
  stride: readonly number[]
  offset: number
}

/**
 * A tensor holding a contiguous copy of an ndarray view (any strides, negative ones included).
 * Typed-array data keeps its dtype where seqgrad has it; anything else becomes `dtype` (float32 by default).
 */
export function fromNdarray(nd: NdarrayLike, dtype?: DType): Tensor {
  if (nd === null || typeof nd !== 'object' || !Array.isArray(nd.shape) || !Array.isArray(nd.stride) || typeof nd.offset !== 'number' || nd.data == null) {
    throw new Error(`fromNdarray: expected an object with data, shape, stride and offset, got ${describe(nd)}`)
  }
  const { data, shape, stride, offset } = nd
  if (stride.length !== shape.length) throw new Error(`fromNdarray: shape ${formatShape(shape)} and stride ${formatShape(stride)} differ in length`)
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`fromNdarray: bad shape ${formatShape(shape)}`)
  const known = data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array
  const out = Tensor.zeros(shape, dtype ?? (known ? dtypeOfArray(data as TypedArray) : 'float32'))
  const size = sizeOf(shape)
  if (size === 0) return out
  // The view must stay inside data: check its lowest and highest addresses before reading.
  let low = offset
  let high = offset
  shape.forEach((d, i) => (stride[i] < 0 ? (low += (d - 1) * stride[i]) : (high += (d - 1) * stride[i])))
  if (low < 0 || high >= data.length) throw new Error(`fromNdarray: the view (offset ${offset}, stride ${formatShape(stride)}) reaches outside data of length ${data.length}`)
  const outStrides = stridesOf(shape)
  for (let flat = 0; flat < size; flat++) {
    let source = offset
    for (let d = 0; d < shape.length; d++) source += (Math.floor(flat / outStrides[d]) % shape[d]) * stride[d]
    out.data[flat] = data[source]
  }
  return out
}

/** A contiguous row-major ndarray-shaped object over a copy of the tensor's data. */
export function toNdarray(t: Tensor): { data: TypedArray; shape: number[]; stride: number[]; offset: number } {
  if (!(t instanceof Tensor)) throw new Error(`toNdarray: expected a Tensor, got ${describe(t)}`)
  return { data: t.data.slice(), shape: t.shape.slice(), stride: stridesOf(t.shape), offset: 0 }
}
