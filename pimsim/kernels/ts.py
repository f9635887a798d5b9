"""PrIM TS: time-series matrix profile (STREAMP) of one query, int32 (PrIM TS/dpu/task.c).

MRAM heap: the query (m elements), this DPU's slice of the series (slice + m elements), their
means (slice + m) and standard deviations (slice + m). Tasklet t owns the contiguous start
positions [t*slice/T, t*slice/T + slice/T - 1) (clipped at slice - m). For each group of
DOTPIP = BLOCK/4 positions it zeroes DOTPIP dot products, then for each of the m/DOTPIP query
blocks reads a series block, the next series block and the query block and runs a DOTPIP x
DOTPIP multiply-accumulate nest (a branch picks the main or the aux block); then it reads
the means and sigmas block and turns each dot product into a z-normalised distance (int32
MULs and one DIV), keeping the minimum.

TS's support/common.h falls back to BL = 8 (256 B) when BL is not given, and with 1 KB blocks
the six per-tasklet buffers (6 KB x 16 tasklets) would not fit in WRAM, so BLOCK = 256 B.
The build behind uPIMulator's hardware table agrees: its TS CMakeLists passes `-DBL${BL}`
(no `=`), which defines a macro BL10 and leaves BL undefined, so the 256 B default applies.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from pimsim.kernel import WRAM, DpuMemory, Kernel, Symbol
from pimsim.kernels._prim import HEAP, MRAM_HEAP_SYMBOL, args_symbol, prologue

BLOCK = 256
T = np.dtype(np.int32)
DOTPIP = BLOCK // T.itemsize
ARGS = np.dtype([("ts_length", np.uint32), ("query_length", np.uint32), ("query_mean", T), ("query_std", T),
                 ("slice_per_dpu", np.uint32), ("exclusion_zone", np.int32), ("kernel", np.uint32)])
RESULT = np.dtype([("minValue", T), ("minIndex", np.uint32), ("maxValue", T), ("maxIndex", np.uint32)])
RESULTS = "DPU_RESULTS"
MAX_TASKLETS = 24
MAX_DATA_VAL = 127          # PrIM fills series and query with i % 127
_v = np.arange(MAX_DATA_VAL)
# __mulsi3 steps = bit length of the smaller operand; both operands are values 0..126
MUL_STEPS = float(np.mean([int(min(a, b)).bit_length() for a in _v for b in _v]))
MUL = {"mul32_setup": 1, "mul_step": MUL_STEPS}
# result[j] += (j + i > DOTPIP - 1 ? aux[j + i - DOTPIP] : A[j + i]) * B[i]
PER_MAC = {"add_int32": 2, "cmp_branch": 1, "load_wram": 3, "store_wram": 1, "loop": 1, **MUL}
# distance = 2 * (m - (dot[k] - m * mean[k] * qmean) / (sigma[k] * qstd)); keep the minimum
PER_DISTANCE = {"load_wram": 3, "mul32_setup": 3, "mul_step": 3 * 7, "div_int32": 1, "sub_int32": 2,
                "logic_int32": 1, "cmp_branch": 1, "loop": 1, "add_int32": 1}
PER_ZERO = {"store_wram": 1, "loop": 1}
PER_QBLOCK = {"add_int32": 4, "loop": 1, "call": 1}


@dataclass(frozen=True)
class Shape:
    query_length: int
    slice_per_dpu: int


def make_args(ts_length, m, qmean, qstd, slice_per_dpu) -> np.ndarray:
    return np.array([(ts_length, m, qmean, qstd, slice_per_dpu, 0, 0)], dtype=ARGS)


def shape(args: np.ndarray) -> Shape:
    a = args[0]
    return Shape(int(a["query_length"]), int(a["slice_per_dpu"]))


def tasklet_range(tid: int, nr_tasklets: int, s: Shape) -> tuple[int, int]:
    start = tid * (s.slice_per_dpu // nr_tasklets)
    end = start + s.slice_per_dpu // nr_tasklets - 1
    return start, min(end, s.slice_per_dpu - s.query_length)


def program(ctx, s: Shape):
    yield from prologue(ctx)
    es, m = T.itemsize, s.query_length
    for _ in range(6):
        ctx.mem_alloc(BLOCK)
    start, end = tasklet_range(ctx.id, ctx.nr_tasklets, s)
    ts_base = m * es + start * es
    mean_base = ts_base + (s.slice_per_dpu + m) * es
    sigma_base = mean_base + (s.slice_per_dpu + m) * es
    c_zero = ctx.cost(PER_ZERO) * DOTPIP
    c_block = ctx.cost(PER_MAC) * DOTPIP * DOTPIP + ctx.cost(PER_QBLOCK)
    c_dist = ctx.cost(PER_DISTANCE) * DOTPIP
    nq = m // DOTPIP
    it = 0
    for i in range(start, end, DOTPIP):
        yield from ctx.compute(instructions=c_zero)
        addr = ts_base + (i - start) * es
        for j in range(nq):
            yield from ctx.dma_read(BLOCK, addr + j * BLOCK)
            yield from ctx.dma_read(BLOCK, addr + (j + 1) * BLOCK)
            yield from ctx.dma_read(BLOCK, j * BLOCK)
            yield from ctx.compute(instructions=c_block)
        yield from ctx.dma_read(BLOCK, mean_base + it * BLOCK)
        yield from ctx.dma_read(BLOCK, sigma_base + it * BLOCK)
        yield from ctx.compute(instructions=c_dist)
        it += 1
    yield from ctx.compute({"store_wram": 2})


@numba.njit(cache=True)
def _tdiv(a, b):
    """C int32 division (truncates toward zero). A zero divisor (the padding past the series,
    where PrIM's host leaves sigma = 0) gives -1, the all-ones quotient of a restoring
    div_step sequence."""
    if b == 0:
        return -1
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


@numba.njit(cache=True)
def _ts_tasklet(query, ts, mean, sigma, m, qmean, qstd, start, end):
    best, best_idx = np.int64(2**31 - 1), 0
    for i in range(start, end, DOTPIP):
        for k in range(DOTPIP):
            p = i + k
            dot = np.int64(0)
            for l in range(m):
                v = ts[p + l] if p + l < ts.size else 0
                dot += np.int64(v) * query[l]
            mk = mean[p] if p < mean.size else 0
            sk = sigma[p] if p < sigma.size else 0
            num = np.int32(dot - np.int64(m) * mk * qmean)
            dist = 2 * (m - _tdiv(num, np.int32(sk * qstd)))
            if dist < best:
                best, best_idx = dist, p
    return best, best_idx


def functional(mem: DpuMemory, args: np.ndarray, nr_tasklets: int) -> None:
    s = shape(args)
    a = args[0]
    m, n = s.query_length, s.slice_per_dpu + s.query_length
    es = T.itemsize
    query = mem.view(HEAP, T, 0, m)
    ts = mem.view(HEAP, T, m * es, n)
    mean = mem.view(HEAP, T, (m + n) * es, n)
    sigma = mem.view(HEAP, T, (m + 2 * n) * es, n)
    res = mem.view(RESULTS, RESULT, 0, MAX_TASKLETS)
    for t in range(nr_tasklets):
        start, end = tasklet_range(t, nr_tasklets, s)
        v, idx = _ts_tasklet(query, ts, mean, sigma, m, int(a["query_mean"]), int(a["query_std"]), start, end)
        res["minValue"][t] = v
        res["minIndex"][t] = idx


KERNEL = Kernel(
    name="ts", fixed_phases=True,
    symbols=(args_symbol(ARGS.itemsize), Symbol(RESULTS, WRAM, MAX_TASKLETS * RESULT.itemsize), MRAM_HEAP_SYMBOL),
    program=program, shape=shape, signature=lambda s: s, functional=functional,
    writes=lambda s: {RESULTS: MAX_TASKLETS * RESULT.itemsize},
)
