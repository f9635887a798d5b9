"""What-if hardware study: how PrIM workloads on one rank (64 DPUs) would change on other hardware.

Each scenario is the default preset (upmem-2556) with a few `section.field` overrides, the same
strings `--set` takes on the command line, e.g.

    pimsim run prim GEMV --dpus 64 --timing-only --set dpu.freq_mhz=500

Scenarios:
- DPUs at 500 MHz instead of 350 (UPMEM's later parts run at 400 MHz; PrIM slides p.30);
- MRAM<->WRAM DMA twice as fast per byte (beta halved, both directions);
- host<->DPU links twice as fast (serial bandwidths doubled, both directions).

The preset gives DMA costs in DPU cycles (PrIM measured them so), so a faster clock speeds up the
DMA engine too; the second scenario changes the DMA alone.

Run: python examples/what_if.py   (a few seconds; timing-only runs)
"""
from __future__ import annotations

from pimsim.config import load_preset
from pimsim.workloads import prim

DPUS = 64
WORKLOADS = ("VA", "GEMV", "RED", "SEL", "HST-S")     # PrIM's 1-rank default sizes
SCENARIOS = {
    "baseline (upmem-2556)": {},
    "DPU at 500 MHz": {"dpu.freq_mhz": 500},
    "DMA 2x per byte": {"dma.read_beta_cycles_per_byte": 0.25, "dma.write_beta_cycles_per_byte": 0.25},
    "host links 2x": {"transfer.cpu_dpu_serial_gbps": 0.54, "transfer.dpu_cpu_serial_gbps": 0.24},
}


def study() -> dict[str, dict[str, dict[str, float]]]:
    """{scenario: {workload: time_ms breakdown}} for every scenario and workload."""
    base = load_preset("upmem-2556")
    out = {}
    for scenario, overrides in SCENARIOS.items():
        cfg = base.with_overrides(overrides)
        out[scenario] = {w: dict(prim.run(w, dpus=DPUS, timing_only=True, config=cfg).time_ms) for w in WORKLOADS}
    return out


def main() -> dict:
    times = study()
    base = times["baseline (upmem-2556)"]
    print(f"PrIM on {DPUS} DPUs, default sizes: DPU kernel time and end-to-end time, speed-up over the baseline")
    print(f"  {'scenario':<22} {'time':<7}" + "".join(f"{w:>17}" for w in WORKLOADS))
    for scenario, t in times.items():
        for label, key in (("kernel", "dpu_kernel"), ("total", "total")):
            cells = "".join(f"{t[w][key]:>10.2f}ms x{base[w][key] / t[w][key]:.2f}" for w in WORKLOADS)
            print(f"  {scenario if key == 'dpu_kernel' else '':<22} {label:<7}{cells}")
    return times


if __name__ == "__main__":
    main()
