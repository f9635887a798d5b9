"""PrIM SCAN-RSS host program (SCAN-RSS/host/app.c): inclusive prefix sum of int64.

Same sizing, input and transfers as SCAN-SSA. DPU kernel "Reduction" (kernel 0); Inter-DPU
(PrIM's timer 3): retrieve DPU_RESULTS (parallel), host exclusive scan of the DPU totals, push
each DPU its base in the kernel-1 arguments; DPU kernel "Scan" (kernel 1, seeded with the base);
DPU-CPU: retrieve every DPU's output slice (parallel).
"""
from __future__ import annotations

import numpy as np

from pimsim.config import SystemConfig
from pimsim.host_api import DpuSet
from pimsim.kernels import scan_rss as K
from pimsim.workloads.prim._common import check_dpus, check_size, chunks
from pimsim.workloads.prim.scan_ssa import DEFAULT_SIZE, SIZE_MEANING, host_scan, make_input, per_dpu_elems  # noqa: F401

NAME = "SCAN-RSS"
DESCRIPTION = "Prefix sum of int64, reduce-scan-scan: DPU totals, host scan, seeded scan (PrIM SCAN-RSS)"
PARAMS: dict = {}
STRONG_LARGE_SIZE = 251_658_240   # PrIM 32-rank strong scaling size (README table)
WEAK_SIZE_PER_DPU = 3_932_160     # PrIM weak scaling, per DPU


def run(dpus: int, tasklets: int, size: int, params: dict, timing_only: bool,
        config: SystemConfig, seed: int):
    n = check_size(NAME, size)
    nr = check_dpus(NAME, dpus, config)
    es = K.T.itemsize
    per = per_dpu_elems(n, nr, tasklets)
    a = None if timing_only else make_input(n, per * nr, seed)
    s = DpuSet(nr, preset=config, timing_only=timing_only, seed=seed)
    s.load(K.KERNEL, tasklets)
    s.push_xfer("DPU_INPUT_ARGUMENTS", [K.make_args(per * es, K.REDUCE)] * nr)
    s.push_xfer(K.HEAP, chunks(a, per, nr, es))
    s.launch()
    with s.category("inter_dpu"):
        got = s.push_xfer_from(K.RESULTS, tasklets * K.RESULT.itemsize)
        bases = host_scan(s, got, nr, tasklets, 0)
        s.push_xfer("DPU_INPUT_ARGUMENTS", [K.make_args(per * es, K.SCAN, b) for b in bases])
    s.launch()
    out = s.push_xfer_from(K.HEAP, per * es, offset=per * es)
    if timing_only:
        return s.result(verified=None)
    c = np.concatenate([o.view(K.T) for o in out])[:n]
    return s.result(outputs={"scan": c}, verified=bool(np.array_equal(c, np.cumsum(a[:n], dtype=np.int64))))
