"""PrIM MLP on pimsim: the 3-layer output equals the numpy reference (with ReLU) for uneven
shapes, DPU and tasklet counts; 3 launches; inter-DPU steps; parity."""
import pytest

from pimsim.errors import PimsimError
from pimsim.workloads import prim


@pytest.mark.parametrize("dpus,tasklets,m,n", [
    (1, 16, 256, 256), (1, 1, 64, 33), (3, 11, 301, 77), (64, 16, 1000, 1000), (256, 16, 600, 300),
    (3, 16, 5, 3),
])
def test_mlp_matches_numpy(dpus, tasklets, m, n):
    r = prim.run("MLP", dpus=dpus, tasklets=tasklets, size=m, params={"n": n})
    assert r.verified is True
    assert r.outputs["C"].shape == (m,)
    assert len(r.launches) == 3
    assert r.time_ps["inter_dpu"] > 0 and r.time_ps["cpu_dpu"] > 0


def test_mlp_output_is_not_trivial():
    r = prim.run("MLP", dpus=4, size=1024, params={"n": 1024})
    assert r.verified is True and int(r.outputs["C"].sum()) > 0


def test_mlp_needs_m_at_least_n():
    with pytest.raises(PimsimError, match="n ="):
        prim.run("MLP", dpus=1, size=100, params={"n": 200})


def test_mlp_timing_only_equals_functional():
    f = prim.run("MLP", dpus=4, tasklets=16, size=512, params={"n": 512})
    t = prim.run("MLP", dpus=4, tasklets=16, size=512, params={"n": 512}, timing_only=True)
    assert t.verified is None and dict(t.time_ps) == dict(f.time_ps)


@pytest.mark.parametrize("dpus,m,n", [(4, 64, 64), (3, 301, 77)])
def test_mlp_weights_upfront_moves_two_weight_pushes_into_cpu_dpu(dpus, m, n):
    """uPIMulator's host (weights_upfront=1) pushes all three layers' weights before the first
    launch: the same calls at the same cost, booked as CPU-DPU instead of Inter-DPU."""
    prim_ = prim.run("MLP", dpus=dpus, size=m, params={"n": n})
    up = prim.run("MLP", dpus=dpus, size=m, params={"n": n, "weights_upfront": 1})
    assert up.verified is True
    moved = up.time_ps["cpu_dpu"] - prim_.time_ps["cpu_dpu"]
    assert moved > 0
    assert prim_.time_ps["inter_dpu"] - up.time_ps["inter_dpu"] == moved
    assert up.total_ps == prim_.total_ps
    # the same bytes cross the bus (bytes are booked by direction, whatever the timer)
    assert up.to_dict()["bytes_moved"] == prim_.to_dict()["bytes_moved"]


@pytest.mark.parametrize("bad", [2, -1, True, "yes"])
def test_mlp_weights_upfront_must_be_0_or_1(bad):
    with pytest.raises(PimsimError, match="weights_upfront"):
        prim.run("MLP", dpus=1, size=64, params={"n": 64, "weights_upfront": bad}, timing_only=True)
