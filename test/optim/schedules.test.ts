// LR schedules against PyTorch's lr sequences (schedule-*.json), their state dicts (a resumed schedule
// continues exactly), and their option checks.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { tensor, Tensor } from '../../src/index.js'
import { Adam } from '../../src/optim/adam.js'
import { ReduceLROnPlateau } from '../../src/optim/plateau.js'
import { CosineAnnealingLR, ExponentialLR, LinearLR, StepLR } from '../../src/optim/schedules.js'
import { SGD } from '../../src/optim/sgd.js'

interface ScheduleFixture {
  schedulers: { name: string; options: Record<string, unknown> }[]
  base_lr: number
  steps: number
  metrics?: number[]
  lrs: number[]
}

type Schedule = { step(metric?: number): void; getLastLr(): number; stateDict(): Record<string, unknown>; loadStateDict(s: Record<string, unknown>): void }

const dir = join(__dirname, '..', 'fixtures')
const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { schedule_files: { file: string }[] }
const fixtures = index.schedule_files.map(({ file }) => [file, JSON.parse(readFileSync(join(dir, file), 'utf8')) as ScheduleFixture] as const)

// PyTorch's keyword names to seqgrad's: step_size → stepSize, T_max → tMax.
const camel = (key: string) => key.replace(/_([a-z])/gi, (_, ch: string) => ch.toUpperCase()).replace(/^[A-Z]/, (ch) => ch.toLowerCase())

function makeSchedule(optimizer: SGD, name: string, torchOptions: Record<string, unknown>): Schedule {
  const opts = Object.fromEntries(Object.entries(torchOptions).map(([k, v]) => [camel(k), v])) as never
  switch (name) {
    case 'StepLR':
      return new StepLR(optimizer, opts)
    case 'ExponentialLR':
      return new ExponentialLR(optimizer, opts)
    case 'CosineAnnealingLR':
      return new CosineAnnealingLR(optimizer, opts)
    case 'LinearLR':
      return new LinearLR(optimizer, opts)
    case 'ReduceLROnPlateau':
      return new ReduceLROnPlateau(optimizer, opts)
  }
  throw new Error(`unknown schedule ${name}`)
}

const param = () => tensor([0], { dtype: 'float64', requiresGrad: true })

test('the fixtures cover every schedule, with several option sets, and a chain', () => {
  const count = (name: string) => fixtures.filter(([, f]) => f.schedulers.some((s) => s.name === name)).length
  for (const name of ['StepLR', 'ExponentialLR', 'CosineAnnealingLR', 'LinearLR']) expect(count(name)).toBeGreaterThanOrEqual(2)
  expect(count('ReduceLROnPlateau')).toBeGreaterThanOrEqual(4)
  expect(fixtures.some(([, f]) => f.schedulers.length > 1)).toBe(true)
})

test.each(fixtures)('%s gives PyTorch’s lr at every step, and resumes exactly from its state dict', (_file, fixture) => {
  const run = (resumeAt: number | null): number[] => {
    let optimizer = new SGD([param()], { lr: fixture.base_lr })
    let schedules = fixture.schedulers.map(({ name, options }) => makeSchedule(optimizer, name, options))
    const lrs = [optimizer.lr]
    for (let k = 0; k < fixture.steps; k++) {
      if (k === resumeAt) {
        // Through JSON, as a checkpoint stores them; the optimizer's state carries the lr.
        const saved = JSON.parse(JSON.stringify({ opt: optimizer.stateDict().config, sched: schedules.map((s) => s.stateDict()) }))
        optimizer = new SGD([param()], { lr: 123 })
        schedules = fixture.schedulers.map(({ name, options }) => makeSchedule(optimizer, name, options))
        optimizer.loadStateDict({ tensors: {}, config: saved.opt })
        schedules.forEach((s, i) => s.loadStateDict(saved.sched[i]))
      }
      optimizer.step()
      for (const s of schedules) s.step(fixture.metrics?.[k])
      lrs.push(optimizer.lr)
      expect(schedules[schedules.length - 1].getLastLr()).toBe(optimizer.lr)
    }
    return lrs
  }
  const lrs = run(null)
  expect(lrs.length).toBe(fixture.lrs.length)
  lrs.forEach((lr, k) => {
    if (!(Math.abs(lr - fixture.lrs[k]) <= 1e-12)) throw new Error(`step ${k}: lr ${lr}, PyTorch ${fixture.lrs[k]}`)
  })
  expect(run(11)).toEqual(lrs)
})

test('a schedule sets the lr on construction and reports it; later schedules keep the first one’s base lr', () => {
  const opt = new Adam([param()], { lr: 0.1 })
  const warmup = new LinearLR(opt, { startFactor: 0.5, totalIters: 2 })
  expect(opt.lr).toBe(0.05)
  expect(warmup.getLastLr()).toBe(0.05)
  expect(opt.initialLr).toBe(0.1)
  const cosine = new CosineAnnealingLR(opt, { tMax: 4 })
  expect(cosine.stateDict()).toMatchObject({ type: 'CosineAnnealingLR', tMax: 4, etaMin: 0, baseLr: 0.1, lastEpoch: 0, lastLr: 0.05 })
  expect(opt.stateDict().config.initialLr).toBe(0.1)
})

test('ReduceLROnPlateau takes a one-element tensor, keeps the lr before any step, and round-trips an unseen best', () => {
  const opt = new SGD([param()], { lr: 1 })
  const plateau = new ReduceLROnPlateau(opt, { patience: 0, mode: 'max' })
  expect(plateau.getLastLr()).toBe(1)
  const state = JSON.parse(JSON.stringify(plateau.stateDict()))
  expect(state.best).toBe('-Infinity')
  plateau.loadStateDict(state)
  plateau.step(new Tensor(new Float64Array([2])))
  plateau.step(tensor([1]))
  expect(opt.lr).toBeCloseTo(0.1, 15)
  expect(() => plateau.step('x' as unknown as number)).toThrow(/metric must be a number or a one-element Tensor/)
})

test('schedule options and states are checked', () => {
  const opt = new SGD([param()], { lr: 0.1 })
  expect(() => new StepLR(opt, { stepSize: 0 })).toThrow(/StepLR: stepSize must be an integer ≥ 1, got number 0/)
  expect(() => new StepLR(opt, { step_size: 3 } as never)).toThrow(/unknown option 'step_size' \(did you mean stepSize\?\)/)
  expect(() => new ExponentialLR(opt, {} as never)).toThrow(/ExponentialLR: gamma must be a finite number ≥ 0, got undefined/)
  expect(() => new CosineAnnealingLR(opt, { tMax: 5, etaMin: -1 })).toThrow(/etaMin must be a finite number ≥ 0/)
  expect(() => new LinearLR(opt, { startFactor: 0 })).toThrow(/startFactor must be a number in \(0, 1\]/)
  expect(() => new LinearLR(opt, { endFactor: 1.5 })).toThrow(/endFactor must be a number in \[0, 1\]/)
  expect(() => new ReduceLROnPlateau(opt, { factor: 1 })).toThrow(/factor must be a number in \[0, 1\), got number 1/)
  expect(() => new ReduceLROnPlateau(opt, { mode: 'up' as never })).toThrow(/mode must be one of 'min', 'max'/)
  expect(() => new ReduceLROnPlateau(opt, { min_lr: 0.1 } as never)).toThrow(/did you mean minLr\?/)
  expect(() => new StepLR({ lr: 0.1 } as never, { stepSize: 1 })).toThrow(/StepLR: expected an optimizer/)
  const step = new StepLR(opt, { stepSize: 2 })
  expect(() => step.loadStateDict(new ExponentialLR(opt, { gamma: 0.5 }).stateDict())).toThrow(/StepLR.loadStateDict: the state is for the string "ExponentialLR", not StepLR/)
  expect(() => step.loadStateDict({ ...step.stateDict(), lastEpoch: -2 })).toThrow(/lastEpoch must be an integer ≥ 0/)
  expect(() => new ReduceLROnPlateau(opt).loadStateDict({ ...new ReduceLROnPlateau(opt).stateDict(), best: 'big' })).toThrow(/best must be a finite number or 'Infinity'/)
})
