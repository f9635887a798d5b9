"""PrIM BS host program (BS/host/app.c): binary search of int64 queries in a sorted array.

The sorted array (array[i] = i + 1) goes whole to every DPU (one push_xfer of the same
buffer); the queries (0, 1, 2, ...; padded to a multiple of DPUs x tasklets) are split
contiguously. The host takes the maximum `found` over all DPUs and tasklets and compares it
with its own binary search (PrIM's check).

`size` is the sorted array's length (PrIM's INPUT_SIZE, 2,048,576 by default), as in the
measured uPIMulator table; the number of queries is `--param queries=Q`, which defaults to
size / 8 as in that table (PrIM's own run uses -i 262144 with the default array).
"""
from __future__ import annotations

import numpy as np

from pimsim.config import SystemConfig
from pimsim.errors import PimsimError
from pimsim.host_api import DpuSet
from pimsim.kernel import Placeholder
from pimsim.kernels import bs as K
from pimsim.workloads.prim._common import check_dpus, check_size, slices

NAME = "BS"
DESCRIPTION = "Binary search, int64 sorted array and queries (PrIM BS)"
DEFAULT_SIZE = 2_048_576        # PrIM BS support/common.h INPUT_SIZE
PARAMS = {"queries": 0}         # 0: size / 8 (the measured table's rule); PrIM's run: -i 262144
# PrIM's scaling runs keep the array (INPUT_SIZE) and scale the queries: 1 rank -i 262144,
# 32 ranks -i 16777216, weak -i 262144 x DPUs. Here size is the array, so the sweeps pass
# queries explicitly (weak scaling: the array fixed, queries grow with the DPUs is not
# expressible as size x DPUs, so the weak sweep scales the array and its size/8 queries).
STRONG_LARGE_SIZE = 2_048_576
STRONG_LARGE_PARAMS = {"queries": 16_777_216}
WEAK_SIZE_PER_DPU = 262_144
SIZE_MEANING = "elements of the sorted array (every DPU gets all of it); --param queries=Q (default size/8)"


def host_reference(n: int, num_queries: int) -> int:
    """PrIM's binarySearch() on array[i] = i + 1, queries q = 0..Q-1: the index of the
    largest query that is present (every q in 1..n is present at index q - 1)."""
    q = min(num_queries - 1, n)
    return q - 1 if q >= 1 else -1


def run(dpus: int, tasklets: int, size: int, params: dict, timing_only: bool,
        config: SystemConfig, seed: int):
    # PrIM reads the last block at end - BLOCK_SIZE * sizeof(int64): the array needs BLOCK_SIZE elements
    n = check_size(NAME, size, minimum=K.BLOCK)
    nr = check_dpus(NAME, dpus, config)
    q = params["queries"]
    if isinstance(q, bool) or not isinstance(q, (int, np.integer)) or q < 0:
        raise PimsimError(f"BS: queries = {q!r}: expected an integer >= 0 (0 = size / 8)")
    q = int(q) or max(1, n // 8)
    unit = nr * tasklets
    if q % unit:
        q += unit - q % unit
    per = q // nr
    es = K.T.itemsize
    s = DpuSet(nr, preset=config, timing_only=timing_only, seed=seed)
    s.load(K.KERNEL, tasklets)
    s.push_xfer("DPU_INPUT_ARGUMENTS", [K.make_args(n, per, d * per) for d in range(nr)])
    if timing_only:
        s.push_xfer(K.HEAP, [Placeholder(n * es)] * nr)
        s.push_xfer(K.HEAP, slices(per * es, nr), offset=n * es)
    else:
        array = np.arange(1, n + 1, dtype=K.T)
        queries = np.arange(q, dtype=K.T)
        s.push_xfer(K.HEAP, [array] * nr)
        s.push_xfer(K.HEAP, [queries[d * per:(d + 1) * per] for d in range(nr)], offset=n * es)
    s.launch()
    got = s.push_xfer_from(K.RESULTS, tasklets * K.RESULT.itemsize)
    s.host_compute(nbytes=nr * tasklets * K.RESULT.itemsize, ops=nr * tasklets)   # max over results
    if timing_only:
        return s.result(verified=None)
    found = max(int(g.view(K.RESULT)["found"].max()) for g in got)
    return s.result(outputs={"found": found}, verified=found == host_reference(n, q))
