// Module: the base of every layer. It owns named parameters and child modules, and gives them out
// under PyTorch's state-dict names (children joined with '.'), so weights move to and from PyTorch.
import { allocate, checkDType, type FloatDType, type TypedArray } from '../tensor/dtype.js'
import { defaultGenerator } from '../tensor/random.js'
import { formatShape, shapesEqual } from '../tensor/shape.js'
import { Tensor } from '../tensor/tensor.js'
import { checkBoolean, checkOptionKeys, describeElement, describeNonRecord, firstNonFinite, isPlainRecord } from '../validation/checks.js'

export interface LoadStateDictOptions {
  /** Require exactly the module's keys (true, the default) or load only the keys both share. */
  strict?: boolean
  /**
   * Load NaN and ±Infinity too (false by default: a non-finite value, or a float64 value too large for a
   * float32 parameter, is an error naming the key and its first such element).
   */
  allowNonFinite?: boolean
}

/** A state dict checked against a module by checkStateDict: every value converted, ready to copy in. */
export interface CheckedStateDict {
  readonly module: Module
  /** Each parameter to write, with its new values already in its dtype. */
  readonly writes: readonly (readonly [Tensor, TypedArray])[]
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
    return Object.fromEntries(this.parameterMap()) // fromEntries: any name, even "__proto__", stays an own key
  }

  /** The same, as a Map: names are data, never looked up on an object. */
  private parameterMap(): Map<string, Tensor> {
    const out = new Map(this.ownParameters)
    for (const [prefix, child] of this.children) {
      for (const [name, p] of child.parameterMap()) out.set(`${prefix}.${name}`, p)
    }
    return out
  }

  parameters(): Tensor[] {
    return Array.from(this.parameterMap().values())
  }

  /** The parameters' values, detached (sharing data, as PyTorch's state_dict does). */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(Array.from(this.parameterMap(), ([name, p]) => [name, p.detach()]))
  }

  /**
   * Copies values into the parameters, converting dtype if needed. With `strict` (the default) the keys
   * must match exactly; any missing, unexpected or mis-shaped key, and any non-finite value, is an error
   * that names it, and nothing is written unless every key is sound.
   */
  loadStateDict(dict: Record<string, Tensor>, options: LoadStateDictOptions = {}): void {
    this.applyStateDict(this.checkStateDict(dict, options))
  }

  /**
   * loadStateDict's first half: checks `dict` as loadStateDict would and returns the values to write, converted
   * to each parameter's dtype, without changing the module. `applyStateDict` writes them.
   */
  checkStateDict(dict: Record<string, Tensor>, options: LoadStateDictOptions = {}): CheckedStateDict {
    const where = 'loadStateDict'
    checkOptionKeys(where, options, ['strict', 'allowNonFinite'])
    const strict = checkBoolean(where, 'strict', options.strict ?? true)
    const allowNonFinite = checkBoolean(where, 'allowNonFinite', options.allowNonFinite ?? false)
    if (!isPlainRecord(dict)) throw new Error(`${where}: expected a plain object mapping names to Tensors, got ${describeNonRecord(dict)}`)
    const params = this.parameterMap()
    const given = Object.entries(dict)
    const problems: string[] = []
    const missing = Array.from(params.keys()).filter((k) => !Object.hasOwn(dict, k))
    const unexpected = given.map(([k]) => k).filter((k) => !params.has(k))
    if (strict && missing.length > 0) problems.push(`missing keys: ${missing.join(', ')}`)
    if (strict && unexpected.length > 0) problems.push(`unexpected keys: ${unexpected.join(', ')}`)
    const writes: [Tensor, TypedArray][] = []
    for (const [key, value] of given) {
      const param = params.get(key)
      if (param === undefined) continue
      if (!(value instanceof Tensor)) problems.push(`${key}: expected a Tensor, got ${describeNonRecord(value)}`)
      else if (!shapesEqual(value.shape, param.shape)) {
        problems.push(`${key}: the file has shape ${formatShape(value.shape)} but the module expects ${formatShape(param.shape)}`)
      } else if (value.dtype === 'int32') problems.push(`${key}: expected a float tensor, got int32`)
      else {
        const values = allocate(param.dtype, param.size)
        values.set(value.data)
        const problem = allowNonFinite ? null : nonFiniteProblem(key, value.data, values, value.shape)
        if (problem !== null) problems.push(problem)
        writes.push([param, values])
      }
    }
    if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')}`)
    return { module: this, writes }
  }

  /** loadStateDict's second half: copies the values checkStateDict returned into the parameters. */
  applyStateDict(checked: CheckedStateDict): void {
    if (checked.module !== this) throw new Error('applyStateDict: these values were checked against another module')
    for (const [param, values] of checked.writes) param.data.set(values)
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

/** The first value of a tensor being loaded that is not finite, or that `converted` (its parameter's dtype) cannot hold; null if none. */
function nonFiniteProblem(key: string, source: ArrayLike<number>, converted: ArrayLike<number>, shape: readonly number[]): string | null {
  const hint = '; pass { allowNonFinite: true } to load non-finite values'
  let i = firstNonFinite(source)
  if (i >= 0) return `${key}: ${describeElement(i, shape)} is ${source[i]}${hint}`
  i = firstNonFinite(converted)
  if (i >= 0) return `${key}: ${describeElement(i, shape)} is ${source[i]}, too large for float32${hint}`
  return null
}

/** A new parameter tensor drawn from U(−bound, bound) by the seeded generator, as PyTorch initialises. */
export function uniformParameter(shape: readonly number[], bound: number, dtype: FloatDType): Tensor {
  const t = Tensor.zeros(shape, checkDType('init', dtype))
  defaultGenerator.fillUniform(t.data as Float32Array | Float64Array, -bound, bound)
  return t
}
