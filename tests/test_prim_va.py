"""PrIM VA on pimsim: output equals numpy, sizes that do not divide evenly, timing-only parity."""
import numpy as np
import pytest

from pimsim.workloads import prim
from pimsim.workloads.prim import va


@pytest.mark.parametrize("dpus,tasklets,size", [
    (1, 16, 4096), (1, 1, 1001), (3, 11, 10_007), (64, 16, 100_003), (256, 16, 65_536), (3, 16, 5),
])
def test_va_matches_numpy(dpus, tasklets, size):
    r = prim.run("VA", dpus=dpus, tasklets=tasklets, size=size, seed=3)
    assert r.verified is True
    assert r.outputs["C"].shape == (size,)
    assert r.time_ps["dpu_kernel"] > 0 and r.time_ps["cpu_dpu"] > 0 and r.time_ps["dpu_cpu"] > 0


def test_va_sizes_follow_prim_rounding():
    per, counts = va.sizes(10_007, 3)
    assert per % 2 == 0 and sum(counts) >= 10_007 and counts[:2] == [per, per]
    per, counts = va.sizes(5, 64)          # more DPUs than elements: trailing DPUs idle
    assert sum(counts) == 8 and counts[0] == 8 and set(counts[1:]) == {0}


def test_va_timing_only_equals_functional():
    f = prim.run("VA", dpus=4, tasklets=16, size=50_000)
    t = prim.run("VA", dpus=4, tasklets=16, size=50_000, timing_only=True)
    assert t.verified is None and dict(t.time_ps) == dict(f.time_ps)


def test_va_kernel_scales_with_elements():
    # kernel_ps: the slowest DPU's own time, without the fixed launch overhead
    small = prim.run("VA", dpus=1, size=32_768, timing_only=True).launches[0].kernel_ps
    big = prim.run("VA", dpus=1, size=65_536, timing_only=True).launches[0].kernel_ps
    assert 1.8 < big / small < 2.05
