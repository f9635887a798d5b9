"""Scaling projection: how PrIM RED (a reduction of 419,430,400 int64 values, PrIM's 32-rank
strong-scaling size) would run from 4 ranks to the whole 2,556-DPU system.

For each DPU count it prints the time breakdown, the kernel's speed-up over the first count
and its parallel efficiency, and it draws the stacked bars PrIM's scaling figures use. The same
sweep from the shell (the plot with --plot):

    pimsim scaling prim RED --kind strong --dpus 256,512,1024,2048,2556 --plot red_strong.png

Run: python examples/scaling_projection.py [PLOT.png]   (a few seconds; timing-only runs)
"""
from __future__ import annotations

import sys

from pimsim.analysis.breakdown_plots import plot_breakdown
from pimsim.config import load_preset
from pimsim.hw.host import Topology
from pimsim.workloads import prim

WORKLOAD = "RED"
SIZE = prim.module(WORKLOAD).STRONG_LARGE_SIZE
DPUS = (256, 512, 1024, 2048, 2556)
PARTS = ("cpu_dpu", "dpu_kernel", "inter_dpu", "dpu_cpu")


def project() -> dict[int, dict[str, float]]:
    """{DPUs: time_ms breakdown} of the strong-scaling sweep."""
    return {d: dict(prim.run(WORKLOAD, dpus=d, size=SIZE, timing_only=True).time_ms) for d in DPUS}


def main(plot: str | None = None) -> dict[int, dict[str, float]]:
    times = project()
    first = DPUS[0]
    print(f"PrIM {WORKLOAD}, {SIZE:,} elements in total (strong scaling), preset upmem-2556, times in ms")
    cfg = load_preset("upmem-2556")
    print(f"  {'DPUs':>5} {'ranks':>5} {'ranks/channel':>13} " + " ".join(f"{p:>11}" for p in PARTS)
          + f" {'total':>11}  kernel speed-up  efficiency")
    for d, t in times.items():
        topo = Topology.of(cfg, d)          # ranks are dealt round-robin over the DDR channels
        speedup = times[first]["dpu_kernel"] / t["dpu_kernel"]
        print(f"  {d:>5} {topo.nr_ranks:>5} {-(-topo.nr_ranks // topo.nr_channels):>13} "
              + " ".join(f"{t[p]:>11.3f}" for p in PARTS) + f" {t['total']:>11.3f}"
              f"  {'x' + format(speedup, '.2f'):>15}  {100 * speedup * first / d:>8.0f} %")
    share = {d: (t["cpu_dpu"] + t["dpu_cpu"]) / t["total"] for d, t in times.items()}
    print(f"host<->DPU transfers take {100 * share[first]:.0f} % of the run at {first} DPUs and "
          f"{100 * share[DPUS[-1]]:.0f} % at {DPUS[-1]} (ranks on one DDR channel share its bandwidth)")
    if plot:
        print("plot:", plot_breakdown([str(d) for d in DPUS], list(times.values()), plot,
                                      title=f"PrIM {WORKLOAD}: strong scaling (upmem-2556)", xlabel="DPUs",
                                      speedup_of="dpu_kernel"))
    return times


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
