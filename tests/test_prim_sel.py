"""PrIM SEL on pimsim: output equals numpy for uneven sizes, DPU and tasklet counts; the
data-dependent timing of timing-only runs equals that of functional runs."""
import pytest

from pimsim.workloads import prim


@pytest.mark.parametrize("dpus,tasklets,size", [
    (1, 16, 4096), (1, 1, 1001), (3, 11, 10_007), (64, 16, 100_003), (256, 16, 70_001), (3, 16, 7),
])
def test_sel_matches_numpy(dpus, tasklets, size):
    r = prim.run("SEL", dpus=dpus, tasklets=tasklets, size=size)
    assert r.verified is True


@pytest.mark.parametrize("dpus,tasklets,size", [(3, 16, 30_001), (5, 11, 12_345), (64, 16, 5000)])
def test_sel_timing_only_equals_functional(dpus, tasklets, size):
    f = prim.run("SEL", dpus=dpus, tasklets=tasklets, size=size)
    t = prim.run("SEL", dpus=dpus, tasklets=tasklets, size=size, timing_only=True)
    assert dict(t.time_ps) == dict(f.time_ps)
    assert f.time_ps["dpu_cpu"] > 0 and f.time_ps["inter_dpu"] == 0
