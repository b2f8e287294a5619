// Bad input gets a plain Error (not a TypeError or RangeError) whose message names what was expected
// and what came.
import {
  Tensor,
  arange,
  cat,
  expand,
  fromNdarray,
  gradcheck,
  matmul,
  ones,
  rand,
  randn,
  tensor,
  zeros,
  type DType,
  type NestedArray,
} from '../../src/index.js'
import { expectPlainError } from '../helpers/errors.js'

const asNested = (v: unknown) => v as NestedArray

describe('tensor(): ragged nested arrays', () => {
  test('a short row names "ragged", the index path and both lengths', () => {
    expectPlainError(() => tensor([[1, 2], [3]]), /ragged/, /\[1\]/, /length 2/, /length 1/)
  })

  test('a long row deeper down names the full path', () => {
    expectPlainError(
      () =>
        tensor([
          [
            [1, 2],
            [3, 4],
          ],
          [
            [5, 6],
            [7, 8, 9],
          ],
        ]),
      /ragged/,
      /\[1, 1\]/,
      /length 2/,
      /length 3/,
    )
  })

  test('a number where a row should be', () => {
    expectPlainError(() => tensor(asNested([[1, 2], 3])), /ragged/, /\[1\]/, /number 3/)
  })

  test('an empty row among full ones, and a full row after an empty one', () => {
    expectPlainError(() => tensor([[1, 2], []]), /ragged/, /\[1\]/, /length 0/)
    expectPlainError(() => tensor([[], [1]]), /ragged/, /\[1\]/, /length 1/)
  })

  test('a row where a number should be names the path', () => {
    expectPlainError(() => tensor(asNested([1, [2]])), /\[1\]/, /expected a number|ragged/, /array/)
  })
})

describe('tensor(): non-numbers and wrong container types', () => {
  test('a string in a nested array names the path and the value', () => {
    expectPlainError(() => tensor(asNested([1, 'a'])), /expected a number/, /\[1\]/, /"a"/)
    expectPlainError(() => tensor(asNested([[1, 2], [3, 'x']])), /expected a number/, /\[1, 1\]/, /"x"/)
  })

  test('null, undefined, booleans and objects in a nested array', () => {
    expectPlainError(() => tensor(asNested([[1, null]])), /expected a number/, /\[0, 1\]/, /null/)
    expectPlainError(() => tensor(asNested([1, undefined])), /expected a number/, /\[1\]/, /undefined/)
    expectPlainError(() => tensor(asNested([true, 1])), /expected a number/, /\[0\]/, /boolean/)
    expectPlainError(() => tensor(asNested([{}, 1])), /expected a number/, /\[0\]/, /object/)
  })

  test('not a number, array or typed array at all', () => {
    expectPlainError(() => tensor(asNested('1, 2')), /expected a number, a nested number array or a typed array/, /string/)
    expectPlainError(() => tensor(asNested(null)), /expected a number/, /null/)
  })

  test('a typed array seqgrad has no dtype for', () => {
    expectPlainError(() => tensor(new Uint8Array(3) as unknown as Float32Array), /Float32Array, Float64Array or Int32Array/, /Uint8Array/)
  })
})

describe('size and shape mismatches', () => {
  test('typed-array data and opts.shape disagree', () => {
    expectPlainError(() => tensor(new Float32Array(5), { shape: [2, 3] }), /5 elements/, /\[2, 3\]/, /6/)
  })

  test('nested data and opts.shape disagree', () => {
    expectPlainError(() => tensor([1, 2, 3], { shape: [2, 2] }), /\[3\]/, /3 elements/, /\[2, 2\]/, /needs 4/)
  })

  test('the Tensor constructor checks data against shape', () => {
    expectPlainError(() => new Tensor(new Float64Array(3), [2, 2]), /3 elements/, /\[2, 2\]/)
  })

  test('a shape that is not an array of non-negative integers', () => {
    expectPlainError(() => tensor([1, 2], { shape: 'abc' as unknown as number[] }), /shape/, /non-negative integers/, /"abc"/)
    expectPlainError(() => rand(3 as unknown as number[]), /rand/, /non-negative integers/, /number 3/)
  })

  test('a shape with a negative or fractional dim shows the offending shape', () => {
    // "got an array of length 2" does not say what is wrong with it; the dims must be shown
    expectPlainError(() => zeros([2, -1]), /zeros|full/, /non-negative integers/, /\[2, -1\]/)
    expectPlainError(() => ones([1.5]), /ones|full/, /non-negative integers/, /\[1\.5\]/)
    expectPlainError(() => randn([3, -2]), /randn/, /non-negative integers/, /\[3, -2\]/)
  })

  test('arange of a negative or fractional length', () => {
    expectPlainError(() => arange(-1), /arange/, /non-negative integer/, /-1/)
    expectPlainError(() => arange(2.5), /arange/, /2\.5/)
  })
})

describe('dtypes', () => {
  test('an unknown dtype is named, with the known ones', () => {
    expectPlainError(() => tensor([1], { dtype: 'float16' as DType }), /unknown dtype/, /float16/, /float32/, /float64/, /int32/)
    expectPlainError(() => zeros([2], { dtype: 'bool' as DType }), /zeros|full/, /unknown dtype/, /bool/)
    expectPlainError(() => tensor([1]).to('int64' as DType), /to/, /unknown dtype/, /int64/)
    expectPlainError(() => randn([2], { dtype: 'half' as 'float32' }), /randn/, /half/)
  })

  test('random creators need a float dtype', () => {
    expectPlainError(() => rand([2], { dtype: 'int32' as 'float32' }), /rand/, /float dtype/, /int32/)
  })

  test('int32 from fractional values names the element and the value', () => {
    expectPlainError(() => tensor([1, 1.5], { dtype: 'int32' }), /int32/, /integers/, /element 1/, /1\.5/)
    expectPlainError(() => tensor(Float64Array.from([0, 0, -0.25]), { dtype: 'int32' }), /int32/, /element 2/, /-0\.25/)
    expectPlainError(() => tensor([Number.NaN], { dtype: 'int32' }), /int32/, /NaN/)
    expectPlainError(() => tensor([Infinity], { dtype: 'int32' }), /int32/, /Infinity/)
  })

  test('int32 from integers outside the int32 range is an Error, not a silent wrap-around', () => {
    // 2^31 would be stored as −2^31 by Int32Array: the value must be refused as fractions are.
    expectPlainError(() => tensor([2 ** 31], { dtype: 'int32' }), /int32/, /2147483648/)
    expectPlainError(() => tensor([-(2 ** 31) - 1], { dtype: 'int32' }), /int32/, /-2147483649/)
    expectPlainError(() => tensor(Float64Array.from([3e9]), { dtype: 'int32' }), /int32/, /3000000000/)
  })

  test('int32 tensors refuse requiresGrad and say why', () => {
    expectPlainError(() => tensor([1], { dtype: 'int32', requiresGrad: true }), /requiresGrad/, /float/, /int32/)
    const t = tensor([1], { dtype: 'int32' })
    expectPlainError(() => {
      t.requiresGrad = true
    }, /only float tensors/, /int32/)
  })
})

describe('broadcasting', () => {
  const a = () => zeros([2, 3])
  const b = () => zeros([4])

  test('incompatible shapes name both shapes, for every binary op', () => {
    expectPlainError(() => a().add(b()), /add/, /\[2, 3\]/, /\[4\]/, /broadcast/)
    expectPlainError(() => a().mul(b()), /mul/, /\[2, 3\]/, /\[4\]/, /broadcast/)
    expectPlainError(() => a().sub(b()), /\[2, 3\]/, /\[4\]/, /broadcast/)
    expectPlainError(() => a().div(b()), /\[2, 3\]/, /\[4\]/, /broadcast/)
    expectPlainError(() => a().pow(b()), /pow/, /\[2, 3\]/, /\[4\]/, /broadcast/)
    expectPlainError(() => zeros([5, 1, 3]).add(zeros([2, 4, 1])), /\[5, 1, 3\]/, /\[2, 4, 1\]/, /dim 0: 5 vs 2/)
  })

  test('expand to a shape the tensor cannot broadcast to', () => {
    expectPlainError(() => expand(zeros([3]), [2, 4]), /expand/, /\[3\]/, /\[2, 4\]/)
    expectPlainError(() => zeros([2, 3]).expand([3]), /expand/, /\[2, 3\]/, /\[3\]/)
  })

  test('a right operand that is neither a Tensor nor a number', () => {
    expectPlainError(() => a().add('1' as unknown as number), /add/, /Tensor or a number/, /"1"/)
    expectPlainError(() => a().mul(null as unknown as number), /mul/, /Tensor or a number/, /null/)
  })
})

describe('reshape', () => {
  test('a shape with a different number of elements names both shapes', () => {
    expectPlainError(() => arange(6).reshape([4, 2]), /reshape/, /\[6\]/, /6 elements/, /\[4, 2\]/)
    expectPlainError(() => arange(6).reshape([-1, 4]), /reshape/, /\[6\]/, /\[-1, 4\]/)
    expectPlainError(() => arange(6).reshape([0, -1]), /reshape/, /\[0, -1\]/)
    expectPlainError(() => arange(6).reshape([2, 1.5]), /reshape/, /\[2, 1\.5\]/)
    expectPlainError(() => arange(6).reshape([-2, -3]), /reshape/, /\[-2, -3\]/)
  })

  test('two -1 dims', () => {
    expectPlainError(() => arange(6).reshape([-1, -1]), /reshape/, /only one dim may be -1/, /\[-1, -1\]/)
    expectPlainError(() => arange(12).reshape(-1, 2, -1), /only one dim may be -1/, /\[-1, 2, -1\]/)
  })
})

describe('matmul', () => {
  test('inner dimensions differ: the exact message', () => {
    expectPlainError(() => matmul(zeros([2, 3]), zeros([4, 5])), /^matmul: inner dimensions differ: \[2, 3\] @ \[4, 5\]$/)
    expectPlainError(() => zeros([2, 3]).matmul(zeros([4, 5])), /^matmul: inner dimensions differ: \[2, 3\] @ \[4, 5\]$/)
    expectPlainError(() => matmul(zeros([7, 2, 3]), zeros([7, 4, 5])), /^matmul: inner dimensions differ: \[7, 2, 3\] @ \[7, 4, 5\]$/)
  })

  test('batch dims that do not broadcast name both', () => {
    expectPlainError(() => matmul(zeros([2, 2, 3]), zeros([3, 3, 4])), /matmul/, /\[2\]/, /\[3\]/, /broadcast/)
  })

  test('0-d operands and non-tensors', () => {
    expectPlainError(() => matmul(tensor(2), zeros([2, 2])), /matmul/, /at least 1 dim/, /\[\] @ \[2, 2\]/)
    expectPlainError(() => matmul(zeros([2, 2]), 3 as unknown as Tensor), /matmul/, /right operand/, /Tensor/, /number 3/)
  })
})

describe('dims out of range', () => {
  const x = () => zeros([2, 3])

  test('reductions', () => {
    expectPlainError(() => x().sum(2), /sum/, /dim 2/, /2-d/, /\[-2, 1\]/)
    expectPlainError(() => x().mean(-3), /mean/, /dim -3/, /\[-2, 1\]/)
    expectPlainError(() => x().max(5), /max/, /dim 5/, /\[-2, 1\]/)
    expectPlainError(() => x().sum([0, 0]), /sum/, /twice/)
    expectPlainError(() => tensor(1).sum(0), /sum/, /dim 0/, /0-d/)
  })

  test('layout ops', () => {
    expectPlainError(() => x().transpose(0, 5), /transpose/, /dim 5/, /\[-2, 1\]/)
    expectPlainError(() => x().slice(2, 0, 1), /slice/, /dim 2/)
    expectPlainError(() => x().split(1, 3), /split/, /dim 3/)
    expectPlainError(() => x().unsqueeze(4), /unsqueeze/, /dim 4/, /\[-3, 2\]/)
    expectPlainError(() => x().squeeze(-3), /squeeze/, /dim -3/)
    expectPlainError(() => cat([x(), x()], 2), /cat/, /dim 2/)
    expectPlainError(() => x().softmax(3), /dim 3/, /\[-2, 1\]/)
  })

  test('a fractional dim', () => {
    expectPlainError(() => x().sum(0.5), /sum/, /dim 0\.5/)
  })
})

describe('slice, split and cat', () => {
  test('bad slice ranges name the range, the dim size and the shape', () => {
    expectPlainError(() => arange(5).slice(0, 2, 7), /slice/, /\[2, 7\)/, /size 5/, /\[5\]/)
    expectPlainError(() => arange(5).slice(0, 4, 2), /slice/, /\[4, 2\)/, /size 5/)
    expectPlainError(() => arange(5).slice(0, 7), /slice/, /\[7, 5\)/)
    expectPlainError(() => zeros([2, 3]).slice(1, -5, 2), /slice/, /\[-5, 2\)/, /dim 1 of size 3/, /\[2, 3\]/)
    expectPlainError(() => arange(5).slice(0, 1.5, 3), /slice/, /1\.5/)
  })

  test('bad split sizes', () => {
    expectPlainError(() => arange(5).split([2, 2]), /split/, /\[2, 2\]/, /summing to 5/)
    expectPlainError(() => arange(5).split(0), /split/, /positive integer/, /0/)
  })

  test('cat with mismatched shapes names both tensors and shapes', () => {
    expectPlainError(() => cat([zeros([2, 3]), zeros([2, 4])], 0), /cat/, /tensors\[1\]/, /\[2, 4\]/, /tensors\[0\]/, /\[2, 3\]/)
    expectPlainError(() => zeros([2, 3]).cat([zeros([2, 3]), zeros([3])], 1), /cat/, /tensors\[2\]/, /\[3\]/)
    expectPlainError(() => cat([], 0), /cat/, /non-empty/)
    expectPlainError(() => cat([zeros([1]), [1] as unknown as Tensor]), /cat/, /tensors\[1\]/, /Tensor/)
  })
})

describe('autograd misuse', () => {
  test('backward on a non-scalar without a gradient names the shape', () => {
    const x = zeros([2, 3], { requiresGrad: true })
    expectPlainError(() => x.mul(2).backward(), /backward/, /scalar/, /\[2, 3\]/, /backward\(gradient\)/)
  })

  test('backward with a gradient of the wrong shape names both shapes', () => {
    const x = zeros([2, 3], { requiresGrad: true })
    expectPlainError(() => x.mul(2).backward(zeros([3, 2])), /backward/, /\[2, 3\]/, /\[3, 2\]/)
    expectPlainError(() => x.mul(2).backward([1, 2] as unknown as Tensor), /backward/, /Tensor/)
  })

  test('backward on a tensor that does not require grad', () => {
    expectPlainError(() => ones([1]).mul(2).sum().backward(), /backward/, /does not require grad/)
  })

  test('gradcheck on float32 inputs asks for float64', () => {
    const x = randn([3], { requiresGrad: true })
    expectPlainError(() => gradcheck((t) => t.mul(t).sum(), [x]), /gradcheck/, /input 0/, /float32/, /float64/)
  })

  test('gradcheck with no input requiring grad, or a non-leaf input', () => {
    expectPlainError(() => gradcheck((t) => t.sum(), [zeros([2], { dtype: 'float64' })]), /gradcheck/, /requires grad/)
    const y = zeros([2], { dtype: 'float64', requiresGrad: true }).mul(2)
    expectPlainError(() => gradcheck((t) => t.sum(), [y]), /gradcheck/, /input 0/, /leaf/)
  })

  test('a non-leaf cannot stop requiring grad', () => {
    const y = zeros([2], { requiresGrad: true }).mul(2)
    expectPlainError(() => {
      y.requiresGrad = false
    }, /requiresGrad/, /not a leaf/, /detach/)
  })
})

describe('item()', () => {
  test('on a multi-element tensor names the shape', () => {
    expectPlainError(() => zeros([2, 2]).item(), /item/, /one element/, /\[2, 2\]/)
    expectPlainError(() => arange(3).item(), /item/, /\[3\]/)
  })

  test('on an empty tensor', () => {
    expectPlainError(() => zeros([0]).item(), /item/, /\[0\]/)
  })
})

describe('reductions and interop', () => {
  test('max of an empty tensor', () => {
    expectPlainError(() => zeros([0, 3]).max(), /max/, /empty/, /\[0, 3\]/)
  })

  test('fromNdarray of something that is not an ndarray', () => {
    expectPlainError(() => fromNdarray({ shape: [2] } as unknown as Parameters<typeof fromNdarray>[0]), /fromNdarray/, /data, shape, stride and offset/)
  })
})
