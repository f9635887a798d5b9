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


def published_points(directory=None) -> list[dict]:
    """PrIM slides p.20 transfer points from validation/measurements (metric xfer_bw, GB/s)."""
    from pimsim.micro.measured import PUBLISHED_FILE, _rows
    out = []
    for r in _rows(PUBLISHED_FILE, directory):
        if r["metric"] == "xfer_bw":
            out.append({"kind": kind_of_variant(r["variant"]), "variant": r["variant"],
                        "nr_dpus": int(r["nr_dpus"]), "bytes_per_dpu": int(r["size"]),
                        "measured_gbps": float(r["value"]), "source": r["source"]})
    return out


def validation_rows(cfg: SystemConfig) -> list[dict]:
    rows = []
    for p in published_points():
        pred = bandwidth_gbps(cfg, p["kind"], p["nr_dpus"], p["bytes_per_dpu"])
        rows.append({**p, "gbps": pred, "error_pct": 100.0 * (pred - p["measured_gbps"]) / p["measured_gbps"]})
    return rows


def draw(ax, rows: list[dict], measured: list[dict]) -> None:
    """Bandwidth vs DPUs in one rank at 32 MiB per DPU (lines), measured points (o)."""
    big = max(r["bytes_per_dpu"] for r in rows if "nr_ranks" not in r)
    for kind in KINDS:
        rs = sorted((r for r in rows if r["kind"] == kind and r["bytes_per_dpu"] == big and "nr_ranks" not in r),
                    key=lambda r: r["nr_dpus"])
        line, = ax.plot([r["nr_dpus"] for r in rs], [r["gbps"] for r in rs], "-", label=kind)
        pts = [m for m in measured if m["kind"] == kind]
        ax.plot([m["nr_dpus"] for m in pts], [m["measured_gbps"] for m in pts], "o",
                color=line.get_color(), mfc="none")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("DPUs in one rank")
    ax.set_ylabel("GB/s (10^9 B/s)")
    ax.set_title(f"host<->DPU transfers, {big >> 20} MiB per DPU (o: measured)")
    ax.legend(fontsize=6)


def draw_ranks(ax, rows: list[dict]) -> None:
    for kind in ("parallel_cpu_dpu", "parallel_dpu_cpu", "broadcast"):
        rs = sorted((r for r in rows if r["kind"] == kind and "nr_ranks" in r), key=lambda r: r["nr_ranks"])
        ax.plot([r["nr_ranks"] for r in rs], [r["gbps"] for r in rs], "-o", ms=3, label=kind)
    ax.set_xlabel("ranks")
    ax.set_ylabel("GB/s (10^9 B/s)")
    ax.set_title("transfers over ranks, 32 MiB per DPU")
    ax.legend(fontsize=6)
