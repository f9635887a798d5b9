"""PrIM RED: sum reduction of int64 in MRAM (PrIM RED/dpu/task.c, VERSION=SINGLE).

Tasklet t reads the 1 KB blocks at t*BLOCK + k*BLOCK*NR_TASKLETS and accumulates every
element into a private count; it stores the count in message[t]; after a barrier tasklet 0
adds the NR_TASKLETS partials and stores the DPU's total in DPU_RESULTS[0].t_count.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from pimsim.kernel import WRAM, DpuMemory, Kernel, Symbol
from pimsim.kernels._prim import BLOCK_BYTES, BLOCK_LOOP, HEAP, MRAM_HEAP_SYMBOL, args_symbol, cyclic_blocks, prologue

T = np.dtype(np.int64)
ARGS = np.dtype([("size", np.uint32), ("kernel", np.uint32)])
# dpu_results_t {uint64_t cycles; T t_count;}
RESULT = np.dtype([("cycles", np.uint64), ("t_count", T)])
MAX_TASKLETS = 24
RESULTS = "DPU_RESULTS"
PER_ELEM = {"load_wram": 1, "add_int64": 1, "loop": 1}             # output += input[j]
PER_PARTIAL = {"load_wram": 2, "add_int64": 1, "store_wram": 1}     # message[0] += message[t] (unrolled)
STORE = {"store_wram": 1}


@dataclass(frozen=True)
class Shape:
    size: int               # bytes of input on this DPU
    block: int = BLOCK_BYTES


def make_args(size: int) -> np.ndarray:
    return np.array([(size, 0)], dtype=ARGS)


def shape(args: np.ndarray) -> Shape:
    return Shape(int(args["size"][0]))


def program(ctx, s: Shape):
    yield from prologue(ctx)
    per_elem = ctx.cost(PER_ELEM)
    per_block = ctx.cost(BLOCK_LOOP)
    buf = ctx.mem_alloc(s.block)
    for off, n in cyclic_blocks(ctx.id, ctx.nr_tasklets, s.size, s.block):
        yield from ctx.dma_read(n, off, buf)
        yield from ctx.compute(instructions=per_block + per_elem * (n // T.itemsize))
    yield from ctx.compute(STORE)                                   # message[t] = l_count
    yield from ctx.barrier_wait("my_barrier")
    if ctx.id == 0:
        yield from ctx.compute(PER_PARTIAL, times=ctx.nr_tasklets - 1)
        yield from ctx.compute(STORE)                               # result->t_count


@numba.njit(cache=True)
def _red(a, nr_tasklets, block_elems):
    message = np.zeros(nr_tasklets, np.int64)
    n = a.size
    for t in range(nr_tasklets):
        start = t * block_elems
        acc = np.int64(0)
        while start < n:
            for i in range(start, min(start + block_elems, n)):
                acc += a[i]
            start += block_elems * nr_tasklets
        message[t] = acc
    total = message[0]
    for t in range(1, nr_tasklets):
        total += message[t]
    return total


def functional(mem: DpuMemory, args: np.ndarray, nr_tasklets: int) -> None:
    s = shape(args)
    a = mem.view(HEAP, T, 0, s.size // T.itemsize)
    res = mem.view(RESULTS, RESULT, 0, MAX_TASKLETS)
    res["t_count"][0] = _red(a, nr_tasklets, s.block // T.itemsize)


KERNEL = Kernel(
    name="red", fixed_phases=True,
    symbols=(args_symbol(ARGS.itemsize), Symbol(RESULTS, WRAM, MAX_TASKLETS * RESULT.itemsize), MRAM_HEAP_SYMBOL),
    program=program, shape=shape, signature=lambda s: s, functional=functional,
    writes=lambda s: {RESULTS: MAX_TASKLETS * RESULT.itemsize},
)
