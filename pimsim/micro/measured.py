"""The measured single-DPU microbenchmark points, read from validation/measurements/.

A deliberately small reader for the microbenchmarks; the general loader of the validation
schema lives in pimsim.analysis.measurements. Each point says what it is, its value and unit,
and which CSV row it came from.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

MEASUREMENTS_DIR = Path(__file__).resolve().parent.parent.parent / "validation" / "measurements"
ARITH_FILE = "prim_arith_throughput_add_measured.csv"
PUBLISHED_FILE = "upmem_published_points.csv"


@dataclass(frozen=True)
class Point:
    group: str            # "arith", "mram", "stream-mram"
    key: tuple            # arith: (op, dtype, nr_tasklets); mram: (direction, nbytes); stream: (kernel,)
    value: float
    unit: str
    source: str
    system: str = ""
    freq_mhz: float | None = None    # DPU clock of the measured system, when the source states it


def _freq(system: str) -> float | None:
    m = re.search(r"@\s*(\d+(?:\.\d+)?)\s*MHz", system or "")
    return float(m.group(1)) if m else None


def _rows(name: str, directory: Path | None = None) -> list[dict]:
    path = (directory or MEASUREMENTS_DIR) / name
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def arith_points(directory: Path | None = None) -> list[Point]:
    """PrIM PR7: ADD x 6 types x 1..24 tasklets, cycles/op (1 DPU, 1,048,576 elements, 1 KB blocks)."""
    out = []
    for r in _rows(ARITH_FILE, directory):
        out.append(Point("arith", (r["op"].upper(), r["type"].upper(), int(r["nr_tasklets"])),
                         float(r["cycles_per_op"]), "cycles/op",
                         f"{ARITH_FILE} (prim-benchmarks PR 7, nr_elements={r['nr_elements']})"))
    return out


def mram_points(directory: Path | None = None) -> list[Point]:
    """PrIM slides p.30: mram_read / mram_write bandwidth of one tasklet at 2,048 B."""
    out = []
    for r in _rows(PUBLISHED_FILE, directory):
        if r["workload"] != "mram-latency" or r["metric"] != "mram_bw":
            continue
        variant = r["variant"].split()
        direction = "read" if variant[0] == "mram_read" else "write"
        out.append(Point("mram", (direction, int(r["size"])), float(r["value"]), "MiB/s",
                         r["source"], r["system"], _freq(r["system"])))
    return out


def stream_points(directory: Path | None = None) -> list[Point]:
    """PrIM slides p.33: STREAM-MRAM INT64 peak bandwidth (max over 1..16 tasklets)."""
    out = []
    for r in _rows(PUBLISHED_FILE, directory):
        if r["workload"] != "stream-mram" or r["metric"] != "mram_bw":
            continue
        kernel = r["variant"].split()[0].upper()
        note = f"; {r['uncertainty']}" if r.get("uncertainty") else ""
        out.append(Point("stream-mram", (kernel,), float(r["value"]), "MiB/s", r["source"] + note,
                         r["system"], _freq(r["system"])))
    return out


def all_points(directory: Path | None = None) -> list[Point]:
    return arith_points(directory) + mram_points(directory) + stream_points(directory)
