"""PrIM SCAN-RSS host program (SCAN-RSS/host/app.c): inclusive prefix sum of int64.

Same sizing, input and transfers as SCAN-SSA. DPU kernel "Reduction" (kernel 0); Inter-DPU
(PrIM's timer 3): retrieve DPU_RESULTS (parallel), host exclusive scan of the DPU totals, push
each DPU its base in the kernel-1 arguments; DPU kernel "Scan" (kernel 1, seeded with the base);
DPU-CPU: retrieve every DPU's output slice (parallel).
"""
from __future__ import annotations

from pimsim.config import SystemConfig
from pimsim.kernels import scan_rss as K
from pimsim.workloads.prim.scan_ssa import DEFAULT_SIZE, SIZE_MEANING, per_dpu_elems, two_pass_scan  # noqa: F401 (same sizing as SCAN-SSA)

NAME = "SCAN-RSS"
DESCRIPTION = "Prefix sum of int64, reduce-scan-scan: DPU totals, host scan, seeded scan (PrIM SCAN-RSS)"
PARAMS: dict = {}
STRONG_LARGE_SIZE = 251_658_240   # PrIM 32-rank strong scaling size (README table)
WEAK_SIZE_PER_DPU = 3_932_160     # PrIM weak scaling, per DPU


def run(dpus: int, tasklets: int, size: int, params: dict, timing_only: bool,
        config: SystemConfig, seed: int):
    return two_pass_scan(NAME, K, K.REDUCE, K.SCAN, False, dpus, tasklets, size, timing_only, config, seed)
