"""PrIM SpMV on pimsim: output equals a float32 reference for uneven sizes, DPU and tasklet
counts; timing-only equals functional timing; the generator has bcsstk30's statistics; the
Matrix Market loader reads what PrIM reads."""
import numpy as np
import pytest

from pimsim.kernels import spmv as K
from pimsim.errors import PimsimError
from pimsim.workloads import prim
from pimsim.workloads.prim import inputs


@pytest.mark.parametrize("dpus,tasklets,size,values", [
    (1, 16, 2000, "random"), (1, 1, 302, "random"), (3, 11, 1001, "random"), (3, 16, 4001, "ones"),
    (64, 16, 5000, "random"), (256, 16, 3000, "random"), (64, 11, 97, "random"),
])
def test_spmv_matches_reference(dpus, tasklets, size, values):
    r = prim.run("SpMV", dpus=dpus, tasklets=tasklets, size=size, params={"values": values})
    assert r.verified is True
    assert r.time_ps["inter_dpu"] == 0 and r.time_ps["dpu_kernel"] > 0


def test_spmv_output_is_row_counts_with_prim_values():
    r = prim.run("SpMV", dpus=4, tasklets=16, size=1000, seed=3)
    m = inputs.bcsstk30_like(3, scale=1000 / inputs.BCSSTK30_ROWS, band=1200)
    assert np.array_equal(r.outputs["y"], np.diff(m.row_ptr).astype(np.float32))


@pytest.mark.parametrize("dpus,tasklets", [(5, 16), (64, 11)])
def test_spmv_timing_only_equals_functional(dpus, tasklets):
    f = prim.run("SpMV", dpus=dpus, tasklets=tasklets, size=3000, params={"values": "random"})
    t = prim.run("SpMV", dpus=dpus, tasklets=tasklets, size=3000, params={"values": "random"}, timing_only=True)
    assert dict(t.time_ps) == dict(f.time_ps)


def test_spmv_more_nonzeros_take_longer():
    a = prim.run("SpMV", dpus=1, tasklets=16, size=2000, timing_only=True)
    b = prim.run("SpMV", dpus=1, tasklets=16, size=4000, timing_only=True)
    assert b.time_ps["dpu_kernel"] > 1.8 * a.time_ps["dpu_kernel"]


def test_bcsstk30_like_statistics_and_determinism():
    m = inputs.bcsstk30_like(0)
    assert m.nrows == 28_924 and m.ncols == 28_924
    assert abs(m.nnz - inputs.BCSSTK30_NNZ) / inputs.BCSSTK30_NNZ < 0.02
    r = np.repeat(np.arange(m.nrows), np.diff(m.row_ptr))
    assert np.all(m.col <= r)                        # lower triangle, as stored in the .mtx
    assert np.all(m.col[m.row_ptr[1:] - 1] == np.arange(m.nrows))   # diagonal present, last in row
    m2 = inputs.bcsstk30_like(0)
    assert np.array_equal(m.col, m2.col) and np.array_equal(m.row_ptr, m2.row_ptr)
    assert not np.array_equal(inputs.bcsstk30_like(1, scale=0.05).col, inputs.bcsstk30_like(2, scale=0.05).col)


def test_matrix_market_loader(tmp_path):
    p = tmp_path / "a.mtx"
    p.write_text("%%MatrixMarket matrix coordinate real symmetric\n% a comment\n"
                 "5 5 6\n1 1 2.0\n3 1 1.5\n2 2 1.0\n5 3 4.0\n3 3 1.0\n5 5 0.5\n")
    m = inputs.load_matrix_market(p)
    assert (m.nrows, m.ncols, m.nnz) == (6, 5, 6)      # odd rows padded with an empty row, as PrIM
    assert list(m.row_ptr) == [0, 1, 2, 4, 4, 6, 6]
    assert list(m.col) == [0, 1, 0, 2, 2, 4]          # file order kept within a row
    assert list(m.val) == [2.0, 1.0, 1.5, 1.0, 4.0, 0.5]
    q = tmp_path / "prim.txt"                          # PrIM's header-less pattern format
    q.write_text("4 4 3\n1 2\n4 4\n2 1\n")
    m = inputs.load_matrix_market(q)
    assert list(m.row_ptr) == [0, 1, 2, 2, 3] and list(m.col) == [1, 0, 3] and list(m.val) == [1.0] * 3
    r = prim.run("SpMV", dpus=3, tasklets=11, params={"file": str(p), "values": "file"})
    assert r.verified is True
    assert list(r.outputs["y"]) == [2.0, 1.0, 1.5 + 1.0, 0.0, 4.0 + 0.5, 0.0]


def test_matrix_market_errors(tmp_path):
    p = tmp_path / "bad.mtx"
    p.write_text("3 3 2\n1 1\n")
    with pytest.raises(PimsimError, match="header says 2 entries, file has 1"):
        inputs.load_matrix_market(p)
    p.write_text("3 3 1\n4 1\n")
    with pytest.raises(PimsimError, match=r"outside the 3 x 3 matrix"):
        inputs.load_matrix_market(p)


def test_tasklet_rows_follow_prim():
    assert K.rows_per_tasklet(100, 16) == 8 and K.rows_per_tasklet(0, 16) % 2 == 0
    parts = [K.tasklet_rows(100, 16, t) for t in range(16)]
    assert sum(n for _, n in parts) == 100 and parts[-1][1] == 0
