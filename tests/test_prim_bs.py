"""PrIM BS on pimsim: the DPUs find the same largest query index as PrIM's host search."""
import numpy as np
import pytest

from pimsim.kernels import bs as K
from pimsim.workloads import prim


@pytest.mark.parametrize("dpus,tasklets,size,queries", [
    (1, 16, 4096, 0), (1, 1, 1001, 100), (3, 11, 10_007, 0), (64, 16, 20_000, 3000), (256, 16, 8192, 0),
    (3, 16, 5000, 7000),     # queries beyond the array: some keys are not found
])
def test_bs_matches_host_search(dpus, tasklets, size, queries):
    r = prim.run("BS", dpus=dpus, tasklets=tasklets, size=size, params={"queries": queries})
    assert r.verified is True


def test_trace_finds_every_present_key():
    n = 5000
    mram = np.concatenate([np.arange(1, n + 1), np.arange(0, 64)]).astype(np.int64)
    for q in range(1, 64):
        kind, addrs, scanned, found = K.trace(mram, False, n, 0, 64, q, q + 1, K.BLOCK)
        assert found == q - 1
        assert kind[0] == K.READ_QUERY and (kind[3:] == K.READ_SEARCH).all()


def test_bs_timing_only_equals_functional():
    f = prim.run("BS", dpus=4, size=8192)
    t = prim.run("BS", dpus=4, size=8192, timing_only=True)
    assert dict(f.time_ps) == dict(t.time_ps)
