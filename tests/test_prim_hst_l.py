"""PrIM HST-L on pimsim: histogram equals numpy; NR_HISTO handling; mutex serialisation."""
import pytest

from pimsim.config import load_preset
from pimsim.errors import PimsimError
from pimsim.kernels import hst_l as K
from pimsim.workloads import prim


@pytest.mark.parametrize("dpus,tasklets,size,bins,nr_histo", [
    (1, 16, 8192, 256, 1), (1, 1, 1001, 256, 1), (3, 11, 10_007, 64, 1), (2, 12, 10_007, 64, 4),
    (64, 16, 100_003, 256, 4), (256, 16, 65_536, 256, 2), (3, 16, 5, 4096, 1), (4, 16, 20_000, 2048, 2),
])
def test_hst_l_matches_numpy(dpus, tasklets, size, bins, nr_histo):
    r = prim.run("HST-L", dpus=dpus, tasklets=tasklets, size=size,
                 params={"bins": bins, "nr_histo": nr_histo}, seed=7)
    assert r.verified is True
    assert r.outputs["histogram"].shape == (bins,) and int(r.outputs["histogram"].sum()) == size


@pytest.mark.parametrize("nr_histo,tasklets", [(3, 16), (4, 11), (8, 12), (0, 16), (32, 16), (True, 16), (2.0, 16)])
def test_nr_histo_must_be_a_power_of_two_dividing_the_tasklets(nr_histo, tasklets):
    rule = rf"NR_HISTO = {nr_histo!r}: must be a power of two dividing NR_TASKLETS = {tasklets}"
    with pytest.raises(PimsimError, match=rule):
        prim.run("HST-L", dpus=1, tasklets=tasklets, size=4096, params={"nr_histo": nr_histo}, timing_only=True)


def test_a_kernel_built_for_more_histograms_refuses_fewer_tasklets():
    from pimsim.host_api import DpuSet
    s = DpuSet(1, timing_only=True)
    s.load(K.make_kernel(4), 6)
    s.push_xfer("DPU_INPUT_ARGUMENTS", [K.make_args(4096, 4096, 256)])
    with pytest.raises(PimsimError, match="NR_HISTO = 4: must be a power of two dividing NR_TASKLETS = 6"):
        s.launch()


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


@pytest.mark.parametrize("tasklets", [8, 16])
def test_one_shared_histogram_costs_one_locked_increment_per_pixel(tasklets):
    """With NR_HISTO = 1 the mutex is the bottleneck: pixels go through it one at a time, and
    while one tasklet increments, the others spin or compute, so its instructions issue once
    every max(11, tasklets) cycles ([SDK] mutex_lock spins). A pixel then costs
    max(11, T) x the increment's instructions (lsl_add, lw, add, sw); the lock and unlock calls
    run outside the lock. The rest of the kernel (reads, merge, write) adds under 5 %."""
    cfg = load_preset()
    n = 524_288
    r = prim.run("HST-L", dpus=1, tasklets=tasklets, size=n, params={"nr_histo": 1}, timing_only=True, config=cfg)
    per_pixel = r.launches[0].kernel_ps / cfg.cycle_ps / n
    locked = max(cfg.dpu.issue_interval_cycles, tasklets) * cfg.ops.cost(K.INSIDE)
    assert locked <= per_pixel <= 1.05 * locked
