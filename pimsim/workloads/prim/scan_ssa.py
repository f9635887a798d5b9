"""PrIM SCAN-SSA host program (SCAN-SSA/host/app.c): inclusive prefix sum of int64.

Sizing as PrIM: per-DPU elements = divceil(n, D) rounded up to a multiple of
NR_TASKLETS x REGS (REGS = 128 int64 per 1 KB block); the input is padded with zeros.
CPU-DPU: push the arguments, push each DPU its slice. DPU kernel "Scan" (kernel 0).
Inter-DPU (PrIM's timer 3): retrieve DPU_RESULTS (NR_TASKLETS x 8 B per DPU, parallel), host
exclusive scan of the DPU totals, push each DPU its base in the kernel-1 arguments.
DPU kernel "Add" (kernel 1). DPU-CPU: retrieve the output slice of every DPU (parallel).
"""
from __future__ import annotations

import numpy as np

from pimsim.config import SystemConfig
from pimsim.host_api import DpuSet
from pimsim.kernels import scan_ssa as K
from pimsim.workloads.prim.sel import per_dpu_elems  # PrIM sizes SCAN like SEL: blocks x tasklets
from pimsim.workloads.prim._common import RAND_MAX, check_dpus, check_size, chunks, rng

NAME = "SCAN-SSA"
DESCRIPTION = "Prefix sum of int64, scan-scan-add: local scan, host scan of DPU totals, add (PrIM SCAN-SSA)"
DEFAULT_SIZE = 3_932_160        # PrIM run_strong_rank.py: -i 3932160
PARAMS: dict = {}
STRONG_LARGE_SIZE = 251_658_240   # PrIM 32-rank strong scaling size (README table)
WEAK_SIZE_PER_DPU = 3_932_160     # PrIM weak scaling, per DPU
SIZE_MEANING = "elements (total, split over DPUs)"


def make_input(n: int, total: int, seed: int) -> np.ndarray:
    a = np.zeros(total, K.T)
    a[:n] = rng(seed).integers(0, RAND_MAX, n, endpoint=True)      # (T) rand()
    return a


def host_scan(dpus: DpuSet, got, nr: int, tasklets: int, last: int) -> list[int]:
    """Retrieve the DPU totals (DPU_RESULTS[last].t_count) and exclusive-scan them on the host."""
    dpus.host_compute(nbytes=nr * tasklets * K.RESULT.itemsize, ops=nr)
    if got is None:
        return [0] * nr
    bases, acc = [], np.int64(0)
    for g in got:
        bases.append(int(acc))
        acc += g.view(K.RESULT)["t_count"][last]
    return bases


def two_pass_scan(name: str, kmod, first: int, second: int, total_of_last_tasklet: bool, dpus: int,
                  tasklets: int, size: int, timing_only: bool, config: SystemConfig, seed: int):
    """PrIM's two-kernel scans: launch `first`, gather each DPU's total and scan the totals on
    the host (inter-DPU), launch `second` with each DPU's base, gather the result. SCAN-SSA is
    scan then add (total in the last tasklet's slot); SCAN-RSS is reduce then scan (slot 0)."""
    n = check_size(name, size)
    nr = check_dpus(name, dpus, config)
    es = kmod.T.itemsize
    per = per_dpu_elems(n, nr, tasklets)
    a = None if timing_only else make_input(n, per * nr, seed)
    s = DpuSet(nr, preset=config, timing_only=timing_only, seed=seed)
    s.load(kmod.KERNEL, tasklets)
    s.push_xfer("DPU_INPUT_ARGUMENTS", [kmod.make_args(per * es, first)] * nr)
    s.push_xfer(kmod.HEAP, chunks(a, per, nr, es))
    s.launch()
    with s.category("inter_dpu"):
        got = s.push_xfer_from(kmod.RESULTS, tasklets * kmod.RESULT.itemsize)
        bases = host_scan(s, got, nr, tasklets, tasklets - 1 if total_of_last_tasklet else 0)
        s.push_xfer("DPU_INPUT_ARGUMENTS", [kmod.make_args(per * es, second, b) for b in bases])
    s.launch()
    out = s.push_xfer_from(kmod.HEAP, per * es, offset=per * es)
    if timing_only:
        return s.result(verified=None)
    c = np.concatenate([o.view(kmod.T) for o in out])[:n]
    return s.result(outputs={"scan": c}, verified=bool(np.array_equal(c, np.cumsum(a[:n], dtype=np.int64))))


def run(dpus: int, tasklets: int, size: int, params: dict, timing_only: bool,
        config: SystemConfig, seed: int):
    return two_pass_scan(NAME, K, K.SCAN, K.ADD, True, dpus, tasklets, size, timing_only, config, seed)
