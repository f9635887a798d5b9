"""Measured UPMEM points: load and validate CSV files in the validation schema.

Schema (one row per measured point, header required, column order free):

    source,system,workload,variant,nr_dpus,nr_tasklets,size,metric,value,unit,uncertainty

The uncertainty column is free text. One item in it is read: `sd=<number>`, the run-to-run
standard deviation of the value in the row's unit (validation/collect writes it when a point is
run more than once); `pimsim validate` reports which predictions fall within two of them.

Every row is checked when loaded; the first malformed row raises MeasurementError naming the
file, the line and the field, e.g. ``points.csv:12: field 'nr_dpus' = 'four': expected a
positive integer``. Nothing is dropped or guessed silently: blank `nr_tasklets` and `size` are
kept as None and their meaning is decided by the predictor (see predict.py).
"""
from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from pimsim.errors import PimsimError

COLUMNS = ("source", "system", "workload", "variant", "nr_dpus", "nr_tasklets", "size",
           "metric", "value", "unit", "uncertainty")

# metric -> {accepted unit: factor converting a value in that unit to the canonical unit}.
# Canonical units: times in ms, MRAM bandwidth in MiB/s (PrIM's "MB/s" is 2^20 B/s, see
# validation/measurements/README.md), transfer bandwidth in GB/s (10^9 B/s).
TIME_UNITS = {"ms": 1.0, "us": 1e-3, "s": 1e3}
METRICS: dict[str, dict[str, float]] = {
    "cycles_per_op": {"DPU cycles": 1.0, "cycles": 1.0},
    "mram_bw": {"MB/s": 1.0, "MiB/s": 1.0},
    "dma_beta": {"cycles/byte": 1.0},
    "xfer_bw": {"GB/s": 1.0},
    "dpu_kernel_time": TIME_UNITS,
    "cpu_dpu_time": TIME_UNITS,
    "dpu_cpu_time": TIME_UNITS,
    "inter_dpu_time": TIME_UNITS,
    "host_time": TIME_UNITS,
    "total_time": TIME_UNITS,
    # a PrIM-style kernel's DPU cycle counter: max over DPUs and tasklets, last launch
    # (validation/collect writes it from the C kernels' perfcounter)
    "dpu_cycles": {"DPU cycles": 1.0, "cycles": 1.0},
}

# the one item of the free-text uncertainty column pimsim reads: sd=<number>
SD_ITEM = re.compile(r"(?<![\w.])sd\s*=\s*([^\s;,]*)")

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "validation" / "measurements"


class MeasurementError(PimsimError, ValueError):
    """A measurement file or row is malformed."""


@dataclass(frozen=True)
class Measurement:
    source: str
    system: str
    workload: str
    variant: str
    nr_dpus: int
    nr_tasklets: int | None      # None: not recorded (the predictor picks the documented default)
    size: int | None             # None: not applicable / not recorded
    metric: str
    value: float                 # as measured, in `unit`
    unit: str
    uncertainty: str
    file: str                    # file name (not the full path, so ids are machine-independent)
    line: int                    # 1-based line of the row in that file
    sd: float | None = None      # run-to-run standard deviation in `unit` (uncertainty's sd=), if given

    @property
    def id(self) -> str:
        """Stable identifier of this point: '<file name>:<line>'."""
        return f"{self.file}:{self.line}"

    @property
    def canonical_value(self) -> float:
        """The value converted to the metric's canonical unit (ms, MiB/s, GB/s, cycles)."""
        return self.value * METRICS[self.metric][self.unit]

    @property
    def canonical_sd(self) -> float | None:
        return None if self.sd is None else self.sd * METRICS[self.metric][self.unit]

    @property
    def rel_sd(self) -> float | None:
        """sd / value (None without sd, or for a value of 0, where it has no meaning)."""
        return None if self.sd is None or self.value <= 0 else self.sd / self.value

    @property
    def experiment(self) -> tuple:
        """Points with the same experiment come from one run (e.g. the four time metrics of
        one PrIM run); held-out splits keep them together."""
        return (self.workload, self.variant, self.nr_dpus, self.nr_tasklets, self.size)

    def label(self) -> str:
        parts = [self.workload, self.metric, f"dpus={self.nr_dpus}"]
        if self.nr_tasklets is not None:
            parts.append(f"tasklets={self.nr_tasklets}")
        if self.size is not None:
            parts.append(f"size={self.size}")
        if self.variant:
            parts.append(f"[{self.variant}]")
        return " ".join(parts)


def _int(value: str, field: str, where: str, *, minimum: int, optional: bool) -> int | None:
    text = value.strip()
    if text == "":
        if optional:
            return None
        raise MeasurementError(f"{where}: field {field!r} is empty; expected an integer >= {minimum}")
    try:
        f = float(text)
    except ValueError:
        raise MeasurementError(f"{where}: field {field!r} = {value!r}: expected an integer >= {minimum}"
                               + (" or blank" if optional else "")) from None
    if not math.isfinite(f) or not f.is_integer() or f < minimum:
        raise MeasurementError(f"{where}: field {field!r} = {value!r}: expected an integer >= {minimum}"
                               + (" or blank" if optional else ""))
    return int(f)


def _sd(text: str, where: str) -> float | None:
    """The `sd=<number>` item of an uncertainty text (None when there is none)."""
    found = SD_ITEM.findall(text)
    if not found:
        return None
    if len(found) > 1:
        raise MeasurementError(f"{where}: field 'uncertainty' = {text!r}: more than one sd= item")
    try:
        sd = float(found[0])
    except ValueError:
        sd = math.nan
    if not math.isfinite(sd) or sd < 0:
        raise MeasurementError(f"{where}: field 'uncertainty' = {text!r}: sd={found[0]!r} must be a finite "
                               "number >= 0 (the run-to-run standard deviation, in the row's unit)")
    return sd


def parse_row(row: dict[str, str], file: str, line: int) -> Measurement:
    where = f"{file}:{line}"
    for col in ("source", "workload", "metric", "unit"):
        if not row[col].strip():
            raise MeasurementError(f"{where}: field {col!r} is empty")
    metric = row["metric"].strip()
    if metric not in METRICS:
        raise MeasurementError(f"{where}: field 'metric' = {metric!r} is unknown; known metrics: "
                               f"{', '.join(METRICS)}")
    unit = row["unit"].strip()
    if unit not in METRICS[metric]:
        raise MeasurementError(f"{where}: field 'unit' = {unit!r} is not a unit of {metric}; allowed: "
                               f"{', '.join(METRICS[metric])}")
    try:
        value = float(row["value"])
    except ValueError:
        raise MeasurementError(f"{where}: field 'value' = {row['value']!r}: expected a number") from None
    if not math.isfinite(value) or value < 0:
        raise MeasurementError(f"{where}: field 'value' = {row['value']!r}: expected a finite number >= 0")
    return Measurement(
        source=row["source"].strip(), system=row["system"].strip(), workload=row["workload"].strip(),
        variant=row["variant"].strip(),
        nr_dpus=_int(row["nr_dpus"], "nr_dpus", where, minimum=1, optional=False),
        nr_tasklets=_int(row["nr_tasklets"], "nr_tasklets", where, minimum=1, optional=True),
        size=_int(row["size"], "size", where, minimum=0, optional=True),
        metric=metric, value=value, unit=unit, uncertainty=row["uncertainty"].strip(),
        file=file, line=line, sd=_sd(row["uncertainty"], where))


def has_schema(path: str | Path) -> bool:
    """True when the file's header is the measurement schema (any column order)."""
    with open(path, newline="") as fh:
        header = next(csv.reader(fh), [])
    return sorted(h.strip() for h in header) == sorted(COLUMNS)


def load_file(path: str | Path) -> list[Measurement]:
    path = Path(path)
    name = path.name
    if not path.exists():
        raise MeasurementError(f"measurement file {str(path)!r} does not exist")
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise MeasurementError(f"{name}:1: empty file; expected the header {','.join(COLUMNS)}") from None
        header = [h.strip() for h in header]
        missing = [c for c in COLUMNS if c not in header]
        extra = [h for h in header if h not in COLUMNS]
        if missing or extra or len(set(header)) != len(header):
            what = (f"missing column {missing[0]!r}" if missing else
                    f"unknown column {extra[0]!r}" if extra else "duplicate column")
            raise MeasurementError(f"{name}:1: header: {what}; expected {','.join(COLUMNS)}")
        out = []
        line = reader.line_num
        for fields in reader:
            start, line = line + 1, reader.line_num
            if not fields or all(not f.strip() for f in fields):
                continue  # blank line
            if len(fields) != len(header):
                raise MeasurementError(f"{name}:{start}: {len(fields)} fields, expected {len(header)} "
                                       f"({','.join(header)})")
            out.append(parse_row(dict(zip(header, fields)), name, start))
    return out


def default_files() -> list[Path]:
    """The project's measurement files: every CSV in validation/measurements/ that uses the
    schema (the raw source tables kept beside them in other layouts are not loaded)."""
    return [p for p in sorted(DEFAULT_DIR.glob("*.csv")) if has_schema(p)]


def load(paths: Iterable[str | Path] | None = None) -> list[Measurement]:
    """Load and validate measurement files (default: the project's set). Ids must be unique."""
    files = list(paths) if paths else default_files()
    if not files:
        raise MeasurementError(f"no measurement files given and none found in {DEFAULT_DIR}")
    out: list[Measurement] = []
    seen: dict[str, Path] = {}
    for f in files:
        name = Path(f).name
        if name in seen and Path(seen[name]).resolve() != Path(f).resolve():
            raise MeasurementError(f"two measurement files share the name {name!r} ({seen[name]}, {f}); "
                                   "point ids are '<file name>:<line>', rename one")
        if name in seen:
            continue
        seen[name] = Path(f)
        out.extend(load_file(f))
    return out


def select_systems(points: Iterable[Measurement], patterns: Sequence[str]) -> list[Measurement]:
    """The points whose `system` contains one of `patterns` (case-insensitive), so a user can
    calibrate or validate one machine's measurements. No pattern: every point. A pattern that
    matches no point is an error listing the systems present."""
    points = list(points)
    if not patterns:
        return points
    systems = sorted({m.system for m in points})
    for p in patterns:
        if not p.strip():
            raise MeasurementError("--system: empty pattern")
        if not any(p.strip().lower() in s.lower() for s in systems):
            raise MeasurementError(f"--system {p!r} matches no measured point; systems present: "
                                   + "; ".join(repr(s) for s in systems))
    pats = [p.strip().lower() for p in patterns]
    return [m for m in points if any(p in m.system.lower() for p in pats)]
