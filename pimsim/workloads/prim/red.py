"""PrIM RED host program (RED/host/app.c, VERSION=SINGLE): sum of an int64 array.

PrIM prints the retrieval of the per-DPU totals and their sum on the host under its
"Inter-DPU" timer; nothing goes back to the DPUs, so (as in the measured uPIMulator table,
whose RED inter-DPU column is 0) it is booked here as DPU->CPU transfer plus host merge.
"""
from __future__ import annotations

import numpy as np

from pimsim.config import SystemConfig
from pimsim.host_api import DpuSet
from pimsim.kernels import red as K
from pimsim.workloads.prim._common import RAND_MAX, check_dpus, check_size, chunks, divceil, rng, split_counts

NAME = "RED"
DESCRIPTION = "Reduction (sum) of an int64 array (PrIM RED, single-tasklet final reduction)"
DEFAULT_SIZE = 6_553_600        # PrIM run_strong_rank.py: -i 6553600
PARAMS: dict = {}
STRONG_LARGE_SIZE = 419_430_400   # PrIM 32-rank strong scaling size
WEAK_SIZE_PER_DPU = 6_553_600     # PrIM weak scaling, per DPU
SIZE_MEANING = "elements (total, split over DPUs)"


def sizes(n: int, nr_dpus: int) -> tuple[int, list[int]]:
    """int64 elements are 8-byte aligned, so PrIM's alignment rounding never applies; the
    last DPU gets the remainder (0 when DPUs outnumber what is left)."""
    per = divceil(n, nr_dpus)
    return per, split_counts(n, per, nr_dpus)


def run(dpus: int, tasklets: int, size: int, params: dict, timing_only: bool,
        config: SystemConfig, seed: int):
    n = check_size(NAME, size)
    nr = check_dpus(NAME, dpus, config)
    es = K.T.itemsize
    per, counts = sizes(n, nr)
    a = None
    if not timing_only:
        a = np.zeros(per * nr, K.T)
        a[:n] = rng(seed).integers(0, RAND_MAX, n, endpoint=True)
    s = DpuSet(nr, preset=config, timing_only=timing_only, seed=seed)
    s.load(K.KERNEL, tasklets)
    s.push_xfer("DPU_INPUT_ARGUMENTS", [K.make_args(c * es) for c in counts])
    s.push_xfer(K.HEAP, chunks(a, per, nr, es))
    s.launch()
    got = s.push_xfer_from(K.RESULTS, tasklets * K.RESULT.itemsize)
    s.host_compute(nbytes=nr * tasklets * K.RESULT.itemsize, ops=nr)      # count += results[i].t_count
    if timing_only:
        return s.result(verified=None)
    total = np.int64(0)
    for g in got:
        total += g.view(K.RESULT)["t_count"][0]
    return s.result(outputs={"sum": int(total)}, verified=bool(total == a[:n].sum(dtype=np.int64)))
