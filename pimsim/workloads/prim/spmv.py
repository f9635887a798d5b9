"""PrIM SpMV host program (SpMV/host/app.c): y = A x, float, CSR, rows split over DPUs.

The matrix is a bcsstk30-like generated one (inputs.bcsstk30_like; `size` = rows, the stored
nonzeros per row kept at bcsstk30's 35.8) or a user's Matrix Market file (`--param file=...`,
then `size` is ignored). As in PrIM: matrix values and the input vector are 1.0f
(`--param values=random` draws both uniformly in [0, 1) instead, a stronger check).

Partition: ROUND_UP_TO_MULTIPLE_OF_2(ceil(rows / D)) contiguous rows per DPU. Every DPU gets,
by serial dpu_copy_to at its bump-allocated MRAM offsets (8-B rounded): its row pointers, its
nonzeros, the whole input vector, then the params; DPUs with no rows get only the params. One
launch; each DPU's output slice comes back by serial dpu_copy_from. The host checks every row
against a float32 reference summed in the DPU's order (PrIM allows 1e-5 relative error; the
orders match, so the results here are bit-identical).
"""
from __future__ import annotations

import numba
import numpy as np

from pimsim.config import SystemConfig
from pimsim.errors import CapacityError, PimsimError
from pimsim.host_api import DpuSet
from pimsim.kernel import Placeholder
from pimsim.kernels import spmv as K
from pimsim.workloads.prim import inputs
from pimsim.workloads.prim._common import check_dpus, check_size

NAME = "SpMV"
DESCRIPTION = "Sparse matrix-vector multiply, CSR, float (PrIM SpMV; bcsstk30-like or a .mtx file)"
DEFAULT_SIZE = inputs.BCSSTK30_ROWS          # rows of PrIM's bcsstk30
PARAMS: dict = {"file": "", "values": "ones", "band": 1200}
SIZE_MEANING = "matrix rows (bcsstk30-like, ~35.8 stored nonzeros per row); ignored with file="
DPU_CAPACITY = 64 << 20


def r8(n: int) -> int:
    return (n + 7) // 8 * 8


def load_matrix(size: int, params: dict, seed: int):
    if params.get("file"):
        m = inputs.load_matrix_market(params["file"])
    else:
        m = inputs.bcsstk30_like(seed, scale=size / inputs.BCSSTK30_ROWS, band=int(params.get("band", 1200)))
    values = params.get("values", "ones")
    if values not in ("ones", "random", "file"):
        raise PimsimError(f"SpMV: values = {values!r}: expected ones (PrIM), random or file")
    if values == "random":
        rng = np.random.default_rng(seed + 1)
        val = rng.random(m.nnz, dtype=np.float32)
        x = rng.random(m.ncols, dtype=np.float32)
    else:
        val = m.val if values == "file" and m.val is not None else np.ones(m.nnz, np.float32)
        x = np.ones(m.ncols, np.float32)                # PrIM initVector
    return m, val, x


@numba.njit(cache=True)
def reference(row_ptr, col, val, x):
    n = row_ptr.size - 1
    y = np.zeros(n, np.float32)
    for r in range(n):
        acc = np.float32(0.0)
        for i in range(np.int64(row_ptr[r]), np.int64(row_ptr[r + 1])):
            acc = np.float32(acc + np.float32(val[i] * x[col[i]]))
        y[r] = acc
    return y


def layout(rows: int, nnz: int, ncols: int) -> dict:
    """PrIM's mram_heap_alloc sequence for one DPU (offsets from the heap start)."""
    off = r8(K.PARAMS.itemsize)
    lay = {"row_ptrs_m": off}
    off += r8((rows + 1) * 4)
    lay["nonzeros_m"] = off
    off += r8(nnz * K.NONZERO.itemsize)
    lay["in_vector_m"] = off
    off += r8(ncols * 4)
    lay["out_vector_m"] = off
    off += r8(rows * 4)
    if off > DPU_CAPACITY:
        raise CapacityError(f"SpMV: a DPU needs {off} B of MRAM (rows {rows}, nonzeros {nnz}, input vector "
                            f"{ncols} floats) > the DPU capacity of {DPU_CAPACITY} B; use more DPUs")
    return lay


def run(dpus: int, tasklets: int, size: int, params: dict, timing_only: bool,
        config: SystemConfig, seed: int):
    check_size(NAME, size, minimum=2)
    nr = check_dpus(NAME, dpus, config)
    m, val, x = load_matrix(size, params, seed)
    nrows, ncols = m.nrows, m.ncols
    row_ptr, col = m.row_ptr, m.col
    per = K.rows_per_tasklet(nrows, nr)          # ROUND_UP_TO_MULTIPLE_OF_2(ceil(rows / D))
    nz = None
    if not timing_only:
        nz = np.empty(m.nnz, K.NONZERO)
        nz["col"], nz["value"] = col, val
        xin = np.zeros(r8(ncols * 4) // 4, np.float32)
        xin[:ncols] = x
    s = DpuSet(nr, preset=config, timing_only=timing_only, seed=seed)
    s.load(K.KERNEL, tasklets)
    info = []
    for d in range(nr):
        start = d * per
        rows = 0 if start > nrows else min(per, nrows - start)
        p = np.zeros(1, K.PARAMS)
        p["rows"] = rows
        if rows > 0:
            off0 = int(row_ptr[start])
            nnz = int(row_ptr[start + rows]) - off0
            lay = layout(rows, nnz, ncols)
            p["row_ptrs_offset"] = off0
            for k, v in lay.items():
                p[k] = v
            rp_bytes, nz_bytes, x_bytes = r8((rows + 1) * 4), r8(nnz * 8), r8(ncols * 4)
            if timing_only:
                bufs = (Placeholder(rp_bytes), Placeholder(nz_bytes), Placeholder(x_bytes))
            else:
                rp = np.zeros(rp_bytes // 4, np.uint32)
                rp[:rows + 1] = row_ptr[start:start + rows + 1]
                bufs = (rp, nz[off0:off0 + nnz], xin)
            for (key, buf) in zip(("row_ptrs_m", "nonzeros_m", "in_vector_m"), bufs):
                s.copy_to(d, K.HEAP, buf, offset=lay[key])
            shp = K.make_shape(row_ptr, col, start, rows, lay, tasklets)
        else:
            lay = {"row_ptrs_m": 0, "nonzeros_m": 0, "in_vector_m": 0, "out_vector_m": 0}
            shp = K.Shape(0, 0, 0, 0, 0, tuple((0, 0, 0, ()) for _ in range(tasklets)))
        s.copy_to(d, K.PARAMS_SYMBOL, K.hinted(p, shp))
        info.append((start, rows, lay["out_vector_m"]))
    s.launch()
    y = None if timing_only else np.zeros(nrows, np.float32)
    for d, (start, rows, out_m) in enumerate(info):
        if rows > 0:
            got = s.copy_from(d, K.HEAP, r8(rows * 4), offset=out_m)
            if y is not None:
                y[start:start + rows] = got.view(np.float32)[:rows]
    if timing_only:
        return s.result(verified=None)
    ref = reference(row_ptr, col, val, x)
    return s.result(outputs={"y": y}, verified=bool(np.array_equal(y, ref)))
