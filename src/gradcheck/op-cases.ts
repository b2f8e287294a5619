// The gradcheck suite's op cases: every differentiable op, with broadcasting and number operands.
import { add, div, mul, pow, sub } from '../autograd/ops/arithmetic.js'
import { clone, to } from '../autograd/ops/cast.js'
import { dropout } from '../autograd/ops/dropout.js'
import { embedding } from '../autograd/ops/indexing.js'
import { cat, expand, reshape, slice, split, squeeze, stack, transpose, unsqueeze } from '../autograd/ops/layout.js'
import { linear } from '../autograd/ops/linear.js'
import { matmul } from '../autograd/ops/matmul.js'
import { max, mean, sum } from '../autograd/ops/reduce.js'
import { logSoftmax, softmax } from '../autograd/ops/softmax.js'
import { abs, clamp, exp, log, neg, relu, sigmoid, sign, sqrt, tanh } from '../autograd/ops/unary.js'
import { Generator } from '../tensor/random.js'
import { Tensor } from '../tensor/tensor.js'
import { awayFrom, distinct, f64, nonZero, normal, uniform, type Built, type Shape, type Spec } from './inputs.js'

export function opSpecs(): Spec[] {
  const op = (name: string, b: (g: Generator) => Built): Spec => ({ group: 'op', name, build: b })
  const unary = (name: string, f: (x: Tensor) => Tensor, input: (g: Generator) => Tensor): Spec => op(name, (g) => ({ fn: f, inputs: [input(g)] }))
  const binary = (name: string, f: (a: Tensor, b: Tensor) => Tensor, a: (g: Generator) => Tensor, b: (g: Generator) => Tensor): Spec =>
    op(name, (g) => ({ fn: f, inputs: [a(g), b(g)] }))
  const n = (shape: Shape) => (g: Generator) => normal(g, shape)
  const pos = (shape: Shape, lo = 0.5, hi = 2) => (g: Generator) => uniform(g, shape, lo, hi)
  const nz = (shape: Shape) => (g: Generator) => nonZero(g, shape)

  return [
    // Elementwise arithmetic, same shapes and broadcast shapes, and with a number.
    binary('add [2, 3] + [2, 3]', add, n([2, 3]), n([2, 3])),
    binary('add broadcast [2, 1, 3] + [4, 1]', add, n([2, 1, 3]), n([4, 1])),
    unary('add scalar [2, 3] + 1.5', (x) => add(x, 1.5), n([2, 3])),
    binary('sub [3, 4] − [4] (broadcast)', sub, n([3, 4]), n([4])),
    binary('sub broadcast [3, 1] − [1, 4]', sub, n([3, 1]), n([1, 4])),
    unary('sub scalar [2, 3] − 0.5 (method)', (x) => x.sub(0.5), n([2, 3])),
    binary('mul [2, 3] ⊙ [2, 3]', mul, n([2, 3]), n([2, 3])),
    binary('mul broadcast [2, 3, 1] ⊙ [3, 4]', mul, n([2, 3, 1]), n([3, 4])),
    unary('mul scalar [2, 3] · −2', (x) => mul(x, -2), n([2, 3])),
    unary('mul same tensor x ⊙ x', (x) => mul(x, x), n([2, 3])),
    binary('div [2, 3] / [2, 3]', div, n([2, 3]), nz([2, 3])),
    binary('div broadcast [3] / [2, 3]', div, n([3]), nz([2, 3])),
    unary('div scalar [2, 3] / 2.5', (x) => div(x, 2.5), n([2, 3])),
    binary('pow tensor exponent [2, 3] ^ [2, 3]', pow, pos([2, 3]), n([2, 3])),
    binary('pow tensor exponent broadcast [2, 3] ^ [3]', pow, pos([2, 3]), n([3])),
    unary('pow scalar exponent x ^ 3', (x) => pow(x, 3), n([2, 3])),
    unary('pow scalar exponent x ^ 0.5', (x) => pow(x, 0.5), pos([2, 3])),
    unary('pow scalar exponent x ^ −1.5 (method)', (x) => x.pow(-1.5), pos([2, 3])),
    // Elementwise functions, each inside its domain.
    unary('neg', neg, n([2, 3])),
    unary('exp', exp, n([2, 3])),
    unary('log (x in [0.5, 2])', log, pos([2, 3])),
    unary('sqrt (x in [0.5, 2])', sqrt, pos([2, 3])),
    unary('tanh', tanh, n([2, 3])),
    unary('sigmoid', sigmoid, n([2, 3])),
    unary('relu (x away from 0)', relu, (g) => awayFrom(g, [3, 4], [0])),
    unary('abs (x away from 0)', abs, (g) => awayFrom(g, [3, 4], [0])),
    unary('sign (zero derivative, x away from 0)', sign, (g) => awayFrom(g, [2, 3], [0])),
    unary('clamp [−0.5, 0.5] (x away from the bounds)', (x) => clamp(x, -0.5, 0.5), (g) => awayFrom(g, [3, 4], [-0.5, 0.5])),
    unary('clamp min 0.2 only', (x) => clamp(x, 0.2), (g) => awayFrom(g, [3, 4], [0.2])),
    unary('clamp max −0.3 only (method)', (x) => x.clamp(null, -0.3), (g) => awayFrom(g, [3, 4], [-0.3])),
    // Matrix products.
    binary('matmul 2-d [3, 4] @ [4, 2]', matmul, n([3, 4]), n([4, 2])),
    binary('matmul batched broadcast [2, 1, 3, 4] @ [3, 4, 2]', matmul, n([2, 1, 3, 4]), n([3, 4, 2])),
    binary('matmul batched [2, 3, 4] @ [2, 4, 2] (method)', (a, b) => a.matmul(b), n([2, 3, 4]), n([2, 4, 2])),
    binary('matmul vector @ matrix [4] @ [4, 3]', matmul, n([4]), n([4, 3])),
    binary('matmul matrix @ vector [3, 4] @ [4]', matmul, n([3, 4]), n([4])),
    binary('matmul vector @ vector [4] @ [4]', matmul, n([4]), n([4])),
    // Reductions, over everything and along dims.
    unary('sum all', (x) => sum(x), n([2, 3, 2])),
    unary('sum dim 1', (x) => sum(x, 1), n([2, 3, 2])),
    unary('sum dims [0, 2] keepDim', (x) => sum(x, [0, 2], true), n([2, 3, 2])),
    unary('mean all', (x) => mean(x), n([2, 3, 2])),
    unary('mean dim −1 keepDim', (x) => mean(x, -1, true), n([2, 3, 2])),
    unary('mean dims [0, 1] (method)', (x) => x.mean([0, 1]), n([2, 3, 2])),
    unary('max all (no ties)', (x) => max(x), (g) => distinct(g, [3, 4])),
    unary('max dim 1 (no ties)', (x) => max(x, 1), (g) => distinct(g, [2, 3, 4])),
    unary('max dim 0 keepDim (no ties)', (x) => max(x, 0, true), (g) => distinct(g, [3, 4])),
    unary('softmax dim −1', (x) => softmax(x, -1), n([3, 4])),
    unary('softmax dim 0 of [3, 2, 2]', (x) => softmax(x, 0), n([3, 2, 2])),
    unary('logSoftmax dim −1', (x) => logSoftmax(x, -1), n([3, 4])),
    unary('logSoftmax dim 1 of [2, 3, 2] (method)', (x) => x.logSoftmax(1), n([2, 3, 2])),
    // Layout.
    unary('reshape [2, 3, 2] → [3, −1]', (x) => reshape(x, [3, -1]), n([2, 3, 2])),
    unary('transpose (last two dims)', (x) => transpose(x), n([2, 3, 4])),
    unary('transpose dims 0 and 2', (x) => transpose(x, 0, 2), n([2, 3, 4])),
    unary('slice dim 1 [1, 3)', (x) => slice(x, 1, 1, 3), n([2, 4, 3])),
    unary('slice dim −1 from −2', (x) => x.slice(-1, -2), n([2, 4, 3])),
    op('cat three tensors along dim 0', (g) => ({ fn: (a, b, c) => cat([a, b, c], 0), inputs: [normal(g, [1, 3]), normal(g, [2, 3]), normal(g, [3, 3])] })),
    op('cat along dim −1 (concat method)', (g) => ({ fn: (a, b) => a.concat(b, -1), inputs: [normal(g, [2, 2, 1]), normal(g, [2, 2, 3])] })),
    unary('split equal pieces along dim 1', (x) => {
      const [a, b, c] = split(x, 2, 1) // sizes 2, 2, 1
      return cat([c, b.mul(3), a.exp()], 1)
    }, n([2, 5])),
    unary('split sections [1, 3] along dim 0 (one piece used)', (x) => split(x, [1, 3], 0)[1], n([4, 2])),
    unary('expand [3, 1] → [2, 3, 4]', (x) => expand(x, [2, 3, 4]), n([3, 1])),
    op('stack along dim 1', (g) => ({ fn: (a, b) => stack([a, b], 1), inputs: [normal(g, [2, 3]), normal(g, [2, 3])] })),
    unary('unsqueeze and squeeze', (x) => squeeze(unsqueeze(x, 1).mul(2), 1), n([3, 2])),
    // Linear, embedding, dropout and copies.
    op('linear with bias, 3-d input', (g) => ({ fn: linear, inputs: [normal(g, [2, 2, 3]), normal(g, [4, 3]), normal(g, [4])] })),
    op('linear without bias', (g) => ({ fn: (x, W) => linear(x, W), inputs: [normal(g, [3, 3]), normal(g, [2, 3])] })),
    op('embedding (repeated indices)', (g) => {
      const ids = new Tensor(Int32Array.from([1, 0, 3, 3, 3, 2]), [2, 3])
      return { fn: (W) => embedding(W, ids), inputs: [normal(g, [5, 3])] }
    }),
    unary('dropout in eval (identity)', (x) => dropout(x, 0.4, false), n([3, 4])),
    op('dropout with a fixed mask (seeded generator)', (g) => {
      const maskSeed = g.randint(2 ** 31)
      // A fresh generator per call: every evaluation draws the same mask.
      return { fn: (x) => dropout(x, 0.4, true, new Generator(maskSeed)), inputs: [normal(g, [3, 4])] }
    }),
    unary('clone', (x) => clone(x).mul(x), n([2, 3])),
    op('to float32 and back (eps 1e-2 for the float32 rounding)', (g) => ({ fn: (x) => to(to(x, 'float32'), f64).mul(x), inputs: [normal(g, [2, 3])], eps: 1e-2 })),
  ]
}

/**
 * For relu cells: draws again (from the same generator, so still deterministic) until at least a third of the
 * outputs are non-zero, so that a case never checks a network whose units are all switched off.
 */
