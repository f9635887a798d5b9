"""PrIM GEMV host program (GEMV/host/app.c): C (m) = A (m x n) x B (n), uint32.

Rows are split contiguously over DPUs (the first m % D DPUs get one more); every DPU gets
max_rows x n_size_pad elements of A (push_xfer needs equal sizes) and the whole vector B,
and returns max_rows elements of C.
"""
from __future__ import annotations

import numpy as np

from pimsim.config import SystemConfig
from pimsim.errors import PimsimError
from pimsim.host_api import DpuSet
from pimsim.kernel import Placeholder
from pimsim.kernels import gemv as K
from pimsim.workloads.prim._common import check_dpus, check_size, rng, slices

NAME = "GEMV"
DESCRIPTION = "Matrix-vector multiply, uint32: C = A x B (PrIM GEMV)"
DEFAULT_SIZE = 8192             # PrIM run_strong_rank.py: -m 8192 -n 1024
PARAMS = {"n": 1024}            # columns (-n); the uPIMulator measurements use n = 64
VALIDATION_PARAMS = {"n": 64}   # how the measured table (validation/measurements/README.md) ran GEMV
STRONG_LARGE_SIZE = 163_840     # PrIM 32-rank strong scaling: -m 163840 -n 4096
STRONG_LARGE_PARAMS = {"n": 4096}
WEAK_SIZE_PER_DPU = 1024        # PrIM weak scaling: m = 1024 x DPUs, n = 2048
WEAK_PARAMS = {"n": 2048}
SIZE_MEANING = "m, rows of the matrix (total, split over DPUs); --param n=COLUMNS"


def partition(m: int, nr_dpus: int) -> tuple[list[int], list[int], int]:
    """(rows per DPU, first row of each DPU, max padded rows) as PrIM's host computes them."""
    chunks, rest = divmod(m, nr_dpus)
    rows = [chunks + (1 if i < rest else 0) for i in range(nr_dpus)]
    prev = [i * (chunks + 1) if i < rest else rest * (chunks + 1) + (i - rest) * chunks for i in range(nr_dpus)]
    max_rows = max(r + (r % 2) for r in rows)
    return rows, prev, max_rows


def run(dpus: int, tasklets: int, size: int, params: dict, timing_only: bool,
        config: SystemConfig, seed: int):
    m = check_size(NAME, size)
    n = params["n"]
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise PimsimError(f"GEMV: n = {n!r}: expected a number of columns >= 1")
    n = int(n)
    nr = check_dpus(NAME, dpus, config)
    es = K.T.itemsize
    n_pad = n + (n % 2)
    rows, prev, max_rows = partition(m, nr)
    a_bytes, b_bytes = max_rows * n_pad * es, n_pad * es
    s = DpuSet(nr, preset=config, timing_only=timing_only, seed=seed)
    s.load(K.KERNEL, tasklets)
    s.push_xfer("DPU_INPUT_ARGUMENTS", [K.make_args(n, n_pad, r, max_rows) for r in rows])
    if timing_only:
        s.push_xfer(K.HEAP, slices(a_bytes, nr))                  # A: a slice per DPU
        s.push_xfer(K.HEAP, [Placeholder(b_bytes)] * nr, offset=a_bytes)        # B: one vector for all
    else:
        r = rng(seed)
        # A is m x n packed (no row padding); each DPU's buffer starts at its first row and
        # runs for max_rows x n_pad elements, so the host array is padded at the end.
        a = np.zeros(m * n + max_rows * n_pad, K.T)
        a[:m * n] = r.integers(0, 50, m * n, dtype=np.uint32)
        b = np.zeros(n_pad, K.T)
        b[:n] = r.integers(0, 50, n, dtype=np.uint32)
        s.push_xfer(K.HEAP, [a[p * n:p * n + max_rows * n_pad] for p in prev])
        s.push_xfer(K.HEAP, [b] * nr, offset=a_bytes)
    s.launch()
    got = s.push_xfer_from(K.HEAP, max_rows * es, offset=a_bytes + b_bytes)
    if timing_only:
        return s.result(verified=None)
    c = np.concatenate([g.view(K.T)[:rr] for g, rr in zip(got, rows)])
    ref = (a[:m * n].reshape(m, n).astype(np.uint64) @ b[:n].astype(np.uint64)).astype(np.uint32)
    return s.result(outputs={"C": c}, verified=bool(np.array_equal(c, ref)))
