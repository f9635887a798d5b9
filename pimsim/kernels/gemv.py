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


def program(ctx, s: Shape):
    yield from prologue(ctx)
    es, be = T.itemsize, s.block // T.itemsize
    mac, shift, blk = ctx.cost(PER_MAC), ctx.cost(PER_SHIFT), ctx.cost(BLOCK_LOOP)
    pair = ctx.cost(PER_PAIR)
    base_b = s.max_rows * s.n_size_pad * es
    addr_c = base_b + s.n_size_pad * es
    start, rows = tasklet_rows(ctx.id, ctx.nr_tasklets, s.nr_rows)
    addr_c += start * es
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
            addr_bb = base_b
            for _ in range(nfull + 1):
                last = _ == nfull
                yield from ctx.dma_read(s.block, addr_a & ~7, wa)
                if last:
                    yield from ctx.dma_read(s.block, addr_bb, wb)
                if offset:
                    yield from ctx.compute(instructions=shift * (be - 1))
                    yield from ctx.dma_read(8, (addr_a + s.block) & ~7, waux)
                if not last:
                    yield from ctx.dma_read(s.block, addr_bb, wb)
                yield from ctx.compute(instructions=blk + mac * (tail if last else be))
                addr_a += s.block
                addr_bb += s.block
            next_row = (i + pos + 1) * s.n_size * es
            offset = next_row % 8 != 0
        yield from ctx.dma_write(8, addr_c, wc)
        addr_c += 8


@numba.njit(cache=True)
def _gemv(a, b, c, n_size, nr_rows):
    for r in range(nr_rows):
        acc = np.uint32(0)
        for j in range(n_size):
            acc += a[r * n_size + j] * b[j]
        c[r] = acc


def functional(mem: DpuMemory, args: np.ndarray, nr_tasklets: int) -> None:
    s = shape(args)
    es = T.itemsize
    a = mem.view(HEAP, T, 0, s.max_rows * s.n_size_pad)
    b = mem.view(HEAP, T, s.max_rows * s.n_size_pad * es, s.n_size_pad)
    c = mem.view(HEAP, T, (s.max_rows * s.n_size_pad + s.n_size_pad) * es, s.max_rows)
    _gemv(a, b, c, s.n_size, s.nr_rows)


KERNEL = Kernel(
    name="gemv", symbols=(args_symbol(ARGS.itemsize), MRAM_HEAP_SYMBOL),
    program=program, shape=shape, signature=lambda s: s, functional=functional,
    writes=lambda s: {HEAP: (s.max_rows * s.n_size_pad + s.n_size_pad + s.max_rows) * T.itemsize},
)
