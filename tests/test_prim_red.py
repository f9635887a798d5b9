"""PrIM RED on pimsim: the DPU sum equals numpy for uneven sizes, DPU and tasklet counts."""
import pytest

from pimsim.workloads import prim
from pimsim.workloads.prim import red


@pytest.mark.parametrize("dpus,tasklets,size", [
    (1, 16, 4096), (1, 1, 1001), (3, 11, 10_007), (64, 16, 100_003), (256, 16, 65_537), (64, 16, 10),
])
def test_red_matches_numpy(dpus, tasklets, size):
    r = prim.run("RED", dpus=dpus, tasklets=tasklets, size=size, seed=1)
    assert r.verified is True


def test_red_sizes():
    per, counts = red.sizes(10, 64)
    assert per == 1 and sum(counts) == 10 and counts[10:] == [0] * 54


def test_red_timing_only_equals_functional():
    f = prim.run("RED", dpus=3, tasklets=16, size=30_001)
    t = prim.run("RED", dpus=3, tasklets=16, size=30_001, timing_only=True)
    assert dict(t.time_ps) == dict(f.time_ps)
    assert f.time_ps["inter_dpu"] == 0 and f.time_ps["dpu_cpu"] > 0
