// One (cell variant, seed) run is a pure unit of plain data: its numbers are bit-identical when run twice and
// when run after other units in another order, its input and output survive JSON (so a worker thread can
// take and return them), and the summary does not depend on the order results come in. Run a step at a time
// (startUnit, as the demo page's worker runs it between its messages), a unit gives runUnit's numbers.
import { copyTask } from '../../src/compare/copy.js'
import { planComparison, planSelectionUnits, planUnits } from '../../src/compare/plan.js'
import { runComparison } from '../../src/compare/runner.js'
import { summarize } from '../../src/compare/summary.js'
import { LR_DROP, runUnit, startUnit, type UnitResult } from '../../src/compare/unit.js'
import { addingTask } from '../../src/compare/adding.js'
import { manualSeed } from '../../src/tensor/random.js'

/** Everything but the wall times. */
const numbers = ({ trainSeconds: _t, tokensPerSecond: _r, ...rest }: UnitResult) => rest

const plan = planComparison({
  task: copyTask,
  cells: [{ kind: 'rnn', options: { nonlinearity: 'relu', init: 'identity' } }, { kind: 'lstm', options: { forgetBias: 2 } }, 'gru'],
  settings: { length: 2, hidden: 5, batchSize: 3, seed: 7 },
  steps: 4,
  seeds: 2,
  evaluations: 2,
})
const units = planUnits(plan)

test('the plan: every cell on every seed, as plain data', () => {
  expect(units.map((u) => [u.id, u.cellIndex, u.settings.seed, u.phase])).toEqual([
    [0, 0, 7, 'final'], [1, 0, 8, 'final'], [2, 1, 7, 'final'], [3, 1, 8, 'final'], [4, 2, 7, 'final'], [5, 2, 8, 'final'],
  ])
  expect(JSON.parse(JSON.stringify(units))).toEqual(units)
  expect(JSON.parse(JSON.stringify(plan))).toEqual(plan)
  expect(planSelectionUnits(plan)).toEqual([]) // one learning rate: nothing to choose
})

test('a unit gives bit-identical numbers run twice, in another order, and after JSON; its result is plain data', () => {
  const forward = units.map((u) => runUnit(u))
  manualSeed(12345) // whatever state the generator is left in, a unit seeds its own
  const backward = [...units].reverse().map((u) => runUnit(JSON.parse(JSON.stringify(u))))
  backward.reverse()
  expect(forward.map(numbers)).toEqual(backward.map(numbers))
  // Bit for bit, not to a tolerance: Object.is on every float.
  forward.forEach((r, i) => r.trainLoss.forEach((v, k) => expect(Object.is(v, backward[i].trainLoss[k])).toBe(true)))
  for (const r of forward) {
    expect(JSON.parse(JSON.stringify(r))).toEqual(r)
    expect(r.trainLoss).toHaveLength(4)
    expect(r.metricCurve.map(([step]) => step)).toEqual([2, 4])
    expect(r.gradientNorms.start).toHaveLength(2 * 5 + 2 + 1)
    expect(r.trainSeconds).toBeGreaterThan(0)
  }
  // The two seeds of a cell differ (data and initialisation follow the seed).
  expect(forward[0].trainLoss).not.toEqual(forward[1].trainLoss)

  // The summary matches results to units by id: the order they finish in changes nothing.
  const shuffled = [forward[3], forward[0], forward[5], forward[1], forward[4], forward[2]]
  expect(summarize(plan, copyTask, units, shuffled)).toEqual(summarize(plan, copyTask, units, forward))
  expect(() => summarize(plan, copyTask, units, forward.slice(1))).toThrow(/no result for unit 0 \(IRNN, seed 7\)/)
  expect(() => summarize(plan, copyTask, units, [...forward, forward[2]])).toThrow(/two results for unit 2/)

  // runComparison is the same plan run in order.
  const sequential = runComparison({ task: copyTask, cells: [{ kind: 'rnn', options: { nonlinearity: 'relu', init: 'identity' } }, { kind: 'lstm', options: { forgetBias: 2 } }, 'gru'], settings: { length: 2, hidden: 5, batchSize: 3, seed: 7 }, steps: 4, seeds: 2, evaluations: 2 })
  const strip = (r: ReturnType<typeof summarize>) => r.cells.map(({ trainSeconds: _a, tokensPerSecond: _b, seeds, ...c }) => ({ ...c, seeds: seeds.map(({ trainSeconds: _c, tokensPerSecond: _d, ...s }) => s) }))
  expect(strip(sequential)).toEqual(strip(summarize(plan, copyTask, units, forward)))
})

test('a diverging run stops at the first non-finite loss and reports it, instead of throwing', () => {
  const nanTask = { ...addingTask, create: (...args: Parameters<typeof addingTask.create>) => {
    const run = addingTask.create(...args)
    return { ...run, trainLoss: (step: number) => (step >= 3 ? run.trainLoss(step).mul(NaN) : run.trainLoss(step)) }
  } }
  const [unit] = planUnits(planComparison({ task: nanTask, cells: ['lstm'], settings: { length: 4, hidden: 3, batchSize: 2, seed: 0 }, steps: 5 }))
  const r = runUnit(unit, { task: nanTask })
  expect([r.divergedAt, r.trainLoss.length, r.metric, r.solved, r.gradientNorms.end]).toEqual([3, 2, null, false, []])
  expect(JSON.parse(JSON.stringify(r))).toEqual(r)
})

test('startUnit runs a unit a step at a time, with runUnit\'s numbers bit for bit and its progress events', () => {
  const unit = units[2] // LSTM, forget bias 2, seed 7
  const whole = runUnit(unit, { progressEvents: 4 })
  const events: number[] = []
  const runner = startUnit(unit, { progressEvents: 4, onProgress: (e) => events.push(e.step) })
  expect([runner.stepsRun, runner.done]).toEqual([0, false])
  expect(() => runner.result()).toThrow('compare: unit 2 has run 0 of 4 steps; its result comes after the last')
  const more = [runner.step(), runner.step(), runner.step()]
  expect([more, runner.stepsRun, runner.done]).toEqual([[true, true, true], 3, false])
  manualSeed(999) // the generator moving between steps changes nothing: training draws from the unit's own data generator
  expect([runner.step(), runner.done, runner.step(), runner.stepsRun]).toEqual([false, true, false, 4]) // the last step, then none
  const stepped = runner.result()
  expect(numbers(stepped)).toEqual(numbers(whole))
  stepped.trainLoss.forEach((v, k) => expect(Object.is(v, whole.trainLoss[k])).toBe(true))
  expect(events).toEqual([1, 2, 3, 4])
  expect(runner.result()).toBe(stepped) // taken once

  // a diverging unit is done at the step whose loss was not finite
  const nanTask = { ...addingTask, create: (...args: Parameters<typeof addingTask.create>) => {
    const run = addingTask.create(...args)
    return { ...run, trainLoss: (step: number) => (step >= 2 ? run.trainLoss(step).mul(NaN) : run.trainLoss(step)) }
  } }
  const [diverging] = planUnits(planComparison({ task: nanTask, cells: ['gru'], settings: { length: 4, hidden: 3, batchSize: 2, seed: 0 }, steps: 5 }))
  const halted = startUnit(diverging, { task: nanTask })
  expect([halted.step(), halted.step(), halted.done, halted.stepsRun, halted.result().divergedAt]).toEqual([true, false, true, 1, 2])
})

test('every run keeps its lr for the first LR_DROP.at of its steps, then goes on at LR_DROP.factor of it, the same for every cell', () => {
  // With a constant gradient Adam moves each weight by the lr itself, so the weight's steps read out the schedule.
  const steps = 20
  const lr = 0.01
  const positions: number[] = []
  const constantGradient = { ...addingTask, create: (...args: Parameters<typeof addingTask.create>) => {
    const run = addingTask.create(...args)
    const w = run.model.parameters()[0]
    return { ...run, trainLoss: () => {
      positions.push(w.data[0])
      return w.sum()
    } }
  } }
  const [unit] = planUnits(planComparison({ task: constantGradient, cells: ['gru'], settings: { length: 4, hidden: 3, batchSize: 2, seed: 0 }, steps, learningRates: [lr] }))
  runUnit(unit, { task: constantGradient })
  const moves = positions.slice(1).map((w, i) => positions[i] - w) // the lr of steps 1 … steps − 1
  moves.forEach((move, i) => expect(move).toBeCloseTo(i + 1 <= 16 ? lr : lr * 0.1, 6))
  expect(LR_DROP).toEqual({ at: 0.8, factor: 0.1 })
})
