"""Closed-form timing of simple tasklet programs on one DPU.

Every expected value is computed here from the preset's own numbers (issue interval, issue
width, DMA alpha/beta, op costs), never copied from the model's output. Times are compared in
DPU cycles; the model keeps integer picoseconds, so a few ps of rounding are allowed (1e-3 cycle).
"""
from __future__ import annotations

import pytest

from pimsim import load_preset, run_dpu

ABS = 2e-3  # cycles


@pytest.fixture(scope="module")
def cfg():
    return load_preset("upmem-2556")


def compute_only(n_of):
    """A program where tasklet t issues n_of(t) instructions."""
    def prog(ctx, _):
        yield from ctx.compute(instructions=n_of(ctx.id))
    return prog


def interval(cfg):
    return cfg.dpu.issue_interval_cycles


def instr(cfg, op):
    return cfg.ops.instructions[op]


# ---------------------------------------------------------------- the revolver pipeline
def test_one_tasklet_takes_interval_cycles_per_instruction(cfg):
    for n in (1, 7, 1000, 123457):
        r = run_dpu(compute_only(lambda t: n), nr_tasklets=1, config=cfg)
        assert r.cycles == pytest.approx(interval(cfg) * n, abs=ABS)
        assert r.instructions == (n,)


@pytest.mark.parametrize("k", [2, 5, 10])
def test_fewer_tasklets_than_interval_run_in_parallel_at_full_single_speed(cfg, k):
    n = 1000
    r = run_dpu(compute_only(lambda t: n), nr_tasklets=k, config=cfg)
    assert k < interval(cfg)
    assert r.cycles == pytest.approx(interval(cfg) * n, abs=ABS)
    assert all(f == pytest.approx(interval(cfg) * n, abs=ABS) for f in r.finish_cycles)


@pytest.mark.parametrize("k", [11, 12, 16, 24])
def test_enough_tasklets_reach_one_instruction_per_cycle(cfg, k):
    n = 1000
    r = run_dpu(compute_only(lambda t: n), nr_tasklets=k, config=cfg)
    expected = max(interval(cfg) * n, k * n / cfg.dpu.issue_width)
    assert r.cycles == pytest.approx(expected, abs=ABS)
    if k >= interval(cfg):
        assert r.pipeline_utilisation == pytest.approx(1.0, rel=1e-6)  # ps rounding


def test_processor_sharing_rates_change_when_a_tasklet_finishes(cfg):
    # 12 tasklets: tasklet 0 has 100 instructions, the others 1000. All run at 1/12 per cycle
    # until tasklet 0 is done (12*100 cycles); the remaining 11 then run at 1/11.
    k, short, long_ = 12, 100, 1000
    r = run_dpu(compute_only(lambda t: short if t == 0 else long_), nr_tasklets=k, config=cfg)
    t0 = k * short
    assert r.finish_cycles[0] == pytest.approx(t0, abs=ABS)
    rest = max(interval(cfg), (k - 1) / cfg.dpu.issue_width) * (long_ - short)
    assert r.cycles == pytest.approx(t0 + rest, abs=ABS)


def test_two_tasklets_different_lengths(cfg):
    r = run_dpu(compute_only(lambda t: (100, 300)[t]), nr_tasklets=2, config=cfg)
    assert r.finish_cycles[0] == pytest.approx(interval(cfg) * 100, abs=ABS)
    assert r.finish_cycles[1] == pytest.approx(interval(cfg) * 300, abs=ABS)


def test_opmix_cost_is_sum_of_count_times_cost(cfg):
    mix = {"load_wram": 2, "add_int32": 1, "store_wram": 1, "loop": 1}
    per = sum(instr(cfg, op) * c for op, c in mix.items())

    def prog(ctx, _):
        yield from ctx.compute(mix, times=50)
    r = run_dpu(prog, nr_tasklets=1, config=cfg)
    assert r.instructions == (per * 50,)
    assert r.cycles == pytest.approx(interval(cfg) * per * 50, abs=ABS)


# ---------------------------------------------------------------- DMA
def dma_prog(direction, nbytes):
    def prog(ctx, _):
        if direction == "read":
            yield from ctx.dma_read(nbytes, mram_addr=ctx.id * 4096, wram_addr=ctx.mem_alloc(nbytes))
        else:
            yield from ctx.dma_write(nbytes, mram_addr=ctx.id * 4096, wram_addr=ctx.mem_alloc(nbytes))
    return prog


def alpha_beta(cfg, direction):
    d = cfg.dma
    return ((d.read_alpha_cycles, d.read_beta_cycles_per_byte) if direction == "read"
            else (d.write_alpha_cycles, d.write_beta_cycles_per_byte))


@pytest.mark.parametrize("direction", ["read", "write"])
@pytest.mark.parametrize("nbytes", [8, 64, 1024, 2048])
def test_lone_dma_takes_alpha_plus_beta_bytes(cfg, direction, nbytes):
    # alpha is PrIM's lone-tasklet latency of the whole call, issue instructions included.
    a, b = alpha_beta(cfg, direction)
    r = run_dpu(dma_prog(direction, nbytes), nr_tasklets=1, config=cfg)
    assert r.cycles == pytest.approx(a + b * nbytes, abs=ABS)
    # of which the issue instructions ran in the pipeline and the rest occupied the engine
    issue = instr(cfg, "dma_issue") * interval(cfg)
    assert r.dma_busy_cycles == pytest.approx(max(0, a - issue) + b * nbytes, abs=ABS)
    assert r.instructions == (instr(cfg, "dma_issue"),)
    assert (r.dma_read_bytes, r.dma_write_bytes) == ((nbytes, 0) if direction == "read" else (0, nbytes))


def test_dma_without_issue_instructions_is_alpha_plus_beta_on_the_engine(cfg):
    c = cfg.with_overrides({"ops.dma_issue": 0})
    a, b = alpha_beta(c, "read")
    r = run_dpu(dma_prog("read", 512), nr_tasklets=1, config=c)
    assert r.cycles == pytest.approx(a + b * 512, abs=ABS)
    assert r.dma_busy_cycles == pytest.approx(a + b * 512, abs=ABS)


def test_two_tasklets_dmas_serialise(cfg):
    n = 2048
    a, b = alpha_beta(cfg, "read")
    issue_instr = instr(cfg, "dma_issue")
    issue = issue_instr * max(interval(cfg), 2 / cfg.dpu.issue_width)   # both issue together
    engine = max(0, a - issue_instr * interval(cfg)) + b * n
    r = run_dpu(dma_prog("read", n), nr_tasklets=2, config=cfg)
    assert sorted(r.finish_cycles) == [pytest.approx(issue + engine, abs=ABS),
                                       pytest.approx(issue + 2 * engine, abs=ABS)]
    assert r.dma_busy_cycles == pytest.approx(2 * engine, abs=ABS)


def test_two_dmas_serialise_without_issue_cost(cfg):
    c = cfg.with_overrides({"ops.dma_issue": 0})
    a, b = alpha_beta(c, "write")
    one = a + b * 1024
    r = run_dpu(dma_prog("write", 1024), nr_tasklets=2, config=c)
    assert sorted(r.finish_cycles) == [pytest.approx(one, abs=ABS), pytest.approx(2 * one, abs=ABS)]


def test_compute_overlaps_another_tasklets_dma(cfg):
    n = 2048
    a, b = alpha_beta(cfg, "read")
    work = 300

    def prog(ctx, _):
        if ctx.id == 0:
            yield from ctx.dma_read(n, 0, ctx.mem_alloc(n))
        else:
            yield from ctx.compute(instructions=work)
    r = run_dpu(prog, nr_tasklets=2, config=cfg)
    dma_time, compute_time = a + b * n, interval(cfg) * work   # 2 tasklets < interval: no slowdown
    assert r.finish_cycles[0] == pytest.approx(dma_time, abs=ABS)
    assert r.finish_cycles[1] == pytest.approx(compute_time, abs=ABS)
    assert r.cycles == pytest.approx(max(dma_time, compute_time), abs=ABS)
    assert r.cycles < dma_time + compute_time


# ---------------------------------------------------------------- synchronisation
def test_barrier_releases_everyone_at_the_last_arrival(cfg):
    released = {}
    k = 4

    def prog(ctx, _):
        yield from ctx.compute(instructions=100 * (ctx.id + 1))
        yield from ctx.barrier_wait()
        released[ctx.id] = ctx.dpu.env.now

    r = run_dpu(prog, nr_tasklets=k, config=cfg)
    # k < interval: every tasklet runs at 1/interval; the last one arrives after 100*k + barrier cost
    last = interval(cfg) * (100 * k + instr(cfg, "barrier_wait"))
    assert len(set(released.values())) == 1
    assert r.cycles == pytest.approx(last, abs=ABS)
    assert r.sync_cycles[k - 1] == pytest.approx(0, abs=ABS)
    assert r.sync_cycles[0] == pytest.approx(interval(cfg) * 100 * (k - 1), abs=ABS)


def test_mutex_serialises_critical_sections(cfg):
    k, work = 3, 500
    spans = []

    def prog(ctx, _):
        yield from ctx.mutex_lock("m")
        start = ctx.dpu.env.now
        yield from ctx.compute(instructions=work)
        spans.append((start, ctx.dpu.env.now))
        yield from ctx.mutex_unlock("m")

    r = run_dpu(prog, nr_tasklets=k, config=cfg)
    spans.sort()
    for (s0, e0), (s1, e1) in zip(spans, spans[1:]):
        assert s1 >= e0           # no two tasklets inside the critical section at once
    lock, unlock = instr(cfg, "mutex_lock"), instr(cfg, "mutex_unlock")
    # all lock together; the holders then run one after another alone in the pipeline; the
    # last holder's unlock instructions end the kernel
    expected = interval(cfg) * (lock + k * work + unlock)
    assert r.cycles == pytest.approx(expected, abs=ABS)


def _no_sync_cost(share):
    return [f"dpu.mutex_wait_issue_share={share}", "ops.mutex_lock=0", "ops.mutex_unlock=0",
            "dma.pipeline_stall_fraction=0"]


@pytest.mark.parametrize("share", [1.0, 0.5, 0.0])
def test_mutex_spinners_slow_the_holder(share):
    """16 tasklets queue on one mutex and each computes W inside it. While holder i runs, the
    15 - i tasklets behind it spin on acquire ([SDK] mutex.h), each taking `share` of a
    computing tasklet's issue slots: holder i issues at 1/max(11, 1 + share*(15 - i)) per cycle."""
    c = load_preset("upmem-2556").with_overrides(_no_sync_cost(share))
    n, work = 16, 300

    def prog(ctx, _):
        yield from ctx.mutex_lock("m")
        yield from ctx.compute(instructions=work)
        yield from ctx.mutex_unlock("m")

    r = run_dpu(prog, nr_tasklets=n, config=c)
    expected = work * sum(max(interval(c), 1 + share * (n - 1 - i)) for i in range(n))
    assert r.cycles == pytest.approx(expected, abs=n * ABS)   # each of the n turns rounds to a ps


def test_mutex_spinners_slow_bystanders():
    """Tasklets 0-5 take turns on a mutex (W each inside it); tasklets 6-15 compute C without it.
    Holder i shares the pipeline with 5 - i spinners and 10 bystanders: 16 - i sharers, so its
    turn takes W*(16 - i) cycles and moves every bystander on by W. The 10 bystanders then finish
    their C - 6W alone at 1/11 each: total 81W + 11(C - 6W) = 15W + 11C, where sleeping waiters
    (share 0) would give 11 sharers per turn and 11C in all."""
    work, c_work = 100, 1000

    def prog(ctx, _):
        if ctx.id < 6:
            yield from ctx.mutex_lock("m")
            yield from ctx.compute(instructions=work)
            yield from ctx.mutex_unlock("m")
        else:
            yield from ctx.compute(instructions=c_work)

    spin = run_dpu(prog, nr_tasklets=16, config=load_preset("upmem-2556").with_overrides(_no_sync_cost(1.0)))
    sleep = run_dpu(prog, nr_tasklets=16, config=load_preset("upmem-2556").with_overrides(_no_sync_cost(0.0)))
    assert spin.cycles == pytest.approx(15 * work + 11 * c_work, abs=ABS)
    assert sleep.cycles == pytest.approx(11 * c_work, abs=ABS)


@pytest.mark.parametrize("tasklets", [1, 16])
def test_batched_critical_sections_time_as_per_element_locking(tasklets):
    """Kernels that take a mutex once per element (HST-L, BFS) are timed with one lock per
    block: the block's n - 1 extra lock/unlock calls run outside it, its n increments inside.
    Alone, a tasklet issues exactly the same instructions either way. With 16 tasklets on one
    mutex the lock is the bottleneck: every critical section runs while the 15 others spin or
    compute, so each of its W instructions takes 16 cycles and both forms take about
    16 x 16 x n x W cycles (within 3 %: they differ only in how the first and last blocks
    overlap the others' work)."""
    c = load_preset("upmem-2556").with_overrides(["dma.pipeline_stall_fraction=0"])
    n, outside, inside = 40, 12, 4

    def per_element(ctx, _):
        for _ in range(n):
            yield from ctx.compute(instructions=outside)
            yield from ctx.mutex_lock("m")
            yield from ctx.compute(instructions=inside)
            yield from ctx.mutex_unlock("m")

    def batched(ctx, _):
        yield from ctx.compute(instructions=n * outside + ctx.batched_lock_instructions(n))
        yield from ctx.mutex_lock("m")
        yield from ctx.compute(instructions=n * inside)
        yield from ctx.mutex_unlock("m")

    each = run_dpu(per_element, nr_tasklets=tasklets, config=c)
    block = run_dpu(batched, nr_tasklets=tasklets, config=c)
    if tasklets == 1:
        calls = instr(c, "mutex_lock") + instr(c, "mutex_unlock")
        expected = interval(c) * n * (outside + inside + calls)
        assert each.cycles == pytest.approx(expected, abs=4 * n * ABS)   # 4n phases, each rounded to a ps
        assert block.cycles == pytest.approx(expected, abs=ABS)
    else:
        lock_bound = tasklets * tasklets * n * inside
        assert each.cycles == pytest.approx(lock_bound, rel=0.03)
        assert block.cycles == pytest.approx(lock_bound, rel=0.03)


def test_handshake_rendezvous(cfg):
    times = {}

    def prog(ctx, _):
        if ctx.id == 0:
            yield from ctx.compute(instructions=1000)
            yield from ctx.handshake_notify()
        else:
            yield from ctx.handshake_wait_for(0)
            times["woken"] = ctx.dpu.env.now

    r = run_dpu(prog, nr_tasklets=2, config=cfg)
    h = instr(cfg, "handshake")
    assert times["woken"] * cfg.dpu.freq_mhz / 1e6 == pytest.approx(interval(cfg) * (1000 + h), abs=ABS)
    assert r.cycles == pytest.approx(interval(cfg) * (1000 + h), abs=ABS)


def test_frequency_override_scales_time_not_cycles(cfg):
    fast = cfg.with_overrides(["dpu.freq_mhz=700"])
    r1 = run_dpu(compute_only(lambda t: 1000), nr_tasklets=1, config=cfg)
    r2 = run_dpu(compute_only(lambda t: 1000), nr_tasklets=1, config=fast)
    assert r1.cycles == pytest.approx(r2.cycles, abs=ABS)
    assert r2.total_ps * 2 == pytest.approx(r1.total_ps, abs=2)


# ---------------------------------------------------------------- trace export
def test_chrome_trace_has_one_thread_per_tasklet_and_exact_phases(cfg, tmp_path):
    import json

    from pimsim.analysis.trace import to_chrome_trace, write_chrome_trace

    def prog(ctx, _):
        yield from ctx.compute(instructions=100)
        if ctx.id == 0:
            yield from ctx.dma_read(2048, 0, ctx.mem_alloc(2048))
        yield from ctx.barrier_wait()

    r = run_dpu(prog, nr_tasklets=2, config=cfg, trace=True)
    tr = to_chrome_trace(r)
    names = {e["tid"]: e["args"]["name"] for e in tr["traceEvents"] if e["name"] == "thread_name"}
    assert names == {0: "tasklet 0", 1: "tasklet 1"}
    x = [e for e in tr["traceEvents"] if e["ph"] == "X"]
    assert {e["tid"] for e in x} == {0, 1}
    us_per_cycle = 1 / cfg.dpu.freq_mhz
    first = next(e for e in x if e["tid"] == 1 and e["name"] == "compute")
    assert first["ts"] == 0
    assert first["dur"] == pytest.approx(interval(cfg) * 100 * us_per_cycle, abs=1e-6)
    dma = next(e for e in x if e["name"] == "dma_read")
    a, b = alpha_beta(cfg, "read")
    issue = instr(cfg, "dma_issue") * interval(cfg)
    assert dma["tid"] == 0 and dma["cat"] == "dma"
    assert dma["ts"] == pytest.approx((interval(cfg) * 100 + issue) * us_per_cycle, abs=1e-6)
    assert dma["dur"] == pytest.approx((a - issue + b * 2048) * us_per_cycle, abs=1e-6)
    # every phase of a tasklet lies inside the run and they do not overlap within a tasklet
    for t in (0, 1):
        spans = sorted((e["ts"], e["ts"] + e["dur"]) for e in x if e["tid"] == t)
        assert all(s1 >= e0 - 1e-9 for (_, e0), (s1, _) in zip(spans, spans[1:]))
        assert spans[-1][1] == pytest.approx(r.total_ps / 1e6, abs=1e-6)
    path = write_chrome_trace(r, tmp_path / "t.json")
    assert json.loads(open(path).read())["traceEvents"] == json.loads(json.dumps(tr["traceEvents"]))


def test_chrome_trace_needs_a_traced_run(cfg):
    from pimsim import PimsimError
    from pimsim.analysis.trace import to_chrome_trace
    r = run_dpu(compute_only(lambda t: 1), nr_tasklets=1, config=cfg)
    with pytest.raises(PimsimError, match="trace=True"):
        to_chrome_trace(r)


def test_batched_dma_equals_that_many_calls_for_a_lone_tasklet():
    def one_by_one(ctx, _):
        for _ in range(3):
            yield from ctx.dma_read(512)

    def batched(ctx, _):
        yield from ctx.dma_read(512, count=3)

    a = run_dpu(one_by_one, None, 1, dma_log=True)
    b = run_dpu(batched, None, 1, dma_log=True)
    assert b.dma_read_count == a.dma_read_count == 3 and b.dma_read_bytes == a.dma_read_bytes
    assert b.dma_log == a.dma_log
    # the batch issues its 3 calls' instructions first, then the engine runs the 3 transfers
    # back to back, so a lone tasklet waits exactly as long
    assert b.total_ps == pytest.approx(a.total_ps, abs=3)


def test_batched_dma_count_must_be_positive():
    def prog(ctx, _):
        yield from ctx.dma_write(8, count=0)
    from pimsim.errors import DmaError
    with pytest.raises(DmaError, match="count 0"):
        run_dpu(prog, None, 1)
