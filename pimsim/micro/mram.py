"""MRAM<->WRAM DMA latency/bandwidth and STREAM over MRAM, as PrIM measures them
(prim-benchmarks Microbenchmarks/MRAM-Latency/dpu/copy.c and Microbenchmarks/STREAM/dpu/*.c).

MRAM-Latency: each tasklet walks its blocks; per block it does mram_read then mram_write of
`nbytes`, and times one of the two calls (READ or WRITE build). Latency = timed cycles / calls;
bandwidth = bytes moved by the timed calls of all tasklets / timed cycles of the slowest one
(for one tasklet: nbytes / latency, PrIM's figure).

STREAM (MRAM build, INT64, 1 KB blocks as in STREAM/run.sh BL=10): each tasklet times its whole
block loop, from the first barrier to the end; the host keeps the slowest tasklet. Bandwidth
counts the bytes of the arrays read and written (COPY/SCALE 2x, ADD/TRIAD 3x the array size).
The WRAM loops are `#pragma unroll`ed in PrIM's code, so their op-mixes carry no loop overhead.

"MB/s" in PrIM are 2^20 bytes per second (pimsim.units.mib_per_s).
"""
from __future__ import annotations

from dataclasses import dataclass

from pimsim.config import SystemConfig
from pimsim.engine import run_dpu
from pimsim.hw.dma import READ, WRITE
from pimsim.micro.common import TaskletTimers, as_config, ceil_div, check_choice
from pimsim.units import cycles_to_ps, mib_per_s

DIRECTIONS = ("read", "write")
STREAM_KERNELS = ("COPY-DMA", "COPY", "ADD", "SCALE", "TRIAD")
INT64_BYTES = 8

# kernel -> (input arrays read per block, WRAM op-mix per element, arrays counted in the bandwidth)
STREAM_MIX: dict[str, tuple[int, dict[str, float], int]] = {
    "COPY-DMA": (1, {}, 2),                                                    # copy.c: no WRAM loop
    "COPY": (1, {"load_wram": 1, "store_wram": 1}, 2),                         # copyw.c: B[i] = A[i]
    "ADD": (2, {"load_wram": 2, "add_int64": 1, "store_wram": 1}, 3),          # add.c: C[i] = A[i] + B[i]
    "SCALE": (1, {"load_wram": 1, "mul_int64": 1, "store_wram": 1}, 2),        # scale.c: B[i] = s*A[i]
    "TRIAD": (2, {"load_wram": 2, "mul_int64": 1, "add_int64": 1, "store_wram": 1}, 3),  # triad.c
}


# ---------------------------------------------------------------- MRAM-Latency
@dataclass(frozen=True)
class _LatShape:
    direction: str
    nbytes: int
    iterations: int
    timers: TaskletTimers


def latency_program(ctx, s: _LatShape):
    """One tasklet of MRAM-Latency/dpu/copy.c (READ or WRITE build)."""
    yield from ctx.barrier_wait()
    cache = ctx.mem_alloc(s.nbytes)
    base_a = ctx.id * s.nbytes
    base_b = base_a + s.iterations * s.nbytes * ctx.nr_tasklets
    stride = s.nbytes * ctx.nr_tasklets
    for it in range(s.iterations):
        off = it * stride
        if s.direction == READ:
            s.timers.start(ctx)
        yield from ctx.dma_read(s.nbytes, base_a + off, cache)
        if s.direction == READ:
            s.timers.stop(ctx)
        if s.direction == WRITE:
            s.timers.start(ctx)
        yield from ctx.dma_write(s.nbytes, base_b + off, cache)
        if s.direction == WRITE:
            s.timers.stop(ctx)


def _latency_run(cfg, direction, nbytes, nr_tasklets, iterations):
    cfg = as_config(cfg)
    direction = check_choice("DMA direction", direction, ("READ", "WRITE")).lower()
    timers = TaskletTimers(nr_tasklets) if isinstance(nr_tasklets, int) and nr_tasklets > 0 else None
    shape = _LatShape(direction, nbytes, iterations, timers)
    res = run_dpu(latency_program, shape, nr_tasklets=nr_tasklets, config=cfg)
    return cfg, timers.max_cycles(cfg.dpu.freq_mhz), res


def dma_latency_cycles(cfg: SystemConfig | str | None, direction: str, nbytes: int,
                       nr_tasklets: int = 1, iterations: int = 16) -> float:
    """Cycles of one mram_read ('read') or mram_write ('write') of `nbytes`, as timed by the
    slowest tasklet (PrIM MRAM-Latency). One tasklet: alpha + beta*nbytes of the preset."""
    _, cycles, _ = _latency_run(cfg, direction, nbytes, nr_tasklets, iterations)
    return cycles / iterations


def dma_bandwidth_mib_s(cfg: SystemConfig | str | None, direction: str, nbytes: int,
                        nr_tasklets: int = 1, iterations: int = 16) -> float:
    """MRAM bandwidth in MiB/s ('MB/s' in PrIM) of the timed transfers of all tasklets."""
    cfg, cycles, _ = _latency_run(cfg, direction, nbytes, nr_tasklets, iterations)
    moved = nbytes * iterations * nr_tasklets
    return mib_per_s(moved, cycles_to_ps(cycles, cfg.dpu.freq_mhz))


# ---------------------------------------------------------------- STREAM (MRAM)
@dataclass(frozen=True)
class _StreamShape:
    kernel: str
    block_bytes: int
    size_bytes: int
    iterations: int
    reads: int
    block_instructions: float
    wram_timed: bool          # PrIM's WRAM build: time only the WRAM loop, between barriers
    timers: TaskletTimers


def stream_program(ctx, s: _StreamShape):
    """One tasklet of STREAM/dpu/{copy,copyw,add,scale,triad}.c (MRAM or WRAM build)."""
    yield from ctx.barrier_wait()
    if not s.wram_timed:
        s.timers.start(ctx)
    bufs = [ctx.mem_alloc(s.block_bytes) for _ in range(max(s.reads, 1 if s.kernel == "COPY-DMA" else 2))]
    base = ctx.id * s.block_bytes
    stride = s.block_bytes * ctx.nr_tasklets
    out = s.reads * s.size_bytes                         # B for COPY/SCALE, C for ADD/TRIAD
    for it in range(s.iterations):
        off = it * stride
        for a in range(s.reads):
            yield from ctx.dma_read(s.block_bytes, a * s.size_bytes + base + off, bufs[a])
        if s.block_instructions:
            if s.wram_timed:
                yield from ctx.barrier_wait()
                s.timers.start(ctx)
            yield from ctx.compute(instructions=s.block_instructions)
            if s.wram_timed:
                s.timers.stop(ctx)
                yield from ctx.barrier_wait()
        yield from ctx.dma_write(s.block_bytes, out + base + off, bufs[-1])
    if not s.wram_timed:
        s.timers.stop(ctx)


def stream_run(cfg: SystemConfig | str | None, kernel: str, nr_tasklets: int,
               nr_elements: int = 2097152, block_bytes: int = 1024, wram_timed: bool = False,
               sim_iterations: int | None = None):
    """Simulate one STREAM kernel; returns (counted bytes, timed cycles of the slowest tasklet, result)."""
    cfg = as_config(cfg)
    kernel = check_choice("STREAM kernel", kernel, STREAM_KERNELS)
    reads, mix, counted = STREAM_MIX[kernel]
    size_bytes = nr_elements * INT64_BYTES
    iterations = ceil_div(size_bytes, block_bytes * nr_tasklets) if isinstance(nr_tasklets, int) and nr_tasklets > 0 else 0
    sim = iterations if sim_iterations is None else min(iterations, sim_iterations)
    instr = cfg.ops.cost(mix) * (block_bytes // INT64_BYTES) if mix else 0.0
    timers = TaskletTimers(nr_tasklets) if iterations else None
    shape = _StreamShape(kernel, block_bytes, size_bytes, sim, reads, instr, wram_timed, timers)
    res = run_dpu(stream_program, shape, nr_tasklets=nr_tasklets, config=cfg,
                  mram_used_bytes=(reads + 1) * size_bytes)
    cycles = timers.max_cycles(cfg.dpu.freq_mhz) * (iterations / sim if sim else 0.0)
    return counted * size_bytes, cycles, res


def stream_bandwidth_mib_s(cfg: SystemConfig | str | None, kernel: str, nr_tasklets: int,
                           nr_elements: int = 2097152, block_bytes: int = 1024) -> float:
    """STREAM-MRAM bandwidth (INT64) in MiB/s: bytes read + written / slowest tasklet's time."""
    cfg = as_config(cfg)
    nbytes, cycles, _ = stream_run(cfg, kernel, nr_tasklets, nr_elements, block_bytes)
    return mib_per_s(nbytes, cycles_to_ps(cycles, cfg.dpu.freq_mhz))


