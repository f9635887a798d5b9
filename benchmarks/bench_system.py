"""Scale benchmark: a streaming kernel on every DPU of the 2,556-DPU system, timing-only.

Prints the wall time of the whole host program (push, launch, gather) and the speed-up that
equivalence classes give over simulating every DPU (measured on one rank, then extrapolated
per DPU). Ratios, not asserts: run `python benchmarks/bench_system.py`.
"""
from __future__ import annotations

import time

from pimsim.host_api import DpuSet
from pimsim.kernel import Placeholder
from pimsim.kernels import stream
from pimsim.units import ps_to_s

BYTES_PER_DPU = 4 << 20


def run(nr_dpus, equivalence=True):
    ds = DpuSet(nr_dpus, timing_only=True, equivalence=equivalence)
    ds.load(stream.KERNEL, 16)
    ds.push_xfer("DPU_INPUT_ARGUMENTS", [stream.make_args(BYTES_PER_DPU, 1)] * ds.nr_dpus)
    ds.push_xfer("MRAM", [Placeholder(BYTES_PER_DPU)] * ds.nr_dpus)
    ds.launch()
    ds.push_xfer_from("MRAM", BYTES_PER_DPU, offset=BYTES_PER_DPU)
    return ds.result()


def main() -> None:
    t0 = time.perf_counter()
    r = run("all")
    wall = time.perf_counter() - t0
    sim_s = ps_to_s(r.total_ps)
    print(f"2,556 DPUs x 16 tasklets, {BYTES_PER_DPU >> 20} MiB per DPU, timing-only")
    print(f"  simulated time   {sim_s * 1e3:10.2f} ms  (kernel {r.time_ms['dpu_kernel']:.2f} ms)")
    print(f"  wall time        {wall:10.3f} s")
    print(f"  simulated DPU-cycles per wall second: "
          f"{sum(r.dpu_cycles) / wall / 1e6:,.0f} M (all DPUs summed)")
    t0 = time.perf_counter()
    run(64, equivalence=False)
    per_dpu = (time.perf_counter() - t0) / 64
    print(f"  without equivalence classes: ~{per_dpu * 2556:.1f} s estimated "
          f"({per_dpu * 1e3:.1f} ms per DPU) -> speed-up x{per_dpu * 2556 / wall:,.0f}")


if __name__ == "__main__":
    main()
