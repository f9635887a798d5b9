"""PrIM NW on pimsim: the score matrix equals a numpy/numba reference for several sizes, DPU
and tasklet counts; PrIM's diagonal schedule; the diagonal-replay timing shortcut against
sub-block-by-sub-block simulation; parity."""
import pytest

from pimsim.config import load_preset
from pimsim.engine import run_dpu
from pimsim.errors import PimsimError
from pimsim.kernels import nw as K
from pimsim.workloads import prim
from pimsim.workloads.prim import nw


@pytest.mark.parametrize("dpus,tasklets,n,params", [
    (1, 16, 64, {}), (1, 1, 40, {}), (3, 11, 100, {}), (4, 16, 128, {"bl": 16}), (64, 16, 256, {}),
    (256, 16, 512, {"bl": 32}), (3, 16, 30, {"bl_in": 2, "penalty": 3}), (2, 16, 96, {"bl": 24, "bl_in": 4}),
])
def test_nw_matches_reference(dpus, tasklets, n, params):
    r = prim.run("NW", dpus=dpus, tasklets=tasklets, size=n, params=params, seed=4)
    assert r.verified is True
    assert r.outputs["scores"].shape == (n + 1, n + 1)
    nb = n // nw.block_side(n, dpus, params.get("bl", 0), params.get("bl_in", 2))
    assert len(r.launches) == 2 * nb - 1


def test_nw_schedule_follows_prim():
    assert nw.block_side(2560, 4, 0, 2) == 640                  # PrIM's run script: BL = 2560 / #DPUs
    assert nw.block_side(100, 3, 0, 2) == 20                    # lowered to an even divisor of n
    assert nw.diagonal_blocks(3)[2] == [(2, 0), (1, 1), (0, 2)]
    assert nw.diagonal_blocks(3)[3] == [(2, 1), (1, 2)]
    assert nw.assign(5, 3) == [2, 2, 1]
    assert [list(p) for p in nw.block_runs(nw.assign(5, 3))] == [[0, 1], [2, 3], [4]]
    assert nw.assign(2, 8) == [1, 1]                            # DYNAMIC: min(blocks, D) DPUs
    with pytest.raises(PimsimError, match="bl"):
        prim.run("NW", dpus=1, size=100, params={"bl": 30})


@pytest.mark.parametrize("bl,tasklets", [(64, 16), (128, 11), (64, 1)])
def test_nw_diagonal_replay_matches_full_simulation(bl, tasklets):
    # Equal work; the time differs only by the order in which tasklets released by the same
    # barrier reach the DMA engine (SimPy resumes them in barrier-arrival order, the replay's
    # own run in tasklet order): a few percent at most.
    cfg = load_preset()
    s = K.Shape(2, 2, bl, 2)
    full = run_dpu(K.full_program, s, tasklets, cfg)
    fast = run_dpu(K.program, s, tasklets, cfg)
    assert fast.instructions == pytest.approx(full.instructions)
    assert (fast.dma_read_count, fast.dma_write_count) == (full.dma_read_count, full.dma_write_count)
    assert fast.total_ps == pytest.approx(full.total_ps, rel=0.04)


def test_nw_long_chunks_extrapolate_linearly():
    cfg = load_preset()
    chunks = K.chunk_sizes(16 * 12 + 5, 16)                      # 12 or 13 sub-blocks per tasklet
    exact = K.diagonal(cfg, chunks, 512, 2, exact=True)
    fast = K.diagonal(cfg, chunks, 512, 2)
    assert max(fast.finish_ps) == pytest.approx(max(exact.finish_ps), rel=0.015)
    assert (fast.reads, fast.writes) == (exact.reads, exact.writes)


def test_nw_timing_only_equals_functional():
    f = prim.run("NW", dpus=4, tasklets=16, size=128)
    t = prim.run("NW", dpus=4, tasklets=16, size=128, timing_only=True)
    assert t.verified is None and dict(t.time_ps) == dict(f.time_ps)
