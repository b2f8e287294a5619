// Module: the base of every layer. It owns named parameters and child modules, and gives them out
// under PyTorch's state-dict names (children joined with '.'), so weights move to and from PyTorch.
import { checkDType, type FloatDType } from '../tensor/dtype.js'
import { defaultGenerator } from '../tensor/random.js'
import { formatShape, shapesEqual } from '../tensor/shape.js'
import { Tensor } from '../tensor/tensor.js'
import { describe } from '../validation/checks.js'

export interface LoadStateDictOptions {
  /** Require exactly the module's keys (true, the default) or load only the keys both share. */
  strict?: boolean
}

export class Module {
  /** Dropout and similar layers act only in training mode. */
  training = true
  private readonly ownParameters = new Map<string, Tensor>()
  private readonly children = new Map<string, Module>()

  /** Registers `tensor` as a parameter (a leaf that requires grad) under `name`, and returns it. */
  protected registerParameter(name: string, tensor: Tensor): Tensor {
    tensor.requiresGrad = true
    this.ownParameters.set(name, tensor)
    return tensor
  }

  protected registerModule<M extends Module>(name: string, module: M): M {
    this.children.set(name, module)
    return module
  }

  /** Live parameters keyed by their state-dict names. */
  namedParameters(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {}
    for (const [name, p] of this.ownParameters) out[name] = p
    for (const [prefix, child] of this.children) {
      for (const [name, p] of Object.entries(child.namedParameters())) out[`${prefix}.${name}`] = p
    }
    return out
  }

  parameters(): Tensor[] {
    return Object.values(this.namedParameters())
  }

  /** The parameters' values, detached (sharing data, as PyTorch's state_dict does). */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {}
    for (const [name, p] of Object.entries(this.namedParameters())) out[name] = p.detach()
    return out
  }

  /**
   * Copies values into the parameters, converting dtype if needed. With `strict` (the default) the keys
   * must match exactly; any missing, unexpected or mis-shaped key is an error that names it, and
   * nothing is written unless every key is sound.
   */
  loadStateDict(dict: Record<string, Tensor>, { strict = true }: LoadStateDictOptions = {}): void {
    if (dict === null || typeof dict !== 'object') throw new Error(`loadStateDict: expected an object of tensors, got ${describe(dict)}`)
    const params = this.namedParameters()
    const problems: string[] = []
    const missing = Object.keys(params).filter((k) => !(k in dict))
    const unexpected = Object.keys(dict).filter((k) => !(k in params))
    if (strict && missing.length > 0) problems.push(`missing keys: ${missing.join(', ')}`)
    if (strict && unexpected.length > 0) problems.push(`unexpected keys: ${unexpected.join(', ')}`)
    for (const [key, value] of Object.entries(dict)) {
      if (!(key in params)) continue
      if (!(value instanceof Tensor)) problems.push(`${key}: expected a Tensor, got ${describe(value)}`)
      else if (!shapesEqual(value.shape, params[key].shape)) {
        problems.push(`${key}: the file has shape ${formatShape(value.shape)} but the module expects ${formatShape(params[key].shape)}`)
      } else if (value.dtype === 'int32') problems.push(`${key}: expected a float tensor, got int32`)
    }
    if (problems.length > 0) throw new Error(`loadStateDict: ${problems.join('; ')}`)
    for (const [key, value] of Object.entries(dict)) if (key in params) params[key].data.set(value.data)
  }

  train(mode = true): this {
    this.training = mode
    for (const child of this.children.values()) child.train(mode)
    return this
  }

  eval(): this {
    return this.train(false)
  }

  /** Sets every parameter's gradient to null. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null
  }
}

/** A new parameter tensor drawn from U(−bound, bound) by the seeded generator, as PyTorch initialises. */
export function uniformParameter(shape: readonly number[], bound: number, dtype: FloatDType): Tensor {
  const t = Tensor.zeros(shape, checkDType('init', dtype))
  defaultGenerator.fillUniform(t.data as Float32Array | Float64Array, -bound, bound)
  return t
}
