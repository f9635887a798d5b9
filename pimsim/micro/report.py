"""Predicted-vs-measured tables for the microbenchmarks (used by `pimsim micro` and the tests;
`pimsim validate` can call `validation_rows` / `mape_by_group`)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from pimsim.config import SystemConfig
from pimsim.micro import arith, mram, wram
from pimsim.micro import measured as meas
from pimsim.micro.common import DTYPES, OPS, as_config

ARITH_TASKLETS = tuple(range(1, 25))
STREAM_TASKLETS = tuple(range(1, 17))          # STREAM/run.sh sweeps 1..16 tasklets
MRAM_SIZES = tuple(2**i for i in range(3, 12))  # 8..2048 bytes
STREAM_ELEMENTS = 2097152                      # STREAM/run.sh: -i 2097152 (INT64, 16 MiB per array)


# ---------------------------------------------------------------- provenance of op costs
@lru_cache(maxsize=16)
def _preset_comments(path: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(section, key) -> (value text, comment) from a preset TOML file."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    try:
        text = Path(path).read_text()
    except OSError:
        return out
    section = ""
    for line in text.splitlines():
        m = re.match(r"\s*\[([^\]]+)\]", line)
        if m:
            section = m.group(1).strip()
            continue
        m = re.match(r"\s*([A-Za-z0-9_]+)\s*=\s*([^#]*?)\s*(?:#\s*(.*))?$", line)
        if m and section:
            out[(section, m.group(1))] = (m.group(2), (m.group(3) or "").strip())
    return out


def op_cost_basis(cfg: SystemConfig, key: str) -> str:
    """Where an op cost comes from: the preset's comment, or 'overridden' if --set changed it."""
    comments = _preset_comments(cfg.source_path) if cfg.source_path else {}
    value_text, comment = comments.get(("ops", key), ("", ""))
    try:
        file_value = float(value_text)
    except ValueError:
        file_value = None
    if not comment and "uint" in key:
        signed = key.replace("uint", "int")
        comment = f"as {signed}: " + comments.get(("ops", signed), ("", ""))[1]
    value = cfg.ops.instructions[key]
    if file_value is not None and file_value != value:
        return f"{key} = {value:g} instructions (overridden)"
    return f"{key} = {value:g} instructions ({comment or 'no source comment'})"


def clock_note(cfg: SystemConfig, p) -> str | None:
    """A bandwidth measured at another DPU clock than the preset's is not comparable: say so."""
    if p.freq_mhz is not None and abs(p.freq_mhz - cfg.dpu.freq_mhz) > 1e-9:
        return (f"measured on a {p.freq_mhz:g} MHz system ({p.system}); preset {cfg.name} runs at "
                f"{cfg.dpu.freq_mhz:g} MHz")
    return None


def error_pct(predicted: float, measured: float | None) -> float | None:
    if measured is None or measured == 0:
        return None
    return 100.0 * (predicted - measured) / measured


# ---------------------------------------------------------------- arithmetic throughput
def arith_rows(cfg: SystemConfig | str | None, tasklets: Sequence[int] = ARITH_TASKLETS,
               ops: Iterable[str] = OPS, dtypes: Iterable[str] = DTYPES) -> list[dict]:
    cfg = as_config(cfg)
    measured = {p.key: p for p in meas.arith_points()}
    rows = []
    for op in ops:
        for dt in dtypes:
            key = f"{op.lower()}_{DTYPES[dt][0]}"
            basis = op_cost_basis(cfg, key)
            for k in tasklets:
                cpo = arith.cycles_per_op(cfg, op, dt, k)
                m = measured.get((op, dt, k))
                rows.append({
                    "op": op, "dtype": dt, "nr_tasklets": k,
                    "cycles_per_op": cpo, "mops": cfg.dpu.freq_mhz / cpo,
                    "measured_cycles_per_op": m.value if m else None,
                    "error_pct": error_pct(cpo, m.value if m else None),
                    "basis": "measured (prim-benchmarks PR 7)" if m else f"modelled: {basis}",
                    "op_cost": basis,
                })
    return rows


# ---------------------------------------------------------------- MRAM DMA
def mram_rows(cfg: SystemConfig | str | None, sizes: Sequence[int] = MRAM_SIZES,
              nr_tasklets: int = 1) -> list[dict]:
    cfg = as_config(cfg)
    measured = {p.key: p for p in meas.mram_points()}
    rows = []
    for d in mram.DIRECTIONS:
        for n in sizes:
            lat = mram.dma_latency_cycles(cfg, d, n, nr_tasklets)
            bw = mram.dma_bandwidth_mib_s(cfg, d, n, nr_tasklets)
            m = measured.get((d, n)) if nr_tasklets == 1 else None
            rows.append({"direction": d, "bytes": n, "nr_tasklets": nr_tasklets,
                         "latency_cycles": lat, "bandwidth_mib_s": bw,
                         "measured_bandwidth_mib_s": m.value if m else None,
                         "error_pct": error_pct(bw, m.value if m else None)})
    return rows


def stream_rows(cfg: SystemConfig | str | None, tasklets: Sequence[int] = STREAM_TASKLETS,
                kernels: Iterable[str] = mram.STREAM_KERNELS, memory: str = "MRAM",
                nr_elements: int = STREAM_ELEMENTS) -> list[dict]:
    """One row per kernel: bandwidth at each tasklet count, the peak, and the measured peak."""
    cfg = as_config(cfg)
    measured = {p.key[0]: p for p in meas.stream_points()} if memory == "MRAM" else {}
    rows = []
    for kern in kernels:
        if memory == "MRAM":
            bws = [mram.stream_bandwidth_mib_s(cfg, kern, k, nr_elements) for k in tasklets]
        else:
            bws = [wram.stream_bandwidth_mib_s(cfg, kern, k, nr_elements) for k in tasklets]
        peak = max(bws)
        m = measured.get(kern)
        rows.append({"kernel": kern, "memory": memory, "tasklets": list(tasklets),
                     "bandwidth_mib_s": bws, "peak_mib_s": peak,
                     "peak_tasklets": tasklets[bws.index(peak)],
                     "measured_peak_mib_s": m.value if m else None,
                     "error_pct": error_pct(peak, m.value if m else None),
                     "source": m.source if m else None})
    return rows


# ---------------------------------------------------------------- the validation points
def validation_rows(cfg: SystemConfig | str | None = None, stream_elements: int = STREAM_ELEMENTS,
                    stream_peaks: dict[str, float] | None = None) -> list[dict]:
    """Every measured single-DPU microbenchmark point with its prediction.

    stream_elements: array size of the STREAM-MRAM runs (PrIM: 2,097,152); the peak bandwidth
    is a steady-state quantity, so a smaller size (>= 2^18) gives the same figure to < 0.1 %.
    stream_peaks: already computed {kernel: peak over 1..16 tasklets}, to avoid recomputing.
    """
    stream_peaks = stream_peaks or {}
    cfg = as_config(cfg)
    rows = []
    for p in meas.arith_points():
        op, dt, k = p.key
        pred = arith.cycles_per_op(cfg, op, dt, k)
        rows.append({"group": "arith", "label": f"{op} {dt} {k} tasklets", "unit": p.unit,
                     "measured": p.value, "predicted": pred, "error_pct": error_pct(pred, p.value)})
    for p in meas.mram_points():
        d, n = p.key
        pred = mram.dma_bandwidth_mib_s(cfg, d, n, 1)
        rows.append({"group": "mram", "label": f"mram_{d} {n} B, 1 tasklet", "unit": p.unit,
                     "measured": p.value, "predicted": pred, "error_pct": error_pct(pred, p.value),
                     "note": clock_note(cfg, p)})
    for p in meas.stream_points():
        kern = p.key[0]
        pred = stream_peaks.get(kern)
        if pred is None:
            pred = max(mram.stream_bandwidth_mib_s(cfg, kern, k, stream_elements) for k in STREAM_TASKLETS)
        rows.append({"group": "stream-mram", "label": f"STREAM-MRAM {kern} peak (1..16 tasklets)",
                     "unit": p.unit, "measured": p.value, "predicted": pred,
                     "error_pct": error_pct(pred, p.value), "note": clock_note(cfg, p)})
    return rows


def mape_by_group(rows: list[dict]) -> dict[str, dict]:
    """{group: {n, mape_pct, max_abs_error_pct}} plus 'all'."""
    groups: dict[str, list[float]] = {}
    for r in rows:
        if r.get("error_pct") is None:
            continue
        groups.setdefault(r["group"], []).append(abs(r["error_pct"]))
        groups.setdefault("all", []).append(abs(r["error_pct"]))
    return {g: {"n": len(e), "mape_pct": sum(e) / len(e), "max_abs_error_pct": max(e)}
            for g, e in groups.items()}
