// matmul: C = A · B over the last two dims, leading (batch) dims broadcast NumPy-style.
// dA = dC · Bᵀ and dB = Aᵀ · dC, computed by the transposed kernels without materialising a transpose;
// a broadcast operand's gradient is summed back over the batch dims it was repeated along. To create a
// graph, the same products are recorded matmuls of a transpose.
import { matmulInto, matmulTransAInto, matmulTransBInto } from '../../tensor/kernels/matmul.js'
import { broadcastShapes, broadcastStrides, formatShape, sizeOf, stridesOf, type Shape } from '../../tensor/shape.js'
import { Tensor } from '../../tensor/tensor.js'
import { record } from '../engine.js'
import { checkTensor, promotePair } from './operands.js'
import { sumToShape } from './reduce.js'

type Kernel = typeof matmulInto

/**
 * Runs `kernel` once per matrix of the broadcast batch. `aShape`/`bShape` are the operands' batch
 * dims; each matrix of the output is m×n, each of a holds aSize elements and of b bSize.
 */
function batched(kernel: Kernel, out: Tensor, batch: Shape, a: Tensor, aBatch: Shape, aSize: number, b: Tensor, bBatch: Shape, bSize: number, m: number, k: number, n: number): void {
  const count = sizeOf(batch)
  const aStrides = broadcastStrides(aBatch, batch)
  const bStrides = broadcastStrides(bBatch, batch)
  const strides = stridesOf(batch)
  for (let index = 0; index < count; index++) {
    let aMatrix = 0
    let bMatrix = 0
    for (let d = 0; d < batch.length; d++) {
      const i = Math.floor(index / strides[d]) % batch[d]
      aMatrix += i * aStrides[d]
      bMatrix += i * bStrides[d]
    }
    kernel(out.data, a.data, b.data, m, k, n, index * m * n, aMatrix * aSize, bMatrix * bSize)
  }
}

export function matmul(left: Tensor, right: Tensor): Tensor {
  checkTensor('matmul', left, 'the left operand')
  checkTensor('matmul', right, 'the right operand')
  if (left.ndim === 0 || right.ndim === 0) {
    throw new Error(`matmul: both operands need at least 1 dim; got ${formatShape(left.shape)} @ ${formatShape(right.shape)}`)
  }
  // Vectors act as a row (left) or a column (right) and that dim is dropped from the result, as in PyTorch.
  if (left.ndim === 1 || right.ndim === 1) {
    const product = matmul(left.ndim === 1 ? left.unsqueeze(0) : left, right.ndim === 1 ? right.unsqueeze(1) : right)
    const columnDropped = right.ndim === 1 ? product.squeeze(-1) : product
    return left.ndim === 1 ? columnDropped.squeeze(right.ndim === 1 ? -1 : -2) : columnDropped
  }
  const [a, b] = promotePair(left, right)
  const [m, k] = a.shape.slice(-2)
  const [k2, n] = b.shape.slice(-2)
  if (k !== k2) throw new Error(`matmul: inner dimensions differ: ${formatShape(a.shape)} @ ${formatShape(b.shape)}`)
  const aBatch = a.shape.slice(0, -2)
  const bBatch = b.shape.slice(0, -2)
  // [..., m, k] · [k, n] is one [(…·m), k] · [k, n] product: one kernel call each way, and dB = Aᵀ·dC
  // sums over the batch inside the product instead of per matrix and then over the batch.
  if (aBatch.length > 0 && bBatch.length === 0) return matmul(a.reshape([sizeOf(aBatch) * m, k]), b).reshape([...aBatch, m, n])
  const batch = broadcastShapes('matmul (batch dims)', aBatch, bBatch)
  const out = Tensor.zeros([...batch, m, n], a.dtype)
  batched(matmulInto, out, batch, a, aBatch, m * k, b, bBatch, k * n, m, k, n)
  return record('matmul', [a, b], out, (dC, createGraph) => {
    if (createGraph) {
      return [a.requiresGrad ? sumToShape(matmul(dC, b.transpose()), a.shape) : null, b.requiresGrad ? sumToShape(matmul(a.transpose(), dC), b.shape) : null]
    }
    let dA: Tensor | null = null
    let dB: Tensor | null = null
    if (a.requiresGrad) {
      dA = Tensor.zeros([...batch, m, k], a.dtype) // dA = dC · Bᵀ
      batched(matmulTransBInto, dA, batch, dC, batch, m * n, b, bBatch, k * n, m, n, k)
    }
    if (b.requiresGrad) {
      dB = Tensor.zeros([...batch, k, n], b.dtype) // dB = Aᵀ · dC
      batched(matmulTransAInto, dB, batch, a, aBatch, m * k, dC, batch, m * n, k, m, n)
    }
    return [dA && sumToShape(dA, a.shape), dB && sumToShape(dB, b.shape)]
  })
}
