"""PrIM SEL: stream compaction of uint64, keeping the odd values (PrIM SEL/dpu/task.c).

Rounds of block-cyclic 1 KB blocks (the host pads every DPU to a multiple of NR_TASKLETS x
128 elements, so every tasklet runs the same number of rounds). Per round a tasklet reads its
block, copies the selected elements to a WRAM output buffer (fully unrolled loop), passes the
running count down a handshake chain 0 -> 1 -> ... -> T-1, meets the others at a barrier,
and writes its selected elements (l_count x 8 B) to the output area after the input.

The number selected per block drives the timing. PrIM's input is A[i] = i + 1 (zero padded),
so the count of every block follows from the DPU's first global index and how many of its
elements are real: the host passes those two numbers (`valid`, `first`) beside PrIM's
arguments as timing hints the DPU code does not read; functional runs select from the data.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from pimsim.kernel import WRAM, DpuMemory, Kernel, Symbol
from pimsim.kernels._prim import BLOCK_BYTES, HEAP, MRAM_HEAP_SYMBOL, args_symbol, cyclic_blocks, prologue

T = np.dtype(np.uint64)
# dpu_arguments_t {uint32_t size; enum kernel;} + simulator timing hints
ARGS = np.dtype([("size", np.uint32), ("kernel", np.uint32), ("valid", np.uint32), ("first", np.uint32)])
RESULT = np.dtype([("t_count", np.uint32)])
RESULTS = "DPU_RESULTS"
MAX_TASKLETS = 24
PER_ELEM = {"load_wram": 1, "logic_int32": 1, "cmp_branch": 1}    # if (!pred(input[j])): x & 1 (unrolled)
PER_SELECTED = {"store_wram": 1, "add_int32": 1}                   # output[pos] = input[j]; pos++
PER_ROUND = {"loop": 1, "cmp_branch": 1, "add_int32": 3, "call": 2}   # loop, address, select()/sync calls
MSG_READ = {"load_wram": 1}
MSG_WRITE = {"add_int32": 1, "store_wram": 1}
LAST_UPDATE = {"load_wram": 1, "add_int32": 2, "store_wram": 2}


@dataclass(frozen=True)
class Shape:
    size: int           # bytes of (padded) input on this DPU
    valid: int          # elements that are real data (the rest is padding)
    first: int          # global index of the DPU's first element (input value = index + 1)
    block: int = BLOCK_BYTES

    def selected(self, lo: int, hi: int) -> int:
        """Elements selected among local indices [lo, hi): real ones with an odd value."""
        hi = min(hi, self.valid)
        if hi <= lo:
            return 0
        # value = first + j + 1 is odd  <=>  first + j is even
        g0, g1 = self.first + lo, self.first + hi          # global indices [g0, g1)
        return (g1 + 1) // 2 - (g0 + 1) // 2


def make_args(size: int, valid: int, first: int) -> np.ndarray:
    return np.array([(size, 0, valid, first)], dtype=ARGS)


def shape(args: np.ndarray) -> Shape:
    a = args[0]
    return Shape(int(a["size"]), int(a["valid"]), int(a["first"]))


def signature(s: Shape):
    return (s.size, s.valid, s.first % 2, s.block)


def total_selected(s: Shape) -> int:
    return s.selected(0, s.size // T.itemsize)


def program(ctx, s: Shape):
    yield from prologue(ctx)
    es, regs = T.itemsize, s.block // T.itemsize
    per_block = ctx.cost(PER_ELEM) * regs + ctx.cost(PER_ROUND)
    per_sel = ctx.cost(PER_SELECTED)
    last = ctx.nr_tasklets - 1
    wa = ctx.mem_alloc(s.block)
    wb = ctx.mem_alloc(s.block)
    if ctx.id == last:
        yield from ctx.compute({"store_wram": 1})            # message_partial_count = 0
    yield from ctx.barrier_wait("my_barrier")
    for off, _ in cyclic_blocks(ctx.id, ctx.nr_tasklets, s.size, s.block):
        yield from ctx.dma_read(s.block, off, wa)            # PrIM always reads a full block
        lo = off // es
        count = s.selected(lo, lo + regs)
        yield from ctx.compute(instructions=per_block + per_sel * count)
        if ctx.id != 0:
            yield from ctx.handshake_wait_for(ctx.id - 1)
            yield from ctx.compute(MSG_READ)
        if ctx.id < last:
            yield from ctx.compute(MSG_WRITE)
            yield from ctx.handshake_notify()
        yield from ctx.barrier_wait("my_barrier")
        if count:   # a 0-byte mram_write moves nothing; the SDK's minimum is 8 B
            yield from ctx.dma_write(count * es, s.size + s.selected(0, lo) * es, wb)
        if ctx.id == last:
            yield from ctx.compute(LAST_UPDATE)


@numba.njit(cache=True)
def _select(a, out):
    pos = 0
    for i in range(a.size):
        if a[i] % 2 != 0:
            out[pos] = a[i]
            pos += 1
    return pos


def functional(mem: DpuMemory, args: np.ndarray, nr_tasklets: int) -> None:
    # The handshake chain makes the output the selected elements in input order, so the
    # per-tasklet rounds collapse to one ordered pass.
    s = shape(args)
    n = s.size // T.itemsize
    a = mem.view(HEAP, T, 0, n)
    out = mem.view(HEAP, T, s.size, n)
    count = _select(a, out)
    mem.view(RESULTS, RESULT, 0, MAX_TASKLETS)["t_count"][nr_tasklets - 1] = count


KERNEL = Kernel(
    name="sel", fixed_phases=True,
    symbols=(args_symbol(ARGS.itemsize), Symbol(RESULTS, WRAM, MAX_TASKLETS * RESULT.itemsize), MRAM_HEAP_SYMBOL),
    program=program, shape=shape, signature=signature, functional=functional,
    writes=lambda s: {HEAP: s.size + total_selected(s) * T.itemsize, RESULTS: MAX_TASKLETS * RESULT.itemsize},
)
