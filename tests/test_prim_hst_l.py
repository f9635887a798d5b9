"""PrIM HST-L on pimsim: histogram equals numpy; NR_HISTO handling; mutex serialisation."""
import pytest

from pimsim.kernels import hst_l as K
from pimsim.workloads import prim


@pytest.mark.parametrize("dpus,tasklets,size,bins,nr_histo", [
    (1, 16, 8192, 256, 1), (1, 1, 1001, 256, 4), (3, 11, 10_007, 64, 4), (64, 16, 100_003, 256, 4),
    (256, 16, 65_536, 256, 2), (3, 16, 5, 4096, 1), (4, 16, 20_000, 2048, 2),
])
def test_hst_l_matches_numpy(dpus, tasklets, size, bins, nr_histo):
    r = prim.run("HST-L", dpus=dpus, tasklets=tasklets, size=size,
                 params={"bins": bins, "nr_histo": nr_histo}, seed=7)
    assert r.verified is True
    assert r.outputs["histogram"].shape == (bins,) and int(r.outputs["histogram"].sum()) == size


def test_effective_histos_is_a_power_of_two_dividing_tasklets():
    assert K.effective_histos(4, 16) == 4
    assert K.effective_histos(4, 11) == 1
    assert K.effective_histos(8, 12) == 4
    assert K.effective_histos(3, 16) == 2
    assert K.effective_histos(1, 1) == 1


def test_hst_l_one_shared_histogram_is_mutex_bound():
    # 16 tasklets on one mutex serialise the increments; one histogram per tasklet does not
    one = prim.run("HST-L", dpus=1, size=65_536, params={"nr_histo": 1}, timing_only=True).launches[0].kernel_ps
    many = prim.run("HST-L", dpus=1, size=65_536, params={"nr_histo": 16}, timing_only=True).launches[0].kernel_ps
    hst_s = prim.run("HST-S", dpus=1, size=65_536, timing_only=True).launches[0].kernel_ps
    assert one > 2 * many
    assert many >= hst_s            # same work plus lock/unlock instructions


def test_hst_l_timing_only_equals_functional():
    f = prim.run("HST-L", dpus=4, tasklets=16, size=50_000, params={"nr_histo": 4})
    t = prim.run("HST-L", dpus=4, tasklets=16, size=50_000, params={"nr_histo": 4}, timing_only=True)
    assert t.verified is None and dict(t.time_ps) == dict(f.time_ps)
