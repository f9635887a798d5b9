"""PrIM HST-S: histogram of uint32 pixels with one private WRAM histogram per tasklet
(PrIM HST-S/dpu/task.c).

MRAM heap: the DPU's pixels at 0, its histogram at transfer_size. Tasklet t reads the 1 KB
blocks at t*BLOCK + k*BLOCK*NR_TASKLETS (the last block clipped to `size`; its DMA rounded up
to 8 bytes, only `size` bytes counted) and does histo[(d * bins) >> DEPTH] += 1 per pixel in
its own histogram. Barrier; bins are dealt round-robin to tasklets, each summing the
NR_TASKLETS private histograms into tasklet 0's; barrier; tasklet 0 writes the histogram in
DMAs of at most 2048 bytes.

The multiply d * bins is a call to the runtime's __mulsi3 whose cost grows with the bit length
of the smaller operand (kernels/_prim.py: mulsi3). The timing uses its mean over PrIM's pixel
range (12-bit values, taken uniform here as the generated input is) so timing-only and
functional runs agree and the cost needs no data.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numba
import numpy as np

from pimsim.kernel import DpuMemory, Kernel
from pimsim.kernels._prim import (BLOCK_BYTES, BLOCK_LOOP, HEAP, MRAM_HEAP_SYMBOL, args_symbol, cyclic_blocks,
                                  mulsi3, prologue)

T = np.dtype(np.uint32)
DEPTH = 12                      # PrIM HST: 12-bit pixels
DMA_MAX = 2048
# dpu_arguments_t {uint32_t size; uint32_t transfer_size; uint32_t bins; enum kernels kernel;}
ARGS = np.dtype([("size", np.uint32), ("transfer_size", np.uint32), ("bins", np.uint32), ("kernel", np.uint32)])
# d = input[j]; bin = (d * bins) >> DEPTH; histo[bin] += 1  (the multiply is added separately):
# load d, lsr, lsl_add (address), load histo[bin], add, store, loop
PER_ELEM = {"load_wram": 2, "logic_int32": 2, "add_uint32": 1, "store_wram": 1, "loop": 1}
INIT_BIN = {"store_wram": 1, "loop": 1}                                  # histo[i] = 0
MERGE_TERM = {"load_wram": 2, "add_uint32": 2, "loop": 1}               # b += *(message[j] + i)
MERGE_BIN = {"store_wram": 1, "add_uint32": 1, "loop": 1}               # histo_dpu[i] = b; i += T


@lru_cache(maxsize=None)
def mean_mul_bits(bins: int, depth: int = DEPTH) -> float:
    """Mean bit length of min(d, bins) over pixels d uniform in [0, 2^depth)."""
    d = np.arange(1 << depth, dtype=np.int64)
    m = np.minimum(d, bins)
    bits = np.where(m > 0, np.floor(np.log2(np.maximum(m, 1))) + 1, 0)
    return float(bits.mean())


def per_elem_opmix(bins: int) -> dict:
    mix = dict(PER_ELEM)
    for op, c in mulsi3(mean_mul_bits(bins)).items():
        mix[op] = mix.get(op, 0) + c
    return mix


@dataclass(frozen=True)
class Shape:
    size: int               # bytes of pixels this DPU counts
    transfer_size: int      # offset of the histogram in the MRAM heap
    bins: int
    block: int = BLOCK_BYTES


def make_args(size: int, transfer_size: int, bins: int) -> np.ndarray:
    return np.array([(size, transfer_size, bins, 0)], dtype=ARGS)


def shape(args: np.ndarray) -> Shape:
    return Shape(int(args["size"][0]), int(args["transfer_size"][0]), int(args["bins"][0]))


def write_histogram(ctx, s: Shape, wram: int):
    """Tasklet 0 writes the DPU histogram in DMAs of at most 2048 bytes."""
    total = s.bins * T.itemsize
    for off in range(0, total, DMA_MAX):
        yield from ctx.dma_write(min(DMA_MAX, total - off), s.transfer_size + off, wram)


def program(ctx, s: Shape):
    yield from prologue(ctx)
    per_elem = ctx.cost(per_elem_opmix(s.bins))
    per_block = ctx.cost(BLOCK_LOOP)
    buf = ctx.mem_alloc(s.block)
    histo = ctx.mem_alloc(s.bins * T.itemsize)
    yield from ctx.compute(INIT_BIN, times=s.bins)
    for off, n in cyclic_blocks(ctx.id, ctx.nr_tasklets, s.size, s.block):
        yield from ctx.dma_read(-(-n // 8) * 8, off, buf)
        yield from ctx.compute(instructions=per_block + per_elem * (n // T.itemsize))
    yield from ctx.barrier_wait("my_barrier")
    my_bins = len(range(ctx.id, s.bins, ctx.nr_tasklets))
    if my_bins:
        yield from ctx.compute(instructions=my_bins * (ctx.cost(MERGE_BIN)
                                                       + ctx.nr_tasklets * ctx.cost(MERGE_TERM)))
    yield from ctx.barrier_wait("my_barrier")
    if ctx.id == 0:
        yield from write_histogram(ctx, s, histo)


@numba.njit(cache=True)
def _hst_private(a, bins, nr_tasklets, block_elems, depth):
    """Per-tasklet histograms over block-cyclic blocks, then the bin-interleaved merge."""
    n = a.size
    hist = np.zeros((nr_tasklets, bins), np.uint32)
    for t in range(nr_tasklets):
        start = t * block_elems
        while start < n:
            for i in range(start, min(start + block_elems, n)):
                d = np.uint32(a[i])
                hist[t, np.uint32(d * np.uint32(bins)) >> depth] += 1
            start += block_elems * nr_tasklets
    out = np.zeros(bins, np.uint32)
    for t in range(nr_tasklets):
        for i in range(t, bins, nr_tasklets):
            b = np.uint32(0)
            for j in range(nr_tasklets):
                b += hist[j, i]
            out[i] = b
    return out


def functional(mem: DpuMemory, args: np.ndarray, nr_tasklets: int) -> None:
    s = shape(args)
    a = mem.view(HEAP, T, 0, s.size // T.itemsize)
    out = mem.view(HEAP, T, s.transfer_size, s.bins)
    out[:] = _hst_private(a, s.bins, nr_tasklets, s.block // T.itemsize, DEPTH)


KERNEL = Kernel(
    name="hst_s", fixed_phases=True, symbols=(args_symbol(ARGS.itemsize), MRAM_HEAP_SYMBOL),
    program=program, shape=shape, signature=lambda s: s, functional=functional,
    writes=lambda s: {HEAP: s.transfer_size + s.bins * T.itemsize},
)
