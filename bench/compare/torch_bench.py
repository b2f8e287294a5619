"""PyTorch contender: `/usr/bin/python3 torch_bench.py <WORKLOAD> --warmup N --steps N`.

Prints one JSON line {contender, workload, samplesMs} on stdout, like every other contender.
`--info` prints the torch version, the BLAS library actually loaded and the thread count instead.
One thread throughout: the comparison is single-core against single-threaded JavaScript.
"""
import os

# OpenBLAS starts its own thread pool, which torch.set_num_threads does not reach in Debian's build.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402

VOCAB, WINDOW, GEN_TOKENS = 65, 64, 1000
TRAIN = {
    "W-LSTM-128": ("lstm", 128, 32),
    "W-GRU-128": ("gru", 128, 32),
    "W-RNN-128": ("rnn", 128, 32),
    "W-LSTM-512": ("lstm", 512, 64),
}
MATMUL = {"MM-32x193x512": (32, 193, 512), "MM-512": (512, 512, 512)}
WORKLOADS = [*TRAIN, "W-GEN", *MATMUL]


def loaded_blas():
    """The BLAS shared objects mapped into this process (after a matmul has forced them in)."""
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    return sorted(os.path.basename(p) for p in paths)


def prepare_training(cell, hidden, batch):
    rnn = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell](VOCAB, hidden)
    decoder = torch.nn.Linear(hidden, VOCAB)
    params = [*rnn.parameters(), *decoder.parameters()]
    optimizer = torch.optim.Adam(params, lr=2e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    # One fixed time-major window: one-hot x [T, B, V], targets [T·B].
    x = torch.nn.functional.one_hot(torch.randint(VOCAB, (WINDOW, batch)), VOCAB).float()
    targets = torch.randint(VOCAB, (WINDOW * batch,))

    def step():
        optimizer.zero_grad()
        output, _ = rnn(x)
        loss = loss_fn(decoder(output).reshape(WINDOW * batch, VOCAB), targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        optimizer.step()

    return step


def prepare_generation():
    lstm = torch.nn.LSTM(VOCAB, 128)
    decoder = torch.nn.Linear(128, VOCAB)
    eye = torch.eye(VOCAB)

    @torch.no_grad()
    def generate():
        state = None
        token = 0
        for _ in range(GEN_TOKENS):
            output, state = lstm(eye[token].view(1, 1, VOCAB), state)
            probs = torch.softmax(decoder(output[0]), dim=-1)
            token = int(torch.multinomial(probs, 1))

    return generate


def prepare_matmul(m, k, n):
    a = torch.rand(m, k) * 2 - 1
    b = torch.rand(k, n) * 2 - 1
    return lambda: torch.mm(a, b)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workload", nargs="?", choices=WORKLOADS)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--info", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    if args.info:
        info = {"torch": torch.__version__, "blas": loaded_blas(), "threads": torch.get_num_threads()}
        print(json.dumps(info))
        return
    if args.workload is None:
        parser.error("a workload is required")

    if args.workload in TRAIN:
        unit = prepare_training(*TRAIN[args.workload])
    elif args.workload in MATMUL:
        unit = prepare_matmul(*MATMUL[args.workload])
    else:
        unit = prepare_generation()
    for _ in range(args.warmup):
        unit()
    samples = []
    for _ in range(args.steps):
        start = time.perf_counter()
        unit()
        samples.append((time.perf_counter() - start) * 1e3)
    sys.stdout.write(json.dumps({"contender": "pytorch", "workload": args.workload, "samplesMs": samples}) + "\n")


if __name__ == "__main__":
    main()
