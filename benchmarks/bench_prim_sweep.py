"""PrIM strong-scaling sweep at 256, 512, 1,024 and 2,048 DPUs, timing-only, all 16 workloads.

Prints the wall time per workload and for the whole sweep (the issue's "finishes in minutes"
figure), and the ratio of simulated to wall time. Workloads run in `--jobs` processes (default:
one per core); each process keeps its own cache of single-DPU results. Sizes: each workload's
32-rank strong-scaling size (STRONG_LARGE_SIZE) where PrIM gives one, otherwise its default.
Usage: python benchmarks/bench_prim_sweep.py [--jobs N] [NAME ...]
"""
from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor

from pimsim.commands.scaling import sweep_points
from pimsim.workloads import prim

DPUS = [256, 512, 1024, 2048]


def sweep(name: str) -> tuple[str, int, float, list[float]]:
    mod = prim.module(name)
    t0 = time.perf_counter()
    times, size = [], 0
    for pt in sweep_points(mod, "strong", DPUS, [16], None, {}):
        r = prim.run(name, dpus=pt["dpus"], tasklets=16, size=pt["size"], params=pt["params"],
                     timing_only=True)
        times.append(r.time_ms["total"])
        size = pt["size"]
    return name, size, time.perf_counter() - t0, times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("names", nargs="*", default=list(prim.NAMES))
    args = ap.parse_args()
    t0 = time.perf_counter()
    busy = simulated = 0.0
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for name, size, wall, times in pool.map(sweep, args.names):
            busy += wall
            simulated += sum(times)
            print(f"{name:9} size {size:>11,}  wall {wall:7.1f} s   simulated total ms "
                  + " ".join(f"{t:9.1f}" for t in times), flush=True)
    elapsed = time.perf_counter() - t0
    print(f"all {len(args.names)} workloads x {len(DPUS)} DPU counts: {elapsed:.1f} s wall on {args.jobs} "
          f"processes ({busy:.1f} s of work); simulated / wall time = {simulated / 1e3 / elapsed:.2f}")


if __name__ == "__main__":
    main()
