"""PrIM HST-S host program (HST-S/host/app.c): a 256-bin histogram of 12-bit pixels.

Sizing as PrIM: per-DPU elements = divceil(n, D), rounded up to 8 elements when its byte size
is not 8-aligned; every DPU gets that many pixels pushed (one parallel push), the last ones
own the remainder. PrIM's last DPU counts its padding too (its `size` is the 8-aligned total),
which only works for sizes where no padding exists; here each DPU counts exactly its own
pixels. The DPU-CPU step is PrIM's timer 3: one parallel retrieval of bins x 4 bytes per DPU
plus the host merge of the D histograms ((D-1) x bins adds), both booked as DPU->CPU.

Input: PrIM reads a 16-bit image, byte-swaps and clips it to 4095; here the pixels are seeded
uniform 12-bit values (the timing uses the same distribution, see kernels/hst_s.py).
"""
from __future__ import annotations

import numpy as np

from pimsim.config import SystemConfig
from pimsim.errors import PimsimError
from pimsim.host_api import DpuSet
from pimsim.kernels import hst_s as K
from pimsim.workloads.prim._common import align8_elems, check_dpus, check_size, chunks, divceil, rng, split_counts

NAME = "HST-S"
DESCRIPTION = "Histogram of 12-bit uint32 pixels, private per-tasklet histograms (PrIM HST-S)"
DEFAULT_SIZE = 1536 * 1024      # PrIM HST-S/support/params.h: -i default 1536*1024 elements
PARAMS: dict = {"bins": 256}    # PrIM -b (default 256)
SIZE_MEANING = "input pixels (total, split over DPUs)"


def sizes(n: int, nr_dpus: int, itemsize: int = 4) -> tuple[int, list[int]]:
    """(pixels pushed per DPU, pixels each DPU counts) per PrIM's host sizing."""
    per = align8_elems(divceil(n, nr_dpus), itemsize)
    return per, split_counts(n, per, nr_dpus)


def check_bins(name: str, bins) -> int:
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or not 2 <= bins <= 4096 or bins % 2:
        raise PimsimError(f"{name}: bins = {bins!r}: expected an even number of bins in 2..4096 "
                          f"(the histogram is written with 8-byte-multiple DMAs)")
    return int(bins)


def make_input(n: int, per: int, nr: int, seed: int) -> np.ndarray:
    a = np.zeros(per * nr, np.uint32)
    a[:n] = rng(seed).integers(0, 1 << K.DEPTH, n, dtype=np.uint32)
    return a


def reference(a: np.ndarray, bins: int) -> np.ndarray:
    return np.bincount((a.astype(np.int64) * bins) >> K.DEPTH, minlength=bins).astype(np.uint32)


def run_histogram(kernel, name: str, dpus: int, tasklets: int, size: int, params: dict,
                  timing_only: bool, config: SystemConfig, seed: int):
    """The host program HST-S and HST-L share (their host apps differ only in the binary)."""
    n = check_size(name, size)
    nr = check_dpus(name, dpus, config)
    bins = check_bins(name, params["bins"])
    es = K.T.itemsize
    per, counts = sizes(n, nr, es)
    a = None if timing_only else make_input(n, per, nr, seed)
    s = DpuSet(nr, preset=config, timing_only=timing_only, seed=seed)
    s.load(kernel.KERNEL, tasklets)
    s.push_xfer("DPU_INPUT_ARGUMENTS", [kernel.make_args(c * es, per * es, bins) for c in counts])
    s.push_xfer(K.HEAP, chunks(a, per, nr, es))
    s.launch()
    with s.category("dpu_cpu"):                 # PrIM times retrieval + merge together
        got = s.push_xfer_from(K.HEAP, bins * es, offset=per * es)
        s.host_compute(nbytes=nr * bins * es, ops=(nr - 1) * bins)
    if timing_only:
        return s.result(verified=None)
    histo = np.zeros(bins, np.uint32)
    for g in got:
        histo += g.view(np.uint32)
    return s.result(outputs={"histogram": histo}, verified=bool(np.array_equal(histo, reference(a[:n], bins))))


def run(dpus: int, tasklets: int, size: int, params: dict, timing_only: bool,
        config: SystemConfig, seed: int):
    return run_histogram(K, NAME, dpus, tasklets, size, params, timing_only, config, seed)
