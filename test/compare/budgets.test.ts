// Fair budgets: --match params picks hidden sizes whose parameter counts are within a few percent (checked
// against counts worked out by hand); the learning rate is chosen on a validation split and never on the
// test set; the memory column counts what a step holds, LSTM > GRU > RNN at one hidden size.
import { copyTask } from '../../src/compare/copy.js'
import { chooseLearningRates, hiddenForParameters, planComparison, planSelectionUnits, planUnits } from '../../src/compare/plan.js'
import { runComparison } from '../../src/compare/runner.js'
import type { CellRun, RunPurpose, Task } from '../../src/compare/task.js'
import { textTask } from '../../src/compare/text.js'
import { runUnit } from '../../src/compare/unit.js'
import { measureAllocations } from '../../src/tensor/dtype.js'
import { Tensor } from '../../src/tensor/tensor.js'
import { unitResult } from './crafted.js'

// The copy task's model: a layer over 10 input channels (G gate blocks) and a linear head to 8 classes.
const copyParameters = (G: number, H: number) => G * H * (10 + H + 2) + 8 * H + 8
const settings = { length: 20, hidden: 32, batchSize: 32, seed: 0 }

describe('--match params', () => {
  test('each hidden size brings the parameter count within a few percent of the largest cell at --hidden', () => {
    expect([copyParameters(1, 32), copyParameters(4, 32), copyParameters(3, 32)]).toEqual([1672, 5896, 4488])
    expect(copyTask.parameterCount({ kind: 'gru', options: {} }, 32)).toBe(4488) // the task counts what it builds
    const plan = planComparison({ task: copyTask, cells: ['rnn', 'lstm', 'gru'], settings, steps: 1, match: 'params' })
    // RNN: H² + 20H + 8 is 5,837 at 67 and 5,992 at 68; GRU: 3H² + 44H + 8 is 5,743 at 37 and 6,012 at 38.
    expect(plan.cells.map((c) => [c.label, c.hiddenSize, c.parameters, c.parametersAtBaseHidden])).toEqual([
      ['RNN (tanh)', 67, 5837, 1672],
      ['LSTM', 32, 5896, 5896],
      ['GRU', 38, 6012, 4488],
    ])
    for (const c of plan.cells) expect(Math.abs(c.parameters / 5896 - 1)).toBeLessThan(0.03)
    // Matching by hidden size leaves them as they are; a cell's own hidden= is kept either way.
    expect(planComparison({ task: copyTask, cells: ['rnn', 'lstm', 'gru'], settings, steps: 1 }).cells.map((c) => c.hiddenSize)).toEqual([32, 32, 32])
    const own = planComparison({ task: copyTask, cells: ['rnn', { kind: 'gru', options: { hidden: 20 } }], settings, steps: 1, match: 'params' })
    // The target is now the GRU at its own 20: 2,088; the RNN has 2,024 at 36 and 2,117 at 37.
    expect(own.cells.map((c) => [c.hiddenSize, c.parameters])).toEqual([[37, 2117], [20, copyParameters(3, 20)]])
    const smaller = planComparison({ task: copyTask, cells: ['lstm', { kind: 'gru', options: { hidden: 20 } }], settings, steps: 1, match: 'params' })
    expect(smaller.cells.map((c) => c.hiddenSize)).toEqual([32, 20]) // not raised to the LSTM's 5,896
  })

  test('the nearest count wins, the smaller hidden size on a tie', () => {
    expect(hiddenForParameters((h) => 10 * h, 35)).toBe(3) // 30 and 40 are as far: the smaller
    expect(hiddenForParameters((h) => 10 * h, 36)).toBe(4)
    expect(hiddenForParameters((h) => h * h, 1)).toBe(1)
  })
})

describe('the learning rate', () => {
  test('is chosen on validation runs only: no selection run ever scores the test set', () => {
    const calls: { purpose: RunPurpose; split: string }[] = []
    const spy: Task = {
      ...copyTask,
      create: (cell, s, purpose = 'train') => {
        const run = copyTask.create(cell, s, purpose)
        const evaluate: CellRun['evaluate'] = (split = 'test') => {
          calls.push({ purpose, split })
          return run.evaluate(split)
        }
        return { ...run, evaluate }
      },
    }
    const result = runComparison({ task: spy, cells: ['gru', 'rnn'], settings: { length: 2, hidden: 4, batchSize: 2, seed: 1 }, steps: 4, selectionSteps: 2, seeds: 2, evaluations: 2, learningRates: [0.001, 0.05] })
    const select = calls.filter((c) => c.purpose === 'select')
    expect(select).toHaveLength(2 * 2 * 2) // cells × rates × seeds, each scored once at its end
    expect(select.every((c) => c.split === 'validation')).toBe(true)
    expect(calls.filter((c) => c.purpose === 'train').every((c) => c.split === 'test')).toBe(true)
    for (const c of result.cells) {
      expect(c.lrSelection.map((s) => s.lr)).toEqual([0.001, 0.05])
      const best = c.lrSelection.reduce((a, s) => ((s.validationMetric ?? -1) > (a.validationMetric ?? -1) ? s : a))
      expect(c.lr).toBe(best.lr)
    }
  })

  test('per cell, the best median validation metric; a diverged run scores worst; ties go to the rate listed first', () => {
    const plan = planComparison({ task: copyTask, cells: ['gru', 'lstm', 'rnn'], settings, steps: 10, seeds: 3, learningRates: [0.1, 0.01, 0.001] })
    const units = planSelectionUnits(plan)
    expect(units).toHaveLength(3 * 3 * 3)
    expect(units.every((u) => u.phase === 'select' && u.steps === 2)).toBe(true)
    expect(() => planUnits(plan)).toThrow(/needs the choice of each cell/)
    const metrics: Record<string, (number | null)[]> = {
      '0 0.1': [null, null, 0.99], '0 0.01': [0.8, 0.9, 0.85], '0 0.001': [0.5, 0.6, 0.7], // GRU: 0.01 (0.1's median is a diverged run)
      '1 0.1': [0.2, 0.2, 0.2], '1 0.01': [0.3, 0.1, 0.2], '1 0.001': [0.2, 0.25, 0.9], // LSTM: 0.001 (0.25)
      '2 0.1': [0.4, 0.4, 0.4], '2 0.01': [0.4, 0.3, 0.5], '2 0.001': [0.1, 0.1, 0.1], // RNN: a tie, the first listed
    }
    const results = units.map((u) => unitResult(u, { metric: metrics[`${u.cellIndex} ${u.lr}`][u.settings.seed] })).reverse()
    const choices = chooseLearningRates(plan, copyTask, results)
    expect(choices.map((c) => c.lr)).toEqual([0.01, 0.001, 0.1])
    expect(choices[0].scores).toEqual([{ lr: 0.1, validationMetric: null }, { lr: 0.01, validationMetric: 0.85 }, { lr: 0.001, validationMetric: 0.6 }])
    expect(planUnits(plan, choices).map((u) => u.lr)).toEqual([0.01, 0.01, 0.01, 0.001, 0.001, 0.001, 0.1, 0.1, 0.1])
    // Lower is better for a loss-like metric.
    expect(chooseLearningRates(plan, { lowerIsBetter: true }, results).map((c) => c.lr)).toEqual([0.001, 0.1, 0.001])
  })

  test('the text task chooses on the end of its training part, and refuses when that is too short to split', () => {
    const text = 'the quick brown fox jumps over the lazy dog, and the dog sleeps on. '.repeat(16)
    const task = textTask(text)
    const s = { length: 8, hidden: 4, batchSize: 2, seed: 0 }
    const select = task.create('gru', s, 'select')
    const validation = select.evaluate('validation').metric
    expect(validation).not.toBe(select.evaluate('test').metric)
    const short = textTask('abcdefghij'.repeat(30)).create('gru', { ...s, batchSize: 28 }, 'select') // 252 of its 270 training characters to train on: none to spare
    expect(() => short.evaluate('validation')).toThrow(/too short to hold out a validation split.*give a longer text or a single --lr/)
  })
})

describe('the memory column', () => {
  test('measureAllocations counts the bytes allocated in its scope, nested scopes too, and nothing outside', () => {
    const outer = measureAllocations(() => {
      Tensor.zeros([10], 'float32')
      const inner = measureAllocations(() => Tensor.zeros([3, 2], 'float64'))
      expect(inner.bytes).toBe(48)
      return inner.result.shape
    })
    expect(outer).toEqual({ result: [3, 2], bytes: 40 + 48 })
    expect(measureAllocations(() => 1).bytes).toBe(0)
  })

  test('a step holds parameters, gradients, Adam state and activations: LSTM > GRU > RNN at equal hidden', () => {
    const plan = planComparison({ task: copyTask, cells: ['lstm', 'gru', 'rnn'], settings: { length: 5, hidden: 16, batchSize: 8, seed: 0 }, steps: 1 })
    const memory = planUnits(plan).map((u) => runUnit(u).memory)
    memory.forEach((m, i) => {
      const parameterBytes = 4 * plan.cells[i].parameters
      expect([m.parameters, m.gradients, m.optimizerState]).toEqual([parameterBytes, parameterBytes, 2 * parameterBytes])
      expect(m.activations).toBeGreaterThan(0)
      expect(m.total).toBe(m.parameters + m.gradients + m.optimizerState + m.activations)
    })
    const [lstm, gru, rnn] = memory
    expect(lstm.total).toBeGreaterThan(gru.total)
    expect(gru.total).toBeGreaterThan(rnn.total)
    expect(lstm.activations).toBeGreaterThan(gru.activations)
    expect(gru.activations).toBeGreaterThan(rnn.activations)
    // The LSTM's fused op keeps T·B·4H gate values and T+1 blocks of h and of c more than the RNN's T·B·H and h alone.
    expect(lstm.activations - rnn.activations).toBeGreaterThanOrEqual(4 * (16 * 8 * 3 * 16 + 16 * 8 * 16))
  })
})
