// Optimizer: what SGD, Adam, AdamW and RMSprop share — the parameter list and its checks, the state of
// each parameter (typed arrays of the parameter's dtype, allocated on that parameter's first step, as
// PyTorch allocates lazily), step(), zeroGrad(), and the state dict. Subclasses give the hyperparameters
// (parsed by one function, for the constructor and for loadStateDict alike) and the update of one tensor.
import { allocate, isFloat } from '../tensor/dtype.js'
import { formatShape, shapesEqual } from '../tensor/shape.js'
import { Tensor } from '../tensor/tensor.js'
import { checkBoolean, checkFiniteValues, checkOptionKeys, describe, describeNonRecord, isPlainRecord, nonNegative, safeIntegerAtLeast } from '../validation/checks.js'
import { checkParams } from './option-checks.js'

export type FloatArray = Float32Array | Float64Array
export type ConfigValue = number | boolean | number[] | string

/**
 * `tensors`: the state buffers as `state.<paramIndex>.<name>` (e.g. `state.0.exp_avg`), copies.
 * `config`: `type` (the optimizer's class name), the hyperparameters and, for optimizers that count
 * steps, `state.<paramIndex>.step`; JSON-serialisable.
 */
export interface OptimizerStateDict {
  tensors: Record<string, Tensor>
  config: Record<string, ConfigValue>
}

/** One parameter's state: its step count and named buffers shaped like it. */
export interface ParamState {
  step: number
  buffers: Record<string, FloatArray>
}

/** An optimizer state dict checked by checkStateDict: everything applyStateDict assigns, already parsed and copied. */
export interface CheckedOptimizerState<H extends Hyperparameters = Hyperparameters> {
  readonly optimizer: Optimizer<H>
  readonly options: H
  readonly initialLr: number | undefined
  readonly state: readonly (ParamState | null)[]
}

export interface OptimizerLoadOptions {
  /** Load NaN and ±Infinity in the state tensors too (refused by default, naming the key and element). */
  allowNonFinite?: boolean
}

export type Hyperparameters = { lr: number } & Record<string, ConfigValue>
export type ParseOptions<H> = (where: string, opts: unknown) => H

const STATE_KEY = /^state\.(\d+)\.([A-Za-z_]\w*)$/

export abstract class Optimizer<H extends Hyperparameters = Hyperparameters> {
  readonly params: readonly Tensor[]
  protected options: H
  /**
   * The lr when the first schedule was attached (PyTorch's initial_lr): later schedules take it as their
   * base lr, as PyTorch's do. Kept in the state dict once set.
   */
  initialLr: number | undefined = undefined
  /** Per parameter: null until the parameter's first step with a gradient. */
  protected readonly state: (ParamState | null)[]

  protected constructor(
    protected readonly where: string,
    params: Iterable<Tensor>,
    opts: unknown,
    private readonly parse: ParseOptions<H>,
    /** Whether the config carries per-parameter step counts (PyTorch keeps them for Adam and RMSprop). */
    private readonly countsSteps: boolean,
  ) {
    this.params = checkParams(where, params)
    this.options = parse(where, opts)
    this.state = this.params.map(() => null)
  }

  /** The learning rate; schedules set it between steps. */
  get lr(): number {
    return this.options.lr
  }

  set lr(value: number) {
    this.options.lr = nonNegative(this.where, 'lr', value)
  }

  /** Updates every parameter that has a gradient; parameters whose grad is null are left alone. */
  step(): void {
    this.params.forEach((p, i) => {
      if (p.grad === null) return
      if (!shapesEqual(p.grad.shape, p.shape)) throw new Error(`${this.where}.step: params[${i}] has shape ${formatShape(p.shape)} but its grad has shape ${formatShape(p.grad.shape)}`)
      const state = (this.state[i] ??= { step: 0, buffers: {} })
      state.step += 1
      this.update(p.data as FloatArray, p.grad.data as FloatArray, state)
    })
  }

  /** Sets every parameter's gradient to null. */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null
  }

  /** A snapshot: hyperparameters, step counts and copies of the state buffers. */
  stateDict(): OptimizerStateDict {
    const config: Record<string, ConfigValue> = { type: this.where }
    for (const [key, value] of Object.entries(this.options)) config[key] = Array.isArray(value) ? value.slice() : value
    if (this.initialLr !== undefined) config.initialLr = this.initialLr
    const tensors: Record<string, Tensor> = {}
    this.state.forEach((state, i) => {
      if (state === null) return
      if (this.countsSteps) config[`state.${i}.step`] = state.step
      for (const [name, buffer] of Object.entries(state.buffers)) tensors[`state.${i}.${name}`] = new Tensor(buffer.slice(), this.params[i].shape)
    })
    return { tensors, config }
  }

  /**
   * Restores hyperparameters (as PyTorch's load_state_dict restores param_groups) and state, copying
   * values so a resumed run continues bit for bit. Everything is checked before anything is written.
   */
  loadStateDict(dict: { tensors: Record<string, Tensor>; config: Record<string, unknown> }, loadOptions: OptimizerLoadOptions = {}): void {
    this.applyStateDict(this.checkStateDict(dict, loadOptions))
  }

  /** loadStateDict's first half: checks `dict` and returns what to assign, copied, without changing the optimizer. */
  checkStateDict(dict: { tensors: Record<string, Tensor>; config: Record<string, unknown> }, loadOptions: OptimizerLoadOptions = {}): CheckedOptimizerState<H> {
    const where = `${this.where}.loadStateDict`
    checkOptionKeys(where, loadOptions, ['allowNonFinite'])
    const allowNonFinite = checkBoolean(where, 'allowNonFinite', loadOptions.allowNonFinite ?? false)
    if (!isPlainRecord(dict)) throw new Error(`${where}: expected { tensors, config }, got ${describeNonRecord(dict)}`)
    const { tensors, config } = dict
    if (!isPlainRecord(tensors)) throw new Error(`${where}: expected { tensors, config } with tensors a plain object of Tensors, got tensors ${describeNonRecord(tensors)}`)
    if (!isPlainRecord(config)) throw new Error(`${where}: expected { tensors, config } with config a plain object, got config ${describeNonRecord(config)}`)
    const type = Object.hasOwn(config, 'type') ? config.type : undefined
    if (type !== this.where) throw new Error(`${where}: the state dict is for optimizer ${describe(type)}, not ${this.where}`)
    const hyper: Record<string, unknown> = Object.create(null)
    let initialLr: number | undefined
    const steps = new Map<number, number>()
    const index = (key: string, match: RegExpExecArray | null): number => {
      const i = match === null ? -1 : Number(match[1])
      if (!(i >= 0 && i < this.params.length)) throw new Error(`${where}: unexpected key '${key}'; expected state.<i>.<name> with i < ${this.params.length}`)
      return i
    }
    for (const [key, value] of Object.entries(config)) {
      if (key === 'type') continue
      if (key === 'initialLr') initialLr = value === undefined ? undefined : nonNegative(where, 'initialLr', value)
      else if (!key.startsWith('state.')) hyper[key] = value
      else {
        const match = STATE_KEY.exec(key)
        if (match === null || match[2] !== 'step' || !this.countsSteps) throw new Error(`${where}: unexpected config key '${key}'`)
        steps.set(index(key, match), safeIntegerAtLeast(where, key, value, 1))
      }
    }
    const missing = Object.keys(this.options).filter((key) => !Object.hasOwn(hyper, key))
    if (missing.length > 0) throw new Error(`${where}: config is missing ${missing.join(', ')}`)
    const options = this.parse(where, { ...hyper })

    const buffers = new Map<number, Map<string, FloatArray>>()
    for (const [key, value] of Object.entries(tensors)) {
      const match = STATE_KEY.exec(key)
      const i = index(key, match)
      const p = this.params[i]
      if (!(value instanceof Tensor) || !isFloat(value.dtype)) throw new Error(`${where}: ${key} must be a float Tensor, got ${describe(value)}`)
      if (!shapesEqual(value.shape, p.shape)) throw new Error(`${where}: ${key} has shape ${formatShape(value.shape)} but params[${i}] has shape ${formatShape(p.shape)}`)
      const copy = allocate(p.dtype, p.size) as FloatArray
      copy.set(value.data)
      if (!allowNonFinite) {
        checkFiniteValues(where, key, value.data, value.shape, '; pass { allowNonFinite: true } to load non-finite values')
        checkFiniteValues(where, key, copy, value.shape, ` after conversion to ${p.dtype}; pass { allowNonFinite: true } to load non-finite values`)
      }
      this.checkStateValues(where, key, (match as RegExpExecArray)[2], copy, value.shape)
      const own = buffers.get(i) ?? new Map<string, FloatArray>()
      own.set((match as RegExpExecArray)[2], copy)
      buffers.set(i, own)
    }
    const expected = this.stateNames(options)
    const state = this.params.map((_, i): ParamState | null => {
      if (!steps.has(i) && !buffers.has(i)) return null
      if (this.countsSteps && !steps.has(i)) throw new Error(`${where}: params[${i}] has state tensors but config has no state.${i}.step`)
      const own = buffers.get(i) ?? new Map<string, FloatArray>()
      const lacking = expected.filter((name) => !own.has(name))
      const extra = Array.from(own.keys()).filter((name) => !expected.includes(name))
      if (lacking.length > 0) throw new Error(`${where}: missing state.${i}.${lacking[0]} (${this.where} with these options keeps ${expected.join(', ')})`)
      if (extra.length > 0) throw new Error(`${where}: unexpected state.${i}.${extra[0]} (${this.where} with these options keeps ${expected.join(', ') || 'no tensors'})`)
      // Only the expected names remain, so the record's keys are the optimizer's own.
      return { step: steps.get(i) ?? 0, buffers: Object.fromEntries(own) }
    })
    return { optimizer: this, options, initialLr, state }
  }

  /** loadStateDict's second half: assigns what checkStateDict returned. */
  applyStateDict(checked: CheckedOptimizerState<H>): void {
    if (checked.optimizer !== this) throw new Error(`${this.where}.applyStateDict: this state was checked against another optimizer`)
    this.options = checked.options
    this.initialLr = checked.initialLr
    checked.state.forEach((s, i) => (this.state[i] = s === null ? null : { step: s.step, buffers: { ...s.buffers } }))
  }

  /** The buffer `name` of a parameter's state, zero-filled on first use, of the parameter's dtype. */
  protected buffer(state: ParamState, name: string, like: FloatArray): FloatArray {
    return (state.buffers[name] ??= like instanceof Float64Array ? new Float64Array(like.length) : new Float32Array(like.length))
  }

  /**
   * checkStateDict's check of one state buffer's values, as the parameter's dtype holds them, for what
   * this optimizer's update cannot have produced (a negative second moment); allowNonFinite does not
   * reach it. Nothing by default.
   */
  protected checkStateValues(_where: string, _key: string, _name: string, _values: FloatArray, _shape: readonly number[]): void {}

  /** Applies one update to a parameter in place; `state.step` already counts this step. */
  protected abstract update(param: FloatArray, grad: FloatArray, state: ParamState): void

  /** The buffers a parameter with state holds under these hyperparameters (for loadStateDict's checks). */
  protected abstract stateNames(options: H): readonly string[]
}
