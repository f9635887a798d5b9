"""PrIM HST-L: histogram of uint32 pixels into NR_HISTO WRAM histograms shared by the tasklets
under mutexes (PrIM HST-L/dpu/task.c).

Tasklet t uses histogram t & (NR_HISTO-1), allocated by tasklets 0..NR_HISTO-1 and zeroed by
its NR_TASKLETS/NR_HISTO users between two waits on that histogram's own barrier. Blocks are
read block-cyclically as in HST-S; per pixel: bin = (d * bins) >> DEPTH, then
mutex_lock(histo mutex); histo[bin] += 1; mutex_unlock. Then a DPU barrier, the bin-interleaved
merge of the NR_HISTO histograms into histogram 0, a barrier, and tasklet 0's MRAM write.

Timing keeps one event group per block: the pixel loop's work outside the critical section
(with every pixel's mutex_lock and mutex_unlock call) runs as one compute phase, then the
tasklet holds the histogram's mutex once for the block's critical sections (the increments).
The critical work of one mutex is serialised exactly as per-pixel locking serialises it; what
is approximated is only how it interleaves with the other tasklets' work inside one block.

NR_HISTO is a compile-time constant in PrIM; the kernel is built per value (make_kernel).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numba
import numpy as np

from pimsim.errors import PimsimError
from pimsim.kernel import DpuMemory, Kernel
from pimsim.kernels import hst_s
from pimsim.kernels._prim import (BLOCK_BYTES, BLOCK_LOOP, HEAP, MRAM_HEAP_SYMBOL, args_symbol, cyclic_blocks,
                                  mulsi3, prologue)

T = hst_s.T
DEPTH = hst_s.DEPTH
ARGS = hst_s.ARGS
make_args = hst_s.make_args
# outside the lock: load d, (mulsi3), lsr, load my_mutex[histo_id], loop
OUTSIDE = {"load_wram": 2, "logic_int32": 1, "loop": 1}
# inside the lock: lsl_add (address), load histo[d], add, store
INSIDE = {"logic_int32": 1, "load_wram": 1, "add_uint32": 1, "store_wram": 1}
INIT_BARRIER = {"store_wram": 4}                                    # tasklet 0: barriers[i] fields
INIT_BIN = hst_s.INIT_BIN
MERGE_TERM = hst_s.MERGE_TERM
MERGE_BIN = hst_s.MERGE_BIN


def check_histos(nr_histo, nr_tasklets: int) -> int:
    """PrIM indexes histograms with tasklet_id & (NR_HISTO - 1) and gives each histogram's
    barrier NR_TASKLETS / NR_HISTO tasklets, so NR_HISTO must be a power of two dividing
    NR_TASKLETS (pimsim's C kernel stops the build otherwise; PrIM's miscounts)."""
    if (isinstance(nr_histo, bool) or not isinstance(nr_histo, (int, np.integer)) or nr_histo < 1
            or nr_histo & (nr_histo - 1) or nr_tasklets % nr_histo):
        raise PimsimError(f"HST-L: NR_HISTO = {nr_histo!r}: must be a power of two dividing "
                          f"NR_TASKLETS = {nr_tasklets} (each histogram is shared by "
                          f"NR_TASKLETS / NR_HISTO tasklets, chosen by tasklet_id & (NR_HISTO - 1))")
    return int(nr_histo)


@dataclass(frozen=True)
class Shape:
    size: int
    transfer_size: int
    bins: int
    nr_histo: int
    block: int = BLOCK_BYTES


def program(ctx, s: Shape):
    nh = check_histos(s.nr_histo, ctx.nr_tasklets)
    if ctx.id == 0:
        yield from ctx.compute(INIT_BARRIER, times=nh)
    yield from prologue(ctx)
    my_h = ctx.id & (nh - 1)
    users = ctx.nr_tasklets // nh
    hname = f"histo{my_h}"
    outside = ctx.cost(OUTSIDE) + ctx.cost(mulsi3(hst_s.mean_mul_bits(s.bins)))
    inside = ctx.cost(INSIDE)
    per_block = ctx.cost(BLOCK_LOOP)
    buf = ctx.mem_alloc(s.block)
    histo = ctx.mem_alloc(s.bins * T.itemsize) if ctx.id < nh else buf
    yield from ctx.barrier_wait(hname, users)
    my_bins = len(range(ctx.id // nh, s.bins, users))
    if my_bins:
        yield from ctx.compute(INIT_BIN, times=my_bins)
    yield from ctx.barrier_wait(hname, users)
    for off, n in cyclic_blocks(ctx.id, ctx.nr_tasklets, s.size, s.block):
        k = n // T.itemsize
        yield from ctx.dma_read(-(-n // 8) * 8, off, buf)
        yield from ctx.compute(instructions=per_block + outside * k + ctx.batched_lock_instructions(k))
        if k:
            yield from ctx.mutex_lock(hname)
            yield from ctx.compute(instructions=inside * k)
            yield from ctx.mutex_unlock(hname)
    yield from ctx.barrier_wait("my_barrier")
    my_bins = len(range(ctx.id, s.bins, ctx.nr_tasklets))
    if my_bins:
        yield from ctx.compute(instructions=my_bins * (ctx.cost(MERGE_BIN) + nh * ctx.cost(MERGE_TERM)))
    yield from ctx.barrier_wait("my_barrier")
    if ctx.id == 0:
        yield from hst_s.write_histogram(ctx, s, histo)


@numba.njit(cache=True)
def _hst_shared(a, bins, nr_tasklets, nr_histo, block_elems, depth):
    n = a.size
    hist = np.zeros((nr_histo, bins), np.uint32)
    for t in range(nr_tasklets):
        h = t & (nr_histo - 1)
        start = t * block_elems
        while start < n:
            for i in range(start, min(start + block_elems, n)):
                hist[h, np.uint32(np.uint32(a[i]) * np.uint32(bins)) >> depth] += 1
            start += block_elems * nr_tasklets
    out = np.zeros(bins, np.uint32)
    for i in range(bins):
        b = np.uint32(0)
        for j in range(nr_histo):
            b += hist[j, i]
        out[i] = b
    return out


@lru_cache(maxsize=None)
def make_kernel(nr_histo: int) -> Kernel:
    if nr_histo < 1 or nr_histo & (nr_histo - 1):
        raise PimsimError(f"HST-L: NR_HISTO = {nr_histo}: must be a power of two")

    def shape(args: np.ndarray) -> Shape:
        return Shape(int(args["size"][0]), int(args["transfer_size"][0]), int(args["bins"][0]), nr_histo)

    def functional(mem: DpuMemory, args: np.ndarray, nr_tasklets: int) -> None:
        s = shape(args)
        a = mem.view(HEAP, T, 0, s.size // T.itemsize)
        out = mem.view(HEAP, T, s.transfer_size, s.bins)
        out[:] = _hst_shared(a, s.bins, nr_tasklets, nr_histo, s.block // T.itemsize, DEPTH)

    return Kernel(
        name=f"hst_l[NR_HISTO={nr_histo}]", fixed_phases=True, symbols=(args_symbol(ARGS.itemsize), MRAM_HEAP_SYMBOL),
        program=program, shape=shape, signature=lambda s: s, functional=functional,
        writes=lambda s: {HEAP: s.transfer_size + s.bins * T.itemsize},
        # WRAM shared histograms are heap allocations (mem_alloc), checked when they happen
    )
