"""PrIM TRNS on pimsim: the transposed matrix equals numpy for several shapes, DPU and
tasklet counts (including partial last rounds); two launches per round; parity."""
import numpy as np
import pytest

from pimsim.kernel import DpuMemory
from pimsim.kernels import trns as K
from pimsim.workloads import prim


@pytest.mark.parametrize("dpus,tasklets,M_,m,n,N_", [
    (1, 16, 32, 4, 8, 2), (1, 1, 10, 3, 5, 2), (3, 11, 17, 4, 8, 7), (64, 16, 8, 4, 8, 64),
    (256, 16, 4, 2, 4, 300), (4, 16, 40, 16, 8, 4),
])
def test_trns_matches_numpy(dpus, tasklets, M_, m, n, N_):
    r = prim.run("TRNS", dpus=dpus, tasklets=tasklets, size=M_, params={"m": m, "n": n, "N_": N_}, seed=2)
    assert r.verified is True
    assert r.outputs["transposed"].shape == (N_ * n, M_ * m)
    rounds = -(-N_ // dpus)
    assert len(r.launches) == 2 * rounds


@pytest.mark.parametrize("m,n,M_", [(4, 8, 32), (16, 8, 12), (3, 5, 7)])
def test_trns_dpu_steps_transpose_the_stripe(m, n, M_):
    stripe = np.arange(M_ * m * n, dtype=np.int64)
    mem = DpuMemory()
    mem.write(K.HEAP, 0, stripe, stripe.nbytes)
    K.functional(mem, K.make_args(m, n, M_, K.STEP2), 16)
    K.functional(mem, K.make_args(m, n, M_, K.STEP3), 16)
    got = mem.view(K.HEAP, K.T, 0, stripe.size)
    assert np.array_equal(got, stripe.reshape(M_ * m, n).T.reshape(-1))


def test_trns_step3_timing_visits_every_group():
    # the simulated dynamic schedule moves each of the M_*n groups once (fixed points aside)
    r = prim.run("TRNS", dpus=1, tasklets=16, size=64, params={"m": 4, "n": 8, "N_": 1}, timing_only=True)
    step3 = r.launches[1].classes[0]
    groups, m = 64 * 8, 4
    assert step3.dma_write_count >= groups - 2          # one data write per moved group (+ done-bit writes)
    assert step3.dma_read_bytes >= (groups - 2) * m * 8


def test_trns_timing_only_equals_functional():
    p = {"m": 4, "n": 8, "N_": 8}
    f = prim.run("TRNS", dpus=4, tasklets=16, size=64, params=p)
    t = prim.run("TRNS", dpus=4, tasklets=16, size=64, params=p, timing_only=True)
    assert t.verified is None and dict(t.time_ps) == dict(f.time_ps)
