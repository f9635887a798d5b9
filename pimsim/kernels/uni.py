"""PrIM UNI: drop consecutive duplicates of an int64 array (PrIM UNI/dpu/task.c).

Rounds of block-cyclic 1 KB blocks as in SEL. Per round a tasklet reads its block, keeps its
first element and every element that differs from its predecessor (unrolled loop), then a
handshake chain passes (running count, last kept value, running offset) so a tasklet drops
its first output when it equals the previous tasklet's last; it writes its output
(l_count x 8 B) and the round ends at a barrier.

Timing depends on how many elements each block keeps. PrIM's input is A[i] = i (even i),
i + 1 (odd i), padded with its last value, so a block starting at an even local index keeps
1 + (odd local indices inside it that are real data); the host passes `valid` and `first`
as timing hints beside PrIM's arguments (the DPU code does not read them).
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from pimsim.kernel import WRAM, DpuMemory, Kernel, Symbol
from pimsim.kernels._prim import BLOCK_BYTES, HEAP, MRAM_HEAP_SYMBOL, args_symbol, cyclic_blocks, prologue

T = np.dtype(np.int64)
ARGS = np.dtype([("size", np.uint32), ("kernel", np.uint32), ("valid", np.uint32), ("first", np.uint32)])
# dpu_results_t {uint32_t t_count; T first; T last;}
RESULT = np.dtype({"names": ["t_count", "first", "last"], "formats": [np.uint32, T, T],
                   "offsets": [0, 8, 16], "itemsize": 24})
RESULTS = "DPU_RESULTS"
MAX_TASKLETS = 24
PER_ELEM = {"load_wram": 1, "sub_int64": 1, "cmp_branch": 1}     # if (input[j] != input[j-1]) (unrolled)
PER_KEPT = {"store_wram": 1, "add_int32": 1}                      # output[pos] = input[j]; pos++
PER_ROUND = {"loop": 1, "cmp_branch": 2, "add_int32": 4, "call": 2, "load_wram": 1, "store_wram": 1}
MSG_READ = {"load_wram": 4, "sub_int64": 1, "cmp_branch": 1}     # p_count, value == output[0], o_count
MSG_WRITE = {"add_int32": 2, "load_wram": 1, "store_wram": 3}
LAST_UPDATE = {"load_wram": 2, "add_int32": 4, "store_wram": 5}


@dataclass(frozen=True)
class Shape:
    size: int           # bytes of (padded) input on this DPU
    valid: int          # real elements (the rest repeats the last real value)
    first: int          # global index of the DPU's first element
    block: int = BLOCK_BYTES

    def kept(self, lo: int, hi: int) -> int:
        """Elements unique() keeps in the block of local indices [lo, hi): the first, plus
        every real element whose value differs from its predecessor (odd global index)."""
        top = min(hi, self.valid)
        changes = 0
        if top > lo + 1:
            g0, g1 = self.first + lo + 1, self.first + top      # global indices [g0, g1)
            changes = g1 // 2 - g0 // 2                          # odd indices in [g0, g1)
        return 1 + changes


    def output_offset(self, lo: int) -> int:
        """Output slot where the block starting at local index lo is written: the elements kept
        before it, minus one when its first element equals its predecessor."""
        if lo == 0:
            return 0
        repeats = lo >= self.valid or (self.first + lo) % 2 == 0
        return self.kept(0, lo) - int(repeats)


def make_args(size: int, valid: int, first: int) -> np.ndarray:
    return np.array([(size, 0, valid, first)], dtype=ARGS)


def shape(args: np.ndarray) -> Shape:
    a = args[0]
    return Shape(int(a["size"]), int(a["valid"]), int(a["first"]))


def signature(s: Shape):
    return (s.size, s.valid, s.first % 2, s.block)


def program(ctx, s: Shape):
    yield from prologue(ctx)
    es, regs = T.itemsize, s.block // T.itemsize
    per_block = ctx.cost(PER_ELEM) * (regs - 1) + ctx.cost(PER_ROUND)
    per_kept = ctx.cost(PER_KEPT)
    last = ctx.nr_tasklets - 1
    wa = ctx.mem_alloc(s.block)
    wb = ctx.mem_alloc(s.block)
    if ctx.id == last:
        yield from ctx.compute({"store_wram": 2})   # message_partial_count, message_last_from_last
    yield from ctx.barrier_wait("my_barrier")
    for off, _ in cyclic_blocks(ctx.id, ctx.nr_tasklets, s.size, s.block):
        yield from ctx.dma_read(s.block, off, wa)
        lo = off // es
        count = s.kept(lo, lo + regs)
        yield from ctx.compute(instructions=per_block + per_kept * count)
        if ctx.id != 0:
            yield from ctx.handshake_wait_for(ctx.id - 1)
        yield from ctx.compute(MSG_READ)
        if ctx.id < last:
            yield from ctx.compute(MSG_WRITE)
            yield from ctx.handshake_notify()
        # PrIM writes the block's kept elements at the running (compacted) count, one slot
        # earlier when its first element repeats the previous block's last (it is dropped)
        yield from ctx.dma_write(count * es, s.size + s.output_offset(lo) * es, wb)
        if ctx.id == last:
            yield from ctx.compute(LAST_UPDATE)
        yield from ctx.barrier_wait("my_barrier")


@numba.njit(cache=True)
def _unique(a, out):
    pos = 0
    for i in range(a.size):
        if i == 0 or a[i] != a[i - 1]:
            out[pos] = a[i]
            pos += 1
    return pos


def functional(mem: DpuMemory, args: np.ndarray, nr_tasklets: int) -> None:
    s = shape(args)
    n = s.size // T.itemsize
    a = mem.view(HEAP, T, 0, n)
    out = mem.view(HEAP, T, s.size, n)
    count = _unique(a, out)
    res = mem.view(RESULTS, RESULT, 0, MAX_TASKLETS)
    res["first"][0] = out[0]
    res["t_count"][nr_tasklets - 1] = count
    res["last"][nr_tasklets - 1] = out[count - 1]


KERNEL = Kernel(
    name="uni", fixed_phases=True,
    symbols=(args_symbol(ARGS.itemsize), Symbol(RESULTS, WRAM, MAX_TASKLETS * RESULT.itemsize), MRAM_HEAP_SYMBOL),
    program=program, shape=shape, signature=signature, functional=functional,
    writes=lambda s: {HEAP: 2 * s.size, RESULTS: MAX_TASKLETS * RESULT.itemsize},
)
