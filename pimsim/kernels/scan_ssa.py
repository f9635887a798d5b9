"""PrIM SCAN-SSA (scan-scan-add): inclusive prefix sum of int64 in MRAM, two kernels in one
binary selected by DPU_INPUT_ARGUMENTS.kernel (PrIM SCAN-SSA/dpu/task.c).

MRAM heap: input A at 0, output B at `size`. `size` is a multiple of NR_TASKLETS x 1 KB (the
host pads with zeros), so every tasklet runs the same number of rounds over full blocks.

kernel 0, scan: tasklet NR_TASKLETS-1 seeds the running DPU count with args.t_count; barrier.
Per round, tasklet t reads block t + k*NR_TASKLETS, scans it locally into a second buffer
(unrolled: REGS-1 adds), passes its running block total down the handshake chain 0 -> 1 -> ...
(wait for t-1, read message[t], write message[t+1], notify), meets the others at the barrier,
adds (DPU count + its prefix) to the REGS outputs, writes the block to B; the last tasklet
advances the DPU count and stores it in DPU_RESULTS[NR_TASKLETS-1].
kernel 1, add: per block, read B, add args.t_count (the sum of the preceding DPUs) to every
element, write it back.

SCAN-RSS (kernels/scan_rss.py) reuses the scan kernel's program and functional code.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from pimsim.kernel import WRAM, DpuMemory, Kernel, Symbol
from pimsim.kernels._prim import BLOCK_BYTES, BLOCK_LOOP, HEAP, MRAM_HEAP_SYMBOL, args_symbol, cyclic_blocks, prologue

T = np.dtype(np.int64)
REGS = BLOCK_BYTES // T.itemsize
# dpu_arguments_t {uint32_t size; enum kernels kernel; T t_count;}
ARGS = np.dtype([("size", np.uint32), ("kernel", np.uint32), ("t_count", np.int64)])
RESULT = np.dtype([("t_count", np.int64)])            # dpu_results_t
RESULTS = "DPU_RESULTS"
MAX_TASKLETS = 24
SCAN, ADD = 0, 1

SCAN_ELEM = {"load_wram": 1, "add_int64": 1, "store_wram": 1}    # output[j] = output[j-1] + input[j] (unrolled)
ADD_ELEM = {"load_wram": 1, "add_int64": 1, "store_wram": 1}     # output[j] += p_count (unrolled)
FIRST = {"load_wram": 1, "store_wram": 1}                         # output[0] = input[0]
RECV = {"load_wram": 1}                                           # p_count = message[t]
SEND = {"add_int64": 1, "store_wram": 1}                          # message[t+1] = p_count + l_count
BASE = {"load_wram": 1, "add_int64": 1}                           # message_partial_count + p_count
LAST = {"load_wram": 1, "add_int64": 2, "store_wram": 2}          # result->t_count = ...; message_partial_count = ...
SEED = {"load_wram": 1, "store_wram": 1}                          # message_partial_count = args.t_count


@dataclass(frozen=True)
class Shape:
    size: int               # bytes of input (a multiple of NR_TASKLETS x BLOCK)
    kernel: int
    block: int = BLOCK_BYTES


def make_args(size: int, kernel: int, t_count: int = 0) -> np.ndarray:
    return np.array([(size, kernel, t_count)], dtype=ARGS)


def shape(args: np.ndarray) -> Shape:
    return Shape(int(args["size"][0]), int(args["kernel"][0]))


def scan_program(ctx, s: Shape):
    """The scan-(handshake)-add kernel, shared by SCAN-SSA (kernel 0) and SCAN-RSS (kernel 1)."""
    yield from prologue(ctx)
    t, nt = ctx.id, ctx.nr_tasklets
    a = ctx.mem_alloc(s.block)
    b = ctx.mem_alloc(s.block)
    if t == nt - 1:
        yield from ctx.compute(SEED)
    yield from ctx.barrier_wait("my_barrier")
    regs = s.block // T.itemsize
    scan = ctx.cost(BLOCK_LOOP) + ctx.cost(FIRST) + ctx.cost(SCAN_ELEM) * (regs - 1)
    add = ctx.cost(BASE) + ctx.cost(ADD_ELEM) * regs
    for off, n in cyclic_blocks(t, nt, s.size, s.block):
        yield from ctx.dma_read(s.block, off, a)
        yield from ctx.compute(instructions=scan)
        if t != 0:
            yield from ctx.handshake_wait_for(t - 1)
            yield from ctx.compute(RECV)
        if t < nt - 1:
            yield from ctx.compute(SEND)
            yield from ctx.handshake_notify()
        yield from ctx.barrier_wait("my_barrier")
        yield from ctx.compute(instructions=add)
        yield from ctx.dma_write(s.block, s.size + off, b)
        if t == nt - 1:
            yield from ctx.compute(LAST)


def add_program(ctx, s: Shape):
    yield from prologue(ctx)
    a = ctx.mem_alloc(s.block)
    add = ctx.cost(BLOCK_LOOP) + ctx.cost(ADD_ELEM) * (s.block // T.itemsize)
    for off, n in cyclic_blocks(ctx.id, ctx.nr_tasklets, s.size, s.block):
        yield from ctx.dma_read(s.block, s.size + off, a)
        yield from ctx.compute(instructions=add)
        yield from ctx.dma_write(s.block, s.size + off, a)


def program(ctx, s: Shape):
    return scan_program(ctx, s) if s.kernel == SCAN else add_program(ctx, s)


@numba.njit(cache=True)
def _scan(a, out, base):
    """Blocks are chained in MRAM order (block k belongs to tasklet k % NR_TASKLETS and the
    handshake chain visits them in that order), so the DPU computes a sequential inclusive
    scan seeded with `base`; int64 wraps as on the DPU. Returns the DPU's running total."""
    acc = base
    for i in range(a.size):
        acc += a[i]
        out[i] = acc
    return acc


@numba.njit(cache=True)
def _add(b, base):
    for i in range(b.size):
        b[i] += base


def scan_functional(mem: DpuMemory, args: np.ndarray, nr_tasklets: int) -> None:
    s = shape(args)
    n = s.size // T.itemsize
    total = _scan(mem.view(HEAP, T, 0, n), mem.view(HEAP, T, s.size, n), np.int64(args["t_count"][0]))
    mem.view(RESULTS, RESULT, 0, MAX_TASKLETS)["t_count"][nr_tasklets - 1] = total


def functional(mem: DpuMemory, args: np.ndarray, nr_tasklets: int) -> None:
    s = shape(args)
    if s.kernel == SCAN:
        scan_functional(mem, args, nr_tasklets)
    else:
        _add(mem.view(HEAP, T, s.size, s.size // T.itemsize), np.int64(args["t_count"][0]))


def results_symbol() -> Symbol:
    return Symbol(RESULTS, WRAM, MAX_TASKLETS * RESULT.itemsize)


KERNEL = Kernel(
    name="scan_ssa", fixed_phases=True, symbols=(args_symbol(ARGS.itemsize), results_symbol(), MRAM_HEAP_SYMBOL),
    program=program, shape=shape, signature=lambda s: s, functional=functional,
    writes=lambda s: {HEAP: 2 * s.size, RESULTS: MAX_TASKLETS * RESULT.itemsize},
)
