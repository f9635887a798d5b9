#!/usr/bin/env python3
"""Measure the pimsim C kernels (kernels_c/) on a real UPMEM machine.

Builds the kernels with the UPMEM SDK (`make SDK=upmem`), runs a sweep read
from a TOML file (workloads x DPUs x tasklets x sizes), reads the host phase
timers and DPU cycle counters the host programs print (`pimsim.*` lines, see
kernels_c/common/pimsim_host.h) and appends rows in the measurement schema

    source,system,workload,variant,nr_dpus,nr_tasklets,size,metric,value,unit,uncertainty

(the schema of validation/measurements/*.csv), ready for `pimsim calibrate`.
A row's size is the total problem size and its variant lists the workload parameters by
pimsim's names (e.g. "pimsim kernels_c; BL=10; weak scaling; n=1024"), so `pimsim validate`
replays exactly the run that was measured (HOST_PARAMS, WEAK_SCALES).
Metrics: cpu_dpu_time, dpu_kernel_time, inter_dpu_time, dpu_cpu_time (ms,
mean of the timed repetitions) and dpu_cycles (max over DPUs and tasklets of
the last repetition's last launch, DPU cycles; not with --sdk shim, whose
counter counts host nanoseconds).
With `runs = N` (N >= 2) in the sweep, every point's host program runs N times,
each a separate process (a fresh DPU allocation and host buffers); a row's value
is the mean of the N runs and its uncertainty records their standard deviation
as `sd=<value>` in the row's unit, which `pimsim validate` compares its errors
with. Runs of one process share its host state; separate runs show how much that
state moves the times (on one published machine, identical transfers differed 2x).

Without the SDK it exits with status 2 and names what is missing;
--dry-run only prints the plan (builds and runs) and needs no SDK.
--sdk shim runs the same pipeline with the gcc shim, to test the harness
here: its times are host times and its "cycles" host nanoseconds, so rows are
marked as such and must never be used for calibration.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import itertools
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KERNELS_C = ROOT / "kernels_c"
SCHEMA = ["source", "system", "workload", "variant", "nr_dpus", "nr_tasklets", "size",
          "metric", "value", "unit", "uncertainty"]
#: SDK tools `make SDK=upmem` needs (kernels_c/Makefile).
SDK_TOOLS = ("dpu-upmem-dpurte-clang", "dpu-pkg-config")
#: size option and PrIM display name of each workload's host program (TRNS: -i is M_, the
#: Python workload's size; PrIM -o).
WORKLOADS = {
    "va": ("-i", "VA"), "red": ("-i", "RED"), "gemv": ("-m", "GEMV"), "sel": ("-i", "SEL"),
    "hst-s": ("-i", "HST-S"), "uni": ("-i", "UNI"), "bs": ("-a", "BS"), "ts": ("-i", "TS"),
    "hst-l": ("-i", "HST-L"), "scan-ssa": ("-i", "SCAN-SSA"), "scan-rss": ("-i", "SCAN-RSS"),
    "trns": ("-i", "TRNS"), "spmv": ("-f", "SpMV"), "bfs": ("-f", "BFS"), "mlp": ("-m", "MLP"),
    "nw": ("-i", "NW"),
}
#: workloads whose host program reads its input from a file (-f), as PrIM's: size is the Python
#: workload's size (SpMV matrix rows, BFS graph nodes; per DPU with weak scaling). Without
#: `args = { f = "file" }` the input is generated as the Python workload generates it with its
#: default parameters and seed 0 (pimsim run's default): bcsstk30-like .mtx / loc-gowalla-like
#: PrIM edge list, written under <build-dir>/inputs/. With f = ..., size only labels the rows.
FILE_INPUTS = {"spmv": "mtx", "bfs": "txt"}
INPUT_SEED = 0
#: host option -> (pimsim workload parameter, the C host's default when the option is not given),
#: from each kernels_c/<workload>/host/app.c. Every row records these parameters by their pimsim
#: names ("n=1024"), given or defaulted, so `pimsim validate` replays exactly what ran (the C and
#: Python defaults can differ: TRNS N_ is 1 in PrIM's params.h, BS runs 262,144 queries).
#: None: an option that does not change what runs (verbosity). Options not listed are recorded
#: as "host:-X=value", which pimsim cannot replay and reports as such.
HOST_PARAMS: dict[str, dict[str, tuple[str, object] | None]] = {
    "gemv": {"k": ("n", 1024)},
    "mlp": {"k": ("n", 1024)},
    "trns": {"m": ("m", 16), "k": ("n", 8), "p": ("N_", 1)},
    "hst-s": {"b": ("bins", 256)},
    "hst-l": {"b": ("bins", 256)},
    "ts": {"m": ("m", 256)},
    "nw": {"p": ("penalty", 1)},
    "bs": {"i": ("queries", 262144)},
    "spmv": {"f": ("file", ""), "g": ("values", "ones"), "v": None},
    "bfs": {"f": ("file", ""), "v": None},
}
#: what weak scaling (-x 0) multiplies by the DPU count in the C host: the size option, or a
#: parameter (TRNS: N_). Hosts not listed ignore -x.
WEAK_SCALES = {"va": "size", "red": "size", "sel": "size", "uni": "size", "scan-ssa": "size",
               "scan-rss": "size", "hst-s": "size", "hst-l": "size", "ts": "size", "spmv": "size",
               "bfs": "size", "trns": "N_"}
TIME_METRICS = {"cpu_dpu": "cpu_dpu_time", "dpu_kernel": "dpu_kernel_time",
                "inter_dpu": "inter_dpu_time", "dpu_cpu": "dpu_cpu_time"}


class SweepError(ValueError):
    pass


@dataclass(frozen=True)
class Point:
    workload: str
    nr_dpus: int
    nr_tasklets: int
    size: int
    scaling: str
    warmup: int
    reps: int
    block_log2: int
    system: str
    args: tuple[tuple[str, str], ...]
    runs: int = 1            # separate executions of the host program (sd recorded when > 1)

    def host_args(self, input_path: Path | None = None) -> list[str]:
        flag = WORKLOADS[self.workload][0]
        value = str(input_path) if self.workload in FILE_INPUTS else str(self.size)
        out = ["-n", str(self.nr_dpus)] + ([flag, value] if value != "None" else []) + \
            ["-x", "1" if self.scaling == "strong" else "0", "-w", str(self.warmup), "-e", str(self.reps)]
        for k, v in self.args:
            out += [f"-{k}", v]
        return out

    def input_size(self) -> int:
        """Rows / nodes of a generated input file (the size is per DPU with weak scaling)."""
        return self.size * (self.nr_dpus if self.scaling == "weak" else 1)

    def _weak(self, what: str) -> int:
        return self.nr_dpus if self.scaling == "weak" and WEAK_SCALES.get(self.workload) == what else 1

    def model_size(self) -> int:
        """The row's size: the total problem size, as pimsim's workload takes it."""
        return self.size * self._weak("size")

    def model_params(self) -> tuple[dict[str, object], dict[str, str]]:
        """(pimsim workload parameters this run used, host options with no pimsim parameter)."""
        table = HOST_PARAMS.get(self.workload, {})
        given = dict(self.args)
        params, unmapped = {}, {}
        for flag, spec in table.items():
            if spec is not None:
                name, default = spec
                params[name] = type(default)(given[flag]) if flag in given else default
        for flag, value in given.items():
            if flag not in table:
                unmapped[flag] = value
        for name in params:
            if self._weak(name) > 1:
                params[name] *= self.nr_dpus
        return params, unmapped

    def variant(self, sdk: str) -> str:
        """';'-separated items: NAME=VALUE items are what `pimsim validate` replays (see
        pimsim.analysis.predict); the rest describes the run."""
        params, unmapped = self.model_params()
        items = ["pimsim kernels_c", f"BL={self.block_log2}", f"{self.scaling} scaling"]
        items += [f"{k}={v}" for k, v in params.items()]
        items += [f"host:-{k}={v}" for k, v in unmapped.items()]
        if sdk == "shim":
            items.append("SHIM BUILD (host times, not DPU measurements)")
        return "; ".join(items)


def _list(v, key, where):
    vals = v if isinstance(v, list) else [v]
    if not vals or not all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in vals):
        raise SweepError(f"{where}: '{key}' must be a positive integer or a non-empty list of them, got {v!r}")
    return vals


def load_sweep(path: Path) -> list[Point]:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise SweepError(f"cannot read sweep {path}: {e}") from e
    defaults = data.get("defaults", {})
    runs = data.get("run", [])
    if not runs:
        raise SweepError(f"{path}: no [[run]] tables")
    points = []
    for n, run in enumerate(runs):
        where = f"{path}: run #{n + 1}"
        cfg = {**defaults, **run}
        unknown = set(cfg) - {"workload", "nr_dpus", "nr_tasklets", "sizes", "scaling", "warmup", "reps",
                              "block_log2", "system", "args", "runs"}
        if unknown:
            raise SweepError(f"{where}: unknown keys {sorted(unknown)}")
        wl = cfg.get("workload")
        if wl not in WORKLOADS:
            raise SweepError(f"{where}: workload {wl!r} not one of {sorted(WORKLOADS)}")
        if not (KERNELS_C / wl / "dpu" / "task.c").exists():
            raise SweepError(f"{where}: workload {wl!r} has no C kernel yet (kernels_c/{wl}/dpu/task.c)")
        scaling = cfg.get("scaling", "strong")
        if scaling not in ("strong", "weak"):
            raise SweepError(f"{where}: scaling must be 'strong' or 'weak', got {scaling!r}")
        for t in _list(cfg.get("nr_tasklets"), "nr_tasklets", where):
            if t > 24:  # DPU hardware threads
                raise SweepError(f"{where}: nr_tasklets {t} exceeds the 24 DPU hardware threads")
        nruns = cfg.get("runs", 1)
        if isinstance(nruns, bool) or not isinstance(nruns, int) or nruns < 1:
            raise SweepError(f"{where}: 'runs' must be a positive integer, got {nruns!r}")
        args = cfg.get("args", {})
        if not isinstance(args, dict):
            raise SweepError(f"{where}: args must be a table, got {args!r}")
        for d, t, s in itertools.product(_list(cfg.get("nr_dpus"), "nr_dpus", where),
                                         _list(cfg.get("nr_tasklets"), "nr_tasklets", where),
                                         _list(cfg.get("sizes"), "sizes", where)):
            points.append(Point(wl, d, t, s, scaling, int(cfg.get("warmup", 1)), int(cfg.get("reps", 3)),
                                int(cfg.get("block_log2", 10)), str(cfg.get("system", "unspecified")),
                                tuple(sorted((str(k), str(v)) for k, v in args.items())), nruns))
        try:
            points[-1].model_params()
        except ValueError as e:
            raise SweepError(f"{where}: args {args}: a value does not fit its parameter ({e})") from None
    return points


def missing_sdk() -> list[str]:
    """What `make SDK=upmem` needs and this machine lacks."""
    missing = [t for t in SDK_TOOLS if shutil.which(t) is None]
    if not missing:
        r = subprocess.run(["dpu-pkg-config", "--cflags", "--libs", "dpu"], capture_output=True, text=True)
        if r.returncode != 0:
            missing.append("the 'dpu' pkg-config package (dpu-pkg-config --libs dpu failed: "
                           f"{r.stderr.strip() or r.returncode})")
    if shutil.which("make") is None:
        missing.append("make")
    return missing


def build_dir(build_root: Path, sdk: str, nt: int, bl: int) -> Path:
    return build_root / sdk / f"t{nt}_bl{bl}"


def build_commands(points: list[Point], sdk: str, build_root: Path) -> list[list[str]]:
    groups: dict[tuple[int, int], set[str]] = {}
    for p in points:
        groups.setdefault((p.nr_tasklets, p.block_log2), set()).add(p.workload)
    return [["make", "-C", str(KERNELS_C), f"SDK={sdk}", f"NR_TASKLETS={nt}", f"BL={bl}",
             f"BUILD={build_dir(build_root, sdk, nt, bl)}", f"KERNELS={' '.join(sorted(wls))}",
             f"-j{os.cpu_count() or 1}"]
            for (nt, bl), wls in sorted(groups.items())]


def input_file(p: Point, build_root: Path) -> Path | None:
    """The generated input of a file-reading workload (None: not one, or the sweep names a file)."""
    if p.workload not in FILE_INPUTS or any(k == "f" for k, _ in p.args):
        return None
    return build_root / "inputs" / f"{p.workload}_{p.input_size()}_seed{INPUT_SEED}.{FILE_INPUTS[p.workload]}"


def write_input(p: Point, path: Path) -> None:
    """Writes the Python workload's generated input (pimsim.workloads.prim: the SpMV / BFS
    generators, default parameters, seed INPUT_SEED) in the format the C host reads."""
    if path.exists():
        return
    sys.path.insert(0, str(ROOT))
    try:
        import numpy as np
        from pimsim.workloads.prim import bfs, spmv
    except ImportError as e:
        raise RuntimeError(f"{p.workload}: generating its input needs numpy and pimsim ({e}); "
                           f"or name a file in the sweep: args = {{ f = \"...\" }}") from e
    path.parent.mkdir(parents=True, exist_ok=True)
    if p.workload == "spmv":
        m, _, _ = spmv.load_matrix(p.input_size(), {**spmv.PARAMS, "values": "ones"}, INPUT_SEED)
        head = f"%%MatrixMarket matrix coordinate pattern general\n{m.nrows} {m.ncols} {m.nnz}\n"
        one = 1
    else:
        m = bfs.load_graph(p.input_size(), dict(bfs.PARAMS), INPUT_SEED)
        head = f"{m.nrows} {m.ncols} {m.nnz}\n"
        one = 0
    src = np.repeat(np.arange(m.nrows, dtype=np.int64), np.diff(m.row_ptr.astype(np.int64)))
    tmp = path.with_suffix(".tmp")
    with tmp.open("w") as f:
        f.write(head)
        np.savetxt(f, np.column_stack([src + one, m.col.astype(np.int64) + one]), fmt="%d")
    tmp.replace(path)


def run_command(p: Point, sdk: str, build_root: Path) -> list[str]:
    return [str(build_dir(build_root, sdk, p.nr_tasklets, p.block_log2) / p.workload / "host_app"),
            *p.host_args(input_file(p, build_root))]


def parse_output(text: str) -> tuple[dict[str, str], dict[str, str], list[int]]:
    times, result, cycles = {}, {}, []
    for line in text.splitlines():
        name, _, rest = line.partition(" ")
        kv = dict(x.split("=", 1) for x in rest.split() if "=" in x)
        if name == "pimsim.time_ms":
            times = kv
        elif name == "pimsim.result":
            result = kv
        elif name == "pimsim.cycles":
            cycles.append(int(kv["cycles"]))
    return times, result, cycles


def _value_and_spread(values: list[float], each: str) -> tuple[str, str]:
    """(value, uncertainty) of one metric over the runs of a point: the mean, and with two or
    more runs their sample standard deviation as the `sd=` item pimsim reads."""
    mean = statistics.fmean(values)
    if len(values) == 1:
        return repr(values[0]), f"{each}; run-to-run spread not recorded (runs = 1)"
    return f"{mean:.6g}", f"sd={statistics.stdev(values):.3g} over {len(values)} runs; each {each}"


def rows_for(p: Point, sdk: str, stdouts: str | list[str], source: str) -> list[dict[str, str]]:
    """Rows of one point from the output of each of its runs (one str: a single run)."""
    runs = [stdouts] if isinstance(stdouts, str) else list(stdouts)
    times, cycles = [], []
    for stdout in runs:
        t, result, c = parse_output(stdout)
        if result.get("status") != "OK":
            raise RuntimeError(f"{p.workload} {p.host_args()}: host program did not verify its output "
                               f"(status={result.get('status')!r})")
        missing = [k for k in TIME_METRICS if k not in t]
        if missing:
            raise RuntimeError(f"{p.workload}: no {missing} in the host program's pimsim.time_ms line")
        times.append(t)
        cycles.append(max(c) if c else None)
    base = {"source": source, "system": p.system, "workload": WORKLOADS[p.workload][1],
            "variant": p.variant(sdk), "nr_dpus": str(p.nr_dpus), "nr_tasklets": str(p.nr_tasklets),
            "size": str(p.model_size())}
    rows = []
    for key, metric in TIME_METRICS.items():
        value, unc = _value_and_spread([float(t[key]) for t in times],
                                       f"the mean of {p.reps} timed reps after {p.warmup} warm-up")
        rows.append({**base, "metric": metric, "value": value, "unit": "ms", "uncertainty": unc})
    if sdk == "upmem" and all(c is not None for c in cycles):      # the shim's counter is not cycles
        value, unc = _value_and_spread([float(c) for c in cycles], "the last timed rep, max over DPUs and tasklets")
        rows.append({**base, "metric": "dpu_cycles", "value": value, "unit": "DPU cycles", "uncertainty": unc})
    return rows


def append_rows(out: Path, rows: list[dict[str, str]]) -> None:
    new = not out.exists() or out.stat().st_size == 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=SCHEMA)
        if new:
            w.writeheader()
        w.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sweep", type=Path, default=Path(__file__).with_name("sweep_example.toml"))
    ap.add_argument("--out", type=Path, default=Path("upmem_measurements.csv"),
                    help="CSV to append rows to (created with a header if absent)")
    ap.add_argument("--build-dir", type=Path, default=KERNELS_C / "build" / "collect")
    ap.add_argument("--dry-run", action="store_true", help="print the builds and runs, do nothing")
    ap.add_argument("--sdk", choices=("upmem", "shim"), default="upmem",
                    help="upmem (default) on a real machine; shim only to test this script")
    ap.add_argument("--source", default=None, help="source column (default: host name and date)")
    a = ap.parse_args(argv)

    try:
        points = load_sweep(a.sweep)
    except SweepError as e:
        print(f"collect: {e}", file=sys.stderr)
        return 2
    builds = build_commands(points, a.sdk, a.build_dir)
    if a.dry_run:
        print(f"# plan: {len(builds)} build(s), {sum(p.runs for p in points)} run(s) of {len(points)} point(s), "
              f"rows appended to {a.out}")
        for cmd in builds:
            print("build:", shlex.join(cmd))
        for f in sorted({str(f) for p in points if (f := input_file(p, a.build_dir))}):
            print("input:", f, "(generated: pimsim's generator, seed", INPUT_SEED, ")")
        for p in points:
            print("run:  ", shlex.join(run_command(p, a.sdk, a.build_dir))
                  + (f"   # x{p.runs} separate runs" if p.runs > 1 else ""))
        return 0
    if a.sdk == "upmem":
        missing = missing_sdk()
        if missing:
            print("collect: the UPMEM SDK is required to measure; missing: " + ", ".join(missing) +
                  ". Install the SDK (https://sdk.upmem.com) and source its upmem_env.sh, "
                  "or use --dry-run to see the plan.", file=sys.stderr)
            return 2
    elif shutil.which("gcc") is None or shutil.which("make") is None:
        print("collect: --sdk shim needs gcc and make", file=sys.stderr)
        return 2

    source = a.source or (f"pimsim validation/collect on {platform.node()} "
                          f"{_dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
    for cmd in builds:
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            print(f"collect: build failed: {shlex.join(cmd)}\n{r.stdout}{r.stderr}", file=sys.stderr)
            return 1
    n_rows = 0
    for p in points:
        cmd = run_command(p, a.sdk, a.build_dir)
        if (f := input_file(p, a.build_dir)) is not None:
            try:
                write_input(p, f)
            except RuntimeError as e:
                print(f"collect: {e}", file=sys.stderr)
                return 1
        outputs = []
        for _ in range(p.runs):
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                print(f"collect: run failed ({r.returncode}): {shlex.join(cmd)}\n{r.stderr}", file=sys.stderr)
                return 1
            outputs.append(r.stdout)
        try:
            rows = rows_for(p, a.sdk, outputs, source)
        except RuntimeError as e:
            print(f"collect: {e}", file=sys.stderr)
            return 1
        append_rows(a.out, rows)
        n_rows += len(rows)
        print(f"{p.workload} dpus={p.nr_dpus} tasklets={p.nr_tasklets} size={p.size}: "
              + " ".join(f"{x['metric']}={x['value']}" for x in rows))
    print(f"collect: appended {n_rows} rows to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
