// Creating tensors: from nested arrays, typed arrays or numbers, constants, ranges and random draws.
import { checkOptionKeys, describe } from '../validation/checks.js'
import { allocate, checkDType, dtypeOfArray, isFloat, type DType, type FloatDType, type TypedArray } from './dtype.js'
import { defaultGenerator, type Generator } from './random.js'
import { checkShape, formatShape, sizeOf } from './shape.js'
import { Tensor, type NestedArray } from './tensor.js'

export interface TensorOptions {
  shape?: readonly number[]
  dtype?: DType
  requiresGrad?: boolean
}

export interface CreateOptions {
  dtype?: DType
  requiresGrad?: boolean
}

export interface RandomOptions {
  dtype?: FloatDType
  requiresGrad?: boolean
  /** Draw from this generator instead of the default (seeded by manualSeed) one. */
  generator?: Generator
}

function finish(t: Tensor, requiresGrad: boolean | undefined): Tensor {
  if (requiresGrad) t.requiresGrad = true
  return t
}

/** Shape of a nested array, checking that it is rectangular and holds only numbers. */
function nestedShape(data: NestedArray): number[] {
  const shape: number[] = []
  let level: NestedArray = data
  while (Array.isArray(level)) {
    shape.push(level.length)
    level = level[0]
  }
  const check = (value: NestedArray, depth: number, path: number[]): void => {
    const where = `[${path.join(', ')}]`
    if (depth === shape.length) {
      if (typeof value !== 'number') throw new Error(`tensor: expected a number at ${where}, got ${describe(value)}`)
      return
    }
    if (!Array.isArray(value) || value.length !== shape[depth]) {
      const got = Array.isArray(value) ? `length ${value.length}` : describe(value)
      throw new Error(`tensor: ragged nested array: expected an array of length ${shape[depth]} at ${where}, got ${got}`)
    }
    value.forEach((item, i) => check(item, depth + 1, [...path, i]))
  }
  check(data, 0, [])
  return shape
}

/**
 * A new tensor holding a copy of `data`: a number (0-d), a nested number array, or a typed array
 * (1-d unless `opts.shape` says otherwise). The dtype is `opts.dtype`, else the typed array's, else float32.
 */
export function tensor(data: NestedArray | TypedArray, opts: TensorOptions = {}): Tensor {
  checkOptionKeys('tensor', opts, ['shape', 'dtype', 'requiresGrad'])
  const dtype = opts.dtype === undefined ? (ArrayBuffer.isView(data) ? dtypeOfArray(data) : 'float32') : checkDType('tensor', opts.dtype)
  let values: ArrayLike<number>
  let shape: number[]
  if (ArrayBuffer.isView(data)) {
    if (!(data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array)) {
      throw new Error(`tensor: expected a Float32Array, Float64Array or Int32Array, got ${describe(data)}`)
    }
    values = data
    shape = opts.shape === undefined ? [data.length] : checkShape('tensor', opts.shape)
    if (sizeOf(shape) !== data.length) throw new Error(`tensor: data has ${data.length} elements but shape ${formatShape(shape)} needs ${sizeOf(shape)}`)
  } else if (typeof data === 'number' || Array.isArray(data)) {
    shape = nestedShape(data)
    values = Array.isArray(data) ? ((data as unknown[]).flat(Infinity) as number[]) : [data]
    if (opts.shape !== undefined) {
      const wanted = checkShape('tensor', opts.shape)
      if (sizeOf(wanted) !== values.length) throw new Error(`tensor: data has shape ${formatShape(shape)} (${values.length} elements) but opts.shape ${formatShape(wanted)} needs ${sizeOf(wanted)}`)
      shape = wanted
    }
  } else {
    throw new Error(`tensor: expected a number, a nested number array or a typed array, got ${describe(data)}`)
  }
  const out = new Tensor(allocate(dtype, values.length), shape)
  if (dtype === 'int32') for (let i = 0; i < values.length; i++) checkInt32('tensor', values[i], `element ${i}`)
  out.data.set(values)
  return finish(out, opts.requiresGrad)
}

/** int32 holds integers in [−2³¹, 2³¹): anything else would be truncated or wrap around silently. */
function checkInt32(where: string, value: number, what: string): void {
  if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) {
    throw new Error(`${where}: int32 needs integers in [-2147483648, 2147483647]; ${what} is ${value}`)
  }
}

function filled(where: string, shape: readonly number[], value: number, opts: CreateOptions): Tensor {
  checkOptionKeys(where, opts, ['dtype', 'requiresGrad'])
  const dtype = checkDType(where, opts.dtype ?? 'float32')
  if (typeof value !== 'number') throw new Error(`${where}: expected a number to fill with, got ${describe(value)}`)
  if (dtype === 'int32') checkInt32(where, value, 'the fill value')
  const out = Tensor.zeros(checkShape(where, shape), dtype)
  out.data.fill(value)
  return finish(out, opts.requiresGrad)
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number, opts: CreateOptions = {}): Tensor {
  return filled('full', shape, value, opts)
}

export function zeros(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return filled('zeros', shape, 0, opts)
}

export function ones(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return filled('ones', shape, 1, opts)
}

function randomTensor(where: string, shape: readonly number[], opts: RandomOptions, fill: (g: Generator, out: Float32Array | Float64Array) => void): Tensor {
  checkOptionKeys(where, opts, ['dtype', 'requiresGrad', 'generator'])
  const dtype = checkDType(where, opts.dtype ?? 'float32')
  if (!isFloat(dtype)) throw new Error(`${where}: expected a float dtype ('float32' or 'float64'), got '${dtype}'`)
  const out = Tensor.zeros(checkShape(where, shape), dtype)
  fill(opts.generator ?? defaultGenerator, out.data as Float32Array | Float64Array)
  return finish(out, opts.requiresGrad)
}

/** Uniform draws in [0, 1) from the seeded generator. */
export function rand(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  return randomTensor('rand', shape, opts, (g, out) => g.fillUniform(out))
}

/** Standard normal draws from the seeded generator. */
export function randn(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  return randomTensor('randn', shape, opts, (g, out) => g.fillNormal(out))
}

/** 0, 1, …, n − 1 (float32 unless `opts.dtype` says otherwise). */
export function arange(n: number, opts: CreateOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new Error(`arange: expected a non-negative integer, got ${String(n)}`)
  checkOptionKeys('arange', opts, ['dtype', 'requiresGrad'])
  const out = Tensor.zeros([n], checkDType('arange', opts.dtype ?? 'float32'))
  for (let i = 0; i < n; i++) out.data[i] = i
  return finish(out, opts.requiresGrad)
}
