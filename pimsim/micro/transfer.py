"""Host<->DPU transfer microbenchmark, shaped like PrIM's CPU-DPU microbenchmark.

PrIM measures, for n DPUs of one rank (or many ranks) and b bytes per DPU:
serial = a dpu_copy_to/copy_from loop over the DPUs; parallel = one dpu_push_xfer;
broadcast = one dpu_broadcast_to. Bandwidth = bytes delivered / time, GB = 10^9 bytes.
"""
from __future__ import annotations

from pimsim.config import SystemConfig
from pimsim.errors import PimsimError
from pimsim.hw.host import FROM_DPU, TO_DPU, Topology, parallel_transfer, serial_transfer
from pimsim.units import gb_per_s

KINDS = ("serial_cpu_dpu", "serial_dpu_cpu", "parallel_cpu_dpu", "parallel_dpu_cpu", "broadcast")


def transfer_time_ps(cfg: SystemConfig, kind: str, nr_dpus: int, bytes_per_dpu: int) -> int:
    if kind not in KINDS:
        raise PimsimError(f"unknown transfer kind {kind!r}; known: {', '.join(KINDS)}")
    if not 1 <= nr_dpus <= cfg.topology.nr_dpus:
        raise PimsimError(f"nr_dpus = {nr_dpus}: preset {cfg.name!r} has 1..{cfg.topology.nr_dpus} DPUs")
    if bytes_per_dpu <= 0 or bytes_per_dpu > cfg.dpu.mram_bytes:
        raise PimsimError(f"bytes_per_dpu = {bytes_per_dpu}: must be 1..{cfg.dpu.mram_bytes} (dpu.mram_bytes)")
    topo = Topology.of(cfg, nr_dpus)
    direction = TO_DPU if kind.endswith("cpu_dpu") or kind == "broadcast" else FROM_DPU
    if kind.startswith("serial"):
        return sum(serial_transfer(cfg, topo, direction, d, bytes_per_dpu).total_ps for d in range(nr_dpus))
    sizes = {d: bytes_per_dpu for d in range(nr_dpus)}
    return parallel_transfer(cfg, topo, direction, sizes, broadcast=(kind == "broadcast")).total_ps


def bandwidth_gbps(cfg: SystemConfig, kind: str, nr_dpus: int, bytes_per_dpu: int) -> float:
    """Delivered bandwidth (10^9 B/s) of one PrIM CPU-DPU microbenchmark point."""
    return gb_per_s(nr_dpus * bytes_per_dpu, transfer_time_ps(cfg, kind, nr_dpus, bytes_per_dpu))


# The published points this microbenchmark can replay: variant label -> kind
PUBLISHED_VARIANTS = {
    "serial CPU-DPU": "serial_cpu_dpu", "serial DPU-CPU": "serial_dpu_cpu",
    "parallel CPU-DPU": "parallel_cpu_dpu", "parallel DPU-CPU": "parallel_dpu_cpu",
    "broadcast CPU-DPU": "broadcast",
}


def kind_of_variant(variant: str) -> str | None:
    for prefix, kind in PUBLISHED_VARIANTS.items():
        if variant.startswith(prefix):
            return kind
    return None


def sweep(cfg: SystemConfig, dpus=(1, 4, 16, 64), sizes=(8, 2048, 1 << 20, 32 << 20),
          ranks=(1, 2, 4, 8, 16, 32, 40)) -> list[dict]:
    """Rows of the transfer report: per-rank sweeps over DPUs and sizes, then over ranks."""
    rows = []
    for kind in KINDS:
        for n in dpus:
            for b in sizes:
                rows.append({"kind": kind, "nr_dpus": n, "bytes_per_dpu": b,
                             "gbps": bandwidth_gbps(cfg, kind, n, b)})
    per_rank = cfg.topology.dpus_per_rank
    for kind in ("parallel_cpu_dpu", "parallel_dpu_cpu", "broadcast"):
        for r in ranks:
            n = min(r * per_rank, cfg.topology.nr_dpus)
            if r * per_rank > cfg.topology.nr_dpus + per_rank - 1:
                continue
            rows.append({"kind": kind, "nr_dpus": n, "nr_ranks": r, "bytes_per_dpu": 32 << 20,
                         "gbps": bandwidth_gbps(cfg, kind, n, 32 << 20)})
    return rows
