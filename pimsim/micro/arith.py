"""Arithmetic throughput on one DPU, as PrIM measures it (prim-benchmarks pull request 7,
Microbenchmarks/Arithmetic-Throughput/dpu/task.c).

Each tasklet walks its share of an MRAM array in `block_bytes` blocks: mram_read a block,
barrier, *timed* WRAM loop `x = buf[i]; x OP= scalar; buf[i] = x` over the block, barrier,
mram_write the block. Only the loop is timed (perfcounter cycles, summed per tasklet); the
host takes the maximum over tasklets and divides by the number of elements.

The loop's cost is the op-mix {load_wram, <op>_<type>, store_wram, loop} per element, plus one
`loop` per block for the loop's entry and exit; all numbers come from the preset's op-cost table.

Speed: every iteration of the block loop sits between two barriers, so every tasklet starts
its timed loop at the same instant with the same work, and every iteration is timed identically.
We therefore simulate `sim_iterations` iterations through run_dpu and scale the timed cycles by
iterations / sim_iterations, which is exact (tests/test_micro.py checks it against a full run).
Pass sim_iterations=None to simulate every iteration.
"""
from __future__ import annotations

from dataclasses import dataclass

from pimsim.config import SystemConfig
from pimsim.engine import run_dpu
from pimsim.micro.common import DTYPES, OPS, TaskletTimers, as_config, ceil_div, check_choice


def loop_opmix(op: str, dtype: str) -> dict[str, float]:
    """Op-mix of one element of PrIM's update() loop (not unrolled: its #pragma unroll is commented out)."""
    op = check_choice("operation", op, OPS)
    dtype = check_choice("data type", dtype, DTYPES)
    return {"load_wram": 1, f"{op.lower()}_{DTYPES[dtype][0]}": 1, "store_wram": 1, "loop": 1}


@dataclass(frozen=True)
class _Shape:
    block_bytes: int
    size_bytes: int
    block_instructions: float
    iterations: int          # iterations of the block loop each tasklet runs on the real DPU
    sim_iterations: int      # iterations actually simulated
    timers: TaskletTimers


def program(ctx, s: _Shape):
    """One tasklet of task.c main_kernel1 (ADD/SUB/MUL/DIV selected by the op-mix)."""
    yield from ctx.barrier_wait()                        # after tasklet 0's mem_reset/perfcounter_config
    cache = ctx.mem_alloc(s.block_bytes)
    base_a = ctx.id * s.block_bytes                      # DPU_MRAM_HEAP_POINTER + (me() << BL)
    base_b = base_a + s.size_bytes
    stride = s.block_bytes * ctx.nr_tasklets
    for it in range(s.sim_iterations):
        off = it * stride
        yield from ctx.dma_read(s.block_bytes, base_a + off, cache)
        yield from ctx.barrier_wait()
        s.timers.start(ctx)
        yield from ctx.compute(instructions=s.block_instructions)
        s.timers.stop(ctx)
        yield from ctx.barrier_wait()
        yield from ctx.dma_write(s.block_bytes, base_b + off, cache)


def run(cfg: SystemConfig | str | None, op: str, dtype: str, nr_tasklets: int,
        nr_elements: int = 1048576, block_bytes: int = 1024, sim_iterations: int | None = 4):
    """Simulate the benchmark; returns (timed cycles of the slowest tasklet, DpuRunResult)."""
    cfg = as_config(cfg)
    mix = loop_opmix(op, dtype)
    size = DTYPES[dtype.upper()][1]
    size_bytes = nr_elements * size
    per_block = block_bytes // size
    instr = cfg.ops.cost(mix) * per_block + cfg.ops.cost({"loop": 1})
    iterations = ceil_div(size_bytes, block_bytes * nr_tasklets) if nr_tasklets > 0 else 0
    sim = iterations if sim_iterations is None else min(iterations, sim_iterations)
    timers = TaskletTimers(max(nr_tasklets, 0)) if isinstance(nr_tasklets, int) else None
    shape = _Shape(block_bytes, size_bytes, instr, iterations, sim, timers)
    res = run_dpu(program, shape, nr_tasklets=nr_tasklets, config=cfg,
                  mram_used_bytes=2 * size_bytes + block_bytes * nr_tasklets)
    cycles = timers.max_cycles(cfg.dpu.freq_mhz) * (iterations / sim if sim else 0.0)
    return cycles, res


def cycles_per_op(cfg: SystemConfig | str | None, op: str, dtype: str, nr_tasklets: int,
                  nr_elements: int = 1048576, block_bytes: int = 1024,
                  sim_iterations: int | None = 4) -> float:
    """PrIM PR7's metric: max over tasklets of the timed WRAM-loop cycles / nr_elements."""
    cycles, _ = run(cfg, op, dtype, nr_tasklets, nr_elements, block_bytes, sim_iterations)
    return cycles / nr_elements


def mops(cfg: SystemConfig | str | None, op: str, dtype: str, nr_tasklets: int,
         nr_elements: int = 1048576, block_bytes: int = 1024, sim_iterations: int | None = 4) -> float:
    """Millions of operations per second at the preset's DPU clock (PrIM's Fig. 'arithmetic throughput')."""
    cfg = as_config(cfg)
    return cfg.dpu.freq_mhz / cycles_per_op(cfg, op, dtype, nr_tasklets, nr_elements, block_bytes,
                                             sim_iterations)
