"""PrIM UNI host program (UNI/host/app.c): unique of A[i] = i (even i) / i + 1 (odd i), int64.

Sizing and padding as SEL (padding repeats the last element). After the kernel the host pulls
the per-tasklet {count, first, last} (push_xfer), drops a DPU's first output when it equals
the previous DPU's last, scans the counts, and copies every DPU's output with a serial
dpu_copy_from. PrIM labels the retrieval + scan "Inter-DPU"; nothing returns to the DPUs and
the measured table has 0 inter-DPU time for UNI, so it is booked as DPU->CPU + host here.
"""
from __future__ import annotations

import numpy as np

from pimsim.config import SystemConfig
from pimsim.host_api import DpuSet
from pimsim.kernels import uni as K
from pimsim.workloads.prim._common import check_dpus, check_size, chunks
from pimsim.workloads.prim.sel import per_dpu_elems

NAME = "UNI"
DESCRIPTION = "Unique (drop consecutive duplicates), int64 (PrIM UNI)"
DEFAULT_SIZE = 3_932_160        # PrIM run_strong_rank.py: -i 3932160
PARAMS: dict = {}
STRONG_LARGE_SIZE = 251_658_240   # PrIM 32-rank strong scaling size
WEAK_SIZE_PER_DPU = 3_932_160     # PrIM weak scaling, per DPU
SIZE_MEANING = "elements (total, split over DPUs)"


def input_array(n: int, total: int) -> np.ndarray:
    i = np.arange(total, dtype=np.int64)
    a = np.where(i % 2 == 0, i, i + 1)
    a[n:] = a[n - 1]
    return a


def dpu_output_count(s: "K.Shape") -> int:
    """Elements one DPU outputs (timing-only runs): runs of equal values in its padded slice.
    A new run starts at every odd global index after the DPU's first element; the padding
    repeats the last real value, so it continues the last run (an all-padding DPU has one)."""
    if s.valid <= 0:
        return 1
    g0, g1 = s.first + 1, s.first + s.valid
    return 1 + (g1 // 2 - g0 // 2 if g1 > g0 else 0)


def run(dpus: int, tasklets: int, size: int, params: dict, timing_only: bool,
        config: SystemConfig, seed: int):
    n = check_size(NAME, size)
    nr = check_dpus(NAME, dpus, config)
    es = K.T.itemsize
    per = per_dpu_elems(n, nr, tasklets)
    a = None if timing_only else input_array(n, per * nr)
    s = DpuSet(nr, preset=config, timing_only=timing_only, seed=seed)
    s.load(K.KERNEL, tasklets)
    s.push_xfer("DPU_INPUT_ARGUMENTS",
                [K.make_args(per * es, max(0, min(per, n - d * per)), d * per) for d in range(nr)])
    s.push_xfer(K.HEAP, chunks(a, per, nr, es))
    s.launch()
    got = s.push_xfer_from(K.RESULTS, tasklets * K.RESULT.itemsize)
    if got is not None:
        res = [g.view(K.RESULT) for g in got]
        counts = [int(r["t_count"][tasklets - 1]) for r in res]
        firsts = [int(r["first"][0]) for r in res]
        lasts = [int(r["last"][tasklets - 1]) for r in res]
    else:
        counts = [dpu_output_count(K.shape(s.args[d])) for d in range(nr)]
    s.host_compute(nbytes=nr * tasklets * K.RESULT.itemsize, ops=4 * nr)   # offsets + scan
    parts = [s.copy_from(d, K.HEAP, counts[d] * es, offset=per * es) for d in range(nr)]
    if timing_only:
        return s.result(verified=None)
    out = []
    for d in range(nr):
        v = parts[d].view(K.T)
        out.append(v[1:] if d and firsts[d] == lasts[d - 1] else v)
    out = np.concatenate(out)
    x = a[:n]
    ref = x[np.concatenate(([True], x[1:] != x[:-1]))]
    return s.result(outputs={"C": out}, verified=bool(np.array_equal(out, ref)))
