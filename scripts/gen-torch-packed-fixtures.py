#!/usr/bin/python3
"""Generate PyTorch reference fixtures for seqgrad's recurrent layers run with `lengths`: PyTorch's
pack_padded_sequence(x, lengths, enforce_sorted=False) -> nn.RNN / nn.LSTM / nn.GRU -> pad_packed_sequence.

How to run (from the repository root), with Debian's python3-torch:

    /usr/bin/python3 scripts/gen-torch-packed-fixtures.py

Options: --out DIR (default: test/fixtures/packed next to this script's parent).

What it writes (float64, little-endian safetensors, by the writer of gen-torch-fixtures.py, imported):

    packed-<mode>-<n>.safetensors   mode in rnn_tanh, lstm, gru: two layers, bidirectional (and one
                                    unidirectional config), unsorted lengths including T and 1
    packed-lstm_proj-0.safetensors  the same for nn.LSTM(proj_size=2): h_n and the output P wide
    index.json                      every file with its metadata

Each file holds the parameters under their state-dict names, `input` (padded, [T, B, D] or [B, T, D] with
batch_first), `lengths` (I32 [B]), `h0`/`c0`, the padded outputs (`output` [.., T, .., dirs*H], 0 past each
length: pad_packed_sequence with total_length=T), `h_n`, `c_n`, the weights of a random linear functional
`proj.<output>` and the gradients `grad.<name>` of sum(proj.<o> * <o>) over the outputs, for every parameter,
`input`, `h0` and `c0`. The padding of `input` is random, not zero, so a test sees it never leaks in.

The script owns the files of its folder: it deletes packed-*.safetensors and index.json there and writes
them again. Deterministic: one thread, a fixed seed per file, fixed key order.
"""

import argparse
import importlib.util
import json
import os

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location('gen_torch_fixtures', os.path.join(HERE, 'gen-torch-fixtures.py'))
base = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(base)

# (T, B, D, H, num_layers, bidirectional, batch_first, bias, with_state, lengths)
CONFIGS = [
    (5, 4, 3, 4, 2, True, False, True, True, [3, 5, 1, 4]),
    (6, 3, 2, 3, 2, True, True, True, False, [1, 6, 2]),
    (4, 3, 3, 2, 2, False, True, False, True, [2, 1, 4]),
]
MODES = ['rnn_tanh', 'lstm', 'gru']
PROJ_SIZE = 2


def fixture(mode, n, cfg, proj_size=0):
    T, B, D, H, L, bidi, batch_first, bias, with_state, lengths = cfg
    torch.manual_seed(7000 + 100 * MODES.index(mode) + n + 50 * proj_size)
    if proj_size:
        layer = torch.nn.LSTM(D, H, num_layers=L, bias=bias, batch_first=batch_first, bidirectional=bidi, proj_size=proj_size).double()
    else:
        layer = base.make_layer(mode, D, H, L, bias, batch_first, bidi).double()
    dirs = 2 if bidi else 1
    x = torch.randn((B, T, D) if batch_first else (T, B, D), dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(L * dirs, B, proj_size or H, dtype=torch.float64, requires_grad=True) if with_state else None
    c0 = torch.randn(L * dirs, B, H, dtype=torch.float64, requires_grad=True) if with_state and mode == 'lstm' else None
    lens = torch.tensor(lengths, dtype=torch.int64)
    packed = pack_padded_sequence(x, lens, batch_first=batch_first, enforce_sorted=False)
    state = None if h0 is None else ((h0, c0) if mode == 'lstm' else h0)
    out_packed, final = layer(packed, state)
    output, _ = pad_packed_sequence(out_packed, batch_first=batch_first, total_length=T)
    outputs = [('output', output)]
    if mode == 'lstm':
        outputs += [('h_n', final[0]), ('c_n', final[1])]
    else:
        outputs.append(('h_n', final))
    projs = [(f'proj.{name}', torch.randn(value.shape, dtype=torch.float64)) for name, value in outputs]
    loss = sum((p * value).sum() for (_, p), (_, value) in zip(projs, outputs))
    params = list(layer.named_parameters())
    leaves = [('input', x)] + ([('h0', h0)] if h0 is not None else []) + ([('c0', c0)] if c0 is not None else []) + params
    grads = torch.autograd.grad(loss, [t for _, t in leaves])
    tensors = [(name, p.detach()) for name, p in params]
    tensors += [(name, t.detach()) for name, t in leaves if not name.startswith(('weight', 'bias'))]
    tensors.append(('lengths', torch.tensor(lengths, dtype=torch.int32)))
    tensors += [(name, value.detach()) for name, value in outputs] + projs
    tensors += [(f'grad.{name}', g) for (name, _), g in zip(leaves, grads)]
    meta = {
        'mode': mode, 'input_size': str(D), 'hidden_size': str(H), 'num_layers': str(L), 'seq_len': str(T),
        'batch': str(B), 'bidirectional': base.s(bidi), 'batch_first': base.s(batch_first), 'bias': base.s(bias),
        'lengths': ','.join(map(str, lengths)), 'proj_size': str(proj_size), 'torch': torch.__version__,
    }
    return tensors, meta


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=os.path.join(HERE, '..', 'test', 'fixtures', 'packed'))
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        if name == 'index.json' or (name.startswith('packed-') and name.endswith('.safetensors')):
            os.remove(os.path.join(out, name))
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    files = []
    for mode in MODES:
        for n, cfg in enumerate(CONFIGS):
            tensors, meta = fixture(mode, n, cfg)
            fname = f'packed-{mode}-{n}.safetensors'
            with open(os.path.join(out, fname), 'wb') as f:
                f.write(base.encode_safetensors(tensors, meta))
            files.append({'file': fname, 'metadata': meta})
    tensors, meta = fixture('lstm', 0, CONFIGS[0], PROJ_SIZE)
    fname = 'packed-lstm_proj-0.safetensors'
    with open(os.path.join(out, fname), 'wb') as f:
        f.write(base.encode_safetensors(tensors, meta))
    files.append({'file': fname, 'metadata': meta})
    with open(os.path.join(out, 'index.json'), 'w') as f:
        json.dump({'generator': 'scripts/gen-torch-packed-fixtures.py', 'files': files}, f, indent=1)
        f.write('\n')
    print(f'wrote {len(files)} fixtures to {out}')


if __name__ == '__main__':
    main()
