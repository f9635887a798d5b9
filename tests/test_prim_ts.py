"""PrIM TS on pimsim: the DPUs' best distance equals PrIM's host STREAMP (numpy)."""
import pytest

from pimsim.workloads import prim


@pytest.mark.parametrize("dpus,tasklets,size,m", [
    (1, 16, 8192, 256), (1, 1, 1000, 64), (3, 11, 20_000, 128), (64, 16, 70_001, 64), (256, 16, 40_000, 64),
])
def test_ts_matches_host_streamp(dpus, tasklets, size, m):
    r = prim.run("TS", dpus=dpus, tasklets=tasklets, size=size, params={"m": m})
    assert r.verified is True
    assert r.outputs["min_value"] > 0


def test_ts_rejects_bad_query_length():
    from pimsim.errors import PimsimError
    with pytest.raises(PimsimError, match="multiple of 64"):
        prim.run("TS", size=4096, params={"m": 100})


def test_ts_timing_only_equals_functional():
    f = prim.run("TS", dpus=3, size=20_000, params={"m": 128})
    t = prim.run("TS", dpus=3, size=20_000, params={"m": 128}, timing_only=True)
    assert dict(f.time_ps) == dict(t.time_ps)
