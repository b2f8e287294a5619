#!/usr/bin/python3
"""Generate PyTorch reference fixtures for seqgrad's LSTM with a projection, LSTM({ projSize }), which is
torch.nn.LSTM(proj_size=P): h' = W_hr (o * tanh(c')), W_hr = weight_hr_l<k>[_reverse] of shape [P, H].

How to run (from the repository root), with Debian's python3-torch:

    /usr/bin/python3 scripts/gen-torch-proj-fixtures.py

Options: --out DIR (default: test/fixtures/proj), --no-verify.

What it writes (float64, little-endian safetensors, by the writer of scripts/gen-torch-fixtures.py, which this
script imports rather than copies):

    test/fixtures/proj/lstm-proj-<n>.safetensors   nn.LSTM(proj_size=P), one per config below
    test/fixtures/proj/index.json                  every file with its metadata and tensor shapes

Each file holds what the layer fixtures of gen-torch-fixtures.py hold: the parameters under their state-dict
names (weight_hr_l<k> included), `input`, `h0` and `c0` when the config passes an initial state, `output`,
`h_n`, `c_n`, the weights `proj.<o>` of a random linear functional of each output and the gradients
`grad.<name>` of loss = sum over outputs of sum(proj.<o> * <o>) for every parameter, the input and the
initial state. The metadata has `proj_size` besides the layer fixtures' keys. The script owns the folder's
lstm-proj-*.safetensors and index.json; it deletes and writes them again, and two runs give the same bytes.

Round-trip check of a projected LSTM written by seqgrad:

    /usr/bin/python3 scripts/gen-torch-proj-fixtures.py --check-seqgrad-file model.safetensors

loads weight_ih_l0 ... weight_hr_l0 ... with `input` and `output` (and `h0`/`c0`, `h_n`/`c_n` when present)
and metadata `input_size`, `hidden_size`, `proj_size`, `num_layers`, `bidirectional`, `batch_first` (and
`bias`), builds torch.nn.LSTM(proj_size=...) with that config, load_state_dict(strict=True), runs it on
`input` and compares (max abs difference at most 1e-6 for F32, 1e-10 for F64). Prints a verdict; exits 1
on a mismatch, 2 on a malformed file.
"""

import argparse
import importlib.util
import json
import os
import re
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location('gen_torch_fixtures', os.path.join(HERE, 'gen-torch-fixtures.py'))
base = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(base)

# (num_layers, bidirectional, batch_first, bias, has_initial_state, unbatched)
CONFIGS = [
    (1, False, False, True, False, False),
    (1, False, True, False, True, False),
    (1, True, False, True, True, False),
    (2, False, False, True, True, False),
    (2, True, True, False, False, False),
    (2, True, False, True, True, False),
    (2, True, False, False, True, True),   # unbatched: input [T, D], h0 [L*dirs, P], c0 [L*dirs, H]
]
# (input_size, hidden_size, proj_size, batch, seq_len), one per config: P < H, and D, H, P, B, T apart where possible
SIZES = [(3, 4, 2, 2, 5), (4, 5, 3, 3, 3), (3, 3, 1, 2, 4), (5, 4, 2, 3, 3), (3, 5, 2, 3, 4), (4, 4, 3, 2, 3), (3, 5, 2, 0, 4)]

OWNED = re.compile(r'^lstm-proj-\d+\.safetensors$')


def fixture(n, cfg):
    num_layers, bidirectional, batch_first, bias, has_init, unbatched = cfg
    if unbatched:
        batch_first = False  # PyTorch ignores batch_first for unbatched input
    d, hsz, psz, b, t = SIZES[n]
    dirs = 2 if bidirectional else 1
    seed = 7000 + n
    torch.manual_seed(seed)
    layer = torch.nn.LSTM(d, hsz, num_layers=num_layers, bias=bias, batch_first=batch_first,
                          bidirectional=bidirectional, proj_size=psz)
    params = list(layer.named_parameters())  # state-dict order: l0 (ih, hh, biases, hr), l0_reverse, l1, ...

    if unbatched:
        x_shape, h_shape, c_shape = (t, d), (num_layers * dirs, psz), (num_layers * dirs, hsz)
    else:
        x_shape = (b, t, d) if batch_first else (t, b, d)
        h_shape, c_shape = (num_layers * dirs, b, psz), (num_layers * dirs, b, hsz)
    x = torch.randn(*x_shape, requires_grad=True)
    inputs = [('input', x)]
    state = None
    if has_init:
        h0 = torch.randn(*h_shape, requires_grad=True)
        c0 = torch.randn(*c_shape, requires_grad=True)
        inputs += [('h0', h0), ('c0', c0)]
        state = (h0, c0)

    out, (h_n, c_n) = layer(x, state)
    outputs = [('output', out), ('h_n', h_n), ('c_n', c_n)]
    projs = [(f'proj.{name}', torch.randn(*val.shape)) for name, val in outputs]
    loss = sum((p * o).sum() for (_, p), (_, o) in zip(projs, outputs))
    loss.backward()

    tensors = [(name, p) for name, p in params] + inputs + outputs + projs
    tensors += [(f'grad.{name}', p.grad) for name, p in params]
    tensors += [(f'grad.{name}', v.grad) for name, v in inputs]
    for name, g in tensors:
        if name.startswith('grad.') and not np.any(base.to_numpy(g)):
            raise AssertionError(f'lstm-proj-{n}: {name} is all zero, so it would test nothing')

    s = base.s
    meta = {
        'kind': 'layer',
        'mode': 'lstm',
        'input_size': str(d),
        'hidden_size': str(hsz),
        'proj_size': str(psz),
        'num_layers': str(num_layers),
        'bias': s(bias),
        'batch_first': s(batch_first),
        'bidirectional': s(bidirectional),
        'has_initial_state': s(has_init),
        'unbatched': s(unbatched),
        'batch_size': '0' if unbatched else str(b),
        'seq_len': str(t),
        'seed': str(seed),
    }
    return f'lstm-proj-{n}.safetensors', tensors, meta


def generate(out_dir, verify=True):
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(out_dir, exist_ok=True)
    for name in sorted(os.listdir(out_dir)):
        if OWNED.match(name) or name == 'index.json':
            os.remove(os.path.join(out_dir, name))
    index = {'generator': 'scripts/gen-torch-proj-fixtures.py', 'torch_version': torch.__version__, 'dtype': 'F64', 'files': []}
    total = 0
    for n, cfg in enumerate(CONFIGS):
        fname, tensors, meta = fixture(n, cfg)
        entry, size = base.write_fixture(out_dir, fname, tensors, meta, verify)
        index['files'].append(entry)
        total += size
    with open(os.path.join(out_dir, 'index.json'), 'w', encoding='utf-8', newline='\n') as f:
        json.dump(index, f, indent=1)
        f.write('\n')
    print(f'wrote {len(CONFIGS)} fixtures ({total} bytes) and index.json to {out_dir} with torch {torch.__version__}')


# ----------------------------------------------------------------------------------------------------
# Round trip: a seqgrad-written projected LSTM into torch.nn.LSTM(proj_size=...) is gen-torch-fixtures.py's
# check_seqgrad_file, which reads proj_size from the file's metadata.


def main():
    ap = argparse.ArgumentParser(description="Generate PyTorch fixtures for seqgrad's LSTM({ projSize }).")
    ap.add_argument('--out', default=os.path.join(os.path.dirname(HERE), 'test', 'fixtures', 'proj'),
                    help='output folder (default: test/fixtures/proj)')
    ap.add_argument('--no-verify', action='store_true', help='skip reading each file back')
    ap.add_argument('--check-seqgrad-file', metavar='PATH',
                    help='instead of generating, check a seqgrad-written projected LSTM safetensors file against torch')
    args = ap.parse_args()
    if args.check_seqgrad_file:
        sys.exit(base.check_seqgrad_file(args.check_seqgrad_file))  # reads proj_size from the metadata
    generate(args.out, verify=not args.no_verify)


if __name__ == '__main__':
    main()
