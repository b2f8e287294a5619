// Reductions, softmax, matmul and layout ops: gradcheck over random shapes, forwards against plain loops.
import fc from 'fast-check'
import { Tensor, tensor, cat, clone, expand, gradcheck, matmul, split } from '../../src/index.js'
import { broadcastShapesArb, float64TensorArb, shapeArb } from '../../src/testing/index.js'
import { SMALL, distinctTensorArb, expectClose, gradOf, leaf, ravel, refBroadcastShape, refCat2, refMatmul, refReduce, refSlice, refTranspose, shapeWithDimArb, sizeOfShape, unravel, type Fn, type Ref } from './helpers.js'

const RUNS = 15
const shapes = shapeArb(SMALL)
const norm = (dim: number, rank: number) => (dim < 0 ? dim + rank : dim)

/** Runs gradcheck on every case and compares the forward with `ref` when given. */
function check<T>(cases: fc.Arbitrary<T>, build: (c: T) => { fn: Fn; inputs: Tensor[]; ref?: Ref }, numRuns = RUNS): void {
  fc.assert(
    fc.property(cases, (c) => {
      const { fn, inputs, ref } = build(c)
      if (ref !== undefined) {
        const y = fn(...inputs)
        expect(y.shape).toEqual(ref.shape)
        expectClose(y.data, ref.data, 1e-12, 1e-12)
      }
      return gradcheck(fn, inputs)
    }),
    { numRuns },
  )
}

/** Distinct dims of a rank-r shape, each given as d or d − r at random. */
const dimsArb = (rank: number) =>
  fc.shuffledSubarray([...Array(rank).keys()], { minLength: 1 }).chain((dims) => fc.tuple(fc.constant(dims), fc.array(fc.boolean(), { minLength: dims.length, maxLength: dims.length })))
const withDims = shapeArb({ ...SMALL, minRank: 1 }).chain((shape) => fc.tuple(float64TensorArb(shape), dimsArb(shape.length), fc.boolean()))
const withDim = shapeWithDimArb().chain(({ shape, dim }) => fc.tuple(float64TensorArb(shape, { min: -3, max: 3 }), fc.constant(dim), fc.boolean()))
const plus = (a: number, b: number) => a + b

describe('reductions', () => {
  test('sum and mean over everything', () => {
    check(float64TensorArb(shapes), (x) => ({ fn: (t) => t.sum(), inputs: [x], ref: { shape: [], data: [Array.from(x.data).reduce(plus, 0)] } }))
    check(float64TensorArb(shapes), (x) => ({ fn: (t) => t.mean(), inputs: [x], ref: { shape: [], data: [Array.from(x.data).reduce(plus, 0) / x.size] } }))
  })

  test('sum and mean over one dim or several (negative dims too), keepDim true and false', () => {
    check(withDims, ([x, [dims, negative], keepDim]) => {
      const given = dims.map((d, i) => (negative[i] ? d - x.ndim : d))
      const arg = given.length === 1 && negative[0] ? given[0] : given
      return { fn: (t) => t.sum(arg, keepDim), inputs: [x], ref: refReduce(x, dims, keepDim, plus) }
    })
    check(withDims, ([x, [dims, negative], keepDim]) => {
      const count = sizeOfShape(dims.map((d) => x.shape[d]))
      const ref = refReduce(x, dims, keepDim, plus)
      const arg = dims.map((d, i) => (negative[i] ? d - x.ndim : d))
      return { fn: (t) => t.mean(arg, keepDim), inputs: [x], ref: { shape: ref.shape, data: ref.data.map((v) => v / count) } }
    })
  })

  test('max over everything and along a dim (keepDim both ways)', () => {
    const distinct = shapes.chain((s) => distinctTensorArb(s))
    check(distinct, (x) => ({ fn: (t) => t.max(), inputs: [x], ref: { shape: [], data: [Math.max(...x.data)] } }))
    const along = shapeWithDimArb().chain(({ shape, dim }) => fc.tuple(distinctTensorArb(shape), fc.constant(dim), fc.boolean()))
    check(along, ([x, dim, keepDim]) => ({ fn: (t) => t.max(dim, keepDim), inputs: [x], ref: refReduce(x, [norm(dim, x.ndim)], keepDim, Math.max) }))
  })

  test('max ties: along a dim the first maximum takes the gradient; over everything tied maxima share it', () => {
    const x = tensor([[1, 3, 3, 2], [5, 5, 0, 5]], { dtype: 'float64', requiresGrad: true })
    x.max(1).sum().backward()
    expect(gradOf(x)).toEqual([0, 1, 0, 0, 1, 0, 0, 0])
    const z = tensor([1, 3, 3, 2], { dtype: 'float64', requiresGrad: true })
    z.max().backward()
    expect(gradOf(z)).toEqual([0, 0.5, 0.5, 0])
  })

  test('softmax and logSoftmax along any dim', () => {
    check(withDim, ([x, dim]) => {
      const d = norm(dim, x.ndim)
      const e = new Tensor(Float64Array.from(x.data, Math.exp), x.shape)
      const sums = refReduce(e, [d], true, plus) // Σ exp along d, with d kept as size 1
      const data = Array.from(e.data, (v, i) => v / sums.data[ravel(unravel(i, x.shape).map((u, j) => (j === d ? 0 : u)), sums.shape)])
      return { fn: (t) => t.softmax(dim), inputs: [x], ref: { shape: [...x.shape], data } }
    })
    check(withDim, ([x, dim]) => {
      const sm = x.softmax(dim)
      return { fn: (t) => t.logSoftmax(dim), inputs: [x], ref: { shape: [...x.shape], data: Array.from(sm.data, Math.log) } }
    })
  })

  test('softmax does not overflow on large inputs', () => {
    const x = tensor([1000, 1001, 999], { dtype: 'float64' })
    const e = [Math.exp(0), Math.exp(1), Math.exp(-1)]
    expectClose(x.softmax().data, e.map((v) => v / (e[0] + e[1] + e[2])))
    expectClose(x.logSoftmax().data, e.map((v) => Math.log(v / (e[0] + e[1] + e[2]))))
  })
})

describe('matmul', () => {
  const mkn = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))
  const mm = ([a, b]: [Tensor, Tensor]) => ({ fn: matmul, inputs: [a, b], ref: refMatmul(a, b) })

  test('2-D', () => check(mkn.chain(([m, k, n]) => fc.tuple(float64TensorArb([m, k]), float64TensorArb([k, n]))), mm))

  test('batched, with broadcast leading dims', () => {
    const batched = fc.tuple(broadcastShapesArb({ maxRank: 2, maxDim: 3 }), mkn).chain(([[ba, bb], [m, k, n]]) => fc.tuple(float64TensorArb([...ba, m, k]), float64TensorArb([...bb, k, n])))
    check(batched, mm)
    const fixed = fc.tuple(float64TensorArb([2, 1, 3, 4]), float64TensorArb([5, 4, 2]))
    check(fixed, ([a, b]) => ({ ...mm([a, b]), ref: { ...refMatmul(a, b), shape: [2, 5, 3, 2] } }), 2)
  })

  test('a 1-D vector on either side (against a matrix or a batch)', () => {
    const vecLeft = fc.tuple(mkn, fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 1 })).chain(([[, k, n], batch]) => fc.tuple(float64TensorArb([k]), float64TensorArb([...batch, k, n])))
    check(vecLeft, mm)
    const vecRight = fc.tuple(mkn, fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 1 })).chain(([[m, k], batch]) => fc.tuple(float64TensorArb([...batch, m, k]), float64TensorArb([k])))
    check(vecRight, mm)
  })

  test('1-D @ 1-D is the dot product, a 0-d tensor (as in NumPy and PyTorch)', () => {
    check(fc.integer({ min: 1, max: 4 }).chain((k) => fc.tuple(float64TensorArb([k]), float64TensorArb([k]))), mm, 5)
  })
})

describe('layout', () => {
  test('reshape to a permutation of the dims with one -1', () => {
    const cases = shapes.chain((s) => fc.tuple(float64TensorArb(s), fc.shuffledSubarray(s, { minLength: s.length, maxLength: s.length }), fc.nat()))
    check(cases, ([x, target, at]) => {
      const given = target.map((d, i) => (i === at % Math.max(1, target.length) ? -1 : d))
      return { fn: (t) => t.reshape(given), inputs: [x], ref: { shape: target, data: Array.from(x.data) } }
    })
  })

  test('transpose: default (last two) and explicit dims, negative too', () => {
    const twoDims = shapeArb({ ...SMALL, minRank: 1 }).chain((s) => fc.tuple(float64TensorArb(s), fc.integer({ min: -s.length, max: s.length - 1 }), fc.integer({ min: -s.length, max: s.length - 1 })))
    check(twoDims, ([x, d0, d1]) => ({ fn: (t) => t.transpose(d0, d1), inputs: [x], ref: refTranspose(x, norm(d0, x.ndim), norm(d1, x.ndim)) }))
    check(shapeArb({ ...SMALL, minRank: 2 }).chain((s) => float64TensorArb(s)), (x) => ({ fn: (t) => t.transpose(), inputs: [x], ref: refTranspose(x, x.ndim - 2, x.ndim - 1) }))
  })

  test('slice with negative and open-ended ranges', () => {
    const cases = shapeWithDimArb().chain(({ shape, dim }) => {
      const n = shape[norm(dim, shape.length)]
      return fc.tuple(float64TensorArb(shape), fc.constant(dim), fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: n }), fc.boolean(), fc.boolean())
    })
    check(cases, ([x, dim, p, q, negStart, negEnd]) => {
      const d = norm(dim, x.ndim)
      const n = x.shape[d]
      const [from, to] = [Math.min(p, q), Math.max(p, q)]
      const start = negStart && from < n ? from - n : from
      const end = to === n && negEnd ? undefined : negEnd && to < n ? to - n : to
      return { fn: (t) => t.slice(dim, start, end), inputs: [x], ref: refSlice(x, d, from, to) }
    })
  })

  test('cat of several inputs along any dim; split by size and by sections', () => {
    const parts = shapeWithDimArb({ maxRank: 3, maxDim: 3 }).chain(({ shape, dim }) =>
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 3 }).chain((sizes) =>
        fc.tuple(fc.constant(dim), fc.tuple(...sizes.map((s) => float64TensorArb(shape.map((v, i) => (i === norm(dim, shape.length) ? s : v)))))),
      ),
    )
    check(parts, ([dim, xs]) => {
      const d = norm(dim, xs[0].ndim)
      const ref = xs.slice(1).reduce((acc, x) => refCat2(acc, x, d), refSlice(xs[0], d, 0, xs[0].shape[d]))
      return { fn: (...ts) => cat(ts, dim), inputs: xs, ref }
    })
    const splits = shapeWithDimArb().chain(({ shape, dim }) => {
      const n = shape[norm(dim, shape.length)]
      return fc.tuple(float64TensorArb(shape), fc.constant(dim), fc.integer({ min: 1, max: n + 1 }), fc.array(fc.boolean(), { minLength: n - 1, maxLength: n - 1 }))
    })
    check(splits, ([x, dim, size, cuts]) => {
      const d = norm(dim, x.ndim)
      const sections = cuts.reduce((acc, cut) => (cut ? [...acc, 1] : [...acc.slice(0, -1), acc[acc.length - 1] + 1]), [1])
      const bySize = split(x, size, dim).map((p) => p.shape[d])
      expect(bySize.every((s, i) => s === (i < bySize.length - 1 ? size : x.shape[d] - size * (bySize.length - 1)))).toBe(true)
      expect(x.split(sections, dim).map((p) => p.shape[d])).toEqual(sections)
      const weighted = (t: Tensor, s: number | number[]) => cat(split(t, s, dim).map((p, i) => p.mul(i + 1)), dim)
      expect(gradcheck((t) => weighted(t, size), [x])).toBe(true)
      const scale = sections.flatMap((s, i) => Array<number>(s).fill(i + 1))
      return { fn: (t) => weighted(t, sections), inputs: [x], ref: { shape: [...x.shape], data: Array.from(x.data, (v, i) => v * scale[unravel(i, x.shape)[d]]) } }
    })
  })

  test('expand to a broadcast shape', () => {
    check(broadcastShapesArb(SMALL).chain(([a, b]) => fc.tuple(float64TensorArb(a), fc.constant(refBroadcastShape(a, b)))), ([x, target]) => {
      const data = Array.from({ length: sizeOfShape(target) }, (_, i) => x.data[ravel(unravel(i, target).slice(target.length - x.ndim).map((v, j) => (x.shape[j] === 1 ? 0 : v)), x.shape)])
      return { fn: (t) => expand(t, target), inputs: [x], ref: { shape: target, data } }
    })
  })

  test('unsqueeze and squeeze (all size-1 dims, or one dim)', () => {
    const ones = shapeArb({ maxRank: 3, maxDim: 2 }).chain((s) => fc.tuple(float64TensorArb(s), fc.integer({ min: -s.length - 1, max: s.length })))
    check(ones, ([x, dim]) => {
      const at = dim < 0 ? dim + x.ndim + 1 : dim
      return { fn: (t) => t.unsqueeze(dim), inputs: [x], ref: { shape: [...x.shape.slice(0, at), 1, ...x.shape.slice(at)], data: Array.from(x.data) } }
    })
    check(ones, ([x]) => ({ fn: (t) => t.squeeze(), inputs: [x], ref: { shape: x.shape.filter((d) => d !== 1), data: Array.from(x.data) } }))
    check(ones.filter(([x]) => x.ndim > 0), ([x, dim]) => {
      const d = Math.min(Math.max(dim, -x.ndim), x.ndim - 1)
      const shape = x.shape.filter((s, i) => !(i === norm(d, x.ndim) && s === 1))
      return { fn: (t) => t.squeeze(d), inputs: [x], ref: { shape, data: Array.from(x.data) } }
    })
  })

  test('clone copies; to(float32) then to(float64) passes the gradient through', () => {
    check(float64TensorArb(shapes), (x) => ({ fn: clone, inputs: [x], ref: { shape: [...x.shape], data: Array.from(x.data) } }))
    const x = leaf(tensor([[0.1, -1.7], [3, 1e-3]], { dtype: 'float64' }))
    const y = clone(x)
    y.data[0] = 42
    expect(x.data[0]).toBe(0.1)
    fc.assert(
      fc.property(float64TensorArb(shapes), (t) => {
        const chain = (u: Tensor) => u.to('float32').to('float64').mul(u)
        expect(chain(t).dtype).toBe('float64')
        expectClose(chain(t).data, Array.from(t.data, (v) => Math.fround(v) * v))
        // Values pass through float32, so the finite differences need a coarser step.
        return gradcheck(chain, [t], { eps: 1e-3, atol: 1e-4, rtol: 1e-3 })
      }),
      { numRuns: RUNS },
    )
  })
})
