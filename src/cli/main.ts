// `npm start`: a short demo until the comparison CLI lands. It trains a tiny tanh network on XOR with
// plain gradient descent, printing the loss as it falls, then checks the network's gradients in float64.
import { gradcheck, manualSeed, randn, tensor, zeros, type Tensor } from '../index.js'

interface Params {
  W1: Tensor
  b1: Tensor
  W2: Tensor
  b2: Tensor
}

function initParams(dtype: 'float32' | 'float64'): Params {
  const scaled = (shape: number[], scale: number) => {
    const t = randn(shape, { dtype }).mul(scale).detach()
    t.requiresGrad = true
    return t
  }
  return { W1: scaled([2, 8], 1), b1: zeros([8], { dtype, requiresGrad: true }), W2: scaled([8, 1], 0.5), b2: zeros([1], { dtype, requiresGrad: true }) }
}

// ŷ = σ(tanh(x W₁ + b₁) W₂ + b₂); loss = mean (ŷ − y)²
function loss(p: Params, x: Tensor, y: Tensor): Tensor {
  const hidden = x.matmul(p.W1).add(p.b1).tanh()
  const prediction = hidden.matmul(p.W2).add(p.b2).sigmoid()
  return prediction.sub(y).pow(2).mean()
}

function main(): void {
  manualSeed(0)
  const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]])
  const y = tensor([[0], [1], [1], [0]])
  const params = initParams('float32')
  const list = Object.values(params) as Tensor[]
  const learningRate = 2
  console.log('seqgrad demo: a 2-8-1 tanh network learns XOR by gradient descent')
  for (let step = 0; step <= 1000; step++) {
    for (const p of list) p.grad = null
    const l = loss(params, x, y)
    l.backward()
    for (const p of list) {
      const g = p.grad as Tensor
      for (let i = 0; i < p.size; i++) p.data[i] -= learningRate * g.data[i]
    }
    if (step % 200 === 0) console.log(`  step ${String(step).padStart(4)}  loss ${l.item().toFixed(6)}`)
  }
  const predictions = x.matmul(params.W1).add(params.b1).tanh().matmul(params.W2).add(params.b2).sigmoid()
  console.log(`  predictions for 00, 01, 10, 11: ${Array.from(predictions.data, (v) => v.toFixed(3)).join(', ')}`)

  const checked = initParams('float64')
  const x64 = x.to('float64')
  const y64 = y.to('float64')
  const ok = gradcheck((W1, b1, W2, b2) => loss({ W1, b1, W2, b2 }, x64, y64), [checked.W1, checked.b1, checked.W2, checked.b2])
  console.log(`gradcheck of the network's loss (float64, central differences): ${ok ? 'passed' : 'FAILED'}`)
  if (!ok) process.exitCode = 1
}

main()
