"""PrIM SCAN-RSS (reduce-scan-scan): inclusive prefix sum of int64, two kernels in one binary
selected by DPU_INPUT_ARGUMENTS.kernel (PrIM SCAN-RSS/dpu/task.c).

kernel 0, reduction: tasklet t sums the 1 KB blocks t + k*NR_TASKLETS (unrolled, REGS adds per
block) into a private count, stores it in message[t]; barrier; tasklet 0 adds the NR_TASKLETS
partials and stores the DPU total in DPU_RESULTS[0].
kernel 1, scan: SCAN-SSA's scan kernel with the running count seeded by args.t_count (the sum
of the preceding DPUs), so no add pass follows (kernels/scan_ssa.py).
"""
from __future__ import annotations

import numba
import numpy as np

from pimsim.kernel import DpuMemory, Kernel
from pimsim.kernels import scan_ssa as S
from pimsim.kernels._prim import BLOCK_LOOP, HEAP, MRAM_HEAP_SYMBOL, args_symbol, cyclic_blocks, prologue

T, REGS, ARGS, RESULT, RESULTS, MAX_TASKLETS = S.T, S.REGS, S.ARGS, S.RESULT, S.RESULTS, S.MAX_TASKLETS
Shape, make_args, shape = S.Shape, S.make_args, S.shape
REDUCE, SCAN = 0, 1

RED_ELEM = {"load_wram": 1, "add_int64": 1}                         # output += input[j] (unrolled)
RED_BLOCK = {"add_int64": 1}                                         # l_count += reduction(cache_A)
PER_PARTIAL = {"load_wram": 2, "add_int64": 1, "store_wram": 1}     # message[0] += message[t]
STORE = {"store_wram": 1}


def reduce_program(ctx, s: Shape):
    yield from prologue(ctx)
    a = ctx.mem_alloc(s.block)
    per_block = ctx.cost(BLOCK_LOOP) + ctx.cost(RED_BLOCK) + ctx.cost(RED_ELEM) * (s.block // T.itemsize)
    for off, n in cyclic_blocks(ctx.id, ctx.nr_tasklets, s.size, s.block):
        yield from ctx.dma_read(s.block, off, a)
        yield from ctx.compute(instructions=per_block)
    yield from ctx.compute(STORE)                                    # message[t] = l_count
    yield from ctx.barrier_wait("my_barrier")
    if ctx.id == 0:
        yield from ctx.compute(PER_PARTIAL, times=ctx.nr_tasklets - 1)
        yield from ctx.compute(STORE)                                # result->t_count


def program(ctx, s: Shape):
    return reduce_program(ctx, s) if s.kernel == REDUCE else S.scan_program(ctx, s)


@numba.njit(cache=True)
def _reduce(a, nr_tasklets, block_elems):
    total = np.int64(0)
    for t in range(nr_tasklets):
        acc = np.int64(0)
        start = t * block_elems
        while start < a.size:
            for i in range(start, min(start + block_elems, a.size)):
                acc += a[i]
            start += block_elems * nr_tasklets
        total += acc
    return total


def functional(mem: DpuMemory, args: np.ndarray, nr_tasklets: int) -> None:
    s = shape(args)
    if s.kernel == REDUCE:
        total = _reduce(mem.view(HEAP, T, 0, s.size // T.itemsize), nr_tasklets, s.block // T.itemsize)
        mem.view(RESULTS, RESULT, 0, MAX_TASKLETS)["t_count"][0] = total
    else:
        S.scan_functional(mem, args, nr_tasklets)


KERNEL = Kernel(
    name="scan_rss", fixed_phases=True, symbols=(args_symbol(ARGS.itemsize), S.results_symbol(), MRAM_HEAP_SYMBOL),
    program=program, shape=shape, signature=lambda s: s, functional=functional,
    writes=lambda s: {HEAP: 2 * s.size, RESULTS: MAX_TASKLETS * RESULT.itemsize},
)
