// Checkpoints: one safetensors file holding everything a run needs to continue bit for bit — the model's
// weights (under model.<state-dict name>), the optimizer's state, the schedule's, the seeded generator's
// state, the step, and optionally the truncated-BPTT trainer's position and carried hidden state.
import type { Module } from '../models/module.js'
import type { RecurrentState } from '../models/recurrent.js'
import type { TrainerState } from '../optim/trainer.js'
import { defaultGenerator } from '../tensor/random.js'
import { formatShape } from '../tensor/shape.js'
import type { Tensor } from '../tensor/tensor.js'
import { describe } from '../validation/checks.js'
import { loadSafetensors, saveSafetensors } from './safetensors.js'

const FORMAT = 'seqgrad-checkpoint-1'

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

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

export interface LoadedCheckpoint {
  step: number
  trainer?: TrainerState
  extra: Record<string, JsonValue>
}

/** Puts everything into one safetensors file; the generator's state is the default generator's now. */
export function saveCheckpoint({ model, optimizer, schedule, step, trainer, extra = {} }: SaveCheckpointOptions): Uint8Array {
  if (!Number.isInteger(step) || step < 0) throw new Error(`saveCheckpoint: step must be a non-negative integer, got ${describe(step)}`)
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

function parseJson(key: string, text: string | undefined): unknown {
  if (text === undefined) throw new Error(`loadCheckpoint: the file has no '${key}' entry; was it written by saveCheckpoint?`)
  try {
    return JSON.parse(text)
  } catch {
    throw new Error(`loadCheckpoint: the '${key}' entry is not valid JSON`)
  }
}

/** Restores the model, optimizer, schedule and default generator; returns the step, trainer state and extra. */
export function loadCheckpoint(bytes: Uint8Array, { model, optimizer, schedule }: { model: Module; optimizer?: CheckpointOptimizer; schedule?: CheckpointSchedule }): LoadedCheckpoint {
  const { tensors, metadata } = loadSafetensors(bytes)
  if (metadata.format !== FORMAT) throw new Error(`loadCheckpoint: not a seqgrad checkpoint (format ${JSON.stringify(metadata.format ?? null)}, expected '${FORMAT}')`)
  const part = (prefix: string) =>
    Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t]))
  const weights = part('model.')
  const expected = model.namedParameters()
  // The first key or shape that differs names the architecture mismatch.
  for (const [name, p] of Object.entries(expected)) {
    if (!(name in weights)) throw new Error(`loadCheckpoint: the checkpoint comes from a different architecture: it has no '${name}'`)
    if (formatShape(weights[name].shape) !== formatShape(p.shape)) {
      throw new Error(`loadCheckpoint: the checkpoint comes from a different architecture: '${name}' is ${formatShape(weights[name].shape)} in the file but ${formatShape(p.shape)} in the model`)
    }
  }
  const unexpected = Object.keys(weights).find((k) => !(k in expected))
  if (unexpected !== undefined) throw new Error(`loadCheckpoint: the checkpoint comes from a different architecture: the model has no '${unexpected}'`)
  const rng = parseJson('rng', metadata.rng)
  const extra = parseJson('extra', metadata.extra) as Record<string, JsonValue>
  const optimizerConfig = optimizer ? (parseJson('optimizer', metadata.optimizer) as Record<string, unknown>) : null
  const scheduleState = schedule ? (parseJson('schedule', metadata.schedule) as Record<string, unknown>) : null
  if (!Array.isArray(rng) || rng.length !== 4) throw new Error('loadCheckpoint: the generator state must be 4 words')
  model.loadStateDict(weights)
  if (optimizer && optimizerConfig) optimizer.loadStateDict({ tensors: part('optimizer.'), config: optimizerConfig })
  if (schedule && scheduleState) schedule.loadStateDict(scheduleState)
  defaultGenerator.setState(rng as number[])
  const step = Number(metadata.step)
  if (metadata.trainer === undefined) return { step, extra }
  const position = parseJson('trainer', metadata.trainer) as Omit<TrainerState, 'hidden' | 'bestValidation'> & { bestValidation: string }
  const hidden: RecurrentState | null = tensors['trainer.h'] ? { h: tensors['trainer.h'], ...(tensors['trainer.c'] ? { c: tensors['trainer.c'] } : {}) } : null
  return { step, extra, trainer: { ...position, bestValidation: Number(position.bestValidation), hidden } }
}
