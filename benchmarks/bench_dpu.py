"""Speed of the single-DPU model: one DPU, 16 tasklets streaming 32 MB through WRAM in 2 KB
blocks (mram_read, compute, mram_write), as a PrIM-style streaming kernel does.

Prints simulated DPU cycles per wall-clock second and SimPy events per second (events counted
from the environment's own event-id counter, so counting costs nothing), then the same program
on the compiled replay of fixed-phase programs (pimsim.hw.phases): its speed, the speed-up over
SimPy, and whether the two results are equal. No timed asserts.

    python benchmarks/bench_dpu.py [--mib 32] [--tasklets 16] [--repeat 3]
"""
from __future__ import annotations

import argparse
import dataclasses
import time

import simpy

import pimsim.engine as engine
from pimsim import load_preset, run_dpu

BLOCK = 2048
# per 4-byte element: load, add, store, loop overhead (an int32 vector-add-like inner loop)
OPMIX = {"load_wram": 1, "add_int32": 1, "store_wram": 1, "loop": 1}


def program(ctx, shape):
    total_bytes = shape
    buf = ctx.mem_alloc(BLOCK)
    per_block = ctx.cost(OPMIX) * (BLOCK // 4)
    stride = BLOCK * ctx.nr_tasklets
    out = total_bytes
    for off in range(ctx.id * BLOCK, total_bytes, stride):
        yield from ctx.dma_read(BLOCK, off, buf)
        yield from ctx.compute(instructions=per_block)
        yield from ctx.dma_write(BLOCK, out + off, buf)


class _CountingEnv(simpy.Environment):
    made: list = []

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        _CountingEnv.made.append(self)


def run_once(cfg, nbytes: int, tasklets: int):
    _CountingEnv.made.clear()
    saved = engine.simpy.Environment
    engine.simpy.Environment = _CountingEnv
    try:
        t0 = time.perf_counter()
        res = run_dpu(program, nbytes, nr_tasklets=tasklets, config=cfg, mram_used_bytes=2 * nbytes)
        wall = time.perf_counter() - t0
    finally:
        engine.simpy.Environment = saved
    env = _CountingEnv.made[-1]
    events = next(env._eid)          # ids handed out = events scheduled
    return res, wall, events


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mib", type=int, default=32, help="MiB streamed through WRAM (default 32)")
    ap.add_argument("--tasklets", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--preset", default="upmem-2556")
    args = ap.parse_args()
    cfg = load_preset(args.preset)
    nbytes = args.mib << 20
    best = None
    for _ in range(args.repeat):
        res, wall, events = run_once(cfg, nbytes, args.tasklets)
        if best is None or wall < best[1]:
            best = (res, wall, events)
    res, wall, events = best
    phases = res.dma_read_count + res.dma_write_count
    print(f"one DPU, {args.tasklets} tasklets, {args.mib} MiB in {BLOCK} B blocks (read, compute, write), preset {cfg.name}")
    print(f"  simulated : {res.cycles:,.0f} DPU cycles = {res.time_ms:.2f} ms at {cfg.dpu.freq_mhz:g} MHz"
          f"  (pipeline {res.pipeline_utilisation:.1%}, DMA engine {res.dma_utilisation:.1%} busy)")
    print(f"  DMAs      : {phases:,}   instructions: {res.total_instructions:,.0f}")
    print(f"  wall      : {wall:.3f} s (best of {args.repeat})")
    print(f"  speed     : {res.cycles / wall / 1e6:,.1f} M simulated cycles / s")
    print(f"  events    : {events:,} SimPy events, {events / wall / 1e6:,.2f} M events / s, "
          f"{events / max(phases, 1):.1f} events per DMA")
    replay_wall, replayed = float("inf"), None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        replayed = run_dpu(program, nbytes, nr_tasklets=args.tasklets, config=cfg, mram_used_bytes=2 * nbytes,
                           fixed_phases=True)
        replay_wall = min(replay_wall, time.perf_counter() - t0)
    print(f"  replay    : {replay_wall:.3f} s, {replayed.cycles / replay_wall / 1e6:,.1f} M simulated cycles / s, "
          f"x{wall / replay_wall:.1f} over SimPy; result equal to SimPy's in every field: {_same(replayed, res)}")


def _same(a, b) -> bool:
    """Equal DpuRunResults, apart from the config and provenance they carry."""
    skip = {"config", "provenance"}
    return all(getattr(a, f.name) == getattr(b, f.name) for f in dataclasses.fields(a) if f.name not in skip)


if __name__ == "__main__":
    main()
