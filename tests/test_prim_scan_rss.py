"""PrIM SCAN-RSS on pimsim: prefix sum equals numpy; two launches; PrIM padding; parity;
reduce-scan-scan vs scan-scan-add."""
import pytest

from pimsim.workloads import prim
from pimsim.workloads.prim import scan_rss


@pytest.mark.parametrize("dpus,tasklets,size", [
    (1, 16, 4096), (1, 1, 1001), (3, 11, 10_007), (64, 16, 100_003), (256, 16, 65_536), (3, 16, 5),
])
def test_scan_rss_matches_numpy(dpus, tasklets, size):
    r = prim.run("SCAN-RSS", dpus=dpus, tasklets=tasklets, size=size, seed=11)
    assert r.verified is True
    assert r.outputs["scan"].shape == (size,)
    assert len(r.launches) == 2
    assert r.time_ps["inter_dpu"] > 0 and r.time_ps["dpu_cpu"] > 0


def test_scan_rss_padding_follows_prim():
    assert scan_rss.per_dpu_elems(10_007, 3, 16) == 4096           # 3336 -> multiple of 16*128
    assert scan_rss.per_dpu_elems(4096, 2, 16) == 2048             # already a multiple: kept
    assert scan_rss.per_dpu_elems(5, 3, 11) == 11 * 128


def test_scan_rss_timing_only_equals_functional():
    f = prim.run("SCAN-RSS", dpus=4, tasklets=16, size=50_000)
    t = prim.run("SCAN-RSS", dpus=4, tasklets=16, size=50_000, timing_only=True)
    assert t.verified is None and dict(t.time_ps) == dict(f.time_ps)


def test_rss_first_kernel_is_cheaper_than_ssa_scan():
    # the reduction only reads; SSA's first kernel scans, handshakes and writes
    ssa = prim.run("SCAN-SSA", dpus=1, size=262_144, timing_only=True).launches
    rss = prim.run("SCAN-RSS", dpus=1, size=262_144, timing_only=True).launches
    assert rss[0].kernel_ps < ssa[0].kernel_ps
    assert rss[1].kernel_ps == ssa[0].kernel_ps      # the same scan kernel, seeded
