#!/usr/bin/python3
"""Generate PyTorch reference fixtures for seqgrad's RNN / LSTM / GRU cells and layers, its optimizers and
its learning-rate schedules.

How to run (from the repository root):

    apt-get install python3-torch
    /usr/bin/python3 scripts/gen-torch-fixtures.py

Use Debian's /usr/bin/python3 (the one python3-torch installs into), not another python3 on PATH.
Options: --out DIR (default: test/fixtures next to this script's parent), --no-verify.

What it writes (all float64, little-endian safetensors, written by the small writer below):

    test/fixtures/layer-<mode>-<n>.safetensors   nn.RNN / nn.LSTM / nn.GRU, mode in rnn_tanh, rnn_relu, lstm, gru
    test/fixtures/cell-<mode>-<n>.safetensors    nn.RNNCell / nn.LSTMCell / nn.GRUCell, one time step
    test/fixtures/optim-<optimizer>-<n>.safetensors   SGD / Adam / AdamW / RMSprop training a small GRU classifier
    test/fixtures/schedule-<scheduler>-<n>.json       learning-rate schedules (see the sections below)
    test/fixtures/index.json                     every file with its metadata and tensor shapes: cells and
                                                 layers under `files`, optimizer runs under `optim_files`,
                                                 schedules under `schedule_files`

Each cell or layer file holds the parameters under their PyTorch state-dict names, the inputs (`input`,
and `h0`/`c0` when the config passes an initial state), the outputs (`output`, `h_n`, `c_n` for layers;
`h`, `c` for cells), the weights of a random linear functional `proj.<output name>` (same shape as that
output) and the gradients of loss = sum over outputs of sum(proj.<o> * <o>) as `grad.<name>` for every
parameter, for `input` and for `h0`/`c0`. One-layer unidirectional layer fixtures with bias also hold
the same weights in Keras's layout (`keras.kernel`, `keras.recurrent_kernel`, `keras.bias`).
`__metadata__` holds the config as strings (see layer_metadata / cell_metadata).

The script owns layer-*.safetensors, cell-*.safetensors, optim-*.safetensors, schedule-*.json and
index.json in the output folder: it deletes them and writes them again, so a run is idempotent. It is
deterministic: one thread, deterministic algorithms, a fixed seed per fixture, fixed key order; two runs
give the same bytes.

Round-trip check of a file written by seqgrad:

    /usr/bin/python3 scripts/gen-torch-fixtures.py --check-seqgrad-file model.safetensors

loads `weight_ih_l0` ... (a 1- or 2-layer LSTM) with `input` and `output` and metadata `input_size`,
`hidden_size`, `num_layers`, `bidirectional`, `batch_first` (and `proj_size` with `weight_hr_l<k>` for a projected
LSTM), builds torch.nn.LSTM with that config,
load_state_dict(strict=True), runs it on `input` and compares with `output` (max abs difference at most
1e-6 for F32, 1e-10 for F64). Prints a verdict; exits 1 on a mismatch, 2 on a malformed file.
"""

import argparse
import json
import math
import os
import re
import struct
import sys

import numpy as np
import torch

# ----------------------------------------------------------------------------------------------------
# safetensors: 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON header (padded with
# spaces to a multiple of 8), then the raw little-endian tensor data. data_offsets are [begin, end)
# relative to the start of the data section; tensors are laid out contiguously in header order.

DTYPES = {
    # safetensors name: (numpy little-endian dtype, torch dtype)
    'F64': ('<f8', torch.float64),
    'F32': ('<f4', torch.float32),
    'I32': ('<i4', torch.int32),
    'I64': ('<i8', torch.int64),
}
NUMPY_TO_ST = {np.dtype('<f8'): 'F64', np.dtype('<f4'): 'F32', np.dtype('<i4'): 'I32', np.dtype('<i8'): 'I64'}


def to_numpy(t):
    if isinstance(t, torch.Tensor):
        t = t.detach().cpu().contiguous().numpy()
    return np.ascontiguousarray(t)


def encode_safetensors(tensors, metadata=None):
    """tensors: list of (name, array-like) in the order to write; metadata: dict of str -> str."""
    header = {}
    chunks = []
    offset = 0
    for name, value in tensors:
        arr = to_numpy(value)
        arr = arr.astype(arr.dtype.newbyteorder('<'), copy=False)
        if arr.dtype not in NUMPY_TO_ST:
            raise ValueError(f'{name}: unsupported dtype {arr.dtype}')
        raw = arr.tobytes(order='C')
        header[name] = {'dtype': NUMPY_TO_ST[arr.dtype], 'shape': list(arr.shape),
                        'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise ValueError(f'metadata must map strings to strings, got {k!r}: {v!r}')
        header['__metadata__'] = dict(metadata)
    head = json.dumps(header, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    head += b' ' * ((-len(head)) % 8)
    return struct.pack('<Q', len(head)) + head + b''.join(chunks)


def decode_safetensors(data):
    """Returns (tensors: dict name -> numpy array in header order, metadata: dict)."""
    if len(data) < 8:
        raise ValueError(f'file is {len(data)} bytes, shorter than the 8-byte header length')
    (n,) = struct.unpack('<Q', data[:8])
    if 8 + n > len(data):
        raise ValueError(f'header length {n} runs past the end of the file ({len(data)} bytes)')
    header = json.loads(data[8:8 + n].decode('utf-8'))
    metadata = header.pop('__metadata__', None) or {}
    body = memoryview(data)[8 + n:]
    tensors = {}
    for name, info in header.items():
        dtype = info['dtype']
        if dtype not in DTYPES:
            raise ValueError(f'{name}: dtype {dtype} not supported (expected one of {sorted(DTYPES)})')
        np_dtype = np.dtype(DTYPES[dtype][0])
        begin, end = info['data_offsets']
        shape = tuple(info['shape'])
        expected = np_dtype.itemsize * math.prod(shape)
        if end - begin != expected or end > len(body) or begin < 0:
            raise ValueError(f'{name}: data_offsets {[begin, end]} do not fit shape {list(shape)} {dtype} '
                             f'in a data section of {len(body)} bytes')
        tensors[name] = np.frombuffer(body[begin:end], dtype=np_dtype).reshape(shape).copy()
    return tensors, metadata


def read_safetensors(path):
    with open(path, 'rb') as f:
        return decode_safetensors(f.read())


# ----------------------------------------------------------------------------------------------------
# Configs. Sizes are small and vary so that no two dims coincide by accident (D != H != B != T where
# possible); values of every option appear with every mode. Not the full cross product.

MODES = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru']
GATES = {'rnn_tanh': 1, 'rnn_relu': 1, 'lstm': 4, 'gru': 3}

# (num_layers, bidirectional, batch_first, bias, has_initial_state, unbatched)
LAYER_CONFIGS = [
    (1, False, False, True, False, False),
    (1, False, True, True, True, False),
    (1, True, False, True, True, False),
    (1, True, True, False, False, False),
    (1, False, False, False, True, False),
    (2, False, False, False, True, False),
    (2, True, True, True, False, False),
    (2, False, True, True, False, False),
    (2, True, False, False, True, False),
    (3, False, True, True, True, False),
    (3, True, False, False, False, False),
    (2, True, False, True, True, True),   # unbatched: input [T, D], state [L*dirs, H]
]
# (input_size, hidden_size, batch, seq_len), cycled through by config index
SIZES = [(3, 2, 2, 4), (4, 3, 3, 5), (5, 4, 2, 3), (4, 2, 3, 4), (3, 4, 2, 5), (5, 3, 3, 3)]

# (bias, has_initial_state)
CELL_CONFIGS = [(True, False), (True, True), (False, True), (False, False)]
CELL_SIZES = [(3, 2, 2), (4, 3, 3), (5, 4, 2), (3, 4, 3)]  # (input_size, hidden_size, batch)


def s(b):
    return 'true' if b else 'false'


def make_layer(mode, input_size, hidden_size, num_layers, bias, batch_first, bidirectional):
    common = dict(input_size=input_size, hidden_size=hidden_size, num_layers=num_layers, bias=bias,
                  batch_first=batch_first, dropout=0.0, bidirectional=bidirectional)
    if mode == 'lstm':
        return torch.nn.LSTM(**common)
    if mode == 'gru':
        return torch.nn.GRU(**common)
    return torch.nn.RNN(nonlinearity='tanh' if mode == 'rnn_tanh' else 'relu', **common)


def make_cell(mode, input_size, hidden_size, bias):
    if mode == 'lstm':
        return torch.nn.LSTMCell(input_size, hidden_size, bias=bias)
    if mode == 'gru':
        return torch.nn.GRUCell(input_size, hidden_size, bias=bias)
    return torch.nn.RNNCell(input_size, hidden_size, bias=bias,
                            nonlinearity='tanh' if mode == 'rnn_tanh' else 'relu')


def seed_for(kind, mode, n):
    return (1000 if kind == 'layer' else 5000) + 100 * MODES.index(mode) + n


# ----------------------------------------------------------------------------------------------------
# Keras layout, derived from Keras's documented weights (not from seqgrad):
#   kernel           [D, G*U]  = weight_ih transposed, gate blocks along the columns
#   recurrent_kernel [U, G*U]  = weight_hh transposed, same blocks
# SimpleRNN (G = 1): h' = act(x @ kernel + h @ recurrent_kernel + bias); bias [U] = b_ih + b_hh
#   (Keras has one bias; only the sum of PyTorch's two matters).
# LSTM (G = 4): Keras blocks [i | f | c | o]; PyTorch rows [i | f | g | o]. Same order (Keras calls
#   the candidate g "c"), so the kernels are plain transposes; bias [4U] = b_ih + b_hh.
# GRU (G = 3), reset_after=True (the variant that matches PyTorch: r multiplies (W_hn h + b_hn)):
#   Keras blocks [z | r | h]; PyTorch rows [r | z | n]. So swap the first two blocks:
#   kernel = [W_iz; W_ir; W_in]^T, recurrent_kernel = [W_hz; W_hr; W_hn]^T,
#   bias [2, 3U]: row 0 = input bias [b_iz | b_ir | b_in], row 1 = recurrent bias [b_hz | b_hr | b_hn].
#   Keras: h' = z * h + (1 - z) * hh, which is PyTorch's h' = (1 - z) * n + z * h with hh = n.

def gru_torch_to_keras_blocks(m, hidden):
    """Reorders the leading-axis (or only-axis) blocks of a PyTorch GRU tensor from [r|z|n] to [z|r|n]."""
    r, z, n = m[:hidden], m[hidden:2 * hidden], m[2 * hidden:]
    return np.concatenate([z, r, n], axis=0)


def keras_weights(mode, state, hidden):
    w_ih = to_numpy(state['weight_ih_l0'])
    w_hh = to_numpy(state['weight_hh_l0'])
    b_ih = to_numpy(state['bias_ih_l0'])
    b_hh = to_numpy(state['bias_hh_l0'])
    if mode == 'gru':
        kernel = gru_torch_to_keras_blocks(w_ih, hidden).T
        recurrent = gru_torch_to_keras_blocks(w_hh, hidden).T
        bias = np.stack([gru_torch_to_keras_blocks(b_ih, hidden), gru_torch_to_keras_blocks(b_hh, hidden)])
    else:  # SimpleRNN and LSTM: gate order already matches
        kernel = w_ih.T
        recurrent = w_hh.T
        bias = b_ih + b_hh
    return np.ascontiguousarray(kernel), np.ascontiguousarray(recurrent), np.ascontiguousarray(bias)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def keras_forward(mode, kernel, recurrent, bias, x, h0, c0):
    """Keras's equations (batch-major x [B, T, D]) in numpy; returns the outputs [B, T, U]."""
    units = recurrent.shape[0]
    h, c = h0.copy(), None if c0 is None else c0.copy()
    outs = []
    for t in range(x.shape[1]):
        xt = x[:, t, :]
        if mode in ('rnn_tanh', 'rnn_relu'):
            pre = xt @ kernel + h @ recurrent + bias
            h = np.tanh(pre) if mode == 'rnn_tanh' else np.maximum(pre, 0.0)
        elif mode == 'lstm':
            zz = xt @ kernel + h @ recurrent + bias
            i, f, cc, o = (zz[:, k * units:(k + 1) * units] for k in range(4))
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(cc)
            h = sigmoid(o) * np.tanh(c)
        else:
            mx = xt @ kernel + bias[0]
            mi = h @ recurrent + bias[1]
            z = sigmoid(mx[:, :units] + mi[:, :units])
            r = sigmoid(mx[:, units:2 * units] + mi[:, units:2 * units])
            hh = np.tanh(mx[:, 2 * units:] + r * mi[:, 2 * units:])
            h = z * h + (1.0 - z) * hh
        outs.append(h)
    return np.stack(outs, axis=1)


# ----------------------------------------------------------------------------------------------------
# Fixture builders. Draw order after seeding: module parameters (PyTorch's default init), input, h0,
# c0, then the projections, so each file depends only on its own seed.

def layer_fixture(mode, n, cfg):
    # A ReLU layer can come out with a whole direction dead (all-zero gradient for some parameter),
    # which would leave that parameter untested; take the next seed then (deterministically).
    for attempt in range(20):
        fixture = layer_fixture_seeded(mode, n, cfg, seed_for('layer', mode, n) + 10000 * attempt)
        if all(np.any(to_numpy(v)) for k, v in fixture[1] if k.startswith('grad.')):
            return fixture
    raise AssertionError(f'layer-{mode}-{n}: every seed gave an all-zero gradient')


def layer_fixture_seeded(mode, n, cfg, seed):
    num_layers, bidirectional, batch_first, bias, has_init, unbatched = cfg
    if unbatched:
        batch_first = False  # PyTorch ignores batch_first for unbatched input
    d, hsz, b, t = SIZES[n % len(SIZES)]
    dirs = 2 if bidirectional else 1
    torch.manual_seed(seed)
    layer = make_layer(mode, d, hsz, num_layers, bias, batch_first, bidirectional)
    params = list(layer.named_parameters())  # state-dict order: l0, l0_reverse, l1, ...

    if unbatched:
        x_shape, state_shape = (t, d), (num_layers * dirs, hsz)
    else:
        x_shape = (b, t, d) if batch_first else (t, b, d)
        state_shape = (num_layers * dirs, b, hsz)
    x = torch.randn(*x_shape, requires_grad=True)
    inputs = [('input', x)]
    state = None
    if has_init:
        h0 = torch.randn(*state_shape, requires_grad=True)
        inputs.append(('h0', h0))
        if mode == 'lstm':
            c0 = torch.randn(*state_shape, requires_grad=True)
            inputs.append(('c0', c0))
            state = (h0, c0)
        else:
            state = h0

    result = layer(x, state)
    if mode == 'lstm':
        out, (h_n, c_n) = result
        outputs = [('output', out), ('h_n', h_n), ('c_n', c_n)]
    else:
        out, h_n = result
        outputs = [('output', out), ('h_n', h_n)]
    projs = [(f'proj.{name}', torch.randn(*val.shape)) for name, val in outputs]
    loss = sum((p * o).sum() for (_, p), (_, o) in zip(projs, outputs))
    loss.backward()

    tensors = [(name, p) for name, p in params] + inputs + outputs + projs
    tensors += [(f'grad.{name}', p.grad) for name, p in params]
    tensors += [(f'grad.{name}', v.grad) for name, v in inputs]

    if num_layers == 1 and not bidirectional and bias:
        kernel, recurrent, kbias = keras_weights(mode, dict(params), hsz)
        # The mapping is checked here, against Keras's own equations, on this fixture's data.
        xb = to_numpy(x)
        if unbatched:
            xb = xb[None]
        elif not batch_first:
            xb = xb.transpose(1, 0, 2)
        bsz = xb.shape[0]
        h0n = to_numpy(state[0] if mode == 'lstm' else state).reshape(bsz, hsz) if has_init \
            else np.zeros((bsz, hsz))
        c0n = None
        if mode == 'lstm':
            c0n = to_numpy(state[1]).reshape(bsz, hsz) if has_init else np.zeros((bsz, hsz))
        kout = keras_forward(mode, kernel, recurrent, kbias, xb, h0n, c0n)
        tout = to_numpy(out)
        tout = tout[None] if unbatched else (tout if batch_first else tout.transpose(1, 0, 2))
        err = float(np.max(np.abs(kout - tout)))
        if err > 1e-12:
            raise AssertionError(f'layer-{mode}-{n}: Keras-layout forward differs from PyTorch by {err}')
        tensors += [('keras.kernel', kernel), ('keras.recurrent_kernel', recurrent), ('keras.bias', kbias)]

    meta = {
        'kind': 'layer',
        'mode': mode,
        'input_size': str(d),
        'hidden_size': str(hsz),
        'num_layers': str(num_layers),
        'bias': s(bias),
        'batch_first': s(batch_first),
        'bidirectional': s(bidirectional),
        'has_initial_state': s(has_init),
        'unbatched': s(unbatched),
    }
    if mode.startswith('rnn_'):
        meta['nonlinearity'] = mode[4:]
    meta['batch_size'] = '0' if unbatched else str(b)
    meta['seq_len'] = str(t)
    meta['seed'] = str(seed)
    return f'layer-{mode}-{n}.safetensors', tensors, meta


def cell_fixture(mode, n, cfg):
    bias, has_init = cfg
    d, hsz, b = CELL_SIZES[n % len(CELL_SIZES)]
    seed = seed_for('cell', mode, n)
    torch.manual_seed(seed)
    cell = make_cell(mode, d, hsz, bias)
    params = list(cell.named_parameters())
    x = torch.randn(b, d, requires_grad=True)
    inputs = [('input', x)]
    state = None
    if has_init:
        h0 = torch.randn(b, hsz, requires_grad=True)
        inputs.append(('h0', h0))
        if mode == 'lstm':
            c0 = torch.randn(b, hsz, requires_grad=True)
            inputs.append(('c0', c0))
            state = (h0, c0)
        else:
            state = h0
    result = cell(x, state)
    if mode == 'lstm':
        h, c = result
        outputs = [('h', h), ('c', c)]
    else:
        outputs = [('h', result)]
    projs = [(f'proj.{name}', torch.randn(*val.shape)) for name, val in outputs]
    loss = sum((p * o).sum() for (_, p), (_, o) in zip(projs, outputs))
    loss.backward()

    tensors = [(name, p) for name, p in params] + inputs + outputs + projs
    tensors += [(f'grad.{name}', p.grad) for name, p in params]
    tensors += [(f'grad.{name}', v.grad) for name, v in inputs]
    meta = {
        'kind': 'cell',
        'mode': mode,
        'input_size': str(d),
        'hidden_size': str(hsz),
        'bias': s(bias),
        'has_initial_state': s(has_init),
        'unbatched': 'false',
    }
    if mode.startswith('rnn_'):
        meta['nonlinearity'] = mode[4:]
    meta['batch_size'] = str(b)
    meta['seed'] = str(seed)
    return f'cell-{mode}-{n}.safetensors', tensors, meta


# ----------------------------------------------------------------------------------------------------
# Optimizers: a few steps of a small GRU + Linear classifier on cross-entropy, with each optimizer and a
# covering set of its options, some runs with clip_grad_norm_ before every step. Every optimizer uses
# its single-tensor implementation (foreach=False), the one the TypeScript mirrors.
#
#   test/fixtures/optim-<optimizer>-<n>.safetensors
#
# Tensors: the initial parameters under their state-dict names (`gru.weight_ih_l0`, ..., `fc.weight`,
# `fc.bias`), `input` [T, B, D], `target` int32 [T*B] (row t*B + b of the logits is time t, batch b),
# `loss` [steps] (the loss each step's gradient came from), `total_norm` [steps] (what clip_grad_norm_
# returned, only when clipping), `step<k>.<name>` the parameters after step k, and `state.<i>.<name>` the
# optimizer's state tensors after the last step (i: the parameter's index in model.parameters()).
# Metadata: kind 'optim', `optimizer` (class name), `options` (JSON, PyTorch's keyword names), `clip`
# (JSON {"max_norm", "norm_type"} with "inf" for the infinity norm, or null), `skip_grads` (JSON
# {"<step>": [names]}: grads set to None after backward, before clipping and stepping), `final_steps`
# (JSON {"<i>": step count} where the optimizer keeps one), the sizes and `seed`.

OPTIM_SIZES = dict(input_size=3, hidden_size=4, num_classes=3, seq_len=5, batch_size=2)
OPTIM_STEPS = 5
OPTIMIZERS = {'SGD': torch.optim.SGD, 'Adam': torch.optim.Adam, 'AdamW': torch.optim.AdamW,
              'RMSprop': torch.optim.RMSprop}

# (optimizer, options, clip (max_norm, norm_type) or None, {step: [param names whose grad is dropped]})
OPTIM_CONFIGS = [
    ('SGD', {'lr': 0.1}, None, {}),
    ('SGD', {'lr': 0.1, 'momentum': 0.9}, None, {3: ['fc.bias']}),
    ('SGD', {'lr': 0.1, 'momentum': 0.9, 'dampening': 0.3}, None, {}),
    ('SGD', {'lr': 0.1, 'momentum': 0.9, 'nesterov': True}, None, {}),
    ('SGD', {'lr': 0.1, 'weight_decay': 0.05}, None, {}),
    ('SGD', {'lr': 0.05, 'momentum': 0.8, 'weight_decay': 0.01, 'maximize': True}, None, {}),
    ('SGD', {'lr': 0.1, 'momentum': 0.9}, (0.2, 2.0), {}),
    ('SGD', {'lr': 0.1, 'momentum': 0.9, 'nesterov': True, 'weight_decay': 0.01}, (0.05, 'inf'), {}),
    ('Adam', {}, None, {}),
    ('Adam', {'lr': 0.01, 'weight_decay': 0.1}, None, {}),
    ('Adam', {'lr': 0.01, 'amsgrad': True}, None, {2: ['gru.bias_hh_l0'], 3: ['gru.bias_hh_l0', 'fc.weight']}),
    ('Adam', {'lr': 0.01, 'betas': [0.8, 0.99], 'eps': 1e-6, 'weight_decay': 0.01, 'amsgrad': True}, (0.15, 2.0), {}),
    ('Adam', {'lr': 0.01, 'maximize': True}, None, {}),
    ('AdamW', {}, None, {}),
    ('AdamW', {'lr': 0.01, 'amsgrad': True}, None, {}),
    ('AdamW', {'lr': 0.01, 'weight_decay': 0.1}, (0.3, 1.0), {}),
    ('RMSprop', {}, None, {}),
    ('RMSprop', {'lr': 0.01, 'momentum': 0.9}, None, {}),
    ('RMSprop', {'lr': 0.01, 'centered': True}, None, {}),
    ('RMSprop', {'lr': 0.01, 'weight_decay': 0.1}, None, {}),
    ('RMSprop', {'lr': 0.005, 'alpha': 0.9, 'eps': 1e-6, 'momentum': 0.5, 'centered': True}, (0.15, 2.0), {2: ['fc.weight']}),
]


class GRUClassifier(torch.nn.Module):
    """A one-layer GRU over [T, B, D] and a Linear on every step's output: logits [T*B, C]."""

    def __init__(self, input_size, hidden_size, num_classes):
        super().__init__()
        self.gru = torch.nn.GRU(input_size, hidden_size)
        self.fc = torch.nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.fc(out.reshape(-1, out.shape[-1]))


def optim_fixture(n, k, cfg):
    """The n-th run of its optimizer, the k-th of all (which picks the seed)."""
    name, options, clip, skip = cfg
    sz = OPTIM_SIZES
    seed = 7000 + k
    torch.manual_seed(seed)
    model = GRUClassifier(sz['input_size'], sz['hidden_size'], sz['num_classes'])
    x = torch.randn(sz['seq_len'], sz['batch_size'], sz['input_size'])
    target = torch.randint(0, sz['num_classes'], (sz['seq_len'] * sz['batch_size'],))
    params = list(model.named_parameters())
    by_name = dict(params)
    tensors = [(k, p.detach().clone()) for k, p in params] + [('input', x), ('target', target.to(torch.int32))]

    kwargs = dict(options)
    if 'betas' in kwargs:
        kwargs['betas'] = tuple(kwargs['betas'])
    opt = OPTIMIZERS[name](model.parameters(), foreach=False, **kwargs)
    norm_type = None if clip is None else (math.inf if clip[1] == 'inf' else clip[1])
    losses, norms, after = [], [], []
    for k in range(1, OPTIM_STEPS + 1):
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x), target)
        loss.backward()
        for pname in skip.get(k, []):
            by_name[pname].grad = None
        if clip is not None:
            norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), clip[0], norm_type)))
        opt.step()
        losses.append(loss.item())
        after += [(f'step{k}.{pk}', p.detach().clone()) for pk, p in params]
    if clip is not None and not any(v > clip[0] for v in norms):
        raise AssertionError(f'optim-{name.lower()}-{n}: max_norm {clip[0]} never clips (norms {norms})')

    tensors.append(('loss', torch.tensor(losses)))
    if clip is not None:
        tensors.append(('total_norm', torch.tensor(norms)))
    tensors += after
    final_steps = {}
    for i, (_, p) in enumerate(params):
        state = opt.state.get(p, {})
        for key, value in state.items():
            if key == 'step':
                final_steps[str(i)] = int(value)
            elif torch.is_tensor(value):
                tensors.append((f'state.{i}.{key}', value.detach().clone()))

    meta = {
        'kind': 'optim',
        'optimizer': name,
        'options': json.dumps(options),
        'clip': json.dumps(None if clip is None else {'max_norm': clip[0], 'norm_type': clip[1]}),
        'skip_grads': json.dumps({str(k): v for k, v in skip.items()}),
        'final_steps': json.dumps(final_steps),
        'steps': str(OPTIM_STEPS),
    }
    meta.update({k: str(v) for k, v in sz.items()})
    meta['seed'] = str(seed)
    return f'optim-{name.lower()}-{n}.safetensors', tensors, meta


def optim_fixtures():
    counts = {}
    out = []
    for cfg in OPTIM_CONFIGS:
        n = counts.get(cfg[0], 0)
        counts[cfg[0]] = n + 1
        out.append(optim_fixture(n, len(out), cfg))
    return out


# ----------------------------------------------------------------------------------------------------
# LR schedules: the lr of an SGD optimizer (one parameter, lr = base_lr) after construction and after
# each of `steps` epochs (optimizer.step() then every scheduler's step(), in order; ReduceLROnPlateau's
# step takes metrics[k]).
#
#   test/fixtures/schedule-<scheduler>-<n>.json
#
# {"schedulers": [{"name", "options" (PyTorch's keyword names)}], "base_lr", "steps", "metrics" (only
#  for ReduceLROnPlateau), "lrs": [steps + 1 numbers]}. Floats are written with repr, so they read back
# exactly. Several schedulers on one optimizer show PyTorch's chaining: the later ones take the
# optimizer's initial_lr (set by the first) as their base lr.

SCHEDULE_STEPS = 30
SCHEDULERS = {
    'StepLR': torch.optim.lr_scheduler.StepLR,
    'ExponentialLR': torch.optim.lr_scheduler.ExponentialLR,
    'CosineAnnealingLR': torch.optim.lr_scheduler.CosineAnnealingLR,
    'LinearLR': torch.optim.lr_scheduler.LinearLR,
    'ReduceLROnPlateau': torch.optim.lr_scheduler.ReduceLROnPlateau,
}

PLATEAU_MIN = [1.0, 0.9, 0.9, 0.9, 0.9, 0.85, 0.86, 0.87, 0.88, 0.8, 0.8, 0.79995, 0.8, 0.8, 0.7,
               0.7, 0.7, 0.7, 0.7, 0.69, 0.69, 0.69, 0.69, 0.69, 0.69, 0.5, 0.6, 0.6, 0.6, 0.6]
PLATEAU_STAIRS = [2.0 - 0.1 * (k // 4) for k in range(SCHEDULE_STEPS)]
PLATEAU_ACCURACY = [0.1, 0.2, 0.3, 0.31, 0.32, 0.33, 0.34, 0.5, 0.51, 0.52, 0.53, 0.54, 0.55, 0.6, 0.6,
                    0.6, 0.6, 0.6, 0.7, 0.7, 0.71, 0.72, 0.7, 0.7, 0.69, 0.8, 0.8, 0.8, 0.8, 0.8]
PLATEAU_WORSE = [1.0 + 0.01 * k for k in range(SCHEDULE_STEPS)]
PLATEAU_NEGATIVE = [-1.0, -1.5, -1.5, -1.5002, -1.6, -1.6, -1.6, -1.6, -1.59, -1.7, -1.7, -1.7, -1.7, -1.7,
                    -1.7, -2.0, -2.0, -2.0, -2.0, -2.0, -2.0, -2.0, -2.1, -2.1, -2.1, -2.1, -2.1, -2.1, -2.1, -2.1]

# (file stem, base_lr, [(scheduler, options)], metrics or None)
SCHEDULE_CONFIGS = [
    ('steplr', 0.1, [('StepLR', {'step_size': 3, 'gamma': 0.5})], None),
    ('steplr', 1.0, [('StepLR', {'step_size': 7})], None),
    ('exponentiallr', 0.1, [('ExponentialLR', {'gamma': 0.9})], None),
    ('exponentiallr', 2.0, [('ExponentialLR', {'gamma': 0.75})], None),
    ('cosineannealinglr', 0.1, [('CosineAnnealingLR', {'T_max': 10})], None),
    ('cosineannealinglr', 0.05, [('CosineAnnealingLR', {'T_max': 7, 'eta_min': 0.001})], None),
    ('linearlr', 0.1, [('LinearLR', {})], None),
    ('linearlr', 0.5, [('LinearLR', {'start_factor': 0.1, 'end_factor': 0.9, 'total_iters': 12})], None),
    ('linearlr', 0.2, [('LinearLR', {'start_factor': 1.0, 'end_factor': 0.25, 'total_iters': 8})], None),
    ('reducelronplateau', 0.1, [('ReduceLROnPlateau', {'patience': 2})], PLATEAU_MIN),
    ('reducelronplateau', 0.1, [('ReduceLROnPlateau', {'factor': 0.5, 'patience': 1, 'threshold': 0.01,
                                                       'threshold_mode': 'abs', 'cooldown': 2, 'min_lr': 0.01})],
     PLATEAU_STAIRS),
    ('reducelronplateau', 0.3, [('ReduceLROnPlateau', {'mode': 'max', 'factor': 0.2, 'patience': 3,
                                                       'threshold': 0.05})], PLATEAU_ACCURACY),
    ('reducelronplateau', 0.01, [('ReduceLROnPlateau', {'factor': 0.5, 'patience': 0, 'eps': 1e-3})], PLATEAU_WORSE),
    ('reducelronplateau', 0.2, [('ReduceLROnPlateau', {'mode': 'max', 'threshold_mode': 'abs', 'threshold': 0.1,
                                                       'patience': 1, 'cooldown': 1, 'factor': 0.5})],
     [-v for v in PLATEAU_NEGATIVE]),
    ('reducelronplateau', 0.2, [('ReduceLROnPlateau', {'patience': 1, 'threshold': 0.1})], PLATEAU_NEGATIVE),
    ('chain', 0.1, [('LinearLR', {'start_factor': 0.25, 'total_iters': 4}), ('CosineAnnealingLR', {'T_max': 20})],
     None),
]


def schedule_fixture(stem, n, base_lr, specs, metrics):
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=base_lr)
    schedulers = [SCHEDULERS[name](opt, **options) for name, options in specs]
    lrs = [opt.param_groups[0]['lr']]
    for k in range(SCHEDULE_STEPS):
        opt.step()
        for sched in schedulers:
            if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
                sched.step(metrics[k])
            else:
                sched.step()
        lrs.append(opt.param_groups[0]['lr'])
    doc = {'schedulers': [{'name': name, 'options': options} for name, options in specs],
           'base_lr': base_lr, 'steps': SCHEDULE_STEPS}
    if metrics is not None:
        doc['metrics'] = metrics
    doc['lrs'] = lrs
    return f'schedule-{stem}-{n}.json', doc


def schedule_fixtures():
    counts = {}
    out = []
    for stem, base_lr, specs, metrics in SCHEDULE_CONFIGS:
        n = counts.get(stem, 0)
        counts[stem] = n + 1
        out.append(schedule_fixture(stem, n, base_lr, specs, metrics))
    return out


OWNED = re.compile(r'^((layer|cell)-[a-z_]+-\d+\.safetensors|optim-[a-z]+-\d+\.safetensors|schedule-[a-z]+-\d+\.json)$')


def write_fixture(out_dir, fname, tensors, meta, verify):
    """Writes one safetensors fixture (and reads it back when verify); returns its index entry and size."""
    blob = encode_safetensors(tensors, meta)
    with open(os.path.join(out_dir, fname), 'wb') as f:
        f.write(blob)
    if verify:
        back, back_meta = decode_safetensors(blob)
        assert back_meta == meta, fname
        assert list(back) == [k for k, _ in tensors], fname
        for k, v in tensors:
            if not np.array_equal(back[k], to_numpy(v)):
                raise AssertionError(f'{fname}: {k} does not read back unchanged')
    entry = {
        'file': fname,
        'metadata': meta,
        'tensors': {k: list(to_numpy(v).shape) for k, v in tensors},
    }
    return entry, len(blob)


def generate(out_dir, verify=True):
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(out_dir, exist_ok=True)
    for name in sorted(os.listdir(out_dir)):
        if OWNED.match(name) or name == 'index.json':
            os.remove(os.path.join(out_dir, name))

    fixtures = []
    for mode in MODES:
        for n, cfg in enumerate(LAYER_CONFIGS):
            fixtures.append(layer_fixture(mode, n, cfg))
    for mode in MODES:
        for n, cfg in enumerate(CELL_CONFIGS):
            fixtures.append(cell_fixture(mode, n, cfg))

    index = {
        'generator': 'scripts/gen-torch-fixtures.py',
        'torch_version': torch.__version__,
        'dtype': 'F64',
        'files': [],
    }
    total = 0
    for fname, tensors, meta in fixtures:
        entry, size = write_fixture(out_dir, fname, tensors, meta, verify)
        index['files'].append(entry)
        total += size
    # Optimizer and schedule fixtures are listed under their own keys: `files` holds cells and layers.
    optim = optim_fixtures()
    index['optim_files'] = []
    for fname, tensors, meta in optim:
        entry, size = write_fixture(out_dir, fname, tensors, meta, verify)
        index['optim_files'].append(entry)
        total += size
    schedules = schedule_fixtures()
    index['schedule_files'] = []
    for fname, doc in schedules:
        with open(os.path.join(out_dir, fname), 'w', encoding='utf-8', newline='\n') as f:
            json.dump(doc, f, indent=1)
            f.write('\n')
        index['schedule_files'].append({'file': fname, 'schedulers': [s['name'] for s in doc['schedulers']]})
    with open(os.path.join(out_dir, 'index.json'), 'w', encoding='utf-8', newline='\n') as f:
        json.dump(index, f, indent=1)
        f.write('\n')
    print(f'wrote {len(fixtures) + len(optim)} fixtures ({total} bytes), {len(schedules)} schedules and index.json to {out_dir} '
          f'with torch {torch.__version__}')


# ----------------------------------------------------------------------------------------------------
# Round trip: a seqgrad-written LSTM file into torch.nn.LSTM.

PARAM_KEY = re.compile(r'^(weight_(ih|hh|hr)|bias_(ih|hh))_l\d+(_reverse)?$')  # weight_hr: LSTM({ projSize })


def parse_bool(meta, key, default=None):
    if key not in meta:
        if default is None:
            raise ValueError(f'metadata "{key}" is missing (have {sorted(meta)})')
        return default
    v = meta[key].strip().lower()
    if v in ('true', '1', 'yes'):
        return True
    if v in ('false', '0', 'no'):
        return False
    raise ValueError(f'metadata "{key}" should be "true" or "false" but is {meta[key]!r}')


def parse_int(meta, key):
    if key not in meta:
        raise ValueError(f'metadata "{key}" is missing (have {sorted(meta)})')
    return int(meta[key])


def check_seqgrad_file(path):
    try:
        tensors, meta = read_safetensors(path)
        for key in ('input', 'output'):
            if key not in tensors:
                raise ValueError(f'tensor "{key}" is missing (have {sorted(tensors)})')
        input_size = parse_int(meta, 'input_size')
        hidden_size = parse_int(meta, 'hidden_size')
        proj_size = int(meta.get('proj_size', '0'))  # LSTM({ projSize }); absent: no projection
        num_layers = parse_int(meta, 'num_layers')
        bidirectional = parse_bool(meta, 'bidirectional')
        batch_first = parse_bool(meta, 'batch_first')
        params = {k: v for k, v in tensors.items() if PARAM_KEY.match(k)}
        bias = parse_bool(meta, 'bias', default=any(k.startswith('bias_') for k in params))
        dtypes = {v.dtype for v in params.values()} | {tensors['input'].dtype}
        if dtypes == {np.dtype('<f4')}:
            dtype, tol, dname = torch.float32, 1e-6, 'F32'
        elif dtypes == {np.dtype('<f8')}:
            dtype, tol, dname = torch.float64, 1e-10, 'F64'
        else:
            raise ValueError(f'parameters and input must all be F32 or all F64, found {sorted(map(str, dtypes))}')
    except (ValueError, KeyError, OSError) as e:
        print(f'FAIL {path}: cannot read the file: {e}')
        return 2

    torch.set_num_threads(1)
    lstm = torch.nn.LSTM(input_size, hidden_size, num_layers=num_layers, bias=bias, batch_first=batch_first,
                         bidirectional=bidirectional, proj_size=proj_size).to(dtype)
    try:
        lstm.load_state_dict({k: torch.from_numpy(v) for k, v in params.items()}, strict=True)
    except RuntimeError as e:
        print(f'FAIL {path}: load_state_dict(strict=True) rejected the weights:\n{e}')
        return 1
    x = torch.from_numpy(tensors['input']).to(dtype)
    state = None
    if ('h0' in tensors) != ('c0' in tensors):
        print(f'FAIL {path}: an LSTM initial state needs both h0 and c0, found only one')
        return 2
    if 'h0' in tensors:
        state = (torch.from_numpy(tensors['h0']).to(dtype), torch.from_numpy(tensors['c0']).to(dtype))
    with torch.no_grad():
        out, (h_n, c_n) = lstm(x, state)
    ok = True
    lines = []
    for name, got in (('output', out), ('h_n', h_n), ('c_n', c_n)):
        if name not in tensors:
            continue
        want = tensors[name]
        if tuple(want.shape) != tuple(got.shape):
            lines.append(f'  {name}: shape in file {list(want.shape)}, torch gives {list(got.shape)}')
            ok = False
            continue
        err = float(np.max(np.abs(got.numpy().astype(np.float64) - want.astype(np.float64)))) if want.size else 0.0
        good = err <= tol
        ok = ok and good
        lines.append(f'  {name} {list(want.shape)}: max abs difference {err:.3e} '
                     f'({"within" if good else "ABOVE"} {tol:g})')
    proj = f', proj_size={proj_size}' if proj_size else ''
    cfg = (f'LSTM(input_size={input_size}, hidden_size={hidden_size}{proj}, num_layers={num_layers}, bias={bias}, '
           f'batch_first={batch_first}, bidirectional={bidirectional}) {dname}')
    print(f'{"PASS" if ok else "FAIL"} {path}: torch {torch.__version__} {cfg}')
    print('\n'.join(lines))
    return 0 if ok else 1


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description='Generate PyTorch reference fixtures for seqgrad.')
    ap.add_argument('--out', default=os.path.join(os.path.dirname(here), 'test', 'fixtures'),
                    help='output folder (default: test/fixtures)')
    ap.add_argument('--no-verify', action='store_true', help='skip reading each file back')
    ap.add_argument('--check-seqgrad-file', metavar='PATH',
                    help='instead of generating, check a seqgrad-written LSTM safetensors file against torch')
    args = ap.parse_args()
    if args.check_seqgrad_file:
        sys.exit(check_seqgrad_file(args.check_seqgrad_file))
    generate(args.out, verify=not args.no_verify)


if __name__ == '__main__':
    main()
