// Losses: values and gradients against plain-loop references written here (float64), gradcheck for
// every loss, and the error messages.
import fc from 'fast-check'
import { gradcheck, tensor, Tensor } from '../../src/index.js'
import { crossEntropy, l1Penalty, l2Penalty, mseLoss, type Reduction, type Targets } from '../../src/optim/losses.js'
import { broadcastShapesArb, float64TensorArb, shapeArb } from '../../src/testing/index.js'
import { expectClose, leaf, refBinary } from '../autograd/helpers.js'

const reductionArb = fc.constantFrom<Reduction>('mean', 'sum', 'none')

interface CrossEntropyCase {
  logits: Tensor
  targets: number[]
  ignoreIndex: number
  labelSmoothing: number
  reduction: Reduction
}

/** Random logits [...lead, C] (sometimes shifted by ±1000, where a naive exp overflows) and targets, some ignored. */
// The case's options alone: crossEntropy refuses keys it does not know.
const optionsOf = ({ reduction, ignoreIndex, labelSmoothing }: CrossEntropyCase) => ({ reduction, ignoreIndex, labelSmoothing })

const crossEntropyCaseArb: fc.Arbitrary<CrossEntropyCase> = fc
  .record({
    lead: shapeArb({ minRank: 0, maxRank: 2, maxDim: 4 }),
    classes: fc.integer({ min: 1, max: 6 }),
    shift: fc.constantFrom(0, 0, 1000, -1000),
    ignoreIndex: fc.constantFrom(-100, -1, 0, 2),
    labelSmoothing: fc.constantFrom(0, 0, 0.1, 0.35, 1),
    reduction: reductionArb,
  })
  .chain(({ lead, classes, shift, ignoreIndex, labelSmoothing, reduction }) => {
    const rows = lead.reduce((a, b) => a * b, 1)
    // Draw each target from the classes plus ignoreIndex (when it is not already a class).
    const choices = Array.from({ length: classes }, (_, c) => c)
    if (ignoreIndex < 0 || ignoreIndex >= classes) choices.push(ignoreIndex)
    return fc.record({
      logits: float64TensorArb([...lead, classes], { min: -8, max: 8 }).map((t) => leaf(new Tensor(t.data.map((v) => v + shift), t.shape))),
      targets: fc.array(fc.constantFrom(...choices), { minLength: rows, maxLength: rows }),
      ignoreIndex: fc.constant(ignoreIndex),
      labelSmoothing: fc.constant(labelSmoothing),
      reduction: fc.constant(reduction),
    })
  })

/** The same targets in each accepted form: an int32 tensor of the leading shape, a flat tensor, an Int32Array, a number[]. */
function targetForms(targets: number[], lead: readonly number[]): Targets[] {
  return [new Tensor(Int32Array.from(targets), lead), new Tensor(Int32Array.from(targets), [targets.length]), Int32Array.from(targets), targets]
}

/**
 * The loss and d(loss)/d(logits) in plain loops: per row, lse = m + log Σ exp(x − m) (m the row max);
 * the loss is Σ_c q_c (lse − x_c) with q = (1 − ε)·onehot + ε/C, and its gradient softmax − q.
 */
function referenceCrossEntropy(c: CrossEntropyCase): { losses: number[]; loss: number[]; grad: number[] } {
  const classes = c.logits.shape[c.logits.ndim - 1]
  const x = Array.from(c.logits.data)
  const losses: number[] = []
  const rowGrads: number[] = []
  let counted = 0
  c.targets.forEach((t, n) => {
    const row = x.slice(n * classes, (n + 1) * classes)
    if (t === c.ignoreIndex) {
      losses.push(0)
      rowGrads.push(...row.map(() => 0))
      return
    }
    counted++
    const m = Math.max(...row)
    let s = 0
    for (const v of row) s += Math.exp(v - m)
    const lse = m + Math.log(s)
    let loss = 0
    row.forEach((v, k) => {
      const q = (k === t ? 1 - c.labelSmoothing : 0) + c.labelSmoothing / classes
      loss += q * (lse - v)
      rowGrads.push(Math.exp(v - lse) - q)
    })
    losses.push(loss)
  })
  const total = losses.reduce((a, b) => a + b, 0)
  if (c.reduction === 'none') return { losses, loss: losses, grad: rowGrads } // gradient of Σ losses
  const scale = c.reduction === 'mean' ? 1 / counted : 1
  return { losses, loss: [total * scale], grad: rowGrads.map((g) => g * scale) }
}

test('crossEntropy equals −log softmax at the target, in every target form, with its exact gradient', () => {
  fc.assert(
    fc.property(crossEntropyCaseArb, (c) => {
      const lead = c.logits.shape.slice(0, -1)
      const allIgnored = c.targets.every((t) => t === c.ignoreIndex)
      fc.pre(!(allIgnored && c.reduction === 'mean')) // NaN by design: its own test below
      const want = referenceCrossEntropy(c)
      for (const targets of targetForms(c.targets, lead)) {
        c.logits.grad = null
        const loss = crossEntropy(c.logits, targets, optionsOf(c))
        expect(loss.dtype).toBe('float64')
        expect(loss.shape).toEqual(c.reduction === 'none' ? lead : [])
        expectClose(loss.data, want.loss, 1e-12, 1e-11) // the ±1000 shift costs a few ulps of 1000
        loss.sum().backward()
        expectClose((c.logits.grad as Tensor | null)?.data ?? [], want.grad, 1e-10, 1e-12)
      }
    }),
    { numRuns: 150 },
  )
})

test('crossEntropy passes gradcheck for every reduction, ignoreIndex and label smoothing', () => {
  fc.assert(
    fc.property(crossEntropyCaseArb, (c) => {
      fc.pre(c.logits.data.every((v) => Math.abs(v) < 100)) // the ±1000 shift leaves too few digits for finite differences
      fc.pre(!(c.targets.every((t) => t === c.ignoreIndex) && c.reduction === 'mean'))
      expect(gradcheck((logits) => crossEntropy(logits, c.targets, optionsOf(c)), [c.logits])).toBe(true)
    }),
    { numRuns: 60 },
  )
})

test('crossEntropy on float32 logits computes in float32, close to the float64 result', () => {
  const logits64 = new Tensor(Float64Array.from({ length: 12 }, (_, i) => Math.sin(3 * i) * 4), [3, 4])
  const targets = [3, 0, 2]
  const want = crossEntropy(logits64, targets).item()
  const got = crossEntropy(logits64.to('float32'), targets)
  expect(got.dtype).toBe('float32')
  expect(Math.abs(got.item() - want)).toBeLessThan(1e-6)
})

test('crossEntropy: reductions relate as none → sum → mean over the counted targets; ignored rows are 0 with no gradient', () => {
  const logits = leaf(tensor([[1, 2, 3], [0.5, -1, 2], [3, 3, 0], [-2, 0, 1]]))
  const targets = [2, -100, 0, 1]
  const perRow = crossEntropy(logits, targets, { reduction: 'none' })
  expect(perRow.shape).toEqual([4])
  expect(perRow.data[1]).toBe(0)
  const lse = (row: number[]) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0))
  expectClose(perRow.data, [lse([1, 2, 3]) - 3, 0, lse([3, 3, 0]) - 3, lse([-2, 0, 1]) - 0], 1e-14, 1e-14)
  const sum = crossEntropy(logits, targets, { reduction: 'sum' }).item()
  const mean = crossEntropy(logits, targets).item()
  expect(sum).toBeCloseTo(perRow.data[0] + perRow.data[2] + perRow.data[3], 14)
  expect(mean).toBeCloseTo(sum / 3, 14) // 3 targets counted, not 4
  crossEntropy(logits, targets).backward()
  expect(Array.from((logits.grad as Tensor).data.slice(3, 6))).toEqual([0, 0, 0])
})

test('crossEntropy: a valid class can be the ignoreIndex (padding token 0)', () => {
  const logits = leaf(tensor([[2, 1], [0, 3]]))
  const ignoringPad = crossEntropy(logits, [0, 1], { ignoreIndex: 0, reduction: 'none' })
  expect(ignoringPad.data[0]).toBe(0)
  expect(ignoringPad.data[1]).toBeCloseTo(Math.log(1 + Math.exp(3)) - 3, 14)
})

test('crossEntropy: every target ignored gives NaN for mean (as PyTorch) and 0 for sum', () => {
  const logits = leaf(tensor([[1, 2], [3, 4]]))
  expect(Number.isNaN(crossEntropy(logits, [-100, -100]).item())).toBe(true)
  expect(crossEntropy(logits, [-100, -100], { reduction: 'sum' }).item()).toBe(0)
})

test('crossEntropy: a −∞ logit (a masked class) leaves the loss and gradient finite', () => {
  const logits = leaf(tensor([[0, -Infinity, 1], [-Infinity, 2, 2]]))
  const loss = crossEntropy(logits, [2, 1], { reduction: 'sum' })
  expect(loss.item()).toBeCloseTo(Math.log(1 + Math.E) - 1 + Math.log(2), 14)
  loss.backward()
  const g = Array.from((logits.grad as Tensor).data)
  expect(g.every(Number.isFinite)).toBe(true)
  expectClose(g, [1 / (1 + Math.E), 0, Math.E / (1 + Math.E) - 1, 0, -0.5, 0.5], 1e-14, 1e-15)
})

test('crossEntropy: 1-d logits [C] take one target', () => {
  const loss = crossEntropy(tensor([1, 2, 0], { dtype: 'float64' }), [1])
  expect(loss.item()).toBeCloseTo(Math.log(Math.E + Math.E ** 2 + 1) - 2, 14)
})

test('crossEntropy: errors name what came and what was expected', () => {
  const logits = tensor(new Float32Array(20), { shape: [4, 5] })
  expect(() => crossEntropy(logits, [0, 1, 2, 3, 4, 0])).toThrow('crossEntropy: 6 targets for logits of shape [4, 5]')
  expect(() => crossEntropy(logits, new Int32Array(3))).toThrow('crossEntropy: 3 targets for logits of shape [4, 5]')
  expect(() => crossEntropy(logits, [0, 7, 1, 2])).toThrow('crossEntropy: target 7 at index 1 is out of range for 5 classes (expected 0 to 4, or ignoreIndex -100)')
  expect(() => crossEntropy(logits, [0, 1, -1, 2])).toThrow(/target -1 at index 2 is out of range for 5 classes/)
  expect(() => crossEntropy(logits, [0, 1, 1.5, 2])).toThrow('crossEntropy: target 1.5 at index 2 is not an integer class index')
  expect(() => crossEntropy(logits, [0, 1, 2 ** 32, 2])).toThrow(/target 4294967296 at index 2 is out of range/)
  expect(() => crossEntropy(logits, tensor([0, 1, 2, 3]))).toThrow('crossEntropy: targets must be an int32 tensor of class indices, got float32')
  expect(() => crossEntropy(tensor([[1, 2]], { dtype: 'int32' }), [0])).toThrow('crossEntropy: logits must be a float tensor (float32 or float64), got int32')
  expect(() => crossEntropy(logits, [0, 1, 2, 3], { reduction: 'avg' as Reduction })).toThrow(/reduction must be 'mean', 'sum' or 'none'/)
  expect(() => crossEntropy(logits, [0, 1, 2, 3], { labelSmoothing: 1.5 })).toThrow(/labelSmoothing must be a number in \[0, 1\]/)
  expect(() => crossEntropy(logits, [0, 1, 2, 3], { ignoreIndex: 0.5 })).toThrow(/ignoreIndex must be an integer/)
  const sequenceLogits = tensor(new Float32Array(2 * 3 * 5), { shape: [2, 3, 5] })
  expect(() => crossEntropy(sequenceLogits, new Tensor(new Int32Array(6), [3, 2]))).toThrow(
    'crossEntropy: targets of shape [3, 2] do not line up with logits of shape [2, 3, 5]; expected [2, 3] or a flat list of 6',
  )
  // No rows is not an error (PyTorch gives NaN, 0 and [] for the three reductions: test/autograd/zero-size.test.ts); no classes is.
  expect(() => crossEntropy(tensor(new Float32Array(0), { shape: [3, 0] }), [0, 0, 0])).toThrow(/at least one class, got shape \[3, 0\]/)
})

test('mseLoss equals the mean (sum, elementwise) of (input − target)² over the broadcast shape', () => {
  fc.assert(
    fc.property(
      broadcastShapesArb({ maxRank: 3, maxDim: 4 }).chain(([a, b]) => fc.tuple(float64TensorArb(a), float64TensorArb(b))),
      reductionArb,
      ([input, target], reduction) => {
        const want = refBinary(input, target, (x, y) => (x - y) ** 2)
        const got = mseLoss(input, target, { reduction })
        const total = want.data.reduce((a, b) => a + b, 0)
        if (reduction === 'none') {
          expect(got.shape).toEqual(want.shape)
          expectClose(got.data, want.data)
        } else {
          expect(got.shape).toEqual([])
          expectClose(got.data, [reduction === 'sum' ? total : total / want.data.length])
        }
      },
    ),
    { numRuns: 100 },
  )
})

test('mseLoss passes gradcheck in input and target, broadcast included', () => {
  fc.assert(
    fc.property(
      broadcastShapesArb({ maxRank: 3, maxDim: 3 }).chain(([a, b]) => fc.tuple(float64TensorArb(a), float64TensorArb(b))),
      reductionArb,
      ([input, target], reduction) => gradcheck((x, y) => mseLoss(x, y, { reduction }), [input, target]),
    ),
    { numRuns: 40 },
  )
})

test('mseLoss: its gradient is 2(input − target)/n for mean', () => {
  const input = leaf(tensor([1, 2, 4]))
  mseLoss(input, tensor([0, 2, 1], { dtype: 'float64' })).backward()
  expectClose((input.grad as Tensor).data, [2 / 3, 0, 2], 1e-15, 1e-15)
})

test('mseLoss: errors name both shapes and the bad reduction', () => {
  const input = tensor([[1, 2, 3], [4, 5, 6]])
  expect(() => mseLoss(input, tensor([1, 2]))).toThrow('mseLoss: input of shape [2, 3] and target of shape [2] neither match nor broadcast together')
  expect(() => mseLoss(input, input, { reduction: 'max' as Reduction })).toThrow(/mseLoss: reduction must be 'mean', 'sum' or 'none'/)
  expect(() => mseLoss(tensor([1], { dtype: 'int32' }), input)).toThrow('mseLoss: input must be a float tensor (float32 or float64), got int32')
})

test('l1Penalty and l2Penalty are Σ|w| and Σw² over all tensors, with gradients sign(w) and 2w', () => {
  fc.assert(
    fc.property(fc.array(shapeArb({ maxRank: 3, maxDim: 3 }).chain((s) => float64TensorArb(s, { minMagnitude: 0.01 })), { minLength: 1, maxLength: 4 }), (params) => {
      const values = params.flatMap((p) => Array.from(p.data))
      const l1 = l1Penalty(params)
      expectClose(l1.data, [values.reduce((s, v) => s + Math.abs(v), 0)])
      l1.backward()
      params.forEach((p) => expectClose((p.grad as Tensor).data, Array.from(p.data, Math.sign)))
      params.forEach((p) => (p.grad = null))
      const l2 = l2Penalty(params)
      expectClose(l2.data, [values.reduce((s, v) => s + v * v, 0)])
      l2.backward()
      params.forEach((p) => expectClose((p.grad as Tensor).data, Array.from(p.data, (v) => 2 * v)))
      expect(gradcheck((...ps) => l1Penalty(ps), params)).toBe(true)
      expect(gradcheck((...ps) => l2Penalty(ps), params)).toBe(true)
    }),
    { numRuns: 40 },
  )
})

test('penalties add to a loss, of an empty list are 0, and reject what is not a float tensor', () => {
  const w = leaf(tensor([3, -4]))
  l2Penalty([w]).mul(0.5).add(l1Penalty([w])).backward()
  expectClose((w.grad as Tensor).data, [3 + 1, -4 - 1])
  expect(l1Penalty([]).item()).toBe(0)
  expect(() => l2Penalty([w, tensor([1], { dtype: 'int32' })])).toThrow('l2Penalty: params[1] must be a float tensor (float32 or float64), got int32')
  expect(() => l1Penalty(w as unknown as Tensor[])).toThrow(/l1Penalty: expected an array of parameter tensors/)
})
