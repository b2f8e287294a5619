// Tensor: a shape, a dtype and one contiguous row-major typed array, plus the autograd fields.
// Its methods are sugar over the differentiable ops in src/autograd/ops; those modules import this
// one back, which is safe because neither side touches the other until a method is called.
import { checkBackwardOptions, runBackward, type BackwardOptions, type GradNode } from '../autograd/engine.js'
import * as arithmetic from '../autograd/ops/arithmetic.js'
import * as unary from '../autograd/ops/unary.js'
import * as reduce from '../autograd/ops/reduce.js'
import * as layout from '../autograd/ops/layout.js'
import * as cast from '../autograd/ops/cast.js'
import { matmul } from '../autograd/ops/matmul.js'
import { softmax, logSoftmax } from '../autograd/ops/softmax.js'
import { allocate, dtypeOfArray, isFloat, type DType, type TypedArray } from './dtype.js'
import { describe } from '../validation/checks.js'
import { formatShape, shapesEqual, sizeOf, type Shape } from './shape.js'

export type NestedArray = number | NestedArray[]

export class Tensor {
  readonly shape: readonly number[]
  readonly data: TypedArray
  /** Accumulated gradient of a leaf after `backward`; null until then and after zeroing. */
  grad: Tensor | null = null
  private requiresGradFlag = false
  private node: GradNode | null = null

  /**
   * Wraps `data` (not copied) as a tensor of `shape`; dtype follows the array type, so it must be one of
   * the three a dtype names (a Uint8Array or Float16Array is none of them: copy it with tensor()).
   */
  constructor(data: TypedArray, shape: Shape = [data.length]) {
    if (!(data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array)) {
      throw new Error(`Tensor: expected the data to be a Float32Array, Float64Array or Int32Array (float32, float64, int32), got ${describe(data)}`)
    }
    if (!Array.isArray(shape)) throw new Error(`Tensor: a shape must be an array of non-negative integers; got ${describe(shape)}`)
    for (const d of shape) if (!(Number.isInteger(d) && d >= 0)) throw new Error(`Tensor: a shape must be an array of non-negative integers; got ${describe(shape)}`)
    if (sizeOf(shape) !== data.length) {
      throw new Error(`Tensor: data has ${data.length} elements but shape ${formatShape(shape)} needs ${sizeOf(shape)}`)
    }
    this.data = data
    this.shape = Object.freeze(shape.slice())
  }

  /** A tensor of `shape` whose elements are all zero. */
  static zeros(shape: Shape, dtype: DType): Tensor {
    return new Tensor(allocate(dtype, sizeOf(shape)), shape)
  }

  get dtype(): DType {
    return dtypeOfArray(this.data)
  }

  get size(): number {
    return this.data.length
  }

  get ndim(): number {
    return this.shape.length
  }

  get requiresGrad(): boolean {
    return this.requiresGradFlag
  }

  set requiresGrad(value: boolean) {
    if (value && !isFloat(this.dtype)) throw new Error(`requiresGrad: only float tensors can require gradients; this one is ${this.dtype}`)
    if (this.node !== null && !value) throw new Error(`requiresGrad: the result of ${this.node.name} is not a leaf; use detach() to get a tensor without gradient`)
    this.requiresGradFlag = value
  }

  /** The op that produced this tensor, or null for a leaf. */
  get gradFn(): GradNode | null {
    return this.node
  }

  get isLeaf(): boolean {
    return this.node === null
  }

  /** @internal Called by the tape when an op records this tensor as its result. */
  attachGradFn(node: GradNode): void {
    this.node = node
    this.requiresGradFlag = true
  }

  /** @internal Adds `g` into `.grad` (in place once it exists), as PyTorch accumulates. */
  accumulateGrad(g: Tensor): void {
    if (this.grad === null) {
      this.grad = new Tensor(g.data.slice(), this.shape)
      return
    }
    const target = this.grad.data
    for (let i = 0; i < target.length; i++) target[i] += g.data[i]
  }

  /**
   * Accumulates the gradient of this tensor with respect to every leaf that requires grad.
   * A non-scalar tensor needs `gradient`, the upstream gradient of the same shape. With
   * `{ createGraph: true }` backward records its own graph, so each `.grad` can be differentiated again
   * (a gradient penalty); `retainGraph` is accepted for PyTorch's sake: a graph is never freed here.
   */
  backward(gradient?: Tensor | BackwardOptions, options?: BackwardOptions): void {
    // backward({ createGraph }) as well as backward(gradient, { createGraph })
    if (typeof gradient === 'object' && !(gradient instanceof Tensor) && !Array.isArray(gradient) && options === undefined) {
      options = gradient
      gradient = undefined
    }
    const { createGraph } = checkBackwardOptions('backward', options)
    if (!this.requiresGrad) throw new Error('backward: this tensor does not require grad and has no grad_fn; set requiresGrad on the inputs first')
    if (gradient === undefined) {
      if (this.size !== 1) {
        throw new Error(`backward: a gradient can be created implicitly only for a scalar; this tensor has shape ${formatShape(this.shape)}, so pass backward(gradient)`)
      }
      gradient = Tensor.zeros(this.shape, this.dtype)
      gradient.data[0] = 1
    } else if (!(gradient instanceof Tensor) || !shapesEqual(gradient.shape, this.shape)) {
      const got = gradient instanceof Tensor ? `shape ${formatShape(gradient.shape)}` : String(gradient)
      throw new Error(`backward: the gradient must be a Tensor of shape ${formatShape(this.shape)}; got ${got}`)
    } else if (gradient.dtype !== this.dtype) {
      gradient = gradient.to(this.dtype)
    }
    runBackward(this, gradient, createGraph)
  }

  /** The single element of a one-element tensor, as a number. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: expected a tensor with one element; this one has shape ${formatShape(this.shape)}`)
    return this.data[0]
  }

  /** The elements as nested arrays (a number for a 0-d tensor). */
  toArray(): NestedArray {
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return this.data[offset]
      const stride = sizeOf(this.shape.slice(dim + 1))
      const out: NestedArray[] = []
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, offset + i * stride))
      return out
    }
    return build(0, 0)
  }

  toString(): string {
    return `Tensor(${this.dtype}, ${formatShape(this.shape)}${this.requiresGrad ? ', requiresGrad' : ''})`
  }

  // Elementwise arithmetic, broadcasting NumPy-style; a number acts as a 0-d tensor.
  add(other: Tensor | number): Tensor { return arithmetic.add(this, other) }
  sub(other: Tensor | number): Tensor { return arithmetic.sub(this, other) }
  /** other − this, as torch.rsub: `z.rsub(1)` is 1 − z. */
  rsub(other: Tensor | number): Tensor { return arithmetic.sub(other, this) }
  mul(other: Tensor | number): Tensor { return arithmetic.mul(this, other) }
  div(other: Tensor | number): Tensor { return arithmetic.div(this, other) }
  pow(exponent: Tensor | number): Tensor { return arithmetic.pow(this, exponent) }
  neg(): Tensor { return unary.neg(this) }

  // Elementwise functions.
  exp(): Tensor { return unary.exp(this) }
  log(): Tensor { return unary.log(this) }
  sqrt(): Tensor { return unary.sqrt(this) }
  tanh(): Tensor { return unary.tanh(this) }
  sigmoid(): Tensor { return unary.sigmoid(this) }
  relu(): Tensor { return unary.relu(this) }
  abs(): Tensor { return unary.abs(this) }
  sign(): Tensor { return unary.sign(this) }
  clamp(min?: number | null, max?: number | null): Tensor { return unary.clamp(this, min, max) }

  matmul(other: Tensor): Tensor { return matmul(this, other) }

  // Reductions: over `dim` (a dim or several), or over everything when it is absent.
  sum(dim?: number | readonly number[], keepDim = false): Tensor { return reduce.sum(this, dim, keepDim) }
  mean(dim?: number | readonly number[], keepDim = false): Tensor { return reduce.mean(this, dim, keepDim) }
  max(dim?: number, keepDim = false): Tensor { return reduce.max(this, dim, keepDim) }
  /** The int32 index of the first maximum along `dim` (of the flattened tensor when absent); not differentiable. */
  argmax(dim?: number, keepDim = false): Tensor { return reduce.argmax(this, dim, keepDim) }
  softmax(dim = -1): Tensor { return softmax(this, dim) }
  logSoftmax(dim = -1): Tensor { return logSoftmax(this, dim) }

  // Shape and layout.
  /** New shape, as an array or as arguments; one dim may be -1. */
  reshape(shape: readonly number[] | number, ...more: number[]): Tensor { return layout.reshape(this, typeof shape === 'number' ? [shape, ...more] : shape) }
  transpose(dim0 = -2, dim1 = -1): Tensor { return layout.transpose(this, dim0, dim1) }
  slice(dim: number, start: number, end?: number): Tensor { return layout.slice(this, dim, start, end) }
  split(sizeOrSections: number | readonly number[], dim = 0): Tensor[] { return layout.split(this, sizeOrSections, dim) }
  cat(others: Tensor | readonly Tensor[], dim = 0): Tensor { return layout.cat([this, ...(others instanceof Tensor ? [others] : others)], dim) }
  concat(others: Tensor | readonly Tensor[], dim = 0): Tensor { return this.cat(others, dim) }
  expand(shape: readonly number[]): Tensor { return layout.expand(this, shape) }
  unsqueeze(dim: number): Tensor { return layout.unsqueeze(this, dim) }
  squeeze(dim?: number): Tensor { return layout.squeeze(this, dim) }

  // Copies and casts.
  detach(): Tensor { return new Tensor(this.data, this.shape) }
  clone(): Tensor { return cast.clone(this) }
  to(dtype: DType): Tensor { return cast.to(this, dtype) }
}
