"""PrIM TRNS host program (TRNS/host/app.c): transpose an (M_*m) x (N_*n) int64 matrix.

Each DPU owns one column stripe of n columns; with N_ stripes and D DPUs the host works in
rounds of min(D, stripes left) DPUs. Per round:
- "CPU-DPU (Step 1)": M_*m parallel push_xfers, the j-th sending every active DPU the n
  elements of row j of its stripe (n*8 bytes at offset j*n*8) -- PrIM's many tiny transfers;
- reset the done array (one push of M_*n bytes) and push the step-2 arguments (PrIM leaves
  both outside its timers; here they are booked as CPU->DPU);
- "Step 2": launch kernel 0; push the step-3 arguments; "Step 3": launch kernel 1;
- "DPU-CPU": one parallel retrieval of the whole stripe (M_*m*n*8 bytes per DPU).
PrIM re-allocates a smaller DPU set for a last, partial round; here the idle DPUs get no
transfers and their (stale) relaunch costs nothing extra: every DPU runs the same shape.

The M_*m identical step-1 calls are booked as one call's cost times M_*m (exact under the
transfer model, where every such call costs the same), with the data stored in one piece:
simulating 200k host calls one by one would dominate the run time.

size = M_; params m, n, N_ (PrIM -m, -n, -p; strong scaling: N_ is the total stripe count).
"""
from __future__ import annotations

import numpy as np

from pimsim.config import SystemConfig
from pimsim.errors import PimsimError
from pimsim.host_api import DpuSet
from pimsim.hw.host import TO_DPU
from pimsim.kernels import trns as K
from pimsim.workloads.prim._common import RAND_MAX, check_dpus, check_size, rng

NAME = "TRNS"
DESCRIPTION = "In-place matrix transposition, int64, 3-step (host rows, DPU tiles, DPU cycles) (PrIM TRNS)"
DEFAULT_SIZE = 12288            # PrIM run_strong_rank.py: -o 12288 (M_)
PARAMS: dict = {"m": 16, "n": 8, "N_": 64}   # PrIM params.h defaults m=16, n=8; run script -p 64
STRONG_LARGE_PARAMS = {"N_": 2048}   # PrIM 32-rank strong scaling: -p 2048 -o 12288 (README table)
SIZE_MEANING = "M_ (tiles of m rows per stripe); matrix (M_*m) x (N_*n)"


def _check_param(name: str, key: str, v, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 1 <= v <= hi:
        raise PimsimError(f"{name}: {key} = {v!r}: expected an integer in 1..{hi}")
    return int(v)


def push_rows(s: DpuSet, active: list[int], stripes: list[np.ndarray] | None, rows: int, row_bytes: int) -> None:
    """`rows` push_xfers of `row_bytes` per active DPU (row j at offset j*row_bytes)."""
    s.repeated_transfers(TO_DPU, {d: row_bytes for d in active}, rows)
    s.place(K.HEAP, rows * row_bytes, stripes, dpus=active)


def run(dpus: int, tasklets: int, size: int, params: dict, timing_only: bool,
        config: SystemConfig, seed: int):
    M_ = check_size(NAME, size)
    nr = check_dpus(NAME, dpus, config)
    m = _check_param(NAME, "m", params["m"], K.DMA_MAX // K.T.itemsize)
    n = _check_param(NAME, "n", params["n"], 1 << 16)
    N_ = _check_param(NAME, "N_", params["N_"], 1 << 20)
    es = K.T.itemsize
    rows, cols = M_ * m, N_ * n
    stripe = M_ * m * n
    a = None
    if not timing_only:
        a = rng(seed).integers(0, RAND_MAX, rows * cols, endpoint=True).astype(K.T)   # (T) rand()
    s = DpuSet(nr, preset=config, timing_only=timing_only, seed=seed)
    s.load(K.KERNEL, tasklets)
    result = None if timing_only else np.empty(rows * cols, K.T)
    done = np.zeros(K.done_bytes(M_, n), np.uint8)
    first = 0
    while first < N_:
        active = list(range(min(nr, N_ - first)))
        stripes = None
        if a is not None:
            mat = a.reshape(rows, cols)
            stripes = [np.ascontiguousarray(mat[:, (first + d) * n:(first + d + 1) * n]).reshape(-1)
                       for d in active]
        push_rows(s, active, stripes, rows, n * es)
        s.push_xfer(K.HEAP, [done] * len(active), offset=stripe * es, dpus=active)
        s.push_xfer("DPU_INPUT_ARGUMENTS", [K.make_args(m, n, M_, K.STEP2)] * nr)
        s.launch()
        s.push_xfer("DPU_INPUT_ARGUMENTS", [K.make_args(m, n, M_, K.STEP3)] * nr)
        s.launch()
        got = s.push_xfer_from(K.HEAP, stripe * es, dpus=active)
        if got is not None:
            for d, g in zip(active, got):
                result[(first + d) * stripe:(first + d + 1) * stripe] = g.view(K.T)
        first += len(active)
    if timing_only:
        return s.result(verified=None)
    ref = a.reshape(rows, cols).T.reshape(-1)
    return s.result(outputs={"transposed": result.reshape(cols, rows)}, verified=bool(np.array_equal(result, ref)))
