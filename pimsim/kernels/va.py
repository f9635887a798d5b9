"""PrIM VA: vector addition B[i] += A[i] over int32, in MRAM (PrIM VA/dpu/task.c).

MRAM heap layout: A at 0, B at transfer_size. Tasklet t processes the 1 KB blocks at byte
offsets t*BLOCK + k*BLOCK*NR_TASKLETS: per block it reads the A block and the B block, adds
them element by element in WRAM and writes the B block back.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from pimsim.kernel import DpuMemory, Kernel
from pimsim.kernels._prim import BLOCK_BYTES, BLOCK_LOOP, HEAP, MRAM_HEAP_SYMBOL, args_symbol, cyclic_blocks, prologue

T = np.dtype(np.int32)
# dpu_arguments_t {uint32_t size; uint32_t transfer_size; enum kernels kernel;}
ARGS = np.dtype([("size", np.uint32), ("transfer_size", np.uint32), ("kernel", np.uint32)])
# for (i < l_size) bufferB[i] += bufferA[i];  -> two WRAM loads, one add, one store
PER_ELEM = {"load_wram": 2, "add_int32": 1, "store_wram": 1, "loop": 1}


@dataclass(frozen=True)
class Shape:
    size: int               # bytes of A (and B) this DPU adds
    transfer_size: int      # offset of B in the MRAM heap
    block: int = BLOCK_BYTES


def make_args(size: int, transfer_size: int) -> np.ndarray:
    return np.array([(size, transfer_size, 0)], dtype=ARGS)


def shape(args: np.ndarray) -> Shape:
    return Shape(int(args["size"][0]), int(args["transfer_size"][0]))


def program(ctx, s: Shape):
    yield from prologue(ctx)
    per_elem = ctx.cost(PER_ELEM)
    per_block = ctx.cost(BLOCK_LOOP)
    a = ctx.mem_alloc(s.block)
    b = ctx.mem_alloc(s.block)
    for off, n in cyclic_blocks(ctx.id, ctx.nr_tasklets, s.size, s.block):
        yield from ctx.dma_read(n, off, a)
        yield from ctx.dma_read(n, s.transfer_size + off, b)
        yield from ctx.compute(instructions=per_block + per_elem * (n // T.itemsize))
        yield from ctx.dma_write(n, s.transfer_size + off, b)


@numba.njit(cache=True)
def _va(a, b, nr_tasklets, block_elems):
    n = a.size
    for t in range(nr_tasklets):
        start = t * block_elems
        while start < n:
            end = min(start + block_elems, n)
            for i in range(start, end):
                b[i] += a[i]
            start += block_elems * nr_tasklets


def functional(mem: DpuMemory, args: np.ndarray, nr_tasklets: int) -> None:
    s = shape(args)
    n = s.size // T.itemsize
    a = mem.view(HEAP, T, 0, n)
    b = mem.view(HEAP, T, s.transfer_size, n)
    _va(a, b, nr_tasklets, s.block // T.itemsize)


KERNEL = Kernel(
    name="va", fixed_phases=True, symbols=(args_symbol(ARGS.itemsize), MRAM_HEAP_SYMBOL),
    program=program, shape=shape, signature=lambda s: s, functional=functional,
    writes=lambda s: {HEAP: s.transfer_size + s.size},
)
