// Elementwise functions of one tensor, each with its derivative beside it. Functions of floats
// (exp, log, …) compute int32 inputs in float32; neg, abs, sign and clamp keep the dtype.
import { binaryInto, mapInto, sigmoid as sigmoidOf, type BinaryFn, type UnaryFn } from '../../tensor/kernels/elementwise.js'
import { Tensor } from '../../tensor/tensor.js'
import { record } from '../engine.js'
import { asFloat, checkTensor, isInt32Value } from './operands.js'

type Derivative = (dy: Tensor, x: Tensor, y: Tensor, createGraph: boolean) => Tensor

function unaryOp(name: string, f: UnaryFn, derivative: Derivative, keepsInt = false) {
  return (input: Tensor): Tensor => {
    checkTensor(name, input)
    const x = keepsInt ? input : asFloat(input)
    const y = Tensor.zeros(x.shape, x.dtype)
    mapInto(y.data, x.data, f)
    return record(name, [x], y, (dy, createGraph) => [derivative(dy, x, y, createGraph)])
  }
}

/** f(dy, v) elementwise over two same-shaped tensors in one pass: a backward without temporaries. */
function zipped(dy: Tensor, v: Tensor, f: BinaryFn): Tensor {
  const dx = Tensor.zeros(v.shape, v.dtype)
  binaryInto(dx.data, v.shape, dy.data, dy.shape, v.data, v.shape, f)
  return dx
}

/** f(v) elementwise over `v`, as a constant (no graph): the 0/1 masks of piecewise-linear derivatives. */
function constant(v: Tensor, f: UnaryFn): Tensor {
  const c = Tensor.zeros(v.shape, v.dtype)
  mapInto(c.data, v.data, f)
  return c
}

// neg: y = −x; dy/dx = −1
export const neg = unaryOp('neg', (v) => -v, (dy) => dy.neg(), true)

// exp: y = eˣ; dy/dx = y
export const exp = unaryOp('exp', Math.exp, (dy, _x, y, graph) => (graph ? dy.mul(y) : zipped(dy, y, (g, v) => g * v)))

// log: y = ln x; dy/dx = 1/x
export const log = unaryOp('log', Math.log, (dy, x) => dy.div(x))

// sqrt: y = √x; dy/dx = 1/(2y)
export const sqrt = unaryOp('sqrt', Math.sqrt, (dy, _x, y) => dy.div(y.mul(2)))

// tanh: y = tanh x; dy/dx = 1 − y², so backward keeps the output
export const tanh = unaryOp('tanh', Math.tanh, (dy, _x, y, graph) => (graph ? dy.mul(y.mul(y).rsub(1)) : zipped(dy, y, (g, v) => g * (1 - v * v))))

// sigmoid: y = 1/(1 + e⁻ˣ); dy/dx = y(1 − y)
export const sigmoid = unaryOp('sigmoid', sigmoidOf, (dy, _x, y, graph) => (graph ? dy.mul(y.mul(y.rsub(1))) : zipped(dy, y, (g, v) => g * v * (1 - v))))

// relu: y = max(x, 0); dy/dx = 1 where x > 0, else 0 (0 at the kink, as PyTorch)
export const relu = unaryOp('relu', (v) => (v > 0 ? v : 0), (dy, x, _y, graph) => (graph ? dy.mul(constant(x, (v) => (v > 0 ? 1 : 0))) : zipped(dy, x, (g, v) => (v > 0 ? g : 0))), true)

// abs: y = |x|; dy/dx = sign(x) (0 at 0)
export const abs = unaryOp('abs', Math.abs, (dy, x, _y, graph) => (graph ? dy.mul(constant(x, (v) => (v > 0 ? 1 : v < 0 ? -1 : 0))) : zipped(dy, x, (g, v) => (v > 0 ? g : v < 0 ? -g : 0))), true)

// sign: y = sign(x) ∈ {−1, 0, 1}; its derivative is 0 wherever it exists
export const sign = unaryOp('sign', (v) => (v > 0 ? 1 : v < 0 ? -1 : v), (dy) => Tensor.zeros(dy.shape, dy.dtype), true)

// clamp: y = min(max(x, lo), hi); dy/dx = 1 where lo ≤ x ≤ hi, else 0 (PyTorch's convention). An int32
// tensor stays int32 unless a bound is a number int32 cannot hold (0.5, 1e10): then it computes in float32,
// as PyTorch promotes, rather than truncating the bound.
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? -Infinity
  const hi = max ?? Infinity
  if (typeof lo !== 'number' || typeof hi !== 'number' || Number.isNaN(lo) || Number.isNaN(hi)) {
    throw new Error(`clamp: expected numbers (or null) for min and max, got ${String(min)} and ${String(max)}`)
  }
  const intBounds = (min == null || isInt32Value(min)) && (max == null || isInt32Value(max))
  const op = unaryOp(
    'clamp',
    (v) => Math.min(Math.max(v, lo), hi),
    (dy, input, _y, graph) => (graph ? dy.mul(constant(input, (v) => (v >= lo && v <= hi ? 1 : 0))) : zipped(dy, input, (g, v) => (v >= lo && v <= hi ? g : 0))),
    intBounds,
  )
  return op(x)
}
