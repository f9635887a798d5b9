"""The compiled replay of fixed-phase programs (pimsim.hw.phases) gives exactly the SimPy
engine's result: on random programs of every verb, and on the real launches of every PrIM
workload whose kernel declares fixed phases."""
import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pimsim import host_api
from pimsim.engine import run_dpu
from pimsim.errors import DmaError, PimsimError, SyncError
from pimsim.config import load_preset
from pimsim.hw.dma import READ, WRITE, check_dma, dma_legal
from pimsim.hw.dpu import TRACE_COMPUTE, TRACE_READ, TRACE_WRITE
from pimsim.workloads import prim


def fields(r):
    return {f.name: getattr(r, f.name) for f in dataclasses.fields(r) if f.name not in ("config", "provenance")}


def both(program, shape, nr_tasklets, **kw):
    simpy_run = run_dpu(program, shape, nr_tasklets, fixed_phases=False, **kw)
    replayed = run_dpu(program, shape, nr_tasklets, fixed_phases=True, **kw)
    return fields(simpy_run), fields(replayed)


# ---- random programs: segments separated by barriers; inside a segment each tasklet runs a
# ---- random mix of compute, DMA (single and batched) and critical sections
op = st.one_of(
    st.tuples(st.just("compute"), st.floats(0, 400, allow_nan=False)),
    st.tuples(st.sampled_from(["read", "write"]), st.integers(1, 256).map(lambda k: 8 * k),
              st.integers(0, 1000).map(lambda k: 8 * k), st.integers(1, 3)),
    st.tuples(st.just("locked"), st.sampled_from(["m0", "m1"]), st.floats(0, 50, allow_nan=False)),
)
segments = st.lists(st.lists(st.lists(op, max_size=6), min_size=1, max_size=24), min_size=1, max_size=3)


def random_program(ctx, segs):
    for seg in segs:
        for o in seg[ctx.id % len(seg)]:
            if o[0] == "compute":
                yield from ctx.compute(instructions=o[1])
            elif o[0] == "locked":
                yield from ctx.mutex_lock(o[1])
                yield from ctx.compute(instructions=o[2])
                yield from ctx.mutex_unlock(o[1])
            else:
                verb = ctx.dma_read if o[0] == "read" else ctx.dma_write
                yield from verb(o[1], o[2], 0, count=o[3])
        yield from ctx.barrier_wait("b")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(segs=segments, nr=st.integers(1, 24), stall=st.sampled_from([0.0, 0.5, 0.3]),
       spin=st.sampled_from([1.0, 0.0, 0.4]))
def test_replay_equals_simpy_on_random_programs(segs, nr, stall, spin):
    a, b = both(random_program, segs, nr, overrides=[f"dma.pipeline_stall_fraction={stall}",
                                                     f"dpu.mutex_wait_issue_share={spin}"])
    assert a == b


def test_replay_equals_simpy_on_a_trace():
    rng = np.random.default_rng(1)
    n = 400
    opc = rng.choice([TRACE_COMPUTE, TRACE_READ, TRACE_WRITE], n)
    value = np.where(opc == TRACE_COMPUTE, rng.uniform(0, 200, n), 8 * rng.integers(1, 257, n))
    addr = 8 * rng.integers(0, 10_000, n)

    def program(ctx, _):
        yield from ctx.run_trace(opc, value, addr)

    for nr in (1, 5, 16):
        a, b = both(program, None, nr)
        assert a == b


def test_a_bad_trace_row_is_the_dma_error_of_that_call():
    def program(ctx, _):
        yield from ctx.run_trace(np.array([TRACE_READ, TRACE_WRITE]), np.array([64.0, 12.0]), np.array([0, 64]))

    for fixed in (False, True):
        with pytest.raises(DmaError, match="mram_write of 12 bytes: size must be a multiple of 8"):
            run_dpu(program, None, 2, fixed_phases=fixed)


@pytest.mark.parametrize("fixed", [False, True])
def test_a_malformed_trace_is_an_error_naming_the_row(fixed):
    def unknown_op(ctx, _):
        yield from ctx.run_trace(np.array([TRACE_COMPUTE, 7]), np.array([5.0, 64.0]), np.array([0, 0]))

    def ragged(ctx, _):
        yield from ctx.run_trace(np.array([TRACE_COMPUTE]), np.array([5.0, 6.0]), np.array([0]))

    with pytest.raises(PimsimError, match="row 1 has operation 7"):
        run_dpu(unknown_op, None, 1, fixed_phases=fixed)
    def fractional(ctx, _):
        yield from ctx.run_trace(np.array([TRACE_READ]), np.array([16.5]), np.array([0]))

    with pytest.raises(PimsimError, match="one length"):
        run_dpu(ragged, None, 1, fixed_phases=fixed)
    with pytest.raises(DmaError, match="row 0: DMA size 16.5 is not a whole number"):
        run_dpu(fractional, None, 1, fixed_phases=fixed)


def test_misuse_and_deadlock_give_the_simpy_engines_errors():
    def unlock_unheld(ctx, _):
        yield from ctx.mutex_unlock("m")

    def barrier_missed(ctx, _):
        if ctx.id:
            yield from ctx.barrier_wait("b")

    with pytest.raises(SyncError, match="unlocks mutex 'm' held by nobody"):
        run_dpu(unlock_unheld, None, 2, fixed_phases=True)
    with pytest.raises(SyncError, match="(?s)deadlock.*barrier 'b' expects 3 tasklets, only 2 arrived"):
        run_dpu(barrier_missed, None, 3, fixed_phases=True)


def chain_of_handshakes(ctx, work):
    """PrIM's prefix-sum hand-off: tasklet i waits for i-1, works, then notifies i+1."""
    yield from ctx.compute(instructions=work[ctx.id % len(work)])
    if ctx.id:
        yield from ctx.handshake_wait_for(ctx.id - 1)
    yield from ctx.compute(instructions=7)
    if ctx.id < ctx.nr_tasklets - 1:
        yield from ctx.handshake_notify()


@settings(max_examples=30, deadline=None)
@given(work=st.lists(st.floats(0, 300, allow_nan=False), min_size=1, max_size=24), nr=st.integers(1, 24))
def test_replay_equals_simpy_on_handshake_chains(work, nr):
    a, b = both(chain_of_handshakes, work, nr)
    assert a == b


def test_handshake_misuse_gives_the_simpy_engines_errors():
    def two_waiters(ctx, _):
        if ctx.id:
            yield from ctx.handshake_wait_for(0)
        else:
            yield from ctx.compute(instructions=100)
            yield from ctx.handshake_notify()

    def itself(ctx, _):
        yield from ctx.handshake_wait_for(ctx.id)

    with pytest.raises(SyncError, match="both wait for a handshake from tasklet 0"):
        run_dpu(two_waiters, None, 3, fixed_phases=True)
    with pytest.raises(SyncError, match="from itself"):
        run_dpu(itself, None, 2, fixed_phases=True)


# ---- every PrIM kernel declared with fixed phases, on the launches its workload makes
FIXED = [name for name in prim.NAMES if name not in ("NW", "TRNS")]     # those two share state


@pytest.mark.parametrize("name", FIXED)
def test_replay_equals_simpy_on_prim_launches(name, monkeypatch):
    calls = []
    real = host_api.run_dpu

    def spy(program, shape, nr_tasklets, cfg, **kw):
        calls.append((program, shape, nr_tasklets, cfg, kw))
        return real(program, shape, nr_tasklets, cfg, **kw)

    monkeypatch.setattr(host_api, "run_dpu", spy)
    monkeypatch.setattr(host_api, "_RUN_CACHE", {})
    mod = prim.module(name)
    params = {"n": 64} if name in ("GEMV", "MLP") else {}
    prim.run(name, dpus=3, tasklets=11, size=max(1, mod.DEFAULT_SIZE // 64), params=params, timing_only=True)
    assert calls and all(kw["fixed_phases"] for *_, kw in calls)
    for program, shape, nr, cfg, kw in calls[:6]:
        kw = dict(kw, fixed_phases=False)
        assert fields(real(program, shape, nr, cfg, **kw)) == fields(real(program, shape, nr, cfg, **dict(kw, fixed_phases=True)))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.integers(-64, 4096), st.integers(-1, 260).map(lambda k: 8 * k)),
       st.one_of(st.integers(-64, (64 << 20) + 64), st.integers(-2, 16).map(lambda k: (64 << 20) - 8 * k)),
       st.sampled_from([READ, WRITE]))
def test_vectorised_dma_rules_agree_with_check_dma(nbytes, addr, direction):
    cfg = load_preset()
    try:
        check_dma(cfg.dma, direction, nbytes, addr, 0, cfg.dpu.mram_bytes, cfg.dpu.wram_bytes)
        ok = True
    except DmaError:
        ok = False
    assert bool(dma_legal(cfg.dma, np.array([nbytes]), np.array([addr]), cfg.dpu.mram_bytes,
                          cfg.dpu.wram_bytes)[0]) == ok
