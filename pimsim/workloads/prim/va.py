"""PrIM VA host program (VA/host/app.c): C = A + B over int32 vectors split across DPUs."""
from __future__ import annotations

import numpy as np

from pimsim.config import SystemConfig
from pimsim.host_api import DpuSet
from pimsim.kernels import va as K
from pimsim.workloads.prim._common import RAND_MAX, align8_elems, check_dpus, check_size, chunks, divceil, rng

NAME = "VA"
DESCRIPTION = "Vector addition, int32: C = A + B (PrIM VA)"
DEFAULT_SIZE = 2_621_440        # PrIM run_strong_rank.py: -i 2621440
PARAMS: dict = {}
STRONG_LARGE_SIZE = 167_772_160   # PrIM 32-rank strong scaling size
WEAK_SIZE_PER_DPU = 2_621_440     # PrIM weak scaling, per DPU
SIZE_MEANING = "elements per vector (total, split over DPUs)"


def sizes(n: int, nr_dpus: int) -> tuple[int, list[int]]:
    """(elements pushed per DPU, elements each DPU adds) per PrIM's host sizing. The remainder
    goes to the last DPU; with more DPUs than 8-element groups PrIM would compute a negative
    size for it, here the trailing DPUs just get 0."""
    es = K.T.itemsize
    total8 = align8_elems(n, es)
    per = align8_elems(divceil(n, nr_dpus), es)
    counts = [per] * (nr_dpus - 1) + [total8 - per * (nr_dpus - 1)]
    left = total8
    out = []
    for c in counts:
        c = max(0, min(c, left))
        out.append(c)
        left -= c
    return per, out


def run(dpus: int, tasklets: int, size: int, params: dict, timing_only: bool,
        config: SystemConfig, seed: int):
    n = check_size(NAME, size)
    nr = check_dpus(NAME, dpus, config)
    es = K.T.itemsize
    per, counts = sizes(n, nr)
    a = b = None
    if not timing_only:
        r = rng(seed)
        a = np.zeros(per * nr, K.T)
        b = np.zeros(per * nr, K.T)
        a[:n] = r.integers(0, RAND_MAX, n, dtype=np.int32, endpoint=True)
        b[:n] = r.integers(0, RAND_MAX, n, dtype=np.int32, endpoint=True)
    s = DpuSet(nr, preset=config, timing_only=timing_only, seed=seed)
    s.load(K.KERNEL, tasklets)
    s.push_xfer("DPU_INPUT_ARGUMENTS", [K.make_args(c * es, per * es) for c in counts])
    s.push_xfer(K.HEAP, chunks(a, per, nr, es), offset=0)
    s.push_xfer(K.HEAP, chunks(b, per, nr, es), offset=per * es)
    s.launch()
    got = s.push_xfer_from(K.HEAP, per * es, offset=per * es)
    if timing_only:
        return s.result(verified=None)
    c = np.concatenate([g.view(K.T) for g in got])[:n]
    ref = (a[:n].astype(np.int64) + b[:n]).astype(np.int32)   # int32 wrap-around, as on the DPU
    return s.result(outputs={"C": c}, verified=bool(np.array_equal(c, ref)))
