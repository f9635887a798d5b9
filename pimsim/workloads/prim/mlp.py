"""PrIM MLP host program (MLP/host/app.c): 3 fully-connected int32 layers, one launch each.

Partition as GEMV: rows of the m x n weight matrices split contiguously over DPUs (the first
m % D get one more), padded to an even count; every DPU gets max_rows x n_pad elements of the
layer's weights and the whole input vector. Inputs as PrIM's init_data: weight i of layer l is
(l + i) % 2 when i % 100 >= 98, else 0; input j is j % 2 when j % 50 >= 48, else 0.
- CPU-DPU: push the arguments, the layer-0 weights and the input vector; DPU kernel: launch;
- Inter-DPU, before layers 1 and 2: retrieve C (max_rows x 4 B per DPU, parallel), gather the
  valid rows into the next input on the host, push it to every DPU, push the next layer's
  weights; then launch (DPU kernel);
- DPU-CPU: retrieve C.
The host reference applies ReLU after each layer as PrIM's mlp_host; the DPUs apply none,
which is the same here because every value is >= 0.

size = m (rows); param n = columns (PrIM's strong-scaling run: -m 8192 -n 1024). Layers 1 and
2 take the previous layer's first n outputs as input, so m >= n. The uPIMulator measurements
use m = n = their data_prep_param: replay them with --param n=SIZE --param weights_upfront=1.
PrIM's host (the default, weights_upfront=0) pushes layers 1 and 2's weights inside its
Inter-DPU timer; with weights_upfront=1 all three weight matrices are pushed before the first
launch and booked as CPU-DPU, as the host behind the uPIMulator table did: its inter-DPU times
stay at 0.29-0.47 ms for every size (4 DPUs, m = n = 2048 would need >= 16 MB of weights in
that step) while its CPU-DPU times grow like three layers of weights. The pushes of layers 1
and 2 are booked as one call each (same size as layer 0's) and their data is placed when the
layer runs, as the kernel then reads it from the same MRAM offset.
"""
from __future__ import annotations

import numpy as np

from pimsim.config import SystemConfig
from pimsim.errors import PimsimError
from pimsim.host_api import DpuSet
from pimsim.hw.host import TO_DPU
from pimsim.kernel import Placeholder
from pimsim.kernels import mlp as K
from pimsim.workloads.prim._common import check_dpus, check_size, slices
from pimsim.workloads.prim.gemv import partition

NAME = "MLP"
DESCRIPTION = "3-layer perceptron, int32: three matrix-vector layers, activations through the host (PrIM MLP)"
DEFAULT_SIZE = 8192             # PrIM run_strong_rank.py: -m 8192 -n 1024
PARAMS = {"n": 1024, "weights_upfront": 0}
STRONG_LARGE_SIZE = 163_840     # PrIM 32-rank strong scaling: m 163840, n 4096 (README table)
STRONG_LARGE_PARAMS = {"n": 4096}
WEAK_SIZE_PER_DPU = 1024        # PrIM weak scaling: m = 1024 x DPUs, n = 1024
WEAK_PARAMS = {"n": 1024, "weights_upfront": 0}
SIZE_MEANING = "m, rows of each layer's weight matrix (total, split over DPUs); --param n=COLUMNS (<= m)"
NUM_LAYERS = 3


def weights(layer: int, m: int, n: int) -> np.ndarray:
    i = np.arange(m * n, dtype=np.int64)
    return np.where(i % 100 < 98, 0, (layer + i) % 2).astype(K.T)


def input_vector(n: int) -> np.ndarray:
    j = np.arange(n, dtype=np.int64)
    return np.where(j % 50 < 48, 0, j % 2).astype(K.T)


def reference(ws: list[np.ndarray], b: np.ndarray, m: int, n: int) -> np.ndarray:
    x = b.astype(np.int64)
    for w in ws:
        c = np.maximum(0, w.reshape(m, n).astype(np.int64) @ x[:n])
        x = c
    return x.astype(K.T)


def run(dpus: int, tasklets: int, size: int, params: dict, timing_only: bool,
        config: SystemConfig, seed: int):
    m = check_size(NAME, size)
    n = params["n"]
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= m:
        raise PimsimError(f"MLP: n = {n!r}: expected 1 <= n <= m = {m} (layers 1 and 2 read the previous "
                          f"layer's first n outputs)")
    n = int(n)
    upfront = params.get("weights_upfront", 0)
    if isinstance(upfront, bool) or upfront not in (0, 1):
        raise PimsimError(f"MLP: weights_upfront = {upfront!r}: expected 0 (PrIM: push each layer's "
                          f"weights before it runs) or 1 (push all {NUM_LAYERS} layers' weights up front)")
    nr = check_dpus(NAME, dpus, config)
    es = K.T.itemsize
    n_pad = n + (n % 2)
    rows, prev, max_rows = partition(m, nr)
    a_bytes, b_bytes, c_bytes = max_rows * n_pad * es, n_pad * es, max_rows * es
    s = DpuSet(nr, preset=config, timing_only=timing_only, seed=seed)
    s.load(K.KERNEL, tasklets)
    ws = None if timing_only else [weights(layer, m, n) for layer in range(NUM_LAYERS)]

    def push_weights(layer: int, book: bool = True) -> None:
        if not book:                          # pushed up front: place the data, book no time
            a = None if ws is None else _padded(ws[layer])
            s.place(K.HEAP, a_bytes, None if a is None else [a[p * n:p * n + max_rows * n_pad] for p in prev])
            return
        if ws is None:
            s.push_xfer(K.HEAP, slices(a_bytes, nr))
            return
        a = _padded(ws[layer])
        s.push_xfer(K.HEAP, [a[p * n:p * n + max_rows * n_pad] for p in prev])

    def _padded(w: np.ndarray) -> np.ndarray:
        a = np.zeros(m * n + max_rows * n_pad, K.T)         # each DPU's buffer runs max_rows x n_pad
        a[:m * n] = w
        return a

    def push_vector(v: np.ndarray | None) -> None:
        s.push_xfer(K.HEAP, [Placeholder(b_bytes) if v is None else v] * nr, offset=a_bytes)

    b0 = None
    if ws is not None:
        b0 = np.zeros(n_pad, K.T)
        b0[:n] = input_vector(n)
    s.push_xfer("DPU_INPUT_ARGUMENTS", [K.make_args(n, n_pad, r, max_rows) for r in rows])
    push_weights(0)
    if upfront:
        s.repeated_transfers(TO_DPU, {d: a_bytes for d in range(nr)}, NUM_LAYERS - 1)
    push_vector(b0)
    s.launch()
    for layer in range(1, NUM_LAYERS):
        with s.category("inter_dpu"):
            got = s.push_xfer_from(K.HEAP, c_bytes, offset=a_bytes + b_bytes)
            s.host_compute(nbytes=2 * m * es, ops=m)                    # B_tmp[i++] = C_dpu[...]
            v = None
            if got is not None:
                c = np.concatenate([g.view(K.T)[:r] for g, r in zip(got, rows)])
                v = np.zeros(n_pad, K.T)
                v[:n] = c[:n]
            push_vector(v)
            push_weights(layer, book=not upfront)
        s.launch()
    got = s.push_xfer_from(K.HEAP, c_bytes, offset=a_bytes + b_bytes)
    if timing_only:
        return s.result(verified=None)
    c = np.concatenate([g.view(K.T)[:r] for g, r in zip(got, rows)])
    return s.result(outputs={"C": c}, verified=bool(np.array_equal(c, reference(ws, input_vector(n), m, n))))
