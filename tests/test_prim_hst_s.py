"""PrIM HST-S on pimsim: histogram equals numpy for uneven sizes, DPU and tasklet counts;
timing-only parity; PrIM's per-DPU sizing."""
import numpy as np
import pytest

from pimsim.errors import CapacityError, PimsimError
from pimsim.workloads import prim
from pimsim.workloads.prim import hst_s


@pytest.mark.parametrize("dpus,tasklets,size,bins", [
    (1, 16, 8192, 256), (1, 1, 1001, 256), (3, 11, 10_007, 64), (64, 16, 100_003, 256),
    (256, 16, 65_536, 256), (3, 1, 5, 4096), (4, 16, 20_000, 512),
])
def test_hst_s_matches_numpy(dpus, tasklets, size, bins):
    r = prim.run("HST-S", dpus=dpus, tasklets=tasklets, size=size, params={"bins": bins}, seed=5)
    assert r.verified is True
    h = r.outputs["histogram"]
    assert h.shape == (bins,) and int(h.sum()) == size
    assert r.time_ps["dpu_kernel"] > 0 and r.time_ps["cpu_dpu"] > 0 and r.time_ps["dpu_cpu"] > 0


def test_hst_s_sizes_follow_prim_rounding():
    per, counts = hst_s.sizes(10_007, 3)
    assert per == 3336 and counts == [3336, 3336, 3335]          # divceil 3336 is even: kept
    per, counts = hst_s.sizes(10_001, 3)
    assert per == 3334 and counts == [3334, 3334, 3333]
    per, counts = hst_s.sizes(9, 2)
    assert per == 8 and counts == [8, 1]                          # 5 is odd: rounded to 8


def test_hst_s_rejects_odd_bins():
    with pytest.raises(PimsimError, match="bins"):
        prim.run("HST-S", dpus=1, size=100, params={"bins": 255})


def test_hst_s_private_histograms_must_fit_wram():
    # 16 tasklets x (1 KB block + 4096 bins x 4 B) + stacks > 64 KB, as on the real DPU
    with pytest.raises(CapacityError, match="WRAM"):
        prim.run("HST-S", dpus=1, tasklets=16, size=1000, params={"bins": 4096}, timing_only=True)


def test_hst_s_timing_only_equals_functional():
    f = prim.run("HST-S", dpus=4, tasklets=16, size=50_000)
    t = prim.run("HST-S", dpus=4, tasklets=16, size=50_000, timing_only=True)
    assert t.verified is None and dict(t.time_ps) == dict(f.time_ps)


def test_hst_s_kernel_scales_with_pixels():
    small = prim.run("HST-S", dpus=1, size=65_536, timing_only=True).launches[0].kernel_ps
    big = prim.run("HST-S", dpus=1, size=131_072, timing_only=True).launches[0].kernel_ps
    assert 1.8 < big / small < 2.05
