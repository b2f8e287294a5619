// Loading is all-or-nothing: loadCheckpoint, Module.loadStateDict, the optimizers', schedules' and generator's
// state restores check everything first and then write, so a failed load — for whatever reason — leaves every
// object exactly as it was. Names are data (a tensor called "constructor" is an ordinary name), values read
// from files are checked strictly, and non-finite weights are refused unless asked for.
import {
  Adam, AdamW, defaultGenerator, ExponentialLR, Generator, GRU, LanguageModel, Linear, loadCheckpoint, loadSafetensors, manualSeed, Module, randn,
  ReduceLROnPlateau, RMSprop, saveCheckpoint, saveSafetensors, SGD, StepLR, Tensor, tensor, type RecurrentState,
} from '../../src/index.js'
import { expectPlainError } from '../helpers/errors.js'
import { checkpointOf, makeRun, snapshot, trainerState, type Run } from '../helpers/checkpoints.js'

const untyped = <T>(value: unknown): T => value as T

/** The checkpoint with its tensors and metadata edited (the file rewritten, so still well-formed safetensors). */
function edited(bytes: Uint8Array, edit: (tensors: Record<string, Tensor>, metadata: Record<string, string>) => void): Uint8Array {
  const { tensors, metadata } = loadSafetensors(bytes)
  edit(tensors, metadata)
  return saveSafetensors(tensors, metadata)
}

/** A JSON metadata entry with some fields replaced. */
const withJson = (metadata: Record<string, string>, key: string, change: Record<string, unknown>) => {
  metadata[key] = JSON.stringify({ ...JSON.parse(metadata[key]), ...change })
}

/** Loads `bytes` into `run`; it must fail with a plain Error matching every pattern, leaving all of `run` and the generator as they were. */
function expectRefused(run: Run, bytes: Uint8Array, ...patterns: RegExp[]): string {
  const before = snapshot(run)
  const message = expectPlainError(() => loadCheckpoint(bytes, run), /^loadCheckpoint: /, ...patterns)
  expect(snapshot(run)).toEqual(before)
  return message
}

const good = checkpointOf(makeRun(1))

describe('loadCheckpoint checks everything before it writes anything', () => {
  test('a good checkpoint loads everything: weights, optimizer, schedule, generator, step, trainer and extra', () => {
    const source = makeRun(1)
    const target = makeRun(2)
    manualSeed(12345)
    const loaded = loadCheckpoint(good, target)
    expect(snapshot(target)).toEqual((() => {
      manualSeed(99)
      return snapshot(source)
    })())
    expect(loaded.step).toBe(7)
    expect(loaded.extra).toEqual({ note: 'x' })
    const expected = trainerState(source, 5)
    expect(loaded.trainer).toMatchObject({ step: 7, window: 3, bestValidation: 1.25, evaluationsSinceBest: 2 })
    expect(Array.from(loaded.trainer?.hidden?.c?.data ?? [])).toEqual(Array.from(expected.hidden?.c?.data ?? [1]))
  })

  test('another optimizer or schedule than the one saved', () => {
    const run = makeRun(2)
    const sgdFile = saveCheckpoint({ model: run.model, optimizer: new SGD(run.model.parameters(), { lr: 0.1 }), step: 1 })
    expectRefused(run, sgdFile, /the optimizer: Adam.loadStateDict: the state dict is for optimizer the string "SGD", not Adam/)
    const otherSchedule = edited(good, (_, m) => (m.schedule = JSON.stringify(new ExponentialLR(new SGD([tensor([1], { requiresGrad: true })], { lr: 1 }), { gamma: 0.5 }).stateDict())))
    expectRefused(run, otherSchedule, /the schedule: StepLR.loadStateDict: the state is for the string "ExponentialLR", not StepLR/)
    expectRefused(run, edited(good, (_, m) => delete m.schedule), /the file has no 'schedule' entry/)
  })

  test('a wrong shape anywhere, even in the last tensor checked', () => {
    const run = makeRun(2)
    expectRefused(run, edited(good, (t) => (t['model.decoder.bias'] = tensor([1, 2, 3]))), /different architecture: 'decoder.bias' is \[3\] in the file but \[4\] in the model/)
    expectRefused(run, edited(good, (t) => (t['optimizer.state.5.exp_avg'] = tensor([1, 2, 3]))), /Adam.loadStateDict: state.5.exp_avg has shape \[3\] but params\[5\] has shape \[12\]/)
    expectRefused(run, edited(good, (t) => (t['trainer.h'] = tensor([[[1, 2, 3]], [[1, 2, 3]]]))), /trainer.h is float32 \[2, 1, 3\] but the model's lstm carries float32 \[1, batch, 3\]/)
  })

  test('a bad generator state: all zeros, wrong length, words that are not uint32', () => {
    const run = makeRun(2)
    const rng = (text: string) => edited(good, (_, m) => (m.rng = text))
    expectRefused(run, rng('[0,0,0,0]'), /the generator state 'rng': an all-zero state is not valid/)
    expectRefused(run, rng('[1,2,3,4,5]'), /the generator state 'rng': expected 4 uint32 words, got 5/)
    expectRefused(run, rng('[1,2,3]'), /expected 4 uint32 words, got 3/)
    expectRefused(run, rng('[1.5,2,3,4]'), /word 0 must be an integer in \[0, 2\^32\), got number 1.5/)
    expectRefused(run, rng('[1,-2,3,4]'), /word 1 must be an integer in \[0, 2\^32\), got number -2/)
    expectRefused(run, rng('[1,2,4294967296,4]'), /word 2 must be an integer in \[0, 2\^32\), got number 4294967296/)
    expectRefused(run, rng('[1,2,3,"4"]'), /word 3 must be an integer in \[0, 2\^32\), got the string "4"/)
    expectRefused(run, rng('{}'), /expected 4 uint32 words, got an object/)
    expectRefused(run, rng('"abcd"'), /expected 4 uint32 words, got the string "abcd"/)
    expectRefused(run, rng('[1,2'), /the 'rng' entry is not valid JSON/)
  })

  test('the step: a non-negative safe integer, written in decimal', () => {
    const run = makeRun(2)
    for (const step of ['abc', '1.5', '-1', '1e3', ' 5', '05', '', '9007199254740993', 'Infinity']) {
      expectRefused(run, edited(good, (_, m) => (m.step = step)), new RegExp(`'step' must be a non-negative integer, got the string ${JSON.stringify(step).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))
    }
    expectRefused(run, edited(good, (_, m) => delete m.step), /the file has no 'step' entry/)
    expect(() => saveCheckpoint({ model: run.model, step: 2 ** 53 })).toThrow(/saveCheckpoint: step must be a non-negative integer/)
  })

  test('the trainer state: exactly its fields, counts as safe integers, a number for bestValidation', () => {
    const run = makeRun(2)
    const trainer = (change: Record<string, unknown>) => edited(good, (_, m) => withJson(m, 'trainer', change))
    expectRefused(run, trainer({ window: 'abc' }), /the 'trainer' entry: window must be an integer ≥ 0, got the string "abc"/)
    expectRefused(run, trainer({ step: 1.5 }), /the 'trainer' entry: step must be an integer ≥ 0, got number 1.5/)
    expectRefused(run, trainer({ evaluationsSinceBest: {} }), /evaluationsSinceBest must be an integer ≥ 0, got an object/)
    expectRefused(run, trainer({ evaluationsSinceBest: 2 ** 60 }), /evaluationsSinceBest must be an integer ≥ 0 no larger than 2\^53 − 1/)
    expectRefused(run, trainer({ bestValidation: 'abc' }), /bestValidation must be a number written as a string .*, got the string "abc"/)
    expectRefused(run, trainer({ bestValidation: 'NaN' }), /bestValidation must be a number/)
    expectRefused(run, trainer({ extraField: 1 }), /the 'trainer' entry has an unknown field 'extraField'/)
    expectRefused(run, edited(good, (_, m) => (m.trainer = JSON.stringify({ step: 1, window: 0, bestValidation: 'Infinity' }))), /the 'trainer' entry has no 'evaluationsSinceBest'/)
    for (const [text, got] of [['{}', /has no 'step'/], ['[]', /should be a JSON object .*, got the array \[\]/], ['7', /got number 7/], ['{', /not valid JSON/]] as const) {
      expectRefused(run, edited(good, (_, m) => (m.trainer = text)), got)
    }
    expectRefused(run, edited(good, (_, m) => delete m.trainer), /the file has tensor 'trainer.(h|c)' but no 'trainer' entry/)
  })

  test("the trainer state's step is the checkpoint's step; a file where they differ is refused, naming both", () => {
    const run = makeRun(2)
    const trainerStep = (step: number) => edited(good, (_, m) => withJson(m, 'trainer', { step }))
    // A resumed run would report step 1,000,000 without training, or silently count again from 3.
    expectRefused(run, trainerStep(1_000_000), /the trainer state is at step 1000000 but the checkpoint's step is 7; they must be equal/)
    expectRefused(run, trainerStep(3), /the trainer state is at step 3 but the checkpoint's step is 7; they must be equal/)
    expectRefused(run, edited(good, (_, m) => (m.step = '20')), /the trainer state is at step 7 but the checkpoint's step is 20/)
    expectPlainError(() => saveCheckpoint({ ...run, step: 20, trainer: trainerState(run, 1) }), /^saveCheckpoint: the trainer state is at step 7 but step is 20; they must be equal$/)
    // Without trainer state, the step is the file's alone.
    expect(loadCheckpoint(saveCheckpoint({ ...run, step: 20 }), run).step).toBe(20)
  })

  test("the trainer's hidden state: h and c that fit the model, nothing else", () => {
    const run = makeRun(2)
    expectRefused(run, edited(good, (t) => delete t['trainer.c']), /the model is an LSTM but the file has no trainer.c/)
    expectRefused(run, edited(good, (t) => delete t['trainer.h']), /the file has trainer.c but no trainer.h/)
    expectRefused(run, edited(good, (t) => (t['trainer.x'] = tensor([1]))), /unexpected tensor 'trainer.x'/)
    expectRefused(run, edited(good, (t) => (t['trainer.c'] = t['trainer.c'].to('float64'))), /trainer.c is float64 \[1, 2, 3\] but trainer.h is float32 \[1, 2, 3\]/)
    expectRefused(run, edited(good, (t) => (t['trainer.h'] = tensor([1, 2, 3]))), /trainer.h must be a float tensor \[layers, batch, hidden\]/)
    const gru = makeRun(3, 'gru')
    const withC = saveCheckpoint({ ...gru, step: 7, trainer: { ...trainerState(gru, 1), hidden: trainerState(run, 1).hidden } })
    expectRefused(gru, withC, /the model's gru has no cell state but the file has trainer.c/)
    const loaded = loadCheckpoint(saveCheckpoint({ ...gru, step: 7, trainer: trainerState(gru, 1) }), gru)
    expect(loaded.trainer?.hidden?.c).toBeUndefined()
  })

  test('extra must be a JSON object; a tensor outside model.*, optimizer.*, trainer.* is refused', () => {
    const run = makeRun(2)
    for (const [text, got] of [['[]', /got the array \[\]/], ['5', /got number 5/], ['null', /got null/], ['"x"', /got the string "x"/]] as const) {
      expectRefused(run, edited(good, (_, m) => (m.extra = text)), /the 'extra' entry should be a JSON object/, got)
    }
    expectRefused(run, edited(good, (t) => (t.foo = tensor([1]))), /unexpected tensor "foo"; a checkpoint holds only model.\*, optimizer.\* and trainer.\* tensors/)
    expectRefused(run, edited(good, (t) => (t['schedule.x'] = tensor([1]))), /unexpected tensor "schedule.x"/)
  })

  test('optimizer and schedule values read strictly', () => {
    const run = makeRun(2)
    const optimizer = (change: Record<string, unknown>) => edited(good, (_, m) => withJson(m, 'optimizer', change))
    expectRefused(run, optimizer({ 'state.0.step': 1.5 }), /the optimizer: Adam.loadStateDict: state.0.step must be an integer ≥ 1, got number 1.5/)
    expectRefused(run, optimizer({ 'state.0.step': 2 ** 53 }), /state.0.step must be an integer ≥ 1 no larger than 2\^53 − 1/)
    expectRefused(run, optimizer({ lr: 'abc' }), /Adam.loadStateDict: lr must be a finite number ≥ 0, got the string "abc"/)
    expectRefused(run, optimizer({ toString: 1 }), /Adam.loadStateDict: unknown option 'toString'/)
    expectRefused(run, edited(good, (_, m) => (m.optimizer = '[]')), /the 'optimizer' entry should be a JSON object, got the array \[\]/)
    const schedule = (change: Record<string, unknown>) => edited(good, (_, m) => withJson(m, 'schedule', change))
    expectRefused(run, schedule({ lastEpoch: -1 }), /the schedule: StepLR.loadStateDict: lastEpoch must be an integer ≥ 0, got number -1/)
    expectRefused(run, schedule({ lastEpoch: 'abc' }), /lastEpoch must be an integer ≥ 0, got the string "abc"/)
    expectRefused(run, schedule({ lastEpoch: 2.5 }), /lastEpoch must be an integer ≥ 0, got number 2.5/)
    expectRefused(run, schedule({ gamma: -1 }), /StepLR.loadStateDict: gamma must be a finite number ≥ 0/)
  })

  test('the format tag is checked: a file without it, or with another, is not a checkpoint', () => {
    const run = makeRun(2)
    expectRefused(run, edited(good, (_, m) => (m.format = 'seqgrad-checkpoint-2')), /not a seqgrad checkpoint \(format "seqgrad-checkpoint-2", expected 'seqgrad-checkpoint-1'\)/)
    expectRefused(run, edited(good, (_, m) => delete m.format), /not a seqgrad checkpoint \(format null/)
    expectRefused(run, saveSafetensors(run.model.stateDict()), /not a seqgrad checkpoint/)
  })

  test('non-finite values are refused, naming the tensor and the first bad element; allowNonFinite loads them', () => {
    const run = makeRun(2)
    const poisoned = edited(good, (t) => {
      t['model.rnn.weight_hh_l0'].data[7] = NaN
      t['model.rnn.weight_hh_l0'].data[9] = Infinity
    })
    expectRefused(run, poisoned, /the model: loadStateDict: rnn.weight_hh_l0: element 7 \(\[2, 1\]\) is NaN; pass \{ allowNonFinite: true \}/)
    const moment = edited(good, (t) => (t['optimizer.state.6.exp_avg_sq'].data[1] = -Infinity))
    expectRefused(run, moment, /the optimizer: Adam.loadStateDict: state.6.exp_avg_sq: element 1 is -Infinity; pass \{ allowNonFinite: true \}/)
    expectRefused(run, edited(good, (t) => (t['trainer.h'].data[4] = NaN)), /trainer.h: element 4 \(\[0, 1, 1\]\) is NaN/)
    loadCheckpoint(poisoned, { ...run, allowNonFinite: true })
    const weightHh = run.model.namedParameters()['rnn.weight_hh_l0']
    expect(weightHh.data[7]).toBeNaN()
    expect(weightHh.data[9]).toBe(Infinity)
    expectPlainError(() => loadCheckpoint(good, { ...run, allowNonFinite: 'yes' as never }), /loadCheckpoint: allowNonFinite must be true or false/)
  })

  test("negative second moments (Adam's and AdamW's exp_avg_sq and max_exp_avg_sq, RMSprop's square_avg) are refused, allowNonFinite or not", () => {
    const run = makeRun(2)
    const moment = (name: string, values: Record<number, number>) => (file: Uint8Array) => edited(file, (t) => Object.entries(values).forEach(([i, v]) => (t[name].data[Number(i)] = v)))
    const refusedEither = (target: Run, file: Uint8Array, pattern: RegExp) => {
      expectRefused(target, file, pattern)
      const before = snapshot(target)
      expectPlainError(() => loadCheckpoint(file, { ...target, allowNonFinite: true }), /^loadCheckpoint: the optimizer: /, pattern)
      expect(snapshot(target)).toEqual(before)
    }
    const why = '; a running mean of squared gradients cannot be negative'
    refusedEither(run, moment('optimizer.state.6.exp_avg_sq', { 2: -0.5, 3: -5 })(good), new RegExp(`Adam.loadStateDict: state.6.exp_avg_sq: element 2 is -0.5${why}$`))
    // A float64 tensor is checked as the parameter's float32 holds it: -1e-30 stays negative, -1e-300 becomes -0.
    const float64 = (value: number) => edited(good, (t) => {
      const v = t['optimizer.state.0.exp_avg_sq'].to('float64')
      v.data[5] = value
      t['optimizer.state.0.exp_avg_sq'] = v
    })
    refusedEither(run, float64(-1e-30), /state.0.exp_avg_sq: element 5 \(\[1, 2\]\) is -1\.0\d*e-30; a running mean/)
    loadCheckpoint(float64(-1e-300), run)
    expect(Object.is(run.optimizer.stateDict().tensors['state.0.exp_avg_sq'].data[5], -0)).toBe(true)
    // allowNonFinite still loads what a diverged run writes (NaN, +Infinity), but not -Infinity: no g² gives it.
    refusedEither(run, moment('optimizer.state.6.exp_avg_sq', { 1: -Infinity })(good), /state.6.exp_avg_sq: element 1 is -Infinity/)
    const diverged = moment('optimizer.state.6.exp_avg_sq', { 0: NaN, 1: Infinity, 2: -0 })(good)
    expectRefused(run, diverged, /state.6.exp_avg_sq: element 0 is NaN; pass \{ allowNonFinite: true \}/)
    loadCheckpoint(diverged, { ...run, allowNonFinite: true })
    expect(Array.from(run.optimizer.stateDict().tensors['state.6.exp_avg_sq'].data.slice(0, 3))).toEqual([NaN, Infinity, -0])
    // exp_avg (the first moment) may be negative.
    loadCheckpoint(moment('optimizer.state.6.exp_avg', { 0: -5 })(good), run)
    expect(run.optimizer.stateDict().tensors['state.6.exp_avg'].data[0]).toBe(-5)

    const other = (make: (model: LanguageModel) => Adam | AdamW | RMSprop): { run: Run; file: Uint8Array } => {
      const model = makeRun(3).model
      const optimizer = make(model)
      for (const p of model.parameters()) p.grad = randn(p.shape)
      optimizer.step()
      const target = untyped<Run>({ model, optimizer, schedule: new StepLR(optimizer, { stepSize: 2 }) })
      return { run: target, file: saveCheckpoint({ ...target, step: 1 }) }
    }
    const amsgrad = other((model) => new AdamW(model.parameters(), { amsgrad: true }))
    refusedEither(amsgrad.run, moment('optimizer.state.6.max_exp_avg_sq', { 3: -2 })(amsgrad.file), new RegExp(`AdamW.loadStateDict: state.6.max_exp_avg_sq: element 3 is -2${why}$`))
    const rmsprop = other((model) => new RMSprop(model.parameters(), { centered: true, momentum: 0.9 }))
    refusedEither(rmsprop.run, moment('optimizer.state.2.square_avg', { 4: -1 })(rmsprop.file), new RegExp(`RMSprop.loadStateDict: state.2.square_avg: element 4 \\(\\[2, 0\\]\\) is -1${why}$`))
    loadCheckpoint(moment('optimizer.state.2.grad_avg', { 4: -1 })(rmsprop.file), rmsprop.run)
    // loadStateDict on its own refuses them too, changing nothing.
    const state = rmsprop.run.optimizer.stateDict()
    const before = JSON.stringify(state.config)
    const bad = { ...state.tensors, 'state.0.square_avg': tensor(Array.from(state.tensors['state.0.square_avg'].data, (v, i) => (i === 1 ? -3 : v))).reshape(state.tensors['state.0.square_avg'].shape) }
    expectPlainError(() => rmsprop.run.optimizer.loadStateDict({ tensors: bad, config: state.config }, { allowNonFinite: true }), /^RMSprop.loadStateDict: state.0.square_avg: element 1 \(\[0, 1\]\) is -3; a running mean/)
    expect(JSON.stringify(rmsprop.run.optimizer.stateDict().config)).toBe(before)
    expect(rmsprop.run.optimizer.stateDict().tensors['state.0.square_avg'].data[1]).toBe(state.tensors['state.0.square_avg'].data[1])
  })

  test('names that are also JavaScript property names are data: refused as unexpected, never a TypeError', () => {
    const run = makeRun(2)
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const extra = edited(good, (t) => Object.defineProperty(t, `model.${name}`, { value: tensor([1]), enumerable: true }))
      expectRefused(run, extra, new RegExp(`the model has no '${name}'`))
      const optimizerExtra = edited(good, (t) => Object.defineProperty(t, `optimizer.state.0.${name}`, { value: Tensor.zeros([4, 3], 'float32'), enumerable: true }))
      expectRefused(run, optimizerExtra, /Adam.loadStateDict: /)
    }
    const metadataNames = edited(good, (_, m) => Object.defineProperty(m, '__proto__', { value: '{}', enumerable: true }))
    expect(loadCheckpoint(metadataNames, run).step).toBe(7)
  })

  test('bad options are refused before the file is read', () => {
    const run = makeRun(2)
    expectPlainError(() => loadCheckpoint(good, untyped({ model: {} })), /loadCheckpoint: model must be a Module, got an object/)
    expectPlainError(() => loadCheckpoint(good, untyped({ model: run.model, optimizer: 5 })), /optimizer must be an object with stateDict\(\) and loadStateDict\(\)/)
    expectPlainError(() => loadCheckpoint(good, untyped({ model: run.model, optimiser: run.optimizer })), /unknown option 'optimiser'/)
  })

  test('an optimizer or schedule with only stateDict/loadStateDict is loaded after every check, and undone if another fails', () => {
    const run = makeRun(2)
    const log: string[] = []
    let state = { tensors: {}, config: { v: 1 } as Record<string, unknown> }
    const optimizer = { stateDict: () => state, loadStateDict: (s: typeof state) => (log.push(`optimizer ${JSON.stringify(s.config)}`), (state = s)) }
    const schedule = { stateDict: () => ({}), loadStateDict: () => { throw new Error('schedule: no') } }
    const file = saveCheckpoint({ model: run.model, optimizer: { stateDict: () => ({ tensors: {}, config: { v: 2 } }), loadStateDict: () => undefined }, schedule: { stateDict: () => ({ s: 1 }), loadStateDict: () => undefined }, step: 1 })
    const before = snapshot(run)
    expectPlainError(() => loadCheckpoint(file, { model: run.model, optimizer, schedule }), /^loadCheckpoint: the schedule: schedule: no$/)
    expect(log).toEqual(['optimizer {"v":2}', 'optimizer {"v":1}']) // loaded, then restored
    expect(state.config).toEqual({ v: 1 })
    expect(snapshot(run)).toEqual(before)
    // A check that fails first means the foreign objects are never called.
    log.length = 0
    expectPlainError(() => loadCheckpoint(edited(file, (_, m) => (m.rng = '[0,0,0,0]')), { model: run.model, optimizer, schedule }), /all-zero/)
    expect(log).toEqual([])
  })
})

describe('Module.loadStateDict', () => {
  const layer = () => {
    manualSeed(4)
    return new Linear({ inFeatures: 3, outFeatures: 2 })
  }
  const weights = (m: Module) => Object.values(m.stateDict()).flatMap((t) => Array.from(t.data))

  test('a Map, a Tensor, an array or any non-record is an error in both strict modes', () => {
    const m = layer()
    const before = weights(m)
    const dict = m.stateDict()
    for (const strict of [true, false]) {
      expectPlainError(() => m.loadStateDict(untyped(new Map(Object.entries(dict))), { strict }), /loadStateDict: expected a plain object mapping names to Tensors, got an object \(Map\); pass a plain object, e.g. Object.fromEntries\(map\)/)
      expectPlainError(() => m.loadStateDict(untyped(tensor([1, 2])), { strict }), /expected a plain object mapping names to Tensors, got an object \(Tensor\)/)
      for (const bad of [[dict.weight], null, undefined, 'weight', 5, new Float32Array(6)]) {
        expectPlainError(() => m.loadStateDict(untyped(bad), { strict }), /loadStateDict: expected a plain object mapping names to Tensors, got/)
      }
    }
    expect(weights(m)).toEqual(before)
    m.loadStateDict(Object.assign(Object.create(null), { weight: tensor([[1, 2, 3], [4, 5, 6]]) }), { strict: false })
    expect(Array.from(m.weight.data)).toEqual([1, 2, 3, 4, 5, 6])
    expectPlainError(() => m.loadStateDict(dict, untyped({ strict: 'no' })), /loadStateDict: strict must be true or false, got the string "no"/)
    expectPlainError(() => m.loadStateDict(dict, untyped({ stric: false })), /loadStateDict: unknown option 'stric'/)
  })

  test('keys named like Object.prototype members are ordinary unexpected keys, or ignored when not strict', () => {
    const m = layer()
    const before = weights(m)
    const names = ['constructor', 'toString', 'hasOwnProperty', '__proto__']
    const dict: Record<string, Tensor> = { ...m.stateDict() }
    for (const name of names) Object.defineProperty(dict, name, { value: tensor([1]), enumerable: true })
    expectPlainError(() => m.loadStateDict(dict), /^loadStateDict: unexpected keys: constructor, toString, hasOwnProperty, __proto__$/)
    expect(weights(m)).toEqual(before)
    const fresh = layer()
    dict.weight = tensor([[1, 2, 3], [4, 5, 6]])
    fresh.loadStateDict(dict, { strict: false })
    expect(Array.from(fresh.weight.data)).toEqual([1, 2, 3, 4, 5, 6])
    // A missing key that the prototype has is still missing.
    const { bias: _bias, ...noBias } = m.stateDict()
    expectPlainError(() => m.loadStateDict(Object.assign(Object.create({ bias: tensor([0, 0]) }), noBias)), /expected a plain object/)
  })

  test('a module whose parameters have those names saves and loads them like any other', () => {
    class Odd extends Module {
      constructor(value: number) {
        super()
        for (const [i, name] of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'].entries()) this.registerParameter(name, tensor([value + i, value]))
      }
    }
    const source = new Odd(10)
    expect(Object.keys(source.namedParameters())).toEqual(['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'])
    expect(Object.getPrototypeOf(source.stateDict())).toBe(Object.prototype)
    const target = new Odd(0)
    target.loadStateDict(loadSafetensors(saveSafetensors(source.stateDict())).tensors)
    expect(target.parameters().map((p) => Array.from(p.data))).toEqual(source.parameters().map((p) => Array.from(p.data)))
    const again = new Odd(0)
    loadCheckpoint(saveCheckpoint({ model: source, step: 0 }), { model: again })
    expect(again.parameters().map((p) => Array.from(p.data))).toEqual(source.parameters().map((p) => Array.from(p.data)))
  })

  test('non-finite values are refused with the key and first bad element, before anything is written; allowNonFinite loads them', () => {
    const m = layer()
    const before = weights(m)
    const bias = tensor([1, 2])
    expectPlainError(() => m.loadStateDict({ bias, weight: tensor([[1, 2, 3], [4, NaN, Infinity]]) }), /^loadStateDict: weight: element 4 \(\[1, 1\]\) is NaN; pass \{ allowNonFinite: true \} to load non-finite values$/)
    expectPlainError(() => m.loadStateDict({ weight: tensor([[1, 2, 3], [4, 5, 6]]), bias: tensor([-Infinity, 1]) }), /bias: element 0 is -Infinity/)
    const huge = tensor([[1, 2, 3], [4, 5, 1e300]], { dtype: 'float64' })
    expectPlainError(() => m.loadStateDict({ bias, weight: huge }), /weight: element 5 \(\[1, 2\]\) is 1e\+300, too large for float32/)
    expect(weights(m)).toEqual(before)
    m.loadStateDict({ bias, weight: huge }, { allowNonFinite: true })
    expect(m.weight.data[5]).toBe(Infinity)
  })

  test('checkStateDict changes nothing; applyStateDict writes only what was checked, into the module it was checked against', () => {
    const m = layer()
    const before = weights(m)
    const checked = m.checkStateDict({ weight: tensor([[1, 2, 3], [4, 5, 6]]), bias: tensor([7, 8]) })
    expect(weights(m)).toEqual(before)
    m.applyStateDict(checked)
    expect(weights(m)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expectPlainError(() => layer().applyStateDict(checked), /applyStateDict: these values were checked against another module/)
  })
})

describe('optimizer, schedule and generator restores', () => {
  test('an optimizer state dict that is not a plain record, or has names that collide with JavaScript, is refused and changes nothing', () => {
    const run = makeRun(2)
    const good = run.optimizer.stateDict()
    const before = snapshot(run)
    const bad = (dict: unknown, ...patterns: RegExp[]) => expectPlainError(() => run.optimizer.loadStateDict(untyped(dict)), ...patterns)
    bad({ tensors: new Map(Object.entries(good.tensors)), config: good.config }, /Adam.loadStateDict: expected \{ tensors, config \} with tensors a plain object of Tensors, got tensors an object \(Map\)/)
    bad({ tensors: tensor([1]), config: good.config }, /got tensors an object \(Tensor\)/)
    bad({ tensors: good.tensors, config: new Map() }, /with config a plain object, got config an object \(Map\)/)
    bad(new Map(), /expected \{ tensors, config \}, got an object \(Map\)/)
    const proto = { ...good.tensors }
    Object.defineProperty(proto, 'state.0.__proto__', { value: good.tensors['state.0.exp_avg'], enumerable: true })
    bad({ tensors: proto, config: good.config }, /unexpected state.0.__proto__ \(Adam with these options keeps exp_avg, exp_avg_sq\)/)
    const protoConfig = { ...good.config }
    Object.defineProperty(protoConfig, '__proto__', { value: 1, enumerable: true })
    bad({ tensors: good.tensors, config: protoConfig }, /Adam.loadStateDict: unknown option '__proto__'/)
    const nan = Tensor.zeros([4, 3], 'float32')
    nan.data[4] = NaN
    bad({ tensors: { ...good.tensors, 'state.0.exp_avg': nan }, config: good.config }, /Adam.loadStateDict: state.0.exp_avg: element 4 \(\[1, 1\]\) is NaN/)
    expect(snapshot(run)).toEqual(before)
    run.optimizer.loadStateDict({ tensors: { ...good.tensors, 'state.0.exp_avg': nan }, config: good.config }, { allowNonFinite: true })
    expect(run.optimizer.stateDict().tensors['state.0.exp_avg'].data[4]).toBeNaN()
  })

  test('a schedule restore that fails on its last field leaves the earlier ones unwritten', () => {
    const run = makeRun(2)
    const state = run.schedule.stateDict()
    const before = snapshot(run)
    for (const lastEpoch of [-1, 1.5, 'abc', 2 ** 53, null]) {
      expectPlainError(() => run.schedule.loadStateDict({ ...state, baseLr: 5, lastLr: 6, lastEpoch }), /StepLR.loadStateDict: lastEpoch must be an integer ≥ 0/)
    }
    expectPlainError(() => run.schedule.loadStateDict(untyped(new Map())), /StepLR.loadStateDict: expected a plain object, got an object \(Map\)/)
    expect(snapshot(run)).toEqual(before)
    const plateau = new ReduceLROnPlateau(run.optimizer)
    const plateauState = plateau.stateDict()
    plateau.step(3)
    const plateauBefore = plateau.stateDict()
    for (const field of ['numBadEpochs', 'cooldownCounter', 'lastEpoch']) {
      expectPlainError(() => plateau.loadStateDict({ ...plateauState, [field]: 1.5 }), new RegExp(`ReduceLROnPlateau.loadStateDict: ${field} must be an integer ≥ 0, got number 1.5`))
    }
    expectPlainError(() => plateau.loadStateDict(untyped(tensor([1]))), /ReduceLROnPlateau.loadStateDict: expected a plain object, got an object \(Tensor\)/)
    expect(plateau.stateDict()).toEqual(plateauBefore)
  })

  test('Generator.setState takes exactly four uint32 words, not all zero, and changes nothing otherwise', () => {
    const g = new Generator(5)
    const before = Array.from(g.getState())
    const bad: [unknown, RegExp][] = [
      [[0, 0, 0, 0], /all-zero state/],
      [new Uint32Array(4), /all-zero state/],
      [[1, 2, 3], /expected 4 uint32 words, got 3/],
      [[1, 2, 3, 4, 5], /expected 4 uint32 words, got 5/],
      [[1.5, 2, 3, 4], /word 0 must be an integer in \[0, 2\^32\), got number 1.5/],
      [[1, -1, 3, 4], /word 1 .* got number -1/],
      [[1, 2, 2 ** 32, 4], /word 2 .* got number 4294967296/],
      [[1, 2, 3, '4'], /word 3 .* got the string "4"/],
      [[1, 2, 3, NaN], /word 3 .* got number NaN/],
      ['abcd', /expected 4 uint32 words, got the string "abcd"/],
      [{ length: 4 }, /expected 4 uint32 words, got an object/],
      [null, /expected 4 uint32 words, got null/],
    ]
    for (const [state, pattern] of bad) {
      expectPlainError(() => g.setState(untyped(state)), /^Generator.setState: /, pattern)
      expect(Array.from(g.getState())).toEqual(before)
    }
    g.setState(Float64Array.of(1, 2, 3, 4))
    expect(Array.from(g.getState())).toEqual([1, 2, 3, 4])
    defaultGenerator.setState([4294967295, 0, 0, 0])
    expect(Array.from(defaultGenerator.getState())).toEqual([4294967295, 0, 0, 0])
  })
})

describe('round trips still hold', () => {
  test('a GRU layer and a language model without optimizer load their own state dicts', () => {
    manualSeed(3)
    const gru = new GRU({ inputSize: 2, hiddenSize: 3, bidirectional: true })
    const copy = new GRU({ inputSize: 2, hiddenSize: 3, bidirectional: true })
    copy.loadStateDict(gru.stateDict())
    expect(copy.parameters().map((p) => Array.from(p.data))).toEqual(gru.parameters().map((p) => Array.from(p.data)))
    const model = new LanguageModel({ vocabSize: 3, embeddingDim: 2, hiddenSize: 2, cell: 'rnn', dtype: 'float64' })
    const hidden: RecurrentState = { h: Tensor.zeros([1, 4, 2], 'float64') }
    const file = saveCheckpoint({ model, step: 3, trainer: { step: 3, window: 0, hidden, bestValidation: Infinity, evaluationsSinceBest: 0 } })
    const loaded = loadCheckpoint(file, { model: new LanguageModel({ vocabSize: 3, embeddingDim: 2, hiddenSize: 2, cell: 'rnn', dtype: 'float64' }) })
    expect(loaded.trainer?.bestValidation).toBe(Infinity)
    expect(loaded.trainer?.hidden?.h.shape).toEqual([1, 4, 2])
    // A file from a model of another dtype loads, converted, as PyTorch's load_state_dict copies.
    const f32 = new LanguageModel({ vocabSize: 3, embeddingDim: 2, hiddenSize: 2, cell: 'rnn' })
    loadCheckpoint(saveCheckpoint({ model, step: 0 }), { model: f32 })
    expect(Array.from(f32.parameters()[0].data)).toEqual(Array.from(Float32Array.from(model.parameters()[0].data)))
    expect(StepLR).toBeDefined()
    expect(Adam).toBeDefined()
  })
})
