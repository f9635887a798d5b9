"""STREAM in WRAM, as PrIM measures it (prim-benchmarks Microbenchmarks/STREAM, MEM=WRAM build).

Same kernels and data as STREAM-MRAM, but each tasklet times only its WRAM loop, between two
barriers, so the DMAs are not counted: this is the WRAM/pipeline bandwidth. Bandwidth counts
the bytes the loop loads and stores (COPY/SCALE 2x, ADD/TRIAD 3x the array size) over the
slowest tasklet's summed loop cycles, in MiB/s.

Every timed loop starts at a barrier release with identical work in every tasklet and every
iteration, so simulating `sim_iterations` iterations and scaling is exact (as in arith.py).
"""
from __future__ import annotations

from pimsim.config import SystemConfig
from pimsim.micro.common import as_config, check_choice
from pimsim.micro.mram import stream_run
from pimsim.units import cycles_to_ps, mib_per_s

STREAM_KERNELS = ("COPY", "ADD", "SCALE", "TRIAD")


def stream_bandwidth_mib_s(cfg: SystemConfig | str | None, kernel: str, nr_tasklets: int,
                           nr_elements: int = 2097152, block_bytes: int = 1024,
                           sim_iterations: int | None = 4) -> float:
    """STREAM-WRAM bandwidth (INT64) in MiB/s."""
    cfg = as_config(cfg)
    kernel = check_choice("WRAM STREAM kernel", kernel, STREAM_KERNELS)
    nbytes, cycles, _ = stream_run(cfg, kernel, nr_tasklets, nr_elements, block_bytes,
                                   wram_timed=True, sim_iterations=sim_iterations)
    return mib_per_s(nbytes, cycles_to_ps(cycles, cfg.dpu.freq_mhz))
