// Optimizer and clipping edge values the fixtures do not reach: a weight decay of exactly 1 (where λ·p = p,
// so code that skipped the decay for λ = 1 would look right at any other λ), clipGradNorm with maxNorm 0,
// and which state tensors SGD keeps with and without momentum. Expected numbers are PyTorch 1.13's.
import { Tensor, tensor } from '../../src/index.js'
import { Adam, AdamW } from '../../src/optim/adam.js'
import { clipGradNorm } from '../../src/optim/clip.js'
import type { Optimizer } from '../../src/optim/optimizer.js'
import { RMSprop } from '../../src/optim/rmsprop.js'
import { SGD } from '../../src/optim/sgd.js'
import { expectPlainError } from '../helpers/errors.js'

const param = (values: number[]) => tensor(values, { dtype: 'float64', requiresGrad: true })

/** Three steps of `make` on p = [1.5, −2, 0] with the gradient [0.5, 0.25, −1] each time; p after each step. */
function trajectory(make: (ps: Tensor[]) => Optimizer): number[][] {
  const p = param([1.5, -2, 0])
  const optimizer = make([p])
  const out: number[][] = []
  for (let step = 0; step < 3; step++) {
    p.grad = tensor([0.5, 0.25, -1], { dtype: 'float64' })
    optimizer.step()
    out.push(Array.from(p.data))
  }
  return out
}

function expectTrajectory(got: number[][], want: number[][]): void {
  got.forEach((row, s) => row.forEach((v, j) => {
    if (!(Math.abs(v - want[s][j]) <= 1e-12 * Math.max(1, Math.abs(want[s][j])))) throw new Error(`step ${s + 1}, p[${j}]: got ${v}, PyTorch ${want[s][j]}`)
  }))
}

describe('weight decay of exactly 1 (PyTorch, three steps)', () => {
  test('SGD: d = g + p', () => {
    expectTrajectory(trajectory((ps) => new SGD(ps, { lr: 0.1, weightDecay: 1 })), [[1.3, -1.825, 0.1], [1.12, -1.6675, 0.19], [0.958, -1.52575, 0.271]])
  })

  test('SGD with momentum', () => {
    expectTrajectory(trajectory((ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, weightDecay: 1 })), [[1.3, -1.825, 0.1], [0.94, -1.51, 0.28], [0.472, -1.1005, 0.514]])
  })

  test('Adam: g + p enters both moments', () => {
    expectTrajectory(trajectory((ps) => new Adam(ps, { lr: 0.1, weightDecay: 1 })), [
      [1.4000000005, -1.9000000005714286, 0.09999999900000002],
      [1.3001664866210927, -1.80019649038644, 0.1995877702876619],
      [1.2006233928121137, -1.7007384011225366, 0.2984137254955851],
    ])
  })

  test('AdamW: p shrinks by 1 − lr·λ; with lr = 1 that is to 0 before the step', () => {
    expectTrajectory(trajectory((ps) => new AdamW(ps, { lr: 0.1, weightDecay: 1 })), [
      [1.2500000020000002, -1.8999999960000002, 0.09999999900000002],
      [1.025000003800001, -1.8099999923999999, 0.18999999809999935],
      [0.8225000054200009, -1.72899998916, 0.27099999728999935],
    ])
    expectTrajectory(trajectory((ps) => new AdamW(ps, { lr: 1, weightDecay: 1 })), [
      [-0.9999999800000003, -0.9999999600000016, 0.9999999900000002],
      [-0.9999999799999932, -0.9999999599999945, 0.9999999899999931],
      [-0.9999999799999997, -0.9999999600000009, 0.9999999899999995],
    ])
  })

  test('RMSprop: g + p enters the square average', () => {
    expectTrajectory(trajectory((ps) => new RMSprop(ps, { lr: 0.1, weightDecay: 1 })), [
      [0.5000000499999979, -1.000000057142854, 0.9999999000000096],
      [0.05098679717003246, -0.604406166520509, 1.0000000005037715],
      [-0.19031259063759703, -0.41976039371925433, 0.9999999999949114],
    ])
  })
})

describe('clipGradNorm with maxNorm 0', () => {
  test('zeroes every gradient and returns the norm before clipping, as PyTorch (13 for [3], [4, −12])', () => {
    const p = param([1])
    const q = param([2, 3])
    p.grad = tensor([3], { dtype: 'float64' })
    q.grad = tensor([4, -12], { dtype: 'float64' })
    expect(clipGradNorm([p, q], 0)).toBeCloseTo(13, 14)
    expect(Array.from(p.grad.data)).toEqual([0])
    expect(Array.from(q.grad.data).map((v) => v === 0)).toEqual([true, true])
  })

  test('with every norm type, and a negative maxNorm is refused', () => {
    for (const normType of [1, 2, 3, Infinity]) {
      const p = param([1, 2])
      p.grad = tensor([0.5, -0.25], { dtype: 'float64' })
      expect(clipGradNorm([p], 0, normType)).toBeGreaterThan(0)
      expect(Array.from(p.grad.data).every((v) => v === 0)).toBe(true)
    }
    const p = param([1])
    p.grad = tensor([1], { dtype: 'float64' })
    expectPlainError(() => clipGradNorm([p], -1e-9), /clipGradNorm: maxNorm must be a number ≥ 0, got number -1e-9/)
  })
})

describe('the state SGD keeps', () => {
  function stepped(momentum: number): SGD {
    const p = param([1, 2])
    const sgd = new SGD([p], { lr: 0.1, momentum })
    p.grad = tensor([0.5, 0.5], { dtype: 'float64' })
    sgd.step()
    return sgd
  }

  test('without momentum: no tensors, and a momentum buffer offered to it is refused as unexpected', () => {
    const plain = stepped(0)
    const dict = plain.stateDict()
    expect(dict.tensors).toEqual({})
    expect(Object.keys(dict.config).filter((k) => k.startsWith('state.'))).toEqual([])
    plain.loadStateDict(dict) // its own state loads
    const withMomentum = stepped(0.9).stateDict()
    expectPlainError(() => plain.loadStateDict({ tensors: withMomentum.tensors, config: { ...withMomentum.config, momentum: 0 } }), /unexpected state\.0\.momentum_buffer/)
  })

  test('with momentum: exactly momentum_buffer, required when loading', () => {
    const sgd = stepped(0.9)
    const dict = sgd.stateDict()
    expect(Object.keys(dict.tensors)).toEqual(['state.0.momentum_buffer'])
    expect(Array.from(dict.tensors['state.0.momentum_buffer'].data)).toEqual([0.5, 0.5])
    sgd.loadStateDict(dict)
    expectPlainError(() => sgd.loadStateDict({ tensors: { 'state.0.other': dict.tensors['state.0.momentum_buffer'] }, config: dict.config }), /missing state\.0\.momentum_buffer/)
  })
})
