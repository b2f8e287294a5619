#!/usr/bin/python3
"""PyTorch's second derivatives through one step of each cell, for seqgrad's double-backward parity test.

Writes test/fixtures/double-backward-<mode>.safetensors (float64, mode in rnn_tanh, lstm, gru) and nothing
else. For nn.RNNCell / nn.LSTMCell / nn.GRUCell with input size 3, hidden size 4, batch 2 (seeded per mode):

    loss     = mse_loss(h', target)                     (h' the new hidden state)
    penalty  = loss + 0.5 * ||d loss / d x||^2          (the gradient with create_graph=True)
    penalty_grad.<name>  d penalty / d <name>           for x, h (c) and the four parameters
    hvp.<name>           d (d loss/d x . v) / d <name>  a Hessian-vector product, mixed terms included

Tensors: the parameters (weight_ih, weight_hh, bias_ih, bias_hh), x, h, c (LSTM), target, v, penalty and the
two families above. Deterministic: the same bytes every run.

    apt-get update && apt-get install -y python3-torch    # Debian's PyTorch 1.13, under /usr/bin/python3
    /usr/bin/python3 scripts/gen-double-backward-fixtures.py
"""
import importlib.util
import os

import torch

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('fixtures', os.path.join(here, 'gen-torch-fixtures.py'))
fixtures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fixtures)

D, H, B = 3, 4, 2
CELLS = {'rnn_tanh': torch.nn.RNNCell, 'lstm': torch.nn.LSTMCell, 'gru': torch.nn.GRUCell}
PARAMS = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']


def fixture(mode, seed):
    torch.manual_seed(seed)
    cell = CELLS[mode](D, H).double()
    x = torch.randn(B, D, dtype=torch.float64, requires_grad=True)
    h = torch.randn(B, H, dtype=torch.float64, requires_grad=True)
    c = torch.randn(B, H, dtype=torch.float64, requires_grad=True) if mode == 'lstm' else None
    target = torch.randn(B, H, dtype=torch.float64)
    v = torch.randn(B, D, dtype=torch.float64)
    states = [x, h] + ([c] if c is not None else [])
    wrt = states + [getattr(cell, p) for p in PARAMS]
    names = ['x', 'h'] + (['c'] if c is not None else []) + PARAMS

    def loss_of():
        out = cell(x, (h, c))[0] if c is not None else cell(x, h)
        return torch.nn.functional.mse_loss(out, target)

    loss = loss_of()
    (dx,) = torch.autograd.grad(loss, [x], create_graph=True)
    penalty = loss + 0.5 * dx.pow(2).sum()
    penalty_grad = torch.autograd.grad(penalty, wrt)
    loss = loss_of()
    (dx,) = torch.autograd.grad(loss, [x], create_graph=True)
    hvp = torch.autograd.grad((dx * v).sum(), wrt, allow_unused=True)
    tensors = [(p, getattr(cell, p)) for p in PARAMS] + [('x', x), ('h', h)] + ([('c', c)] if c is not None else [])
    tensors += [('target', target), ('v', v), ('penalty', penalty.reshape([]))]
    tensors += [(f'penalty_grad.{n}', g) for n, g in zip(names, penalty_grad)]
    tensors += [(f'hvp.{n}', torch.zeros_like(t) if g is None else g) for n, t, g in zip(names, wrt, hvp)]
    return fixtures.encode_safetensors(tensors, {'mode': mode, 'torch': torch.__version__})


def main():
    out = os.path.join(os.path.dirname(here), 'test', 'fixtures')
    for k, mode in enumerate(CELLS):
        path = os.path.join(out, f'double-backward-{mode}.safetensors')
        with open(path, 'wb') as f:
            f.write(fixture(mode, 1000 + k))
        print(f'wrote {path}')


if __name__ == '__main__':
    main()
