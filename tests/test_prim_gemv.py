"""PrIM GEMV on pimsim: C = A x B equals numpy (uint32 wrap) for odd/even shapes."""
import pytest

from pimsim.kernels import gemv as K
from pimsim.workloads import prim
from pimsim.workloads.prim import gemv


@pytest.mark.parametrize("dpus,tasklets,m,n", [
    (1, 16, 256, 64), (1, 1, 33, 300), (3, 11, 101, 77), (64, 16, 1000, 64), (256, 16, 700, 8), (3, 16, 5, 513),
])
def test_gemv_matches_numpy(dpus, tasklets, m, n):
    r = prim.run("GEMV", dpus=dpus, tasklets=tasklets, size=m, params={"n": n}, seed=2)
    assert r.verified is True
    assert r.outputs["C"].shape == (m,)


def test_gemv_partition_like_prim():
    rows, prev, max_rows = gemv.partition(10, 4)
    assert rows == [3, 3, 2, 2] and prev == [0, 3, 6, 8] and max_rows == 4


def test_tasklet_rows_cover_all_rows_once():
    for nrows in (1, 2, 31, 32, 33, 100):
        for t in (1, 3, 11, 16):
            got = []
            for tid in range(t):
                start, rows = K.tasklet_rows(tid, t, nrows)
                got += list(range(start, start + rows))
            assert sorted(r for r in got if r < nrows) == list(range(nrows))


def test_gemv_timing_only_equals_functional():
    f = prim.run("GEMV", dpus=4, size=512, params={"n": 64})
    t = prim.run("GEMV", dpus=4, size=512, params={"n": 64}, timing_only=True)
    assert dict(f.time_ps) == dict(t.time_ps)
