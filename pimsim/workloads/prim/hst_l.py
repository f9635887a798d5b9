"""PrIM HST-L host program (HST-L/host/app.c): the same host steps as HST-S (sizing, one
parallel push, one launch, parallel retrieval of bins x 4 bytes + host merge as DPU->CPU);
the DPU binary shares NR_HISTO histograms between the tasklets under mutexes.

NR_HISTO is a compile-time constant of PrIM's HST-L. Default here: 1, as in the HST-L build
files of uPIMulator's copy of PrIM (Makefile `NR_HISTO ?= 1`; dpu/CMakeLists.txt `NR_HISTO 1`,
`BL 10`), which uPIMulator simulated beside the measured table of validation/measurements (how
the hardware runs were built is not recorded). It is also the only value at which PrIM's own
sweep (HST-L/run.sh: 4096 bins at 16 tasklets, BL=10) fits in 64 KB of WRAM (16 KB per
histogram + 16 x 1 KB blocks + stacks). It must be a power of two dividing the tasklet count
(kernels/hst_l.py: check_histos); any other value is an error, as in pimsim's C kernel, not
lowered to one that works.
"""
from __future__ import annotations

from pimsim.config import SystemConfig
from pimsim.kernels import hst_l as K
from pimsim.workloads.prim import hst_s

NAME = "HST-L"
DESCRIPTION = "Histogram of 12-bit uint32 pixels, NR_HISTO shared histograms under mutexes (PrIM HST-L)"
DEFAULT_SIZE = hst_s.DEFAULT_SIZE
PARAMS: dict = {"bins": 256, "nr_histo": 1}
SIZE_MEANING = hst_s.SIZE_MEANING


class _Binary:
    """The HST-L kernel built for one NR_HISTO, shaped like a kernel module for run_histogram."""

    def __init__(self, nr_histo: int):
        self.KERNEL = K.make_kernel(nr_histo)
        self.make_args = K.make_args


def run(dpus: int, tasklets: int, size: int, params: dict, timing_only: bool,
        config: SystemConfig, seed: int):
    binary = _Binary(K.check_histos(params["nr_histo"], tasklets))
    return hst_s.run_histogram(binary, NAME, dpus, tasklets, size, params, timing_only, config, seed)
