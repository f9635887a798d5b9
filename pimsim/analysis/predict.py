"""Map a measured point to pimsim's prediction of it, or to the reason it cannot be predicted.

A point becomes a *query* (a hashable description of one model call) plus the entry of that
call's result it reads. Several points can share a query (the four time metrics of one PrIM
run), so each query is evaluated once per configuration and cached under (config hash, query).

Prediction sources (called through `Backends`, so tests can inject cheap fakes):

  arith     pimsim.micro.arith.cycles_per_op(cfg, op, dtype, nr_tasklets, nr_elements, block_bytes)
  dma       pimsim.micro.mram.dma_bandwidth_mib_s(cfg, direction, nbytes, nr_tasklets)
  stream    pimsim.micro.mram.stream_bandwidth_mib_s(cfg, kernel, nr_tasklets); a 'peak' row is
            the maximum over 1..max_tasklets tasklets
  transfer  pimsim.micro.transfer.bandwidth_gbps(cfg, kind, nr_dpus, bytes_per_dpu)
  prim      pimsim.workloads.prim.run(name, dpus, tasklets, size, timing_only=True, config=cfg)
            -> .time_ms {cpu_dpu, dpu_kernel, inter_dpu, dpu_cpu, host, total}

How rows are read (the documented defaults are applied here, in one place):
  - PrIM rows (workload is a PrIM name): `size` is the total problem size; a blank
    nr_tasklets means 16, the PrIM/uPIMulator default; a blank size means the workload's
    default size. The variant says how the host program ran: rows of the uPIMulator table
    (variant containing 'size=uPIMulator data_prep_param') are replayed with that table's
    host parameters (pimsim.workloads.prim.MEASURED_TABLE_PARAMS, e.g. GEMV n = 64); in any
    other row, each 'NAME=VALUE' item of the ';'-separated variant sets the workload
    parameter NAME (e.g. 'n=2048' for GEMV, as `pimsim run prim --param`), 'BL=10'
    states the 1 KB DMA blocks the kernels model, and items without '=' are description.
    Anything else with '=' (an unknown parameter, another block size, a host option the
    collector could not translate) makes the row unpredictable, with the reason, as does a
    row measured on the gcc shim instead of hardware.
  - arith-throughput rows: the variant starts with OP_TYPE (e.g. ADD_INT32); nr_elements is
    `size` (blank: PrIM's 1,048,576), 1 KB blocks as in PrIM.
  - mram-latency rows: variant 'mram_read ...'/'mram_write ...', size = bytes per DMA, 1 tasklet
    unless given; a 'dma_beta' row is read off the preset (mean of the directions it names).
  - stream-mram rows: the variant starts with the kernel (COPY-DMA, COPY, ADD, SCALE, TRIAD).
  - cpu-dpu rows (metric xfer_bw): variant '<serial|parallel|broadcast> <CPU-DPU|DPU-CPU> ...',
    size = bytes per DPU.
A point that does not fit any of these is reported with its reason, never dropped.
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from pimsim.analysis.measurements import METRICS, Measurement
from pimsim.config import SystemConfig
from pimsim.errors import PimsimError
from pimsim.kernels._prim import BLOCK_BYTES

PRIM_NAMES = ("VA", "GEMV", "SpMV", "SEL", "UNI", "BS", "TS", "BFS", "MLP", "NW", "HST-S", "HST-L",
              "RED", "SCAN-SSA", "SCAN-RSS", "TRNS")
PRIM_DEFAULT_TASKLETS = 16
# the DPU cycles of a run's last launch, slowest DPU: what the C kernels' perfcounter reports
# (validation/collect's dpu_cycles rows: max over DPUs and tasklets, last launch)
LAST_LAUNCH_CYCLES = "last_launch_dpu_cycles"
PRIM_METRICS = {"dpu_kernel_time": "dpu_kernel", "cpu_dpu_time": "cpu_dpu", "dpu_cpu_time": "dpu_cpu",
                "inter_dpu_time": "inter_dpu", "host_time": "host", "total_time": "total",
                "dpu_cycles": LAST_LAUNCH_CYCLES}
ARITH_OPS = ("ADD", "SUB", "MUL", "DIV")
ARITH_TYPES = ("INT32", "UINT32", "INT64", "UINT64", "FLOAT", "DOUBLE")
STREAM_KERNELS = ("COPY-DMA", "COPY", "ADD", "SCALE", "TRIAD")
PRIM_ARITH_ELEMENTS = 1048576
PRIM_ARITH_BLOCK_BYTES = 1024

# Report groups, in display order. "transfers" is the union of cpu-dpu and dpu-cpu.
GROUPS = ("microbenchmarks", "single-dpu-kernel", "multi-dpu-kernel", "kernel-cycles", "cpu-dpu", "dpu-cpu",
          "transfers", "inter-dpu", "host", "total", "other")
GROUP_TITLES = {
    "microbenchmarks": "microbenchmarks (1 DPU: arithmetic, MRAM, STREAM)",
    "single-dpu-kernel": "single-DPU kernel time", "multi-dpu-kernel": "multi-DPU kernel time",
    "kernel-cycles": "DPU cycles of the last kernel launch",
    "cpu-dpu": "CPU->DPU transfers", "dpu-cpu": "DPU->CPU transfers",
    "transfers": "all host<->DPU transfers", "inter-dpu": "inter-DPU (via host)",
    "host": "host time", "total": "end-to-end time", "other": "other",
}


class CannotPredict(Exception):
    """Raised with the reason a point cannot be predicted."""


# ---------------------------------------------------------------- prediction sources
class _Lazy:
    """A callable that imports module.attr when called; a missing module or function becomes
    CannotPredict('<module> not available yet'). Picklable, so calibrate can use worker processes."""

    def __init__(self, module: str, attr: str):
        self.module, self.attr = module, attr

    def __call__(self, *args, **kwargs):
        module, attr = self.module, self.attr
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name and (module == e.name or module.startswith(e.name + ".")):
                raise CannotPredict(f"{module} not available yet") from None
            raise
        fn = getattr(mod, attr, None)
        if fn is None:
            raise CannotPredict(f"{module}.{attr} not available yet")
        return fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"{self.module}.{self.attr}"


def _lazy(module: str, attr: str) -> Callable:
    return _Lazy(module, attr)


@dataclass(frozen=True)
class Backends:
    """The model calls predictions come from. Defaults are pimsim's own modules; tests pass
    fakes with the same signatures."""
    arith: Callable = field(default_factory=lambda: _lazy("pimsim.micro.arith", "cycles_per_op"))
    dma: Callable = field(default_factory=lambda: _lazy("pimsim.micro.mram", "dma_bandwidth_mib_s"))
    stream: Callable = field(default_factory=lambda: _lazy("pimsim.micro.mram", "stream_bandwidth_mib_s"))
    transfer: Callable = field(default_factory=lambda: _lazy("pimsim.micro.transfer", "bandwidth_gbps"))
    prim: Callable = field(default_factory=lambda: _lazy("pimsim.workloads.prim", "run"))


def _prim_run(backends: Backends, cfg: SystemConfig, name: str, dpus: int, tasklets: int,
              size: int | None, params: dict) -> dict:
    res = backends.prim(name, dpus=dpus, tasklets=tasklets, size=size, params=params or None,
                        timing_only=True, config=cfg)
    t = res.time_ms if hasattr(res, "time_ms") else res["time_ms"]
    out = {k: float(v) for k, v in dict(t).items()}
    launches = getattr(res, "launches", None)
    if launches:
        out[LAST_LAUNCH_CYCLES] = float(max(launches[-1].class_cycles))
    return out


def stream_peak(cfg: SystemConfig, backends: Backends, kernel: str,
                tasklets: Iterable[int] | None = None) -> tuple[float, int]:
    """(peak bandwidth, tasklets reaching it) over 1..max_tasklets. Tasklet counts the kernel
    cannot run with (e.g. its WRAM buffers do not fit) are skipped, as on the real DPU."""
    best: tuple[float, int] | None = None
    errors = []
    for t in (tasklets or range(1, cfg.dpu.max_tasklets + 1)):
        try:
            bw = float(backends.stream(cfg, kernel, t))
        except PimsimError as e:
            errors.append(e)
            continue
        if best is None or bw > best[0]:
            best = (bw, t)
    if best is None:
        raise errors[0] if errors else CannotPredict("no tasklet count to run")
    return best


def evaluate(query: tuple, cfg: SystemConfig, backends: Backends) -> Any:
    """Run the model call a query describes. Returns a float, or a dict for PrIM runs."""
    kind, *a = query
    if kind == "arith":
        op, dtype, t, n, block = a
        return float(backends.arith(cfg, op, dtype, t, nr_elements=n, block_bytes=block))
    if kind == "dma":
        direction, nbytes, t = a
        return float(backends.dma(cfg, direction, nbytes, nr_tasklets=t))
    if kind == "stream":
        kernel, t = a
        return float(backends.stream(cfg, kernel, t))
    if kind == "stream_peak":
        (kernel,) = a
        return stream_peak(cfg, backends, kernel)[0]
    if kind == "transfer":
        xfer, n, nbytes = a
        return float(backends.transfer(cfg, xfer, n, nbytes))
    if kind == "dma_beta":
        dirs = a[0]
        vals = [cfg.dma.read_beta_cycles_per_byte if d == "read" else cfg.dma.write_beta_cycles_per_byte
                for d in dirs]
        return sum(vals) / len(vals)
    if kind == "prim":
        name, dpus, tasklets, size, params = a
        return _prim_run(backends, cfg, name, dpus, tasklets, size, dict(params))
    raise ValueError(f"unknown query kind {kind!r}")


# ---------------------------------------------------------------- rows -> queries
def canonical_prim(name: str) -> str | None:
    for n in PRIM_NAMES:
        if n.lower() == name.lower().replace("_", "-"):
            return n
    return None


def group_of(m: Measurement) -> str:
    metric = m.metric
    if metric == "dpu_kernel_time":
        return "single-dpu-kernel" if m.nr_dpus == 1 else "multi-dpu-kernel"
    if metric == "cpu_dpu_time":
        return "cpu-dpu"
    if metric == "dpu_cpu_time":
        return "dpu-cpu"
    if metric == "inter_dpu_time":
        return "inter-dpu"
    if metric == "dpu_cycles":
        return "kernel-cycles"
    if metric == "host_time":
        return "host"
    if metric == "total_time":
        return "total"
    if metric == "xfer_bw":
        return "dpu-cpu" if "DPU-CPU" in m.variant.upper() else "cpu-dpu"
    if metric in ("cycles_per_op", "mram_bw", "dma_beta"):
        return "microbenchmarks"
    return "other"


UPIMULATOR_TABLE = "size=uPIMulator data_prep_param"   # variant of the uPIMulator table's rows
PRIM_BLOCK_LOG2 = BLOCK_BYTES.bit_length() - 1     # BL of the kernels' MRAM<->WRAM blocks (10: 1 KB)
SHIM_MARK = "SHIM BUILD"      # validation/collect: times of the gcc shim build, not of hardware


def prim_params(name: str, m: Measurement) -> dict:
    """The workload parameters the row's variant records (see the module docstring)."""
    from pimsim.workloads import prim as prim_workloads

    if SHIM_MARK in m.variant:
        raise CannotPredict("measured on the gcc shim build (host threads), not on UPMEM hardware")
    if UPIMULATOR_TABLE in m.variant:
        return prim_workloads.replay_params(name, m.size, m.nr_dpus)
    try:
        defaults = prim_workloads.module(name).PARAMS
    except PimsimError as e:
        raise CannotPredict(str(e)) from None
    params = {}
    for item in m.variant.split(";"):
        key, eq, value = (s.strip() for s in item.partition("="))
        if not eq:
            continue                                    # description
        if key == "BL":
            if value != str(PRIM_BLOCK_LOG2):
                raise CannotPredict(f"variant gives BL={value}; the kernels model BL={PRIM_BLOCK_LOG2} "
                                    f"({BLOCK_BYTES}-byte DMA blocks) only")
            continue
        if key not in defaults:
            raise CannotPredict(f"variant sets {key!r}, which is not a parameter of {name} "
                                f"(its parameters: {', '.join(defaults) or 'none'})")
        kind = type(defaults[key])
        try:
            params[key] = kind(value)
        except ValueError:
            raise CannotPredict(f"variant sets {key}={value!r}; {name} expects a {kind.__name__}") from None
    return params


def _first_token(variant: str) -> str:
    return variant.strip().split()[0].upper() if variant.strip() else ""


@dataclass(frozen=True)
class Plan:
    query: tuple
    key: str | None = None          # entry of a dict result (PrIM time_ms), None for floats


def plan(m: Measurement) -> Plan:
    """The model call that predicts `m` (raises CannotPredict with the reason)."""
    w = m.workload.strip()
    prim = canonical_prim(w)
    if prim is not None:
        if m.metric not in PRIM_METRICS:
            raise CannotPredict(f"no PrIM prediction for metric {m.metric}")
        t = m.nr_tasklets if m.nr_tasklets is not None else PRIM_DEFAULT_TASKLETS
        params = tuple(sorted(prim_params(prim, m).items()))
        return Plan(("prim", prim, m.nr_dpus, t, m.size, params), PRIM_METRICS[m.metric])
    wl = w.lower()
    if m.metric == "cycles_per_op" and wl.startswith("arith"):
        tok = _first_token(m.variant)
        op, _, dtype = tok.partition("_")
        if op not in ARITH_OPS or dtype not in ARITH_TYPES:
            raise CannotPredict(f"variant {m.variant!r} does not start with OP_TYPE "
                                f"(OP in {'/'.join(ARITH_OPS)}, TYPE in {'/'.join(ARITH_TYPES)})")
        if m.nr_tasklets is None:
            raise CannotPredict("nr_tasklets not recorded")
        if m.nr_dpus != 1:
            raise CannotPredict("arithmetic throughput is a single-DPU microbenchmark")
        n = m.size if m.size else PRIM_ARITH_ELEMENTS
        return Plan(("arith", op, dtype, m.nr_tasklets, n, PRIM_ARITH_BLOCK_BYTES))
    if m.metric == "mram_bw" and wl.startswith("mram"):
        tok = _first_token(m.variant).lower()
        if tok not in ("mram_read", "mram_write"):
            raise CannotPredict(f"variant {m.variant!r} does not start with mram_read or mram_write")
        if m.size is None:
            raise CannotPredict("size (bytes per DMA) not recorded")
        return Plan(("dma", tok.removeprefix("mram_"), m.size, m.nr_tasklets or 1))
    if m.metric == "dma_beta":
        v = m.variant.lower()
        dirs = tuple(d for d in ("read", "write") if d in v) or ("read", "write")
        return Plan(("dma_beta", dirs))
    if m.metric == "mram_bw" and wl.startswith("stream"):
        kernel = _first_token(m.variant)
        if kernel not in STREAM_KERNELS:
            raise CannotPredict(f"variant {m.variant!r} does not start with a STREAM kernel "
                                f"({', '.join(STREAM_KERNELS)})")
        if "peak" in m.variant.lower():
            return Plan(("stream_peak", kernel))
        if m.nr_tasklets is None:
            raise CannotPredict("nr_tasklets not recorded and the variant is not a 'peak'")
        return Plan(("stream", kernel, m.nr_tasklets))
    if m.metric == "xfer_bw":
        mt = re.match(r"\s*(serial|parallel|broadcast)\s+(CPU-DPU|DPU-CPU)", m.variant, re.I)
        if not mt:
            raise CannotPredict(f"variant {m.variant!r} is not '<serial|parallel|broadcast> <CPU-DPU|DPU-CPU>'")
        how, direction = mt.group(1).lower(), mt.group(2).upper()
        if how == "broadcast":
            if direction != "CPU-DPU":
                raise CannotPredict("a broadcast only goes CPU->DPU")
            kind = "broadcast"
        else:
            kind = f"{how}_{direction.lower().replace('-', '_')}"
        if m.size is None:
            raise CannotPredict("size (bytes per DPU) not recorded")
        return Plan(("transfer", kind, m.nr_dpus, m.size))
    raise CannotPredict(f"no predictor for workload {m.workload!r} with metric {m.metric}")


# ---------------------------------------------------------------- predictions
@dataclass(frozen=True)
class Prediction:
    m: Measurement
    group: str
    predicted: float | None      # in the measurement's own unit; None when it cannot be predicted
    reason: str | None = None    # why not, when predicted is None

    @property
    def measured_canonical(self) -> float:
        return self.m.canonical_value

    @property
    def predicted_canonical(self) -> float | None:
        return None if self.predicted is None else self.predicted * METRICS[self.m.metric][self.m.unit]

    @property
    def scorable(self) -> bool:
        """Has a prediction and a measured value > 0 (percentage errors are defined)."""
        return self.predicted is not None and self.m.value > 0

    @property
    def pct_err(self) -> float | None:
        if not self.scorable:
            return None
        return 100.0 * (self.predicted - self.m.value) / self.m.value


def _describe(e: BaseException, query: tuple) -> str:
    if isinstance(e, CannotPredict):
        return str(e)
    if isinstance(e, PimsimError):
        return str(e)
    return f"{query[0]} model raised {type(e).__name__}: {e}"


_POOL_STATE: dict[str, Any] = {}


def _pool_eval(key: tuple) -> tuple[bool, Any]:
    cfg_hash, query = key
    try:
        return True, evaluate(query, _POOL_STATE["cfgs"][cfg_hash], _POOL_STATE["backends"])
    except Exception as e:  # noqa: BLE001
        return False, _describe(e, query)


class Predictor:
    """Predicts measurement points for a config, caching model calls by (config hash, query)."""

    def __init__(self, backends: Backends | None = None, cache: bool = True,
                 progress: Callable[[str, int, int], None] | None = None):
        self.backends = backends or Backends()
        self.use_cache = cache
        self.cache: dict[tuple, tuple[bool, Any]] = {}
        self.calls = 0          # model calls made
        self.hits = 0           # queries answered from the cache
        self.progress = progress   # told (what, done, total) as prefetch / predict work through their lists
        self.machine_cfgs: dict[tuple[str, str], SystemConfig] = {}   # (preset hash, system) -> its config

    def query_value(self, query: tuple, cfg: SystemConfig, cfg_hash: str | None = None) -> tuple[bool, Any]:
        """(True, value) or (False, reason)."""
        key = (cfg_hash or cfg.hash(), query)
        if self.use_cache and key in self.cache:
            self.hits += 1
            return self.cache[key]
        self.calls += 1
        try:
            out: tuple[bool, Any] = (True, evaluate(query, cfg, self.backends))
        except Exception as e:  # reported per point with its reason, never silently dropped
            out = (False, _describe(e, query))
        if self.use_cache:
            self.cache[key] = out
        return out

    def by_machine(self, points: Sequence[Measurement], cfg: SystemConfig) -> dict[str, SystemConfig]:
        """The config of each system named in the points (cfg's [machines] entry applied),
        resolved once per preset and system: an entry naming another preset reads its file."""
        h, out = cfg.hash(), {}
        for sys_ in dict.fromkeys(m.system for m in points):
            if (h, sys_) not in self.machine_cfgs:
                self.machine_cfgs[(h, sys_)] = cfg.for_system(sys_)
            out[sys_] = self.machine_cfgs[(h, sys_)]
        return out

    def prefetch(self, points: Sequence[Measurement], cfg: SystemConfig, jobs: int = 1) -> None:
        """Evaluate the points' uncached queries in `jobs` forked worker processes (a no-op for
        jobs <= 1); predict() then answers from the cache."""
        if jobs <= 1 or not self.use_cache:
            return
        machines = self.by_machine(points, cfg)
        todo = set()
        for m in points:
            h = machines[m.system].hash()
            todo |= {(h, q) for q in self.queries([m]) if (h, q) not in self.cache}
        todo = sorted(todo)
        if len(todo) < 2:
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        _POOL_STATE.update(cfgs={c.hash(): c for c in machines.values()}, backends=self.backends)
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            for k, (key, out) in enumerate(zip(todo, pool.map(_pool_eval, todo, chunksize=1)), 1):
                self.calls += 1
                self.cache[key] = out
                if self.progress:
                    self.progress("model calls", k, len(todo))

    def predict(self, points: Sequence[Measurement], cfg: SystemConfig) -> list[Prediction]:
        machines = self.by_machine(points, cfg)
        hashes = {sys_: c.hash() for sys_, c in machines.items()}
        out = []
        for k, m in enumerate(points, 1):
            if self.progress:
                self.progress("points", k, len(points))
            g = group_of(m)
            try:
                p = plan(m)
            except CannotPredict as e:
                out.append(Prediction(m, g, None, str(e)))
                continue
            ok, val = self.query_value(p.query, machines[m.system], hashes[m.system])
            if not ok:
                out.append(Prediction(m, g, None, val))
                continue
            if p.key is not None:
                if p.key not in val:
                    out.append(Prediction(m, g, None, f"model result has no {p.key!r} time"))
                    continue
                val = val[p.key]
            # model values are in the metric's canonical unit; report in the row's unit
            out.append(Prediction(m, g, float(val) / METRICS[m.metric][m.unit]))
        return out

    def queries(self, points: Iterable[Measurement]) -> set[tuple]:
        qs = set()
        for m in points:
            try:
                qs.add(plan(m).query)
            except CannotPredict:
                pass
        return qs
