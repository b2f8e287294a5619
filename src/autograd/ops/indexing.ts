// embedding: rows of a weight matrix picked by int32 indices. y[..., :] = W[index, :]; the gradient
// adds each dy row into the row of W it came from (rows picked twice get both): an op of its own, whose
// gradient is the embedding again, so that a gradient made with createGraph can be differentiated again.
import { formatShape } from '../../tensor/shape.js'
import { Tensor } from '../../tensor/tensor.js'
import { record } from '../engine.js'
import { checkTensor } from './operands.js'

export function embedding(weight: Tensor, indices: Tensor): Tensor {
  checkTensor('embedding', weight, 'the weight')
  checkTensor('embedding', indices, 'the indices')
  if (indices.dtype !== 'int32') throw new Error(`embedding: indices must be an int32 tensor, got ${indices.dtype}`)
  if (weight.ndim !== 2) throw new Error(`embedding: the weight must be 2-d [numEmbeddings, dim], got ${formatShape(weight.shape)}`)
  const [rows, E] = weight.shape
  for (let i = 0; i < indices.size; i++) {
    const index = indices.data[i]
    if (index < 0 || index >= rows) throw new Error(`embedding: index ${index} (element ${i}) is out of range for ${rows} embeddings`)
  }
  const y = Tensor.zeros([...indices.shape, E], weight.dtype)
  for (let i = 0; i < indices.size; i++) y.data.set(weight.data.subarray(indices.data[i] * E, (indices.data[i] + 1) * E), i * E)
  return record('embedding', [weight, indices], y, (dy) => [embeddingBackward(dy, indices, rows), null])
}

function embeddingBackward(dy: Tensor, indices: Tensor, rows: number): Tensor {
  const E = dy.shape[dy.ndim - 1]
  const dW = Tensor.zeros([rows, E], dy.dtype)
  for (let i = 0; i < indices.size; i++) {
    const row = indices.data[i] * E
    for (let j = 0; j < E; j++) dW.data[row + j] += dy.data[i * E + j]
  }
  return record('embeddingBackward', [dy], dW, (g) => [embedding(g, indices)])
}
