"""PrIM SEL host program (SEL/host/app.c): keep the odd values of A[i] = i + 1 (uint64).

Per-DPU size: divceil(n, D) rounded up to a multiple of NR_TASKLETS x 128 elements, zero
padded (zeros are removed by the predicate). After the kernel the host pulls every DPU's
per-tasklet counts (push_xfer), scans them sequentially, and copies each DPU's variable-length
output with a serial dpu_copy_from. PrIM prints the count retrieval and scan as "Inter-DPU";
no data returns to the DPUs, and the measured table (uPIMulator) has 0 inter-DPU time for SEL,
so it is booked as DPU->CPU transfer plus host scan here.
"""
from __future__ import annotations

import numpy as np

from pimsim.config import SystemConfig
from pimsim.host_api import DpuSet
from pimsim.kernels import sel as K
from pimsim.workloads.prim._common import check_dpus, check_size, chunks, divceil, round_to_multiple

NAME = "SEL"
DESCRIPTION = "Select (stream compaction), uint64, keep odd values (PrIM SEL)"
DEFAULT_SIZE = 3_932_160        # PrIM run_strong_rank.py: -i 3932160
PARAMS: dict = {}
STRONG_LARGE_SIZE = 251_658_240   # PrIM 32-rank strong scaling size
WEAK_SIZE_PER_DPU = 3_932_160     # PrIM weak scaling, per DPU
SIZE_MEANING = "elements (total, split over DPUs)"


def per_dpu_elems(n: int, nr_dpus: int, tasklets: int, block: int = K.BLOCK_BYTES) -> int:
    return round_to_multiple(divceil(n, nr_dpus), tasklets * (block // K.T.itemsize))


def run(dpus: int, tasklets: int, size: int, params: dict, timing_only: bool,
        config: SystemConfig, seed: int):
    n = check_size(NAME, size)
    nr = check_dpus(NAME, dpus, config)
    es = K.T.itemsize
    per = per_dpu_elems(n, nr, tasklets)
    a = None
    if not timing_only:
        a = np.zeros(per * nr, K.T)
        a[:n] = np.arange(1, n + 1, dtype=K.T)
    s = DpuSet(nr, preset=config, timing_only=timing_only, seed=seed)
    s.load(K.KERNEL, tasklets)
    s.push_xfer("DPU_INPUT_ARGUMENTS",
                [K.make_args(per * es, max(0, min(per, n - d * per)), d * per) for d in range(nr)])
    s.push_xfer(K.HEAP, chunks(a, per, nr, es))
    s.launch()
    got = s.push_xfer_from(K.RESULTS, tasklets * K.RESULT.itemsize)
    # counts: from the DPUs in functional runs; timing-only runs know them from the shapes
    counts = ([int(g.view(K.RESULT)["t_count"][tasklets - 1]) for g in got] if got is not None else
              [K.total_selected(K.shape(s.args[d])) for d in range(nr)])
    s.host_compute(nbytes=nr * tasklets * K.RESULT.itemsize, ops=2 * nr)       # sequential scan
    parts = [s.copy_from(d, K.HEAP, counts[d] * es, offset=per * es) for d in range(nr)]
    if timing_only:
        return s.result(verified=None)
    out = np.concatenate([p.view(K.T) for p in parts])
    ref = a[:n][a[:n] % 2 != 0]
    return s.result(outputs={"C": out}, verified=bool(np.array_equal(out, ref)))
