"""Property tests: random tasklet programs either raise a clear PimsimError or finish with a
time no shorter than the DMA-busy and instruction bounds, conserve instructions and bytes, and
rerun identically."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pimsim import DmaError, PimsimError, SyncError, load_preset, run_dpu

CFG = load_preset("upmem-2556")
LEGAL_SIZES = [8, 16, 64, 256, 1024, 2048]
ILLEGAL_SIZES = [0, 4, 12, 2056, 4096]
EPS = 0.01  # cycles of picosecond rounding allowed per bound

compute = st.tuples(st.just("compute"), st.integers(0, 400))
dma = st.tuples(st.sampled_from(["read", "write"]), st.sampled_from(LEGAL_SIZES),
                st.integers(0, 15), st.just(0))
bad_dma = st.tuples(st.sampled_from(["read", "write"]), st.sampled_from(LEGAL_SIZES + ILLEGAL_SIZES),
                    st.integers(0, 15), st.sampled_from([0, 0, 0, 4]))
barrier = st.just(("barrier",))
critical = st.tuples(st.just("critical"), st.integers(0, 200), st.sampled_from(["m0", "m1"]))
phase_no_barrier = st.one_of(compute, dma, critical)
phase_maybe_bad = st.one_of(compute, bad_dma, barrier, critical)


def is_illegal(ph) -> bool:
    return ph[0] in ("read", "write") and (ph[1] not in LEGAL_SIZES or ph[3] != 0)


def make_program(programs):
    def prog(ctx, _):
        buf = ctx.mem_alloc(2048)
        for ph in programs[ctx.id]:
            kind = ph[0]
            if kind == "compute":
                yield from ctx.compute(instructions=ph[1])
            elif kind in ("read", "write"):
                _, size, slot, misalign = ph
                addr = ctx.id * 65536 + slot * 2048 + misalign
                if kind == "read":
                    yield from ctx.dma_read(size, addr, buf)
                else:
                    yield from ctx.dma_write(size, addr, buf)
            elif kind == "barrier":
                yield from ctx.barrier_wait()
            else:
                _, n, name = ph
                yield from ctx.mutex_lock(name)
                yield from ctx.compute(instructions=n)
                yield from ctx.mutex_unlock(name)
    return prog


def expected_instructions(phases) -> float:
    ins = CFG.ops.instructions
    total = 0.0
    for ph in phases:
        if ph[0] == "compute":
            total += ph[1]
        elif ph[0] in ("read", "write"):
            total += ins["dma_issue"]
        elif ph[0] == "barrier":
            total += ins["barrier_wait"]
        else:
            total += ins["mutex_lock"] + ph[1] + ins["mutex_unlock"]
    return total


def check_bounds(programs, res) -> None:
    k = len(programs)
    d = CFG.dpu
    # instructions are conserved: what each tasklet asked for is what it issued
    for t in range(k):
        assert res.instructions[t] == pytest.approx(expected_instructions(programs[t]))
    # time bounds: pipeline throughput, one tasklet's issue interval, the DMA engine
    n_events = sum(len(p) for p in programs) + 1
    slack = EPS * n_events
    assert res.cycles >= res.total_instructions / d.issue_width - slack
    assert res.cycles >= max(res.instructions) * d.issue_interval_cycles - slack
    assert res.cycles >= res.dma_busy_cycles - slack
    # bytes are conserved
    reads = [ph[1] for p in programs for ph in p if ph[0] == "read"]
    writes = [ph[1] for p in programs for ph in p if ph[0] == "write"]
    assert (res.dma_read_bytes, res.dma_write_bytes) == (sum(reads), sum(writes))
    assert (res.dma_read_count, res.dma_write_count) == (len(reads), len(writes))
    beta = CFG.dma.read_beta_cycles_per_byte * sum(reads) + CFG.dma.write_beta_cycles_per_byte * sum(writes)
    assert res.dma_busy_cycles >= beta - slack
    # a tasklet's phase times never add up to more than its lifetime
    for t in range(k):
        spent = res.compute_cycles[t] + res.dma_cycles[t] + res.sync_cycles[t]
        assert spent <= res.finish_cycles[t] + slack
        assert res.finish_cycles[t] <= res.cycles + slack


@st.composite
def legal_programs(draw):
    k = draw(st.integers(1, 14))
    n_barriers = draw(st.integers(0, 2))
    programs = []
    for _ in range(k):
        segments = [draw(st.lists(phase_no_barrier, max_size=4))
                    for _ in range(n_barriers + 1)]
        prog = []
        for i, seg in enumerate(segments):
            prog += seg
            if i < n_barriers:
                prog.append(("barrier",))
        programs.append(prog)
    return programs


@st.composite
def any_programs(draw):
    k = draw(st.integers(1, 8))
    return [draw(st.lists(phase_maybe_bad, max_size=6)) for _ in range(k)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(legal_programs())
def test_legal_programs_finish_within_bounds_and_rerun_identically(programs):
    prog = make_program(programs)
    res = run_dpu(prog, nr_tasklets=len(programs), config=CFG, trace=True)
    check_bounds(programs, res)
    again = run_dpu(prog, nr_tasklets=len(programs), config=CFG, trace=True)
    assert again == res
    assert again.to_dict() == res.to_dict()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_programs())
def test_any_program_raises_a_clear_error_or_satisfies_the_bounds(programs):
    prog = make_program(programs)
    barrier_counts = {sum(ph[0] == "barrier" for ph in p) for p in programs}
    bad_dma = any(is_illegal(ph) for p in programs for ph in p)
    bad_barrier = len(barrier_counts) > 1
    illegal = bad_dma or bad_barrier
    try:
        res = run_dpu(prog, nr_tasklets=len(programs), config=CFG)
    except PimsimError as e:
        assert illegal, f"legal program raised {e!r}"
        # the error class says what went wrong: a DMA rule, or tasklets stuck at a barrier (a
        # bad DMA after a barrier that never opens is never issued, so either may come first)
        if not bad_barrier:
            assert isinstance(e, DmaError), f"bad DMA raised {e!r}"
            assert "mram_read" in str(e) or "mram_write" in str(e), str(e)
        elif not bad_dma:
            assert isinstance(e, SyncError), f"unequal barrier counts raised {e!r}"
            assert "barrier" in str(e), str(e)
        else:
            assert isinstance(e, (DmaError, SyncError)), repr(e)
        return
    assert not illegal, "an illegal program finished"
    check_bounds(programs, res)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 24), st.integers(1, 2000), st.integers(1, 2000))
def test_more_work_never_finishes_earlier(k, n, extra):
    def prog(m):
        def p(ctx, _):
            yield from ctx.compute(instructions=m)
        return p
    a = run_dpu(prog(n), nr_tasklets=k, config=CFG)
    b = run_dpu(prog(n + extra), nr_tasklets=k, config=CFG)
    assert b.total_ps > a.total_ps
