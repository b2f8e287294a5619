// Learning-rate schedules, as torch.optim.lr_scheduler, for an optimizer's single lr. Construction is
// epoch 0 and sets the optimizer's lr; each step() advances one epoch and sets it again. The updates use
// PyTorch's recursive ("chainable") forms, the ones its step() uses, so they compose with outside
// changes to the lr exactly as PyTorch's do.
import { describe, describeNonRecord, integerAtLeast, isPlainRecord, nonNegative, safeIntegerAtLeast, withDefaults } from '../validation/checks.js'
import { Optimizer } from './optimizer.js'

/** A schedule's state: its type, options and position; plain JSON. */
export type ScheduleStateDict = Record<string, number | string | boolean>

type ScheduleOptions = Record<string, number>

/** A schedule's state checked by checkStateDict, ready for applyStateDict to assign. */
export interface CheckedScheduleState<O extends ScheduleOptions = ScheduleOptions> {
  readonly schedule: LRScheduler<O>
  readonly options: O
  readonly baseLr: number
  readonly lastEpoch: number
  readonly lastLr: number
}

export abstract class LRScheduler<O extends ScheduleOptions = ScheduleOptions> {
  readonly optimizer: Optimizer
  protected options: O
  /** The optimizer's initialLr, which the first schedule sets to the lr it found (PyTorch's base_lrs[0]). */
  protected baseLr: number
  /** The epoch: 0 after construction, +1 per step(). */
  protected lastEpoch = -1
  private lastLr: number

  protected constructor(
    protected readonly where: string,
    optimizer: Optimizer,
    opts: unknown,
    private readonly parse: (where: string, opts: unknown) => O,
  ) {
    this.optimizer = checkOptimizer(where, optimizer)
    this.options = parse(where, opts)
    this.baseLr = optimizer.initialLr ??= optimizer.lr
    this.lastLr = optimizer.lr
    this.step()
  }

  /** Advances one epoch and sets the optimizer's lr. */
  step(): void {
    this.lastEpoch += 1
    this.optimizer.lr = this.lastLr = this.nextLr(this.optimizer.lr)
  }

  /** The lr the last step() (or the construction) set. */
  getLastLr(): number {
    return this.lastLr
  }

  stateDict(): ScheduleStateDict {
    return { type: this.where, ...this.options, baseLr: this.baseLr, lastEpoch: this.lastEpoch, lastLr: this.lastLr }
  }

  /** Restores options and position. The optimizer's own state dict restores its lr. Nothing changes unless all of `state` is sound. */
  loadStateDict(state: Record<string, unknown>): void {
    this.applyStateDict(this.checkStateDict(state))
  }

  /** loadStateDict's first half: checks `state` and returns what to assign, without changing the schedule. */
  checkStateDict(state: Record<string, unknown>): CheckedScheduleState<O> {
    const where = `${this.where}.loadStateDict`
    if (!isPlainRecord(state)) throw new Error(`${where}: expected a plain object, got ${describeNonRecord(state)}`)
    const { type, baseLr, lastEpoch, lastLr, ...opts } = state
    if (type !== this.where) throw new Error(`${where}: the state is for ${describe(type)}, not ${this.where}`)
    return {
      schedule: this,
      options: this.parse(where, opts),
      baseLr: nonNegative(where, 'baseLr', baseLr),
      lastLr: nonNegative(where, 'lastLr', lastLr),
      lastEpoch: safeIntegerAtLeast(where, 'lastEpoch', lastEpoch, 0),
    }
  }

  /** loadStateDict's second half: assigns what checkStateDict returned. */
  applyStateDict(checked: CheckedScheduleState<O>): void {
    if (checked.schedule !== this) throw new Error(`${this.where}.applyStateDict: this state was checked against another schedule`)
    this.options = checked.options
    this.baseLr = checked.baseLr
    this.lastEpoch = checked.lastEpoch
    this.lastLr = checked.lastLr
  }

  /** The lr for epoch `this.lastEpoch`, given the optimizer's current lr. */
  protected abstract nextLr(lr: number): number
}

export function checkOptimizer(where: string, optimizer: unknown): Optimizer {
  if (!(optimizer instanceof Optimizer)) throw new Error(`${where}: expected an optimizer (SGD, Adam, AdamW, RMSprop), got ${describe(optimizer)}`)
  return optimizer
}

export type StepLROptions = { stepSize: number; gamma?: number }

/** lr × gamma every stepSize epochs. */
export class StepLR extends LRScheduler<Required<StepLROptions>> {
  constructor(optimizer: Optimizer, opts: StepLROptions) {
    super('StepLR', optimizer, opts, (where, o) => {
      const { stepSize, gamma } = withDefaults(where, o, { stepSize: undefined as unknown as number, gamma: 0.1 })
      return { stepSize: integerAtLeast(where, 'stepSize', stepSize, 1), gamma: nonNegative(where, 'gamma', gamma) }
    })
  }

  protected nextLr(lr: number): number {
    const { stepSize, gamma } = this.options
    return this.lastEpoch === 0 || this.lastEpoch % stepSize !== 0 ? lr : lr * gamma
  }
}

export type ExponentialLROptions = { gamma: number }

/** lr × gamma every epoch. */
export class ExponentialLR extends LRScheduler<ExponentialLROptions> {
  constructor(optimizer: Optimizer, opts: ExponentialLROptions) {
    super('ExponentialLR', optimizer, opts, (where, o) => {
      const { gamma } = withDefaults(where, o, { gamma: undefined as unknown as number })
      return { gamma: nonNegative(where, 'gamma', gamma) }
    })
  }

  protected nextLr(lr: number): number {
    return this.lastEpoch === 0 ? lr : lr * this.options.gamma
  }
}

export type CosineAnnealingLROptions = { tMax: number; etaMin?: number }

/**
 * η_t = η_min + (η_max − η_min)(1 + cos(π t / tMax)) / 2, in PyTorch's recursive form; past tMax the
 * cosine goes on (back up to η_max at 2·tMax), as PyTorch's does. η_max is the lr at construction.
 */
export class CosineAnnealingLR extends LRScheduler<Required<CosineAnnealingLROptions>> {
  constructor(optimizer: Optimizer, opts: CosineAnnealingLROptions) {
    super('CosineAnnealingLR', optimizer, opts, (where, o) => {
      const { tMax, etaMin } = withDefaults(where, o, { tMax: undefined as unknown as number, etaMin: 0 })
      return { tMax: integerAtLeast(where, 'tMax', tMax, 1), etaMin: nonNegative(where, 'etaMin', etaMin) }
    })
  }

  protected nextLr(lr: number): number {
    const { tMax, etaMin } = this.options
    const t = this.lastEpoch
    if (t === 0) return lr
    // Where the recursion would divide by 1 + cos(π) = 0, PyTorch adds the first step of the way back up.
    if ((t - 1 - tMax) % (2 * tMax) === 0) return lr + ((this.baseLr - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2
    return ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (lr - etaMin) + etaMin
  }
}

export type LinearLROptions = { startFactor?: number; endFactor?: number; totalIters?: number }

/** The linear warm-up: the factor on the lr goes from startFactor to endFactor over totalIters epochs. */
export class LinearLR extends LRScheduler<Required<LinearLROptions>> {
  constructor(optimizer: Optimizer, opts: LinearLROptions = {}) {
    super('LinearLR', optimizer, opts, (where, o) => {
      const { startFactor, endFactor, totalIters } = withDefaults(where, o, { startFactor: 1 / 3, endFactor: 1, totalIters: 5 })
      // startFactor 0 would divide by zero in the recursive form (later PyTorch versions reject it too).
      if (typeof startFactor !== 'number' || !(startFactor > 0 && startFactor <= 1)) throw new Error(`${where}: startFactor must be a number in (0, 1], got ${describe(startFactor)}`)
      if (typeof endFactor !== 'number' || !(endFactor >= 0 && endFactor <= 1)) throw new Error(`${where}: endFactor must be a number in [0, 1], got ${describe(endFactor)}`)
      return { startFactor, endFactor, totalIters: integerAtLeast(where, 'totalIters', totalIters, 1) }
    })
  }

  protected nextLr(lr: number): number {
    const { startFactor, endFactor, totalIters } = this.options
    const t = this.lastEpoch
    if (t === 0) return lr * startFactor
    if (t > totalIters) return lr
    return lr * (1 + (endFactor - startFactor) / (totalIters * startFactor + (t - 1) * (endFactor - startFactor)))
  }
}
