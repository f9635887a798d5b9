"""PrIM MLP: one fully-connected layer C = A x B over int32 on each DPU, launched once per
layer (PrIM Benchmarks/MLP/dpu/task.c; the top-level MLP/dpu/task.c is not in the stored
sources, the Benchmarks/ copy is used).

The DPU code is PrIM's GEMV loop with T = int32: MRAM heap holds A (rows of n_size elements,
packed; max_rows x n_size_pad reserved), then B (n_size_pad), then C (max_rows). Tasklets own
contiguous runs of rows in pairs (kernels/gemv.py: tasklet_rows); per row the row and B are
streamed in 1 KB blocks (B re-read for every row) and multiply-accumulated into cache_C[pos];
after each pair of rows 8 B of C are written. Rows starting at a 4-mod-8 address (odd n) are
read from the aligned-down address, shifted by one element in WRAM and completed with an 8 B
read. No ReLU on the DPU (PrIM applies none between layers; its inputs keep C >= 0).

The multiply: PrIM's weights are 0 or 1 and every activation is >= 0, so the smaller operand
of each __mulsi3 has at most one bit: one mul_step per multiply.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from pimsim.kernel import DpuMemory, Kernel
from pimsim.kernels._prim import BLOCK_BYTES, BLOCK_LOOP, HEAP, MRAM_HEAP_SYMBOL, args_symbol, mulsi3, prologue
from pimsim.kernels.gemv import tasklet_rows

T = np.dtype(np.int32)
ARGS = np.dtype([("n_size", np.uint32), ("n_size_pad", np.uint32), ("nr_rows", np.uint32),
                 ("max_rows", np.uint32)])
MUL_BITS = 1        # min(weight in {0, 1}, activation >= 0) has at most one significant bit
# bufferC[pos] += bufferA[i] * bufferB[i]: C may alias A/B, so it is loaded and stored each time
PER_MAC = {"load_wram": 3, "store_wram": 1, "add_int32": 1, "loop": 1, **mulsi3(MUL_BITS)}
PER_SHIFT = {"load_wram": 1, "store_wram": 1, "loop": 1}     # cache_A[off] = cache_A[off + 1]
PER_PAIR = {"store_wram": 2, "loop": 2, "cmp_branch": 2}      # clear cache_C, row-pair loop


@dataclass(frozen=True)
class Shape:
    n_size: int
    n_size_pad: int
    nr_rows: int
    max_rows: int
    block: int = BLOCK_BYTES

    @property
    def b_offset(self) -> int:
        return self.max_rows * self.n_size_pad * T.itemsize

    @property
    def c_offset(self) -> int:
        return self.b_offset + self.n_size_pad * T.itemsize


def make_args(n_size: int, n_size_pad: int, nr_rows: int, max_rows: int) -> np.ndarray:
    return np.array([(n_size, n_size_pad, nr_rows, max_rows)], dtype=ARGS)


def shape(args: np.ndarray) -> Shape:
    a = args[0]
    return Shape(int(a["n_size"]), int(a["n_size_pad"]), int(a["nr_rows"]), int(a["max_rows"]))


def program(ctx, s: Shape):
    yield from prologue(ctx)
    es, be = T.itemsize, s.block // T.itemsize
    mac, shift, blk, pair = ctx.cost(PER_MAC), ctx.cost(PER_SHIFT), ctx.cost(BLOCK_LOOP), ctx.cost(PER_PAIR)
    start, rows = tasklet_rows(ctx.id, ctx.nr_tasklets, s.nr_rows)
    addr_c = s.c_offset + start * es
    wa = ctx.mem_alloc(s.block + 8)
    waux = ctx.mem_alloc(8)
    wb = ctx.mem_alloc(s.block)
    wc = ctx.mem_alloc(8)
    nfull = max(0, -(-(s.n_size - be) // be))          # for (n = 0; n < n_size - BLOCK/4; n += BLOCK/4)
    tail = s.n_size - nfull * be
    offset = False
    for i in range(start, start + rows, 2):
        yield from ctx.compute(instructions=pair)
        for pos in range(2):
            if i + pos >= s.nr_rows:
                break
            addr_a = (i + pos) * s.n_size * es
            addr_b = s.b_offset
            for k in range(nfull + 1):
                last = k == nfull
                yield from ctx.dma_read(s.block, addr_a & ~7, wa)
                if last:                                 # the tail reads A, shifts, then reads B
                    if offset:
                        yield from ctx.compute(instructions=shift * (be - 1))
                        yield from ctx.dma_read(8, (addr_a + s.block) & ~7, waux)
                    yield from ctx.dma_read(s.block, addr_b, wb)
                else:                                    # full blocks read A and B, then shift
                    yield from ctx.dma_read(s.block, addr_b, wb)
                    if offset:
                        yield from ctx.compute(instructions=shift * (be - 1))
                        yield from ctx.dma_read(8, (addr_a + s.block) & ~7, waux)
                yield from ctx.compute(instructions=blk + mac * (tail if last else be))
                addr_a += s.block
                addr_b += s.block
            offset = ((i + pos + 1) * s.n_size * es) % 8 != 0
        yield from ctx.dma_write(8, addr_c, wc)
        addr_c += 8


@numba.njit(cache=True)
def _layer(a, b, c, n_size, nr_rows):
    for r in range(nr_rows):
        acc = np.int32(0)
        for j in range(n_size):
            acc += a[r * n_size + j] * b[j]
        c[r] = acc


def functional(mem: DpuMemory, args: np.ndarray, nr_tasklets: int) -> None:
    s = shape(args)
    a = mem.view(HEAP, T, 0, s.max_rows * s.n_size_pad)
    b = mem.view(HEAP, T, s.b_offset, s.n_size_pad)
    c = mem.view(HEAP, T, s.c_offset, s.max_rows)
    _layer(a, b, c, s.n_size, s.nr_rows)


KERNEL = Kernel(
    name="mlp", symbols=(args_symbol(ARGS.itemsize), MRAM_HEAP_SYMBOL),
    program=program, shape=shape, signature=lambda s: s, functional=functional,
    writes=lambda s: {HEAP: s.c_offset + s.max_rows * T.itemsize},
)
