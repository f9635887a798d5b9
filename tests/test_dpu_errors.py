"""Every illegal input raises its own clear error (one test each), never a hang or a wrong result."""
from __future__ import annotations

import pytest

from pimsim import CapacityError, ConfigError, DmaError, PimsimError, SyncError, load_preset, run_dpu


@pytest.fixture(scope="module")
def cfg():
    return load_preset("upmem-2556")


def run(prog, k=1, cfg=None, **kw):
    return run_dpu(prog, nr_tasklets=k, config=cfg, **kw)


def read(nbytes, mram_addr=0, wram_addr=None):
    def prog(ctx, _):
        w = ctx.mem_alloc(max(nbytes, 8)) if wram_addr is None else wram_addr
        yield from ctx.dma_read(nbytes, mram_addr, w)
    return prog


# ---------------------------------------------------------------- DMA rules
def test_dma_smaller_than_8_bytes(cfg):
    with pytest.raises(DmaError, match=r"4 bytes.*8\.\.2048"):
        run(read(4), cfg=cfg)


def test_dma_larger_than_2048_bytes(cfg):
    with pytest.raises(DmaError, match=r"4096 bytes.*8\.\.2048"):
        run(read(4096), cfg=cfg)


def test_dma_size_not_multiple_of_8(cfg):
    with pytest.raises(DmaError, match="multiple of 8"):
        run(read(12), cfg=cfg)


def test_dma_misaligned_mram_address(cfg):
    with pytest.raises(DmaError, match="MRAM address 0x4 is not 8-byte aligned"):
        run(read(64, mram_addr=4), cfg=cfg)


def test_dma_misaligned_wram_address(cfg):
    with pytest.raises(DmaError, match="WRAM address .* not 8-byte aligned"):
        run(read(64, wram_addr=4100), cfg=cfg)


def test_dma_past_the_end_of_mram(cfg):
    with pytest.raises(DmaError, match="exceeds the MRAM size"):
        run(read(16, mram_addr=cfg.dpu.mram_bytes - 8), cfg=cfg)


def test_dma_past_the_end_of_wram(cfg):
    with pytest.raises(DmaError, match="exceeds the WRAM size"):
        run(read(64, wram_addr=cfg.dpu.wram_bytes - 32), cfg=cfg)


def test_dma_write_is_checked_too(cfg):
    def prog(ctx, _):
        yield from ctx.dma_write(10, 0, ctx.mem_alloc(16))
    with pytest.raises(DmaError, match="mram_write"):
        run(prog, cfg=cfg)


# ---------------------------------------------------------------- capacities
def test_wram_overflow_via_mem_alloc(cfg):
    def prog(ctx, _):
        ctx.mem_alloc(cfg.dpu.wram_bytes)           # stacks already use part of WRAM
        yield from ctx.compute(instructions=1)
    with pytest.raises(CapacityError, match="WRAM overflow.*mem_alloc"):
        run(prog, cfg=cfg)


def test_wram_overflow_via_many_small_allocations(cfg):
    def prog(ctx, _):
        for _ in range(64):
            ctx.mem_alloc(2048)                     # 16 tasklets x ... runs out
        yield from ctx.compute(instructions=1)
    with pytest.raises(CapacityError, match="WRAM overflow"):
        run(prog, k=16, cfg=cfg)


def test_wram_overflow_via_stacks(cfg):
    # 24 tasklets x 2,730 B of stack = 65,520 B: legal alone, but no room for 64 B of static data
    big = cfg.with_overrides({"dpu.stack_bytes_per_tasklet": 2730})

    def prog(ctx, _):
        yield from ctx.compute(instructions=1)
    with pytest.raises(CapacityError, match=r"WRAM overflow: 24 tasklet stacks x 2730 B"):
        run(prog, k=24, cfg=big, wram_static_bytes=64)


def test_mram_overflow(cfg):
    def prog(ctx, _):
        yield from ctx.compute(instructions=1)
    with pytest.raises(CapacityError, match="MRAM overflow"):
        run(prog, cfg=cfg, mram_used_bytes=cfg.dpu.mram_bytes + 1)


def test_iram_overflow(cfg):
    def prog(ctx, _):
        yield from ctx.compute(instructions=1)
    with pytest.raises(CapacityError, match="IRAM overflow"):
        run(prog, cfg=cfg, iram_instructions=cfg.dpu.iram_bytes // cfg.dpu.instruction_bytes + 1)


def test_more_than_24_tasklets(cfg):
    with pytest.raises(CapacityError, match=r"nr_tasklets = 25: a DPU runs 1\.\.24"):
        run(read(8), k=25, cfg=cfg)


def test_zero_tasklets(cfg):
    with pytest.raises(CapacityError, match=r"nr_tasklets = 0"):
        run(read(8), k=0, cfg=cfg)


def test_too_many_mutexes(cfg):
    n = cfg.dpu.nr_mutexes + 1

    def prog(ctx, _):
        for i in range(n):
            yield from ctx.mutex_lock(f"m{i}")
            yield from ctx.mutex_unlock(f"m{i}")
    with pytest.raises(CapacityError, match=f"dpu.nr_mutexes = {cfg.dpu.nr_mutexes}"):
        run(prog, cfg=cfg)


# ---------------------------------------------------------------- configuration
def test_unknown_config_key():
    with pytest.raises(ConfigError, match=r"unknown key dpu\.freq_ghz"):
        load_preset("upmem-2556", ["dpu.freq_ghz=1"])


def test_unknown_config_section():
    with pytest.raises(ConfigError, match="unknown section"):
        load_preset("upmem-2556", ["gpu.freq_mhz=1"])


def test_out_of_range_value():
    with pytest.raises(ConfigError, match=r"dpu\.freq_mhz = 0.* out of range: allowed 1"):
        load_preset("upmem-2556", ["dpu.freq_mhz=0"])


def test_non_numeric_value():
    with pytest.raises(ConfigError, match=r"dma\.read_alpha_cycles = 'fast': expected a number"):
        load_preset("upmem-2556", ["dma.read_alpha_cycles=fast"])


def test_non_integer_for_integer_field():
    with pytest.raises(ConfigError, match=r"dpu\.max_tasklets = 2\.5: expected an integer"):
        load_preset("upmem-2556", ["dpu.max_tasklets=2.5"])


def test_bad_override_syntax_without_equals():
    with pytest.raises(ConfigError, match="must look like section.field=value"):
        load_preset("upmem-2556", ["dpu.freq_mhz"])


def test_bad_override_syntax_without_section():
    with pytest.raises(ConfigError, match="must be section.field"):
        load_preset("upmem-2556", ["freq_mhz=500"])


def test_unknown_preset():
    with pytest.raises(ConfigError, match="unknown preset 'upmem-9999'; available: .*upmem-2556"):
        load_preset("upmem-9999")


def test_unknown_op_in_opmix(cfg):
    def prog(ctx, _):
        yield from ctx.compute({"fma_int32": 1})
    with pytest.raises(ConfigError, match="unknown operation 'fma_int32'"):
        run(prog, cfg=cfg)


# ---------------------------------------------------------------- synchronisation
def test_barrier_not_reached_by_all_is_a_deadlock_error(cfg):
    def prog(ctx, _):
        yield from ctx.compute(instructions=10)
        if ctx.id != 2:
            yield from ctx.barrier_wait()
    with pytest.raises(SyncError, match=r"deadlock(.|\n)*barrier 'barrier' expects 4 tasklets, only 3 arrived"):
        run(prog, k=4, cfg=cfg)


def test_barrier_count_larger_than_tasklets(cfg):
    def prog(ctx, _):
        yield from ctx.barrier_wait("b", count=8)
    with pytest.raises(SyncError, match="barrier 'b' for 8 tasklets, but the DPU runs 4"):
        run(prog, k=4, cfg=cfg)


def test_mutex_unlock_by_non_owner(cfg):
    def prog(ctx, _):
        if ctx.id == 0:
            yield from ctx.mutex_lock("m")
            yield from ctx.compute(instructions=1000)
            yield from ctx.mutex_unlock("m")
        else:
            yield from ctx.compute(instructions=10)
            yield from ctx.mutex_unlock("m")
    with pytest.raises(SyncError, match="tasklet 1 unlocks mutex 'm' held by tasklet 0"):
        run(prog, k=2, cfg=cfg)


def test_mutex_unlock_when_free(cfg):
    def prog(ctx, _):
        yield from ctx.mutex_unlock("m")
    with pytest.raises(SyncError, match="held by nobody"):
        run(prog, cfg=cfg)


def test_mutex_double_lock(cfg):
    def prog(ctx, _):
        yield from ctx.mutex_lock("m")
        yield from ctx.mutex_lock("m")
    with pytest.raises(SyncError, match="already holds"):
        run(prog, cfg=cfg)


def test_finishing_while_holding_a_mutex(cfg):
    def prog(ctx, _):
        yield from ctx.mutex_lock("m")
    with pytest.raises(SyncError, match="finished while holding mutex 'm'"):
        run(prog, cfg=cfg)


def test_mutex_deadlock_is_reported(cfg):
    def prog(ctx, _):
        first, second = ("a", "b") if ctx.id == 0 else ("b", "a")
        yield from ctx.mutex_lock(first)
        yield from ctx.compute(instructions=5)
        yield from ctx.mutex_lock(second)
    with pytest.raises(SyncError, match="deadlock"):
        run(prog, k=2, cfg=cfg)


def test_handshake_wait_for_itself(cfg):
    def prog(ctx, _):
        yield from ctx.handshake_wait_for(ctx.id)
    with pytest.raises(SyncError, match="from itself"):
        run(prog, cfg=cfg)


def test_handshake_wait_for_missing_tasklet(cfg):
    def prog(ctx, _):
        yield from ctx.handshake_wait_for(5)
    with pytest.raises(SyncError, match=r"only tasklets 0\.\.1 exist"):
        run(prog, k=2, cfg=cfg)


def test_handshake_two_waiters_for_one_notifier(cfg):
    def prog(ctx, _):
        if ctx.id == 0:
            yield from ctx.compute(instructions=1000)
            yield from ctx.handshake_notify()
        else:
            yield from ctx.handshake_wait_for(0)
    with pytest.raises(SyncError, match="both wait for a handshake from tasklet 0"):
        run(prog, k=3, cfg=cfg)


def test_handshake_notify_nobody_waits_is_a_deadlock(cfg):
    def prog(ctx, _):
        yield from ctx.handshake_notify()
    with pytest.raises(SyncError, match="nobody ever waits"):
        run(prog, cfg=cfg)


def test_all_errors_are_pimsim_errors():
    for e in (ConfigError, CapacityError, DmaError, SyncError):
        assert issubclass(e, PimsimError)
