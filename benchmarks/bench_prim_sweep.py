"""PrIM strong-scaling sweep at 256, 512, 1,024 and 2,048 DPUs, timing-only, all 16 workloads.

Prints the wall time per workload and in total (the issue's "finishes in minutes" figure).
Sizes: each workload's 32-rank strong-scaling size (STRONG_LARGE_SIZE) where PrIM gives one,
otherwise its default. Usage: python benchmarks/bench_prim_sweep.py [NAME ...]
"""
from __future__ import annotations

import sys
import time

from pimsim.commands.scaling import sweep_points
from pimsim.workloads import prim

DPUS = [256, 512, 1024, 2048]


def main(names: list[str]) -> None:
    total = 0.0
    for name in names or prim.NAMES:
        mod = prim.module(name)
        t0 = time.perf_counter()
        times = []
        for pt in sweep_points(mod, "strong", DPUS, [16], None, {}):
            r = prim.run(name, dpus=pt["dpus"], tasklets=16, size=pt["size"], params=pt["params"],
                         timing_only=True)
            times.append(r.time_ms["total"])
        wall = time.perf_counter() - t0
        total += wall
        print(f"{name:9} size {pt['size']:>11,}  wall {wall:7.1f} s   simulated total ms "
              + " ".join(f"{t:9.1f}" for t in times), flush=True)
    print(f"all: {total:.1f} s wall")


if __name__ == "__main__":
    main(sys.argv[1:])
