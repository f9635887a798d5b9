"""PrIM BS: binary search of int64 queries in a sorted int64 array (PrIM BS/dpu/task.c).

MRAM heap: the sorted array (input_size elements), then this DPU's queries. Each tasklet
takes a contiguous slice of slice_per_dpu / NR_TASKLETS queries. Per query: an 8 B read of
the query, reads of the first and the last block (results unused, as in PrIM), then a binary
search over MRAM byte addresses: read the BLOCK at the (8-byte aligned) midpoint, scan it
(-2 if its first element is larger than the key, else a linear scan up to the key or the
block end), halve the range; it ends when the key is found or the range reaches the first /
last block (one more read and scan there).

BS's Makefile does not pass BL to the DPU compiler, so BLOCK_SIZE is PrIM's fallback 256 B.
Which blocks are read and how far each scan goes depend on the key: `trace` replays PrIM's
search over the array contents. The timing uses PrIM's input (array[i] = i + 1, queries
0, 1, 2, ...), which the shape carries; functional runs search the real MRAM contents.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numba
import numpy as np

from pimsim.hw.dpu import TRACE_COMPUTE, TRACE_READ
from pimsim.kernel import WRAM, DpuMemory, Kernel, Symbol
from pimsim.kernels._prim import HEAP, MRAM_HEAP_SYMBOL, args_symbol, prologue

BLOCK = 256
T = np.dtype(np.int64)
# dpu_arguments_t {uint64_t input_size; uint64_t slice_per_dpu; enum kernel;} + timing hint
ARGS = np.dtype({"names": ["input_size", "slice_per_dpu", "kernel", "first_query"],
                 "formats": [np.uint64, np.uint64, np.uint32, np.uint32],
                 "offsets": [0, 8, 16, 20], "itemsize": 24})
RESULT = np.dtype([("found", T)])
RESULTS = "DPU_RESULTS"
MAX_TASKLETS = 24
PER_QUERY = {"loop": 1, "add_int32": 6, "store_wram": 2, "cmp_branch": 1}   # loop, pointer resets, found = -1
PER_ITER = {"call": 1, "load_wram": 1, "cmp_branch": 6, "add_int32": 3, "logic_int32": 2}   # search entry, checks, midpoint
PER_SCAN = {"load_wram": 1, "cmp_branch": 2, "loop": 1}                # if (bufferA[i] == key): 64-bit compare
FOUND = {"sub_int32": 1, "logic_int32": 1, "add_int64": 1, "store_wram": 1}

# trace step kinds
READ_QUERY, READ_AUX, READ_SEARCH = 0, 1, 2


@dataclass(frozen=True)
class Shape:
    input_size: int         # elements of the sorted array
    slice_per_dpu: int      # queries on this DPU
    first_query: int        # global index of this DPU's first query (timing hint)


def make_args(input_size: int, slice_per_dpu: int, first_query: int) -> np.ndarray:
    return np.array([(input_size, slice_per_dpu, 0, first_query)], dtype=ARGS)


def shape(args: np.ndarray) -> Shape:
    a = args[0]
    return Shape(int(a["input_size"]), int(a["slice_per_dpu"]), int(a["first_query"]))


@numba.njit(cache=True)
def _value(mram, virtual, idx, n, qfirst, nq):
    if not virtual:
        return mram[idx] if idx < mram.size else 0
    if idx < n:
        return idx + 1
    if idx < n + nq:
        return qfirst + (idx - n)
    return 0


@numba.njit(cache=True)
def _search(mram, virtual, addr, key, n, qfirst, nq, block_elems):
    """PrIM's search(): (-2 | -1 | index, elements compared)."""
    base = addr // 8
    if _value(mram, virtual, base, n, qfirst, nq) > key:
        return -2, 0
    for i in range(block_elems):
        if _value(mram, virtual, base + i, n, qfirst, nq) == key:
            return i, i + 1
    return -1, block_elems


@numba.njit(cache=True)
def trace(mram, virtual, n, qfirst, nq, q_lo, q_hi, block):
    """Replay PrIM's per-query search for queries [q_lo, q_hi) of this DPU.
    Returns (kind, addr, scanned) per MRAM read, and the last found index (-1 if none)."""
    cap = (q_hi - q_lo) * 80 + 8
    kind = np.empty(cap, np.int8)
    addrs = np.empty(cap, np.int64)
    scanned = np.empty(cap, np.int32)
    k = 0
    last_found = np.int64(-1)
    be = block // 8
    mask = ~np.int64(7)
    end0 = 8 * n
    for q in range(q_lo, q_hi):
        qaddr = end0 + 8 * q
        key = _value(mram, virtual, n + q, n, qfirst, nq)
        kind[k] = 0; addrs[k] = qaddr; scanned[k] = 0; k += 1
        start, end = np.int64(0), np.int64(end0)
        kind[k] = 1; addrs[k] = 0; scanned[k] = 0; k += 1
        kind[k] = 1; addrs[k] = end - block * 8; scanned[k] = 0; k += 1
        cur = ((start + end) // 2) & mask
        done = False
        while not done:
            f, s = _search(mram, virtual, cur, key, n, qfirst, nq, be)
            kind[k] = 2; addrs[k] = cur; scanned[k] = s; k += 1
            if f > -1:
                last_found = f + cur // 8
                break
            if f == -2:
                end = cur
                cur = ((cur + start) // 2) & mask
            else:
                start = cur
                cur = ((cur + end) // 2) & mask
            if cur < block:
                done = True
                f, s = _search(mram, virtual, cur, key, n, qfirst, nq, be)
                kind[k] = 2; addrs[k] = cur; scanned[k] = s; k += 1
                if f > -1:
                    last_found = f + cur // 8
            if cur > end - block:
                done = True
                f, s = _search(mram, virtual, end - block, key, n, qfirst, nq, be)
                kind[k] = 2; addrs[k] = end - block; scanned[k] = s; k += 1
                if f > -1:
                    last_found = f + cur // 8      # PrIM uses the current address here
    return kind[:k], addrs[:k], scanned[:k], last_found


@lru_cache(maxsize=4096)
def signature(s: Shape):
    """What the timing depends on: the sequence of MRAM reads (kind) and elements scanned per
    read over all this DPU's queries (tasklets take contiguous slices of it). Addresses do not
    change DMA timing, so DPUs whose keys take equally long paths share one class - e.g. every
    DPU whose keys are all past the array's end."""
    if s.first_query > s.input_size:
        # every key exceeds every element (array[i] = i + 1 <= input_size): each query takes
        # the same path and scans, so the trace need not be run to know they are all alike
        return (s.slice_per_dpu, "past the end")
    kind, _, scanned, _ = trace(np.zeros(0, np.int64), True, s.input_size, s.first_query,
                                s.slice_per_dpu, 0, s.slice_per_dpu, BLOCK)
    digest = hashlib.blake2b(kind.tobytes() + scanned.tobytes(), digest_size=16).hexdigest()
    return (s.slice_per_dpu, digest)


@lru_cache(maxsize=256)
def _tasklet_trace(s: Shape, tid: int, nr_tasklets: int):
    per = s.slice_per_dpu // nr_tasklets
    kind, addrs, scanned, _ = trace(np.zeros(0, np.int64), True, s.input_size, s.first_query,
                                    s.slice_per_dpu, tid * per, (tid + 1) * per, BLOCK)
    return kind, addrs, scanned


def tasklet_ops(s: Shape, tid: int, nr_tasklets: int, c_query: float, c_iter: float, c_scan: float):
    """The tasklet's verbs as a trace (TaskletContext.run_trace): per query, its op-mix then
    the 8 B read of the key; the two unused block reads; per search step, the block read then
    the scan of `scanned` elements."""
    kind, addrs, scanned = _tasklet_trace(s, tid, nr_tasklets)
    rows = np.where(kind == READ_AUX, 1, 2)
    first = np.cumsum(rows) - rows
    n = int(rows.sum())
    op = np.full(n, TRACE_READ, np.int8)
    value = np.zeros(n)
    addr = np.zeros(n, np.int64)
    q, aux, step = first[kind == READ_QUERY], first[kind == READ_AUX], first[kind == READ_SEARCH]
    op[q], value[q] = TRACE_COMPUTE, c_query
    value[q + 1], addr[q + 1] = 8, addrs[kind == READ_QUERY]
    value[aux], addr[aux] = BLOCK, addrs[kind == READ_AUX]
    value[step], addr[step] = BLOCK, addrs[kind == READ_SEARCH]
    op[step + 1], value[step + 1] = TRACE_COMPUTE, c_iter + c_scan * scanned[kind == READ_SEARCH]
    return op, value, addr


def program(ctx, s: Shape):
    yield from prologue(ctx)
    ctx.mem_alloc(BLOCK)
    ctx.mem_alloc(BLOCK)
    ctx.mem_alloc(BLOCK)
    costs = ctx.cost(PER_QUERY), ctx.cost(PER_ITER), ctx.cost(PER_SCAN)
    yield from ctx.run_trace(*tasklet_ops(s, ctx.id, ctx.nr_tasklets, *costs))


def functional(mem: DpuMemory, args: np.ndarray, nr_tasklets: int) -> None:
    s = shape(args)
    mram = mem.view(HEAP, T, 0, s.input_size + s.slice_per_dpu)
    res = mem.view(RESULTS, RESULT, 0, MAX_TASKLETS)
    per = s.slice_per_dpu // nr_tasklets
    for t in range(nr_tasklets):
        *_, found = trace(mram, False, s.input_size, 0, s.slice_per_dpu, t * per, (t + 1) * per, BLOCK)
        if found > -1:
            res["found"][t] = found


KERNEL = Kernel(
    name="bs", fixed_phases=True,
    symbols=(args_symbol(ARGS.itemsize), Symbol(RESULTS, WRAM, MAX_TASKLETS * RESULT.itemsize), MRAM_HEAP_SYMBOL),
    program=program, shape=shape, signature=signature, functional=functional,
    writes=lambda s: {RESULTS: MAX_TASKLETS * RESULT.itemsize},
    wram_static_bytes=0,
)
