"""PrIM GEMV: C = A x B over uint32 (PrIM GEMV/dpu/task.c).

MRAM heap: A (rows of n_size elements, packed, max_rows x n_size_pad reserved), then B
(n_size_pad), then C (max_rows). Each tasklet owns a contiguous run of rows, handed out in
pairs (8 B of C = 2 uint32); for every row it streams the row and B in 1 KB blocks (B is
re-read for every row), multiply-accumulates into cache_C[pos], and after each pair of rows
writes 8 B of C. Rows whose start is not 8-byte aligned (odd n) are fetched from the
aligned-down address, shifted left by one element in WRAM and completed with an 8 B read.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from pimsim.kernel import DpuMemory, Kernel
from pimsim.kernels._prim import BLOCK_BYTES, BLOCK_LOOP, HEAP, MRAM_HEAP_SYMBOL, args_symbol, prologue

T = np.dtype(np.uint32)
ARGS = np.dtype([("n_size", np.uint32), ("n_size_pad", np.uint32), ("nr_rows", np.uint32),
                 ("max_rows", np.uint32)])
# PrIM fills A and B with rand() % 50; __mulsi3 runs one mul_step per bit of the smaller
# operand, so a multiply of two such values takes E[bit_length(min(a, b))] steps.
_v = np.arange(50)
MUL_STEPS = float(np.mean([int(min(a, b)).bit_length() for a in _v for b in _v]))   # 4.026
# bufferC[pos] += bufferA[i] * bufferB[i]: C may alias A/B, so it is loaded and stored each time
PER_MAC = {"load_wram": 3, "store_wram": 1, "add_uint32": 1, "mul32_setup": 1, "mul_step": MUL_STEPS,
           "loop": 1}
PER_SHIFT = {"load_wram": 1, "store_wram": 1, "loop": 1}     # cache_A[off] = cache_A[off + 1]
PER_PAIR = {"store_wram": 2, "loop": 2, "cmp_branch": 2}      # clear cache_C, row-pair loop


@dataclass(frozen=True)
class Shape:
    n_size: int
    n_size_pad: int
    nr_rows: int
    max_rows: int
    block: int = BLOCK_BYTES

    # GEMV's uint32 and MLP's int32 are both 4 bytes: one layout serves both
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


def tasklet_rows(tid: int, nr_tasklets: int, nrows: int) -> tuple[int, int]:
    """(start_row, rows_per_tasklet) exactly as PrIM's GEMV computes them (units of 2 rows)."""
    epc = 8 // T.itemsize
    chunks = nrows // (nr_tasklets * epc)
    dbl = chunks * epc
    rows = dbl
    rest = nrows % (nr_tasklets * epc)
    if tid * epc < rest:
        rows += epc
    if rest > 0:
        if tid * epc >= rest:
            start = ((rest // epc) * epc + epc if rest % epc else rest) + tid * dbl
        else:
            start = tid * (dbl + epc)
    else:
        start = tid * dbl
    return start, rows


def row_pairs(ctx, s: Shape, per_mac: dict, last_reads_b_first: bool):
    """PrIM's GEMV loop (also MLP's layer): the tasklet's rows in pairs; per row, A and B in
    blocks (B re-read for every row), the aligned-down shift for rows starting at 4 mod 8,
    then 8 B of C per pair. The two C programs order the B read and the shift differently in
    the last block of a row: `last_reads_b_first` says which (full blocks do the opposite)."""
    yield from prologue(ctx)
    es, be = T.itemsize, s.block // T.itemsize
    mac, shift, blk, pair = ctx.cost(per_mac), ctx.cost(PER_SHIFT), ctx.cost(BLOCK_LOOP), ctx.cost(PER_PAIR)
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
                b_first = last == last_reads_b_first
                yield from ctx.dma_read(s.block, addr_a & ~7, wa)
                if b_first:
                    yield from ctx.dma_read(s.block, addr_b, wb)
                if offset:
                    yield from ctx.compute(instructions=shift * (be - 1))
                    yield from ctx.dma_read(8, (addr_a + s.block) & ~7, waux)
                if not b_first:
                    yield from ctx.dma_read(s.block, addr_b, wb)
                yield from ctx.compute(instructions=blk + mac * (tail if last else be))
                addr_a += s.block
                addr_b += s.block
            offset = ((i + pos + 1) * s.n_size * es) % 8 != 0
        yield from ctx.dma_write(8, addr_c, wc)
        addr_c += 8


def program(ctx, s: Shape):
    return row_pairs(ctx, s, PER_MAC, last_reads_b_first=True)


@numba.njit(cache=True)
def _matvec(a, b, c, n_size, nr_rows):
    # accumulating in c's own type wraps like the DPU's 32-bit registers (uint32 or int32)
    for r in range(nr_rows):
        c[r] = 0
        for j in range(n_size):
            c[r] += a[r * n_size + j] * b[j]


def matvec(mem: DpuMemory, s: Shape, dtype) -> None:
    """C = A x B on one DPU's MRAM heap laid out as Shape says (GEMV and MLP layers)."""
    a = mem.view(HEAP, dtype, 0, s.max_rows * s.n_size_pad)
    b = mem.view(HEAP, dtype, s.b_offset, s.n_size_pad)
    c = mem.view(HEAP, dtype, s.c_offset, s.max_rows)
    _matvec(a, b, c, s.n_size, s.nr_rows)


def functional(mem: DpuMemory, args: np.ndarray, nr_tasklets: int) -> None:
    matvec(mem, shape(args), T)


KERNEL = Kernel(
    name="gemv", fixed_phases=True, symbols=(args_symbol(ARGS.itemsize), MRAM_HEAP_SYMBOL),
    program=program, shape=shape, signature=lambda s: s, functional=functional,
    writes=lambda s: {HEAP: s.c_offset + s.max_rows * T.itemsize},
)
