"""PrIM SpMV: y = A x over a CSR matrix of float, one DPU's contiguous rows (PrIM SpMV/dpu/task.c).

MRAM heap layout (the host's bump allocator, every piece 8-B rounded): params (24 B), the
DPU's row pointers (rows + 1 x uint32, global values; the DPU subtracts dpuRowPtrsOffset),
its nonzeros ({uint32 col; float value} = 8 B), the whole input vector, the output slice.

Each tasklet takes ROUND_UP_TO_MULTIPLE_OF_2(ceil(rows / NR_TASKLETS)) contiguous rows. It
reads the params (24 B), opens two sequential readers (seqread: a 512 B window read at the
256-B page below the start, re-read one page further on every page crossing) over its row
pointers and its nonzeros, reads input-vector tile 0 (64 floats, 256 B), then per nonzero
loads {col, value}, re-reads the 256 B tile when col / 64 changes, and does a software float
multiply and add; per row it stores the result in a 64-float output tile, written to MRAM
(256 B) every 64 rows and partially (rows % 64 x 4 B) at its last row.

Timing is data dependent: per tasklet and per 64-row output tile, the rows, nonzeros, tile
switches and seqread page crossings. The host computes them from the matrix it sends
(`segments`) and hands them to the timing model with the params (`HintedArgs`; the DPU code
never sees them). Each 64-row stretch is one compute phase plus batched DMAs (the
dma_read count= verb: that many equal calls back to back, booked exactly).
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from pimsim.kernel import MRAM, DpuMemory, Kernel, Symbol
from pimsim.kernels._prim import HEAP, MRAM_HEAP_SYMBOL, prologue

PARAMS_SYMBOL = "DPU_PARAMS"        # the first 24 B of PrIM's MRAM heap (params_m = heap start)
# struct DPUParams {dpuNumRows; dpuRowPtrsOffset; dpuRowPtrs_m; dpuNonzeros_m; dpuInVector_m; dpuOutVector_m}
PARAMS = np.dtype([("rows", np.uint32), ("row_ptrs_offset", np.uint32), ("row_ptrs_m", np.uint32),
                   ("nonzeros_m", np.uint32), ("in_vector_m", np.uint32), ("out_vector_m", np.uint32)])
NONZERO = np.dtype([("col", np.uint32), ("value", np.float32)])
TILE = 64                   # floats per input/output tile (256 B)
TILE_BYTES = 256
PAGE = 256                  # SEQREAD_CACHE_SIZE default; a window is 2 pages
WINDOW = 2 * PAGE

# Per nonzero: value and col loads, col / 64 and col % 64, tile compare, tile element address
# and load, float multiply and add (runtime calls), loop back-edge.
PER_NNZ = {"load_wram": 3, "logic_int32": 3, "add_int32": 1, "cmp_branch": 1,
           "mul_float": 1, "add_float": 1, "loop": 1}
SEQ_GET = {"call": 1, "add_int32": 1, "cmp_branch": 1}          # seqread_get: advance, page test
SEQ_REFILL = {"add_int32": 2, "logic_int32": 1}                   # next page (+ a 512 B mram_read)
TILE_SWITCH = {"logic_int32": 1, "add_int32": 2}                  # new tile address, currInVectorTileIdx
# Per row: next row pointer load, nnz, outValue = 0, inner-loop entry test, row / 64, row % 64,
# output element address and store, last-in-tile and last-row tests, loop back-edge.
PER_ROW = {"load_wram": 1, "add_int32": 3, "logic_int32": 3, "store_wram": 1, "cmp_branch": 3, "loop": 1}
FLUSH = {"logic_int32": 2, "add_int32": 2}                        # output tile MRAM address
PARTITION = {"load_wram": 1, "div_uint32": 1, "add_int32": 4, "mul32_setup": 1, "mul_step": 5, "cmp_branch": 3}
# params extraction, seqread_alloc/init calls, mem_alloc calls, first row pointer
SETUP = {"load_wram": 6, "add_int32": 10, "logic_int32": 4, "call": 6, "cmp_branch": 4}


class HintedArgs(np.ndarray):
    """PrIM's params struct (what is transferred, byte for byte) carrying the timing shape
    the host computed from the data beside it; the simulated DPU code never reads `hint`."""
    hint = None


def hinted(params: np.ndarray, hint) -> HintedArgs:
    a = np.ascontiguousarray(params).view(HintedArgs)
    a.hint = hint
    return a


@dataclass(frozen=True)
class Shape:
    rows: int                       # dpuNumRows
    row_ptrs_m: int
    nonzeros_m: int
    in_vector_m: int
    out_vector_m: int
    # per tasklet: (first_row, rowptr reader window address, nonzero reader window address,
    #               segments: ((rows, nnz, tile_switches, page_crossings, write_bytes), ...))
    tasklets: tuple


def shape(args) -> Shape:
    return args.hint


def signature(s: Shape):
    # the seqread window addresses only place reads; the page offsets they imply are already
    # in the crossing counts, and the layout follows from rows, nnz and columns
    return (s.rows, s.in_vector_m, s.out_vector_m, tuple((t[0], t[3]) for t in s.tasklets))


def rows_per_tasklet(rows: int, nr_tasklets: int) -> int:
    """ROUND_UP_TO_MULTIPLE_OF_2((rows - 1) / NR_TASKLETS + 1) with C's unsigned wrap at rows 0."""
    q = ((rows - 1) % (1 << 32)) // nr_tasklets + 1
    return (q + 1) // 2 * 2


def tasklet_rows(rows: int, nr_tasklets: int, t: int) -> tuple[int, int]:
    per = rows_per_tasklet(rows, nr_tasklets)
    start = (t * per) % (1 << 32)
    if start > rows:
        return start, 0
    return start, min(per, rows - start)


@numba.njit(cache=True)
def _segments(row_ptr, col, r0, rows, row_ptrs_m, nonzeros_m, t_start, t_rows):
    """Per 64-row stretch of one tasklet: rows, nnz, tile switches, seqread page crossings,
    output write bytes. row_ptr is global; r0 the DPU's first row."""
    nseg = (t_rows + TILE - 1) // TILE
    out = np.zeros((nseg, 5), np.int64)
    off0 = np.int64(row_ptr[r0])
    a_r = row_ptrs_m + 4 * t_start
    base_r = a_r - a_r % PAGE
    first_nz = np.int64(row_ptr[r0 + t_start]) - off0
    a_n = nonzeros_m + 8 * first_nz
    base_n = a_n - a_n % PAGE
    cur = 0
    k_nz = 0
    for s in range(nseg):
        lo = s * TILE
        hi = min(t_rows, lo + TILE)
        sw = 0
        nnz = 0
        for r in range(lo, hi):
            g = r0 + t_start + r
            for i in range(np.int64(row_ptr[g]), np.int64(row_ptr[g + 1])):
                tile = np.int64(col[i]) // TILE
                if tile != cur:
                    sw += 1
                    cur = tile
                nnz += 1
        cross = ((a_r - base_r + 4 * hi) // PAGE - (a_r - base_r + 4 * lo) // PAGE
                 + (a_n - base_n + 8 * (k_nz + nnz)) // PAGE - (a_n - base_n + 8 * k_nz) // PAGE)
        k_nz += nnz
        out[s, 0] = hi - lo
        out[s, 1] = nnz
        out[s, 2] = sw
        out[s, 3] = cross
        out[s, 4] = TILE_BYTES if hi - lo == TILE else (t_rows % TILE) * 4
    return out, base_r, base_n


def make_shape(row_ptr: np.ndarray, col: np.ndarray, r0: int, rows: int, layout: dict, nr_tasklets: int) -> Shape:
    tl = []
    for t in range(nr_tasklets):
        start, n = tasklet_rows(rows, nr_tasklets, t)
        if n == 0:
            tl.append((start, 0, 0, ()))
            continue
        seg, win_r, win_n = _segments(row_ptr, col, r0, rows, layout["row_ptrs_m"], layout["nonzeros_m"], start, n)
        tl.append((start, int(win_r), int(win_n), tuple(tuple(int(x) for x in row) for row in seg)))
    return Shape(rows, layout["row_ptrs_m"], layout["nonzeros_m"], layout["in_vector_m"], layout["out_vector_m"],
                 tuple(tl))


def program(ctx, s: Shape):
    yield from prologue(ctx)
    w = ctx.mem_alloc(PARAMS.itemsize)
    yield from ctx.dma_read(PARAMS.itemsize, 0, w)
    yield from ctx.compute(PARTITION)
    start, win_r, win_n, segs = s.tasklets[ctx.id]
    if not segs:
        return
    yield from ctx.compute(SETUP)
    seq_r, seq_n = ctx.mem_alloc(WINDOW), ctx.mem_alloc(WINDOW)
    yield from ctx.dma_read(WINDOW, win_r, seq_r)                      # seqread_init, row pointers
    yield from ctx.compute(SEQ_GET)
    yield from ctx.dma_read(WINDOW, win_n, seq_n)                      # seqread_init, nonzeros
    tile_w = ctx.mem_alloc(TILE_BYTES)
    yield from ctx.dma_read(TILE_BYTES, s.in_vector_m, tile_w)         # input tile 0
    out_w = ctx.mem_alloc(TILE_BYTES)
    per_nnz = ctx.cost(PER_NNZ) + ctx.cost(SEQ_GET)
    per_row = ctx.cost(PER_ROW) + ctx.cost(SEQ_GET)
    sw_cost, refill_cost, flush_cost = ctx.cost(TILE_SWITCH), ctx.cost(SEQ_REFILL), ctx.cost(FLUSH)
    out_m = s.out_vector_m + 4 * start
    row = 0
    for rows, nnz, switches, cross, wbytes in segs:
        yield from ctx.compute(instructions=rows * per_row + nnz * per_nnz + switches * sw_cost
                               + cross * refill_cost + flush_cost)
        if switches:
            yield from ctx.dma_read(TILE_BYTES, s.in_vector_m, tile_w, count=switches)
        if cross:                                                      # page crossings of both readers
            yield from ctx.dma_read(WINDOW, win_r, seq_r, count=cross)
        yield from ctx.dma_write(wbytes, out_m + 4 * row, out_w)
        row += rows


@numba.njit(cache=True)
def _spmv_rows(row_ptr, off0, cols, vals, x, y, t_start, t_rows):
    for r in range(t_start, t_start + t_rows):
        acc = np.float32(0.0)
        for i in range(np.int64(row_ptr[r]) - off0, np.int64(row_ptr[r + 1]) - off0):
            acc = np.float32(acc + np.float32(vals[i] * x[cols[i]]))
        y[r] = acc


def functional(mem: DpuMemory, args, nr_tasklets: int) -> None:
    p = np.asarray(args).view(PARAMS)[0]
    rows = int(p["rows"])
    if rows == 0:
        return
    s: Shape = args.hint
    rp = mem.view(HEAP, np.uint32, int(p["row_ptrs_m"]), rows + 1)
    off0 = np.int64(p["row_ptrs_offset"])
    nnz = int(rp[-1]) - int(off0)
    nz = mem.view(HEAP, NONZERO, int(p["nonzeros_m"]), nnz)
    ncols = (int(p["out_vector_m"]) - int(p["in_vector_m"])) // 4
    x = mem.view(HEAP, np.float32, int(p["in_vector_m"]), ncols)
    y = mem.view(HEAP, np.float32, int(p["out_vector_m"]), rows)
    cols = np.ascontiguousarray(nz["col"])
    vals = np.ascontiguousarray(nz["value"])
    for t in range(nr_tasklets):
        start, n = s.tasklets[t][0], sum(seg[0] for seg in s.tasklets[t][3])
        if n:
            _spmv_rows(rp, off0, cols, vals, x, y, start, n)


def writes(s: Shape) -> dict:
    return {HEAP: s.out_vector_m + 4 * s.rows} if s.rows else {}


KERNEL = Kernel(
    name="spmv", fixed_phases=True,
    symbols=(Symbol(PARAMS_SYMBOL, MRAM, PARAMS.itemsize), MRAM_HEAP_SYMBOL),
    program=program, shape=shape, signature=signature, functional=functional, writes=writes,
    args_symbol=PARAMS_SYMBOL,
)
