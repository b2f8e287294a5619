// Second derivatives through one cell step against PyTorch's (test/fixtures/double-backward-<mode>.safetensors,
// written by scripts/gen-double-backward-fixtures.py): a gradient penalty loss + ½‖∂loss/∂x‖² and its gradient,
// and a Hessian-vector product ∂(∂loss/∂x · v)/∂θ, mixed terms with the state and the weights included.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Tensor, grad, gruCell, loadSafetensors, lstmCell, mseLoss, rnnCell, type CellParams } from '../../src/index.js'
import { expectClose } from '../autograd/helpers.js'

const MODES = ['rnn_tanh', 'lstm', 'gru'] as const

describe.each(MODES)('%s', (mode) => {
  const { tensors } = loadSafetensors(new Uint8Array(readFileSync(join(__dirname, '..', 'fixtures', `double-backward-${mode}.safetensors`))))
  const leaf = (name: string) => {
    const t = new Tensor(tensors[name].data.slice(), tensors[name].shape)
    t.requiresGrad = true
    return t
  }
  const names = ['x', 'h', ...(mode === 'lstm' ? ['c'] : []), 'weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']
  const setup = () => {
    const inputs = Object.fromEntries(names.map((n) => [n, leaf(n)]))
    const p: CellParams = { W_ih: inputs.weight_ih, W_hh: inputs.weight_hh, b_ih: inputs.bias_ih, b_hh: inputs.bias_hh }
    const { x, h, c } = inputs
    const out = mode === 'lstm' ? lstmCell(x, { h, c }, p).h : mode === 'gru' ? gruCell(x, h, p) : rnnCell(x, h, p)
    const loss = mseLoss(out, tensors.target)
    const [dx] = grad(loss, [x], { createGraph: true })
    return { wrt: names.map((n) => inputs[n]), loss, dx }
  }

  test('a gradient penalty: the value and its gradient with respect to the state and every parameter', () => {
    const { wrt, loss, dx } = setup()
    const penalty = loss.add(dx.pow(2).sum().mul(0.5))
    expectClose([penalty.item()], [tensors.penalty.item()], 1e-12, 1e-14)
    grad(penalty, wrt).forEach((g, k) => expectClose(g.data, tensors[`penalty_grad.${names[k]}`].data, 1e-10, 1e-13))
  })

  test('a Hessian-vector product, mixed second derivatives included', () => {
    const { wrt, dx } = setup()
    grad(dx.mul(tensors.v).sum(), wrt, { allowUnused: true }).forEach((g, k) => {
      expectClose(g?.data ?? new Float64Array(wrt[k].size), tensors[`hvp.${names[k]}`].data, 1e-10, 1e-13)
    })
  })
})
