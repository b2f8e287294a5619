#!/usr/bin/python3
"""Generate PyTorch reference fixtures for seqgrad's recurrent dropout (Gal & Ghahramani 2016, Keras's
recurrent_dropout): one direction of a recurrent layer run over a sequence with a fixed [B, H] mask m on
every h that enters W_hh, the outputs and final state undropped.

How to run (from the repository root), with Debian's PyTorch 1.13 under /usr/bin/python3:

    apt-get update && apt-get install -y python3-torch
    /usr/bin/python3 scripts/gen-dropout-fixtures.py

What it writes (float64, little-endian safetensors, by gen-torch-fixtures.py's writer):

    test/fixtures/recurrent-dropout-<mode>-<forward|reverse>.safetensors
        mode in rnn_tanh, rnn_relu, lstm, gru, gru_reset_before

Each file holds `input` [T, B, D], `h0` (and `c0`), `mask` [B, H] (0 or 1/(1 - p), p = 0.4, at least one
zero and one kept unit per row), the weights under the equations' names (`W_ih`, `W_hh`, `b_ih`, `b_hh`),
the results `output` [T, B, H], `h` (and `c`), the weights `proj.<result>` of a random linear functional,
and `grad.<name>` of that functional for every input and weight. The RNN and the LSTM run torch's own
nn.RNNCell / nn.LSTMCell on m * h (they read h only through W_hh); the GRUs, which also read h in z * h,
are written out below as their equations and checked against nn.GRUCell with m = 1. Deterministic: a
fixed seed per file, one thread; the script owns recurrent-dropout-*.safetensors and rewrites them.
"""

import importlib.util
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location('gen_torch_fixtures', os.path.join(HERE, 'gen-torch-fixtures.py'))
_base = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_base)
encode_safetensors = _base.encode_safetensors

MODES = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru', 'gru_reset_before']
GATES = {'rnn_tanh': 1, 'rnn_relu': 1, 'lstm': 4, 'gru': 3, 'gru_reset_before': 3}
T, B, D, H, P = 5, 3, 2, 4, 0.4


def gru_step(x, h, hw, W_ih, W_hh, b_ih, b_hh, reset_after):
    """One GRU step; hw = m * h is what enters W_hh, h' keeps the undropped h."""
    xr, xz, xn = (x @ W_ih.T + b_ih).chunk(3, -1)
    W_hr, W_hz, W_hn = W_hh.chunk(3, 0)
    b_hr, b_hz, b_hn = b_hh.chunk(3, 0)
    r = torch.sigmoid(xr + hw @ W_hr.T + b_hr)  # r = sigma(W_ir x + b_ir + W_hr (m h) + b_hr)
    z = torch.sigmoid(xz + hw @ W_hz.T + b_hz)  # z = sigma(W_iz x + b_iz + W_hz (m h) + b_hz)
    if reset_after:
        n = torch.tanh(xn + r * (hw @ W_hn.T + b_hn))  # n = tanh(W_in x + b_in + r (W_hn (m h) + b_hn))
    else:
        n = torch.tanh(xn + (r * hw) @ W_hn.T + b_hn)  # n = tanh(W_in x + b_in + W_hn (r m h) + b_hn)
    return (1 - z) * n + z * h  # h' = (1 - z) n + z h


def run(mode, x, h0, c0, mask, W_ih, W_hh, b_ih, b_hh, reverse):
    steps = [None] * T
    h, c = h0, c0
    if mode in ('rnn_tanh', 'rnn_relu', 'lstm'):
        kind = {'rnn_tanh': 'tanh', 'rnn_relu': 'relu'}
        cell = (torch.nn.LSTMCell(D, H, dtype=torch.float64) if mode == 'lstm'
                else torch.nn.RNNCell(D, H, nonlinearity=kind[mode], dtype=torch.float64))
        # the cell's parameters are the leaves' values, used functionally so the gradients reach the leaves
        params = {'weight_ih': W_ih, 'weight_hh': W_hh, 'bias_ih': b_ih, 'bias_hh': b_hh}
        for t in (range(T - 1, -1, -1) if reverse else range(T)):
            if mode == 'lstm':
                h, c = torch.nn.utils.stateless.functional_call(cell, params, (x[t], (mask * h, c)))
            else:
                h = torch.nn.utils.stateless.functional_call(cell, params, (x[t], mask * h))
            steps[t] = h
    else:
        for t in (range(T - 1, -1, -1) if reverse else range(T)):
            h = gru_step(x[t], h, mask * h, W_ih, W_hh, b_ih, b_hh, mode == 'gru')
            steps[t] = h
    return torch.stack(steps), h, c


def check_gru_against_torch():
    g = torch.Generator().manual_seed(1)
    cell = torch.nn.GRUCell(D, H, dtype=torch.float64)
    x = torch.randn(B, D, generator=g, dtype=torch.float64)
    h = torch.randn(B, H, generator=g, dtype=torch.float64)
    mine = gru_step(x, h, h, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh, True)
    assert torch.allclose(mine, cell(x, h), rtol=0, atol=1e-14), 'gru_step differs from nn.GRUCell'


def fixture(mode, reverse, seed):
    g = torch.Generator().manual_seed(seed)
    G = GATES[mode]

    def leaf(*shape):
        return (torch.rand(*shape, generator=g, dtype=torch.float64) * 2 - 1).requires_grad_(True)

    leaves = {'input': leaf(T, B, D), 'h0': leaf(B, H)}
    if mode == 'lstm':
        leaves['c0'] = leaf(B, H)
    for name, shape in [('W_ih', (G * H, D)), ('W_hh', (G * H, H)), ('b_ih', (G * H,)), ('b_hh', (G * H,))]:
        leaves[name] = leaf(*shape)
    keep = torch.rand(B, H, generator=g, dtype=torch.float64) >= P
    keep[:, 0], keep[:, 1] = False, True  # every row drops a unit and keeps one
    mask = keep.double() / (1 - P)
    output, h, c = run(mode, leaves['input'], leaves['h0'], leaves.get('c0'), mask, leaves['W_ih'], leaves['W_hh'],
                       leaves['b_ih'], leaves['b_hh'], reverse)
    results = {'output': output, 'h': h} if c is None else {'output': output, 'h': h, 'c': c}
    proj = {k: torch.rand(v.shape, generator=g, dtype=torch.float64) * 2 - 1 for k, v in results.items()}
    loss = sum((proj[k] * v).sum() for k, v in results.items())
    grads = torch.autograd.grad(loss, list(leaves.values()))
    tensors = [(k, v) for k, v in leaves.items()] + [('mask', mask)]
    tensors += [(k, v) for k, v in results.items()] + [(f'proj.{k}', v) for k, v in proj.items()]
    tensors += [(f'grad.{k}', gr) for k, gr in zip(leaves, grads)]
    meta = {'mode': mode, 'reverse': 'true' if reverse else 'false', 'p': str(P), 'torch': torch.__version__.split('+')[0]}
    return f'recurrent-dropout-{mode}-{"reverse" if reverse else "forward"}.safetensors', tensors, meta


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    check_gru_against_torch()
    out = os.path.join(os.path.dirname(HERE), 'test', 'fixtures')
    for name in os.listdir(out):
        if name.startswith('recurrent-dropout-') and name.endswith('.safetensors'):
            os.remove(os.path.join(out, name))
    for k, mode in enumerate(MODES):
        for reverse in (False, True):
            name, tensors, meta = fixture(mode, reverse, 1000 + 2 * k + int(reverse))
            with open(os.path.join(out, name), 'wb') as f:
                f.write(encode_safetensors(tensors, meta))
            print(f'wrote {name}')


if __name__ == '__main__':
    main()
