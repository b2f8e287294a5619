// Checkpoints: one safetensors file holding everything a run needs to continue bit for bit — the model's
// weights (under model.<state-dict name>), the optimizer's state, the schedule's, the seeded generator's
// state, the step, and optionally the truncated-BPTT trainer's position and carried hidden state.
// Loading is all-or-nothing: every part of the file is checked against every object first, and only then
// is anything written, so a file that fails to load leaves the model, optimizer, schedule and generator
// exactly as they were.
import { LanguageModel } from '../models/language-model.js'
import { Module } from '../models/module.js'
import type { RecurrentState } from '../models/recurrent.js'
import type { TrainerState } from '../optim/trainer.js'
import { isFloat } from '../tensor/dtype.js'
import { checkGeneratorState, defaultGenerator } from '../tensor/random.js'
import { formatShape, shapesEqual } from '../tensor/shape.js'
import type { Tensor } from '../tensor/tensor.js'
import { checkBoolean, checkFiniteValues, checkOptionKeys, describe, isPlainRecord, safeIntegerAtLeast } from '../validation/checks.js'
import { loadSafetensors, saveSafetensors } from './safetensors.js'

const FORMAT = 'seqgrad-checkpoint-1'
const WHERE = 'loadCheckpoint'
const NON_FINITE_HINT = '; pass { allowNonFinite: true } to load non-finite values'
const TRAINER_FIELDS = ['step', 'window', 'bestValidation', 'evaluationsSinceBest'] as const

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** What loadCheckpoint restores an optimizer through; seqgrad's optimizers also check first and write after (checkStateDict / applyStateDict). */
export interface CheckpointOptimizer {
  stateDict(): { tensors: Record<string, Tensor>; config: Record<string, unknown> }
  loadStateDict(state: { tensors: Record<string, Tensor>; config: Record<string, unknown> }): void
}

export interface CheckpointSchedule {
  stateDict(): Record<string, unknown>
  loadStateDict(state: Record<string, unknown>): void
}

export interface SaveCheckpointOptions {
  model: Module
  optimizer?: CheckpointOptimizer
  schedule?: CheckpointSchedule
  step: number
  trainer?: TrainerState
  /** Anything else to keep, as JSON. */
  extra?: Record<string, JsonValue>
}

export interface LoadCheckpointOptions {
  model: Module
  optimizer?: CheckpointOptimizer
  schedule?: CheckpointSchedule
  /**
   * Load NaN and ±Infinity in the weights, the optimizer's state and the trainer's hidden state. By default
   * such a value is refused, naming the tensor and its first bad element: it usually means the run diverged.
   */
  allowNonFinite?: boolean
}

export interface LoadedCheckpoint {
  step: number
  trainer?: TrainerState
  extra: Record<string, JsonValue>
}

/** Puts everything into one safetensors file; the generator's state is the default generator's now. */
export function saveCheckpoint(opts: SaveCheckpointOptions): Uint8Array {
  checkOptionKeys('saveCheckpoint', opts, ['model', 'optimizer', 'schedule', 'step', 'trainer', 'extra'])
  const { model, optimizer, schedule, step, trainer, extra = {} } = opts
  if (!Number.isSafeInteger(step) || step < 0) throw new Error(`saveCheckpoint: step must be a non-negative integer, got ${describe(step)}`)
  if (trainer && trainer.step !== step) throw new Error(`saveCheckpoint: the trainer state is at step ${trainer.step} but step is ${step}; they must be equal`)
  const tensors: Record<string, Tensor> = {}
  for (const [name, t] of Object.entries(model.stateDict())) tensors[`model.${name}`] = t
  const metadata: Record<string, string> = {
    format: FORMAT,
    step: String(step),
    rng: JSON.stringify(Array.from(defaultGenerator.getState())),
    extra: JSON.stringify(extra),
  }
  if (optimizer) {
    const { tensors: state, config } = optimizer.stateDict()
    for (const [name, t] of Object.entries(state)) tensors[`optimizer.${name}`] = t
    metadata.optimizer = JSON.stringify(config)
  }
  if (schedule) metadata.schedule = JSON.stringify(schedule.stateDict())
  if (trainer) {
    const { hidden, ...position } = trainer
    metadata.trainer = JSON.stringify({ ...position, bestValidation: String(position.bestValidation) })
    if (hidden) {
      tensors['trainer.h'] = hidden.h
      if (hidden.c) tensors['trainer.c'] = hidden.c
    }
  }
  return saveSafetensors(tensors, metadata)
}

/**
 * Restores the model, optimizer, schedule and default generator; returns the step, trainer state and extra.
 * Everything in the file is checked first — the format tag, every tensor's name, shape and values, the
 * optimizer's and schedule's type and state, the generator's words, the step and the trainer's fields (its
 * step equal to the checkpoint's) — and any problem is an Error that names it, thrown before anything is
 * written.
 */
export function loadCheckpoint(bytes: Uint8Array, options: LoadCheckpointOptions): LoadedCheckpoint {
  const { model, optimizer, schedule, allowNonFinite } = checkLoadOptions(options)
  const { tensors, metadata } = loadSafetensors(bytes)
  const entry = (key: string): string | undefined => (Object.hasOwn(metadata, key) ? metadata[key] : undefined)
  const format = entry('format')
  if (format !== FORMAT) throw new Error(`${WHERE}: not a seqgrad checkpoint (format ${JSON.stringify(format ?? null)}, expected '${FORMAT}')`)
  const parts = splitTensors(tensors)

  // Check everything, changing nothing.
  const step = parseStep(entry('step'))
  const rng = checkGeneratorState(`${WHERE}: the generator state 'rng'`, parseJson('rng', entry('rng')))
  const extra = parseJson('extra', entry('extra'))
  if (!isPlainRecord(extra)) throw new Error(`${WHERE}: the 'extra' entry should be a JSON object, got ${describe(extra)}`)
  checkArchitecture(model, parts.model)
  const stages: Stage[] = [stage('the model', model, Object.fromEntries(parts.model), { strict: true, allowNonFinite })]
  if (optimizer) {
    const config = parseJson('optimizer', entry('optimizer'))
    if (!isPlainRecord(config)) throw new Error(`${WHERE}: the 'optimizer' entry should be a JSON object, got ${describe(config)}`)
    stages.push(stage('the optimizer', optimizer, { tensors: Object.fromEntries(parts.optimizer), config }, { allowNonFinite }))
  }
  if (schedule) {
    const state = parseJson('schedule', entry('schedule'))
    if (!isPlainRecord(state)) throw new Error(`${WHERE}: the 'schedule' entry should be a JSON object, got ${describe(state)}`)
    stages.push(stage('the schedule', schedule, state, { allowNonFinite }))
  }
  const trainer = parseTrainer(entry('trainer'), parts.trainer, model, allowNonFinite)
  // A resumed run counts from the trainer's step but reports the file's: they must be one number.
  if (trainer !== undefined && trainer.step !== step) {
    throw new Error(`${WHERE}: the trainer state is at step ${trainer.step} but the checkpoint's step is ${step}; they must be equal`)
  }

  // Then write everything.
  commit(stages)
  defaultGenerator.setState(rng)
  return trainer === undefined ? { step, extra: extra as Record<string, JsonValue> } : { step, extra: extra as Record<string, JsonValue>, trainer }
}

function checkLoadOptions(options: unknown): Required<Omit<LoadCheckpointOptions, 'optimizer' | 'schedule'>> & Pick<LoadCheckpointOptions, 'optimizer' | 'schedule'> {
  checkOptionKeys(WHERE, options, ['model', 'optimizer', 'schedule', 'allowNonFinite'])
  const { model, optimizer, schedule, allowNonFinite } = options as Record<string, unknown>
  if (!(model instanceof Module)) throw new Error(`${WHERE}: model must be a Module, got ${describe(model)}`)
  for (const [name, value] of [['optimizer', optimizer], ['schedule', schedule]] as const) {
    if (value === undefined) continue
    const o = value as Partial<Record<'stateDict' | 'loadStateDict', unknown>>
    if (value === null || typeof value !== 'object' || typeof o.stateDict !== 'function' || typeof o.loadStateDict !== 'function') {
      throw new Error(`${WHERE}: ${name} must be an object with stateDict() and loadStateDict(), got ${describe(value)}`)
    }
  }
  return {
    model,
    optimizer: optimizer as CheckpointOptimizer | undefined,
    schedule: schedule as CheckpointSchedule | undefined,
    allowNonFinite: checkBoolean(WHERE, 'allowNonFinite', allowNonFinite ?? false),
  }
}

/** The file's tensors by owner; a name outside model.*, optimizer.* and trainer.* is an error. */
function splitTensors(tensors: Record<string, Tensor>): Record<'model' | 'optimizer' | 'trainer', Map<string, Tensor>> {
  const parts = { model: new Map<string, Tensor>(), optimizer: new Map<string, Tensor>(), trainer: new Map<string, Tensor>() }
  for (const [name, t] of Object.entries(tensors)) {
    const dot = name.indexOf('.')
    const owner = name.slice(0, dot)
    if (dot < 0 || (owner !== 'model' && owner !== 'optimizer' && owner !== 'trainer')) {
      throw new Error(`${WHERE}: unexpected tensor ${JSON.stringify(name)}; a checkpoint holds only model.*, optimizer.* and trainer.* tensors`)
    }
    parts[owner].set(name.slice(dot + 1), t)
  }
  return parts
}

function parseJson(key: string, text: string | undefined): unknown {
  if (text === undefined) throw new Error(`${WHERE}: the file has no '${key}' entry; was it written by saveCheckpoint?`)
  try {
    return JSON.parse(text)
  } catch {
    throw new Error(`${WHERE}: the '${key}' entry is not valid JSON`)
  }
}

function parseStep(text: string | undefined): number {
  if (text === undefined) throw new Error(`${WHERE}: the file has no 'step' entry; was it written by saveCheckpoint?`)
  const step = /^(0|[1-9][0-9]*)$/.test(text) ? Number(text) : NaN
  if (!Number.isSafeInteger(step)) throw new Error(`${WHERE}: 'step' must be a non-negative integer, got ${describe(text)}`)
  return step
}

/** The first key or shape that differs names the architecture mismatch. */
function checkArchitecture(model: Module, weights: Map<string, Tensor>): void {
  const expected = new Map(Object.entries(model.namedParameters()))
  for (const [name, p] of expected) {
    const w = weights.get(name)
    if (w === undefined) throw new Error(`${WHERE}: the checkpoint comes from a different architecture: it has no '${name}'`)
    if (!shapesEqual(w.shape, p.shape)) {
      throw new Error(`${WHERE}: the checkpoint comes from a different architecture: '${name}' is ${formatShape(w.shape)} in the file but ${formatShape(p.shape)} in the model`)
    }
  }
  for (const name of weights.keys()) {
    if (!expected.has(name)) throw new Error(`${WHERE}: the checkpoint comes from a different architecture: the model has no '${name}'`)
  }
}

/**
 * The trainer's position and carried state, checked: exactly the fields saveCheckpoint writes, counts as
 * non-negative safe integers, and a hidden state shaped for the model (with c for an LSTM, without otherwise).
 */
function parseTrainer(text: string | undefined, tensors: Map<string, Tensor>, model: Module, allowNonFinite: boolean): TrainerState | undefined {
  if (text === undefined) {
    const name = tensors.keys().next().value
    if (name !== undefined) throw new Error(`${WHERE}: the file has tensor 'trainer.${name}' but no 'trainer' entry`)
    return undefined
  }
  const position = parseJson('trainer', text)
  const fields = TRAINER_FIELDS.join(', ')
  if (!isPlainRecord(position)) throw new Error(`${WHERE}: the 'trainer' entry should be a JSON object with ${fields}, got ${describe(position)}`)
  const unknown = Object.keys(position).find((k) => !(TRAINER_FIELDS as readonly string[]).includes(k))
  if (unknown !== undefined) throw new Error(`${WHERE}: the 'trainer' entry has an unknown field '${unknown}'; expected ${fields}`)
  const missing = TRAINER_FIELDS.find((k) => !Object.hasOwn(position, k))
  if (missing !== undefined) throw new Error(`${WHERE}: the 'trainer' entry has no '${missing}'; expected ${fields}`)
  const count = (field: 'step' | 'window' | 'evaluationsSinceBest') => safeIntegerAtLeast(`${WHERE}: the 'trainer' entry`, field, position[field], 0)
  return {
    step: count('step'),
    window: count('window'),
    evaluationsSinceBest: count('evaluationsSinceBest'),
    bestValidation: parseBestValidation(position.bestValidation),
    hidden: parseHidden(tensors, model, allowNonFinite),
  }
}

/** saveCheckpoint writes the number as a string ('Infinity' before any validation); only such a string, or a finite number, is taken. */
function parseBestValidation(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  const n = typeof value === 'string' ? Number(value) : NaN
  if (typeof value === 'string' && !Number.isNaN(n) && String(n) === value) return n
  throw new Error(`${WHERE}: the 'trainer' entry's bestValidation must be a number written as a string (such as "2.5" or "Infinity"), got ${describe(value)}`)
}

function parseHidden(tensors: Map<string, Tensor>, model: Module, allowNonFinite: boolean): RecurrentState | null {
  const unknown = Array.from(tensors.keys()).find((k) => k !== 'h' && k !== 'c')
  if (unknown !== undefined) throw new Error(`${WHERE}: unexpected tensor 'trainer.${unknown}'; the trainer's state is trainer.h and, for an LSTM, trainer.c`)
  const h = tensors.get('h')
  const c = tensors.get('c')
  if (h === undefined) {
    if (c !== undefined) throw new Error(`${WHERE}: the file has trainer.c but no trainer.h`)
    return null
  }
  for (const [name, t] of [['h', h], ['c', c]] as const) {
    if (t === undefined) continue
    if (!isFloat(t.dtype) || t.ndim !== 3 || t.shape[1] === 0) throw new Error(`${WHERE}: trainer.${name} must be a float tensor [layers, batch, hidden] with batch ≥ 1, got ${t.dtype} ${formatShape(t.shape)}`)
    if (!allowNonFinite) checkFiniteValues(WHERE, `trainer.${name}`, t.data, t.shape, NON_FINITE_HINT)
  }
  if (model instanceof LanguageModel) {
    const { rnn, cell } = model
    const expected = [rnn.numLayers * rnn.directions, h.shape[1], rnn.hiddenSize]
    if (!shapesEqual(h.shape, expected) || h.dtype !== rnn.dtype) {
      throw new Error(`${WHERE}: trainer.h is ${h.dtype} ${formatShape(h.shape)} but the model's ${cell} carries ${rnn.dtype} [${expected[0]}, batch, ${expected[2]}]`)
    }
    if ((cell === 'lstm') !== (c !== undefined)) {
      throw new Error(`${WHERE}: ${cell === 'lstm' ? 'the model is an LSTM but the file has no trainer.c' : `the model's ${cell} has no cell state but the file has trainer.c`}`)
    }
  }
  if (c !== undefined && (!shapesEqual(c.shape, h.shape) || c.dtype !== h.dtype)) {
    throw new Error(`${WHERE}: trainer.c is ${c.dtype} ${formatShape(c.shape)} but trainer.h is ${h.dtype} ${formatShape(h.shape)}; they must match`)
  }
  return c === undefined ? { h } : { h, c }
}

// ---------------------------------------------------------------------------------------------
// Two phases: stage() checks one object's state and returns how to write it; commit() writes them all.

/** Objects that can check a state without writing it (seqgrad's modules, optimizers and schedules). */
interface Restorable<S> {
  stateDict(): unknown
  loadStateDict(state: S): void
  checkStateDict?(state: S, options: object): unknown
  applyStateDict?(checked: unknown): void
}

/** A checked write that cannot fail, or (for an object with only loadStateDict) a load and how to undo it. */
type Stage = { apply: () => void } | { load: () => () => void }

function stage<S>(label: string, target: Restorable<S>, state: S, options: object): Stage {
  const { checkStateDict, applyStateDict } = target
  if (typeof checkStateDict === 'function' && typeof applyStateDict === 'function') {
    const checked = within(label, () => checkStateDict.call(target, state, options))
    return { apply: () => applyStateDict.call(target, checked) }
  }
  return {
    load: () => {
      const before = target.stateDict() as S
      within(label, () => target.loadStateDict(state))
      return () => target.loadStateDict(before)
    },
  }
}

/** Loads the objects that can only load (undoing them all if one fails), then applies the checked writes. */
function commit(stages: readonly Stage[]): void {
  const undo: (() => void)[] = []
  try {
    for (const s of stages) if ('load' in s) undo.push(s.load())
  } catch (e) {
    for (const u of undo.reverse()) u()
    throw e
  }
  for (const s of stages) if ('apply' in s) s.apply()
}

/** Runs a check, prefixing a plain Error's message with what was being loaded. */
function within<T>(label: string, check: () => T): T {
  try {
    return check()
  } catch (e) {
    if (e instanceof Error && e.constructor === Error) throw new Error(`${WHERE}: ${label}: ${e.message}`)
    throw e
  }
}
