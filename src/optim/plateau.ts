// ReduceLROnPlateau, as torch.optim.lr_scheduler.ReduceLROnPlateau: multiply the lr by `factor` once the
// metric has not improved for more than `patience` steps, then wait `cooldown` steps before counting
// again. "Improved" means better than the best so far by the threshold (relative or absolute).
import { Tensor } from '../tensor/tensor.js'
import { describe, checkOneOf, decodeNumber, describeNonRecord, encodeNumber, inRange, integerAtLeast, isPlainRecord, nonNegative, safeIntegerAtLeast, withDefaults } from '../validation/checks.js'
import type { Optimizer } from './optimizer.js'
import { checkOptimizer, type ScheduleStateDict } from './schedules.js'

export interface ReduceLROnPlateauOptions {
  mode?: 'min' | 'max'
  factor?: number
  patience?: number
  threshold?: number
  thresholdMode?: 'rel' | 'abs'
  cooldown?: number
  minLr?: number
  eps?: number
}

type PlateauConfig = Required<ReduceLROnPlateauOptions>

/** A ReduceLROnPlateau state checked by checkStateDict, ready for applyStateDict to assign. */
export interface CheckedPlateauState {
  readonly schedule: ReduceLROnPlateau
  readonly options: PlateauConfig
  readonly best: number
  readonly numBadEpochs: number
  readonly cooldownCounter: number
  readonly lastEpoch: number
  readonly lastLr: number
}

function parsePlateau(where: string, opts: unknown): PlateauConfig {
  const o = withDefaults(where, opts, { mode: 'min', factor: 0.1, patience: 10, threshold: 1e-4, thresholdMode: 'rel', cooldown: 0, minLr: 0, eps: 1e-8 } as PlateauConfig)
  return {
    mode: checkOneOf(where, 'mode', o.mode, ['min', 'max']),
    factor: inRange(where, 'factor', o.factor, 0, 1),
    patience: integerAtLeast(where, 'patience', o.patience, 0),
    threshold: nonNegative(where, 'threshold', o.threshold),
    thresholdMode: checkOneOf(where, 'thresholdMode', o.thresholdMode, ['rel', 'abs']),
    cooldown: integerAtLeast(where, 'cooldown', o.cooldown, 0),
    minLr: nonNegative(where, 'minLr', o.minLr),
    eps: nonNegative(where, 'eps', o.eps),
  }
}

export class ReduceLROnPlateau {
  readonly optimizer: Optimizer
  private options: PlateauConfig
  private best: number
  private numBadEpochs = 0
  private cooldownCounter = 0
  private lastEpoch = 0
  private lastLr: number

  constructor(optimizer: Optimizer, opts: ReduceLROnPlateauOptions = {}) {
    this.optimizer = checkOptimizer('ReduceLROnPlateau', optimizer)
    this.options = parsePlateau('ReduceLROnPlateau', opts)
    this.best = this.options.mode === 'min' ? Infinity : -Infinity
    this.lastLr = optimizer.lr
  }

  /**
   * Takes the epoch's metric (a number or a one-element tensor) and lowers the lr if it has plateaued.
   * The metric is required; the signature only lets this stand wherever a schedule's step() does.
   */
  step(metric?: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : metric
    if (typeof current !== 'number') throw new Error(`ReduceLROnPlateau.step: metric must be a number or a one-element Tensor, got ${describe(metric)}`)
    this.lastEpoch += 1
    if (this.isBetter(current)) {
      this.best = current
      this.numBadEpochs = 0
    } else {
      this.numBadEpochs += 1
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1
      this.numBadEpochs = 0 // bad epochs during the cooldown do not count
    }
    if (this.numBadEpochs > this.options.patience) {
      const oldLr = this.optimizer.lr
      const newLr = Math.max(oldLr * this.options.factor, this.options.minLr)
      if (oldLr - newLr > this.options.eps) this.optimizer.lr = newLr // smaller changes are ignored
      this.cooldownCounter = this.options.cooldown
      this.numBadEpochs = 0
    }
    this.lastLr = this.optimizer.lr
  }

  getLastLr(): number {
    return this.lastLr
  }

  /** Plain JSON: `best` is a string ('Infinity' / '-Infinity') until a metric has been seen. */
  stateDict(): ScheduleStateDict {
    const { best, numBadEpochs, cooldownCounter, lastEpoch, lastLr } = this
    return { type: 'ReduceLROnPlateau', ...this.options, best: encodeNumber(best), numBadEpochs, cooldownCounter, lastEpoch, lastLr }
  }

  /** Restores options and position; nothing changes unless all of `state` is sound. */
  loadStateDict(state: Record<string, unknown>): void {
    this.applyStateDict(this.checkStateDict(state))
  }

  /** loadStateDict's first half: checks `state` and returns what to assign, without changing the schedule. */
  checkStateDict(state: Record<string, unknown>): CheckedPlateauState {
    const where = 'ReduceLROnPlateau.loadStateDict'
    if (!isPlainRecord(state)) throw new Error(`${where}: expected a plain object, got ${describeNonRecord(state)}`)
    const { type, best, numBadEpochs, cooldownCounter, lastEpoch, lastLr, ...opts } = state
    if (type !== 'ReduceLROnPlateau') throw new Error(`${where}: the state is for ${describe(type)}, not ReduceLROnPlateau`)
    return {
      schedule: this,
      options: parsePlateau(where, opts),
      best: decodeNumber(where, 'best', best),
      numBadEpochs: safeIntegerAtLeast(where, 'numBadEpochs', numBadEpochs, 0),
      cooldownCounter: safeIntegerAtLeast(where, 'cooldownCounter', cooldownCounter, 0),
      lastEpoch: safeIntegerAtLeast(where, 'lastEpoch', lastEpoch, 0),
      lastLr: nonNegative(where, 'lastLr', lastLr),
    }
  }

  /** loadStateDict's second half: assigns what checkStateDict returned. */
  applyStateDict(checked: CheckedPlateauState): void {
    if (checked.schedule !== this) throw new Error('ReduceLROnPlateau.applyStateDict: this state was checked against another schedule')
    this.options = checked.options
    this.best = checked.best
    this.numBadEpochs = checked.numBadEpochs
    this.cooldownCounter = checked.cooldownCounter
    this.lastEpoch = checked.lastEpoch
    this.lastLr = checked.lastLr
  }

  /** PyTorch's test, quirks included (in 'rel' mode a negative best scales toward zero). */
  private isBetter(a: number): boolean {
    const { mode, threshold, thresholdMode } = this.options
    if (mode === 'min') return thresholdMode === 'rel' ? a < this.best * (1 - threshold) : a < this.best - threshold
    return thresholdMode === 'rel' ? a > this.best * (threshold + 1) : a > this.best + threshold
  }
}
