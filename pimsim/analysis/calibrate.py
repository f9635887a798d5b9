"""`pimsim calibrate`: fit a preset's free parameters to measured points.

Method
- Residual of a point = (predicted - measured) / measured (relative error), minimised with
  scipy.optimize.least_squares (trust-region reflective, bounded), finite-difference Jacobian.
  With weigh_by_sd (--weigh-by-sd) each relative error is divided by the point's relative
  run-to-run sd (sd_weights), so a noisy point pulls the fit less than a steady one.
  loss (--loss) is least_squares' loss on those residuals: 'linear' (the default) minimises
  their sum of squares; 'soft_l1' grows like |r| beyond loss_scale, which is what a MAPE
  counts, so a few far-off points (e.g. the slow mode of a bimodal host) pull the fit less.
  Parameters are optimised in normalised form z = value / scale (scale = the starting value),
  so one relative step size suits all of them.
- Held-out points never enter the fit: the split is made first (split_points) and only the
  fit points are handed to the optimiser. The split is seeded, so a calibration is
  deterministic for a seed (least_squares itself is deterministic).
- Stages (default): parameters are fitted in groups on the points that constrain them —
  microbenchmarks (op-cost table, DMA alpha/beta) first, then the system stage on the
  multi-part runs (transfer bandwidths, exponents and per-call overheads, launch overhead, and
  op costs the microbenchmarks did not constrain), starting from the first stage's result. `joint=True` fits all
  parameters on all points at once instead.
- Machines (per_machine / --per-machine): the points' system column tells machines apart. A
  host-side parameter can be fitted once per machine: "transfer.x" is the preset's own
  machine's value ([preset] machine), "transfer.x@TEXT" another machine's, written to the
  preset's [machines."TEXT"] table; each point is predicted with its own machine's values.
- Parameters the points barely move (a 1 % step changes no point by 0.001 %) are reported as
  unconstrained and kept at their start values.
- Independent blocks. Within a stage, parameters that share no point (at the start, by the
  probe's finite differences) form separate least-squares problems, solved one after the
  other: e.g. the DPU numbers (kernel times), one machine's transfer law and another's. The
  minimum is the same as the joint problem's, but each block stops on its own tolerance: solved
  jointly, the kernel parameters stopped as soon as their share of a total cost dominated by
  transfer residuals stopped moving, and where they stopped depended on the transfer model.
- Speed. A model call can be slow (a SimPy run), so:
  (a) points are grouped into queries: the four time metrics of one PrIM run are one call;
  (b) a probe at the start of each stage finds which parameters each query depends on
      (one extra call per query and parameter); afterwards a query is cached under the values
      of only the parameters it depends on, so a Jacobian column re-runs only the queries
      that parameter affects (e.g. a transfer bandwidth never re-runs the arithmetic
      microbenchmarks) — finite differences stay cheap without analytic derivatives;
  (c) a 'peak over tasklets' STREAM point is evaluated at the tasklet count that reached the
      peak in the probe, not re-swept over 1..24 tasklets at every step;
  (d) the finite-difference step is relative and large (default 2 %), because simulated times
      are integer picoseconds and an op-cost step of 1e-8 would change nothing;
  (e) by default the Jacobian is computed by finite differences once (the probe already made
      those calls) and then updated by Schubert's sparse Broyden rule between accepted points,
      so an iteration costs one evaluation, not one per parameter (jacobian='2-point' does
      finite differences at every iteration: more calls, sometimes fewer iterations).
  Wall time, iterations and model calls are measured per stage and reported.
"""
from __future__ import annotations

import dataclasses
import json
import math
import random
import time
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np
from scipy.optimize import least_squares

from pimsim.analysis.measurements import Measurement
from pimsim.analysis.predict import Backends, CannotPredict, Plan, Predictor, evaluate, group_of, plan
from pimsim.analysis.validate import score
from pimsim.config import KNOWN_OPS, SECTIONS, SystemConfig, to_dict, to_toml
from pimsim.errors import ConfigError

# ---------------------------------------------------------------- free parameters
STAGES = ("microbenchmarks", "system")
STAGE_GROUPS = {
    "microbenchmarks": ("microbenchmarks",),
    # transfers and kernel times come from the same model calls (one PrIM run gives all four
    # times), so they are fitted together: one probe and one Jacobian per iteration, not two
    "system": ("cpu-dpu", "dpu-cpu", "inter-dpu", "host", "single-dpu-kernel", "multi-dpu-kernel", "kernel-cycles",
               "total"),
}
# The parameters fitted when the user names none, by the group of points that constrains them.
DEFAULT_TRANSFER_PARAMS = ("transfer.cpu_dpu_serial_gbps", "transfer.dpu_cpu_serial_gbps",
                           "transfer.cpu_dpu_position_exponent", "transfer.dpu_cpu_position_exponent",
                           "transfer.cpu_dpu_call_overhead_us", "transfer.dpu_cpu_call_overhead_us")
# a broadcast bandwidth only when broadcast points exist (else nothing constrains it)
DEFAULT_KERNEL_PARAMS = ("launch.launch_overhead_us",)
FIT_FAILURE_RESIDUAL = 10.0   # residual of a point whose model call fails mid-fit (1000 % error)
# --weigh-by-sd: a point's relative error is divided by its relative run-to-run sd (sd= in the
# uncertainty column), at least this much, so a sd of 0 (a deterministic counter) stays finite
MIN_REL_SD = 1e-3
UNWEIGHTED = "none: every point's relative error counts alike"
# scipy.optimize.least_squares losses; 'linear' is plain least squares
LOSSES = ("linear", "soft_l1", "huber", "cauchy", "arctan")
DEFAULT_LOSS_SCALE = 0.05     # f_scale of a robust loss: relative errors beyond 5 % count ~linearly
# A parameter whose 1 % change (of its start value) moves no point by even 0.001 % is not
# constrained by the points (e.g. a per-call overhead under 32 MB transfers): it is left at its
# start value, not "fitted" to wherever the optimiser's flat direction takes it.
MIN_ELASTICITY = 1e-3


def _elasticity(value: Any, start: Any, rel_step: float) -> float:
    """Largest relative change of a model result (a number or a dict of times) per relative
    change of a parameter."""
    if isinstance(start, dict):
        return max((_elasticity(value.get(k), v, rel_step) for k, v in start.items()), default=0.0)
    if not isinstance(start, (int, float)) or not isinstance(value, (int, float)) or rel_step == 0:
        return math.inf if value != start else 0.0
    if start == 0:
        return math.inf if value != 0 else 0.0
    return abs(value / start - 1) / abs(rel_step)


def fittable_parameters() -> list[str]:
    """Every preset field calibrate may fit (numbers that are not integers or SDK rules)."""
    out = [f"ops.{op}" for op in KNOWN_OPS]
    for sec, cls in SECTIONS.items():
        if sec == "ops":
            continue
        for f in dataclasses.fields(cls):
            if not f.metadata.get("integer"):
                out.append(f"{sec}.{f.name}")
    return out


def default_parameters(points: Sequence[Measurement]) -> list[str]:
    """A small default set per group present in the points: each parameter is one the group's
    points can constrain (so the fit is identifiable and fast)."""
    out: list[str] = []
    groups = {group_of(m) for m in points}
    for m in points:
        if group_of(m) != "microbenchmarks":
            continue
        try:
            q = plan(m).query
        except CannotPredict:
            continue
        if q[0] == "arith":
            out.append(f"ops.{q[1].lower()}_{q[2].lower()}")
        elif q[0] in ("dma", "dma_beta"):
            dirs = (q[1],) if q[0] == "dma" else q[1]
            for d in dirs:
                out += [f"dma.{d}_alpha_cycles", f"dma.{d}_beta_cycles_per_byte"]
        elif q[0] in ("stream", "stream_peak") and q[1] in ("SCALE", "TRIAD"):
            out.append("ops.mul_int64")
    if groups & {"cpu-dpu", "dpu-cpu"}:
        out += DEFAULT_TRANSFER_PARAMS
        if any(m.metric == "xfer_bw" and "broadcast" in m.variant.lower() for m in points):
            out.append("transfer.broadcast_rank_gbps")
    if "inter-dpu" in groups or "host" in groups:
        out += ["host.mem_gbps"]
    if groups & {"single-dpu-kernel", "multi-dpu-kernel", "total"}:
        out += DEFAULT_KERNEL_PARAMS
    return list(dict.fromkeys(out))


@dataclass(frozen=True)
class Param:
    name: str
    start: float
    lo: float
    hi: float

    @property
    def scale(self) -> float:
        return abs(self.start) if self.start != 0 else max(1.0, self.hi / 1000 if math.isfinite(self.hi) else 1.0)


def _field_range(name: str) -> tuple[float, float]:
    sec, _, key = name.partition(".")
    if sec == "ops":
        return 0.0, 1e7
    for f in dataclasses.fields(SECTIONS[sec]):
        if f.name == key:
            return f.metadata.get("lo") or 0.0, f.metadata.get("hi") or math.inf
    raise ConfigError(f"unknown parameter {name}")


def make_params(cfg: SystemConfig, specs: Iterable[str]) -> list[Param]:
    """'section.field' or 'section.field=LO:HI' -> Param. Default bounds: the value / 10 ..
    value * 10, inside the field's legal range (exponents: their legal range 0..1)."""
    allowed = set(fittable_parameters())
    d = to_dict(cfg)
    out = []
    for spec in specs:
        name, _, rng = spec.strip().partition("=")
        name = name.strip()
        if name not in allowed:
            raise ConfigError(f"cannot fit {name!r}: not a fittable preset field; fittable: "
                              f"{', '.join(sorted(allowed))}")
        sec, key = name.split(".")
        start = float(d[sec]["instructions"][key] if sec == "ops" else d[sec][key])
        flo, fhi = _field_range(name)
        if rng:
            try:
                lo, hi = (float(v) for v in rng.split(":"))
            except ValueError:
                raise ConfigError(f"parameter bounds {spec!r} must look like section.field=LO:HI") from None
        elif name.endswith("_exponent"):
            lo, hi = flo, fhi
        elif start > 0:
            lo, hi = start / 10, start * 10
        else:
            lo, hi = 0.0, 1000.0
        lo, hi = max(lo, flo), min(hi, fhi)
        if not lo < hi or not lo <= start <= hi:
            raise ConfigError(f"bounds of {name}: {lo} .. {hi} must contain its start value {start} "
                              f"and lie within the field's range {flo} .. {fhi}")
        out.append(Param(name, start, lo, hi))
    return out


# ---------------------------------------------------------------- per-machine parameters
# A parameter named "section.field@TEXT" is the value of section.field on the machine whose
# measurements' system column contains TEXT (a [machines] entry of the preset); the plain name
# is the preset's own machine's. Host-side sections only: the DPUs are the same chips everywhere.
MACHINE_SECTIONS = {"transfer": ("cpu-dpu", "dpu-cpu", "inter-dpu"),
                    "launch": ("single-dpu-kernel", "multi-dpu-kernel", "total"),
                    "host": ("inter-dpu", "host", "total")}


def split_machine(name: str) -> tuple[str, str]:
    """'transfer.x@KAIST' -> ('transfer.x', 'KAIST'); 'transfer.x' -> ('transfer.x', '')."""
    field_, _, machine = name.partition("@")
    return field_, machine


def machine_key(cfg: SystemConfig, system: str) -> str:
    """The name another machine's parameters and [machines] entry go by: the entry the system
    already matches, else the system column itself."""
    return cfg.machine_of(system) or system


def machine_params(cfg: SystemConfig, params: list[Param], points: Sequence[Measurement],
                   sections: Sequence[str]) -> list[Param]:
    """One copy of each parameter of `sections` per other machine whose points it can affect:
    machines are told apart by the system column, the preset's own by its [preset] machine text."""
    bad = [s for s in sections if s not in MACHINE_SECTIONS]
    if bad:
        raise ConfigError(f"--per-machine {bad[0]}: only host-side sections differ between machines "
                          f"({', '.join(MACHINE_SECTIONS)})")
    if not sections:
        return []
    if not cfg.machine:
        raise ConfigError(f"preset {cfg.name} names no machine ([preset] machine = TEXT), so a per-machine "
                          f"fit cannot tell its own machine's points from the others'")
    out = []
    for p in params:
        f_, _ = split_machine(p.name)
        sec = f_.split(".")[0]
        if sec not in sections:
            continue
        systems = dict.fromkeys(m.system for m in points if group_of(m) in MACHINE_SECTIONS[sec]
                                and cfg.machine.lower() not in m.system.lower())
        for sys_ in systems:
            start = _value(cfg.for_system(sys_), f_)
            out.append(Param(f"{f_}@{machine_key(cfg, sys_)}", start, min(p.lo, start), max(p.hi, start)))
    return out


def with_values(cfg: SystemConfig, values: dict[str, float]) -> SystemConfig:
    """cfg with fitted values set: plain names in the sections, name@TEXT in [machines."TEXT"]."""
    base = {n: v for n, v in values.items() if "@" not in n}
    out = cfg.with_overrides(base) if base else cfg
    if len(base) == len(values):
        return out
    machines = {k: dict(v) for k, v in cfg.machines.items()}
    for n, v in values.items():
        f_, key = split_machine(n)
        if key:
            machines.setdefault(key, {})[f_] = v
    return out.with_machines(machines)


# ---------------------------------------------------------------- held-out split
def _shuffled_experiments(points: Sequence[Measurement], rng: random.Random) -> dict[str, list[tuple]]:
    """Each workload's experiments in a seeded random order (the order the random splits deal from)."""
    by_wl: dict[str, list[tuple]] = {}
    for m in points:
        exps = by_wl.setdefault(m.workload, [])
        if m.experiment not in exps:
            exps.append(m.experiment)
    out = {}
    for w in sorted(by_wl):
        exps = sorted(by_wl[w], key=repr)
        rng.shuffle(exps)
        out[w] = exps
    return out


def split_points(points: Sequence[Measurement], holdout: float | None = None, by: str | None = None,
                 values: Sequence[str] | None = None, seed: int = 0,
                 fold: tuple[int, int] | None = None) -> tuple[list[Measurement], list[Measurement], str]:
    """(fit, held_out, description). Points of one experiment (same workload, variant, DPUs,
    tasklets, size: e.g. the four metrics of one PrIM run) always go to the same side.

    - holdout=F: a seeded random F of each workload's experiments is held out.
    - fold=(i, k): each workload's experiments, in a seeded random order, are dealt into k folds
      in turn; fold i is held out. Over i = 0..k-1 every experiment is held out exactly once.
    - by='workload': the named workloads (values), else a seeded random F (default 0.25) of them.
    - by='nr_dpus': the named DPU counts (values), else each workload's largest DPU count
      when the workload was measured at more than one (a scale-out extrapolation test).
    """
    rng = random.Random(seed)
    held_exp: set[tuple] = set()
    if fold is not None:
        i, k = fold
        if holdout is not None or by is not None:
            raise ConfigError("cross-validation folds and --holdout/--holdout-by are alternatives: give one")
        if k < 2 or not 0 <= i < k:
            raise ConfigError(f"fold {i + 1} of {k}: expected at least 2 folds and 1 <= fold <= {k}")
        # the deal continues across workloads, so folds stay balanced when workloads have few experiments
        order = [e for exps in _shuffled_experiments(points, rng).values() for e in exps]
        held_exp = set(order[i::k])
        desc = f"fold {i + 1} of {k} of each workload's experiments (seed {seed})"
    elif by is None:
        if not holdout:
            return list(points), [], "none"
        if not 0 < holdout < 1:
            raise ConfigError(f"--holdout {holdout}: expected a fraction between 0 and 1")
        for exps in _shuffled_experiments(points, rng).values():
            held_exp |= set(exps[:round(holdout * len(exps))])
        desc = f"random {holdout:g} of each workload's experiments (seed {seed})"
    elif by == "workload":
        workloads = sorted({m.workload for m in points})
        if values:
            unknown = set(values) - set(workloads)
            if unknown:
                raise ConfigError(f"--holdout-values: no points of workload(s) {', '.join(sorted(unknown))}; "
                                  f"workloads: {', '.join(workloads)}")
            chosen = set(values)
        else:
            frac = holdout or 0.25
            chosen = set(rng.sample(workloads, max(1, round(frac * len(workloads)))))
        held_exp = {m.experiment for m in points if m.workload in chosen}
        desc = f"workloads {', '.join(sorted(chosen))}" + ("" if values else f" (seed {seed})")
    elif by == "nr_dpus":
        if values:
            try:
                chosen_n = {int(v) for v in values}
            except ValueError:
                raise ConfigError(f"--holdout-values {values}: expected DPU counts") from None
            held_exp = {m.experiment for m in points if m.nr_dpus in chosen_n}
            desc = f"nr_dpus in {sorted(chosen_n)}"
        else:
            per_wl: dict[str, set[int]] = {}
            for m in points:
                per_wl.setdefault(m.workload, set()).add(m.nr_dpus)
            top = {w: max(ns) for w, ns in per_wl.items() if len(ns) > 1}
            held_exp = {m.experiment for m in points if top.get(m.workload) == m.nr_dpus}
            desc = "each workload's largest DPU count (" + ", ".join(f"{w}: {n}" for w, n in sorted(top.items())) + ")"
    else:
        raise ConfigError(f"--holdout-by {by!r}: use workload or nr_dpus")
    fit = [m for m in points if m.experiment not in held_exp]
    held = [m for m in points if m.experiment in held_exp]
    return fit, held, desc


# ---------------------------------------------------------------- the fitting machinery
@dataclass
class StageReport:
    name: str
    params: list[str]
    unconstrained: list[str]
    n_points: int
    n_queries: int
    nfev: int = 0
    njev: int = 0
    model_calls: int = 0
    wall_s: float = 0.0
    cost_start: float = 0.0
    cost_end: float = 0.0
    mape_start: float | None = None
    mape_end: float | None = None
    status: str = ""


# ---- worker processes: each forked worker inherits the stage's base config and backends
_WORKER: dict[str, Any] = {}


def _worker_eval(task: tuple) -> tuple[bool, Any]:
    query, overrides = task
    key = tuple(sorted(overrides.items()))
    cfgs = _WORKER.setdefault("cfgs", {})
    cfg = cfgs.get(key)
    if cfg is None:
        if len(cfgs) > 64:
            cfgs.clear()
        cfg = cfgs[key] = _WORKER["cfg"].with_overrides(overrides)
    try:
        return True, evaluate(query, cfg, _WORKER["backends"])
    except Exception as e:  # noqa: BLE001
        return False, f"{type(e).__name__}: {e}"


def _on_machine(pl: Plan, machine: str) -> Plan:
    return dataclasses.replace(pl, query=("@", machine, pl.query)) if machine else pl


def _off_machine(q: tuple) -> tuple[str, tuple]:
    """(machine, model query) of a stage query ('' for the preset's own machine)."""
    return (q[1], q[2]) if q[0] == "@" else ("", q)


def _rewrap(like: tuple, query: tuple) -> tuple:
    machine = _off_machine(like)[0]
    return ("@", machine, query) if machine else query


class _Stage:
    """Residuals of one stage's points as a function of normalised parameters z, with the
    dependency-aware cache described in the module docstring."""

    def __init__(self, cfg: SystemConfig, params: list[Param], points: list[Measurement],
                 backends: Backends, diff_step: float, jobs: int = 1, weights: dict[str, float] | None = None):
        self.jobs = jobs
        # residual = weight x relative error (sd_weights; 1 when the fit is not weighted)
        self.weights = np.array([(weights or {}).get(m.id, 1.0) for m in points])
        self.pool = None
        self.failed: list[str] = []
        self.free: list[int] = []
        self.z_final: np.ndarray | None = None
        self.cfg0, self.params, self.backends, self.h = cfg, params, backends, diff_step
        self.base = cfg.with_machines({})   # machine entries are applied per query (overrides)
        self.points = points
        # a point of a machine with a [machines] entry or parameters of its own is a query of its
        # own: ("@", machine, query); the others share the preset's sections
        own = {split_machine(p.name)[1] for p in params} | set(cfg.machines)
        self.plans = [_on_machine(plan(m), k if (k := machine_key(cfg, m.system)) in own else "") for m in points]
        self.queries = list(dict.fromkeys(p.query for p in self.plans))
        self.deps: dict[tuple, tuple[int, ...]] = {}
        self.run_query: dict[tuple, tuple] = {}
        self.cache: dict[tuple, tuple[bool, Any]] = {}
        self.calls = 0
        self.cfg_cache: dict[tuple, SystemConfig] = {}

    def z0(self) -> np.ndarray:
        return np.array([p.start / p.scale for p in self.params])

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return (np.array([p.lo / p.scale for p in self.params]), np.array([p.hi / p.scale for p in self.params]))

    def overrides(self, z: np.ndarray, machine: str = "") -> dict[str, float]:
        """The values at z for one machine: the preset's own parameters, then (another machine)
        its [machines] entry and its own parameters."""
        over = {p.name: float(v) * p.scale for p, v in zip(self.params, z) if "@" not in p.name}
        if machine:
            over.update(self.cfg0.machines.get(machine, {}))
            for p, v in zip(self.params, z):
                f_, key = split_machine(p.name)
                if key == machine:
                    over[f_] = float(v) * p.scale
        return over

    def config(self, z: np.ndarray, machine: str = "") -> SystemConfig:
        key = (machine, tuple(float(v) for v in z))
        c = self.cfg_cache.get(key)
        if c is None:
            c = self.base.with_overrides(self.overrides(z, machine))
            if len(self.cfg_cache) > 256:
                self.cfg_cache.clear()
            self.cfg_cache[key] = c
        return c

    def _call(self, q: tuple, z: np.ndarray, deps: Iterable[int] | None) -> tuple[bool, Any]:
        dz = tuple(range(len(self.params))) if deps is None else tuple(deps)
        key = (q, dz, tuple(float(z[j]) for j in dz))
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        self.calls += 1
        machine, query = _off_machine(self.run_query.get(q, q))
        try:
            out = (True, evaluate(query, self.config(z, machine), self.backends))
        except Exception as e:  # noqa: BLE001 - a failing call is a large residual, not a crash
            out = (False, f"{type(e).__name__}: {e}")
        self.cache[key] = out
        return out

    def probe(self) -> tuple[list[str], list[int]]:
        """Evaluate every query at the start and after a step in each parameter; record which
        parameters each query depends on. Returns (reasons of failed points, unconstrained
        parameter indices)."""
        z0 = self.z0()
        lb, ub = self.bounds()
        cfg = self.config(z0)
        base = {}
        # a peak-over-tasklets point: sweep the tasklet counts once (in the workers), then follow
        # the tasklet count that reached the peak
        sweeps = {q: [_rewrap(q, ("stream", _off_machine(q)[1][1], t)) for t in range(1, cfg.dpu.max_tasklets + 1)]
                  for q in self.queries if _off_machine(q)[1][0] == "stream_peak"}
        self._prefetch([(sq, z0, ()) for qs in sweeps.values() for sq in qs])
        for q, qs in sweeps.items():
            vals = [(v, sq) for sq in qs for ok, v in [self._call(sq, z0, deps=())] if ok]
            if vals:
                self.run_query[q] = max(vals)[1]
        self._prefetch([(q, z0, ()) for q in self.queries])
        for q in self.queries:
            base[q] = self._call(q, z0, deps=())
        steps = []
        for j in range(len(self.params)):
            z = z0.copy()
            z[j] = self._step(z0, j, lb, ub)
            steps.append(z)
        self._prefetch([(q, steps[j], (j,)) for q in self.queries if base[q][0] for j in range(len(self.params))])
        used = set()
        for q in self.queries:
            if not base[q][0]:
                self.deps[q] = ()
                continue
            deps = []
            for j in range(len(self.params)):
                val = self._call(q, steps[j], deps=(j,))
                if val != base[q]:
                    deps.append(j)
                    if _elasticity(val[1], base[q][1], steps[j][j] - z0[j]) >= MIN_ELASTICITY:
                        used.add(j)
            self.deps[q] = tuple(deps)
            # re-key the start value under this query's dependencies
            self.cache[(q, tuple(deps), tuple(float(z0[j]) for j in deps))] = base[q]
        failed = [f"{m.id}: {base[p.query][1]}" for m, p in zip(self.points, self.plans) if not base[p.query][0]]
        return failed, [j for j in range(len(self.params)) if j not in used]

    def probe_jacobian(self) -> tuple[np.ndarray, np.ndarray]:
        """(J, pattern): the finite-difference Jacobian of the residuals at the start, from the
        probe's evaluations (no new model calls), and its sparsity pattern (point i depends on
        parameter j)."""
        z0 = self.z0()
        lb, ub = self.bounds()
        r0 = self.residuals(z0)
        n, p = len(self.points), len(self.params)
        J = np.zeros((n, p))
        pattern = np.zeros((n, p), dtype=bool)
        for j in range(p):
            z = z0.copy()
            z[j] = self._step(z0, j, lb, ub)
            rows = [i for i, pl in enumerate(self.plans) if j in self.deps.get(pl.query, ())]
            if not rows:
                continue
            rj = self.residuals_at(z, rows, deps_override=(j,))
            J[rows, j] = (rj - r0[rows]) / (z[j] - z0[j])
            pattern[rows, j] = True
        return J, pattern

    def residuals_at(self, z: np.ndarray, rows: list[int], deps_override: tuple) -> np.ndarray:
        out = np.empty(len(rows))
        for k, i in enumerate(rows):
            pl = self.plans[i]
            ok, val = self._call(pl.query, z, deps_override)
            if ok and pl.key is not None:
                val = val.get(pl.key)
            out[k] = self._residual(i, float(val) if ok and val is not None else None)
        return out

    def _step(self, z0: np.ndarray, j: int, lb: np.ndarray, ub: np.ndarray) -> float:
        # the same step scipy's 2-point scheme takes, so its first Jacobian hits the cache
        h = self.h * max(1.0, abs(z0[j])) * (1.0 if z0[j] >= 0 else -1.0)
        x = z0[j] + h
        if x > ub[j] or x < lb[j]:
            x = z0[j] - h
        return x

    def start_pool(self) -> None:
        if self.jobs > 1 and self.pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor
            _WORKER.clear()
            _WORKER.update(cfg=self.base, backends=self.backends)
            self.pool = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("fork"))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None

    def _prefetch(self, tasks: list[tuple[tuple, np.ndarray, tuple]]) -> None:
        """Evaluate the cache misses among (query, z, deps) in the worker processes."""
        if self.pool is None:
            return
        todo, seen = [], set()
        for q, z, dz in tasks:
            key = (q, dz, tuple(float(z[j]) for j in dz))
            if key in self.cache or key in seen:
                continue
            seen.add(key)
            machine, query = _off_machine(self.run_query.get(q, q))
            todo.append((key, (query, self.overrides(z, machine))))
        if len(todo) < 2:
            return
        for (key, _), out in zip(todo, self.pool.map(_worker_eval, [t for _, t in todo], chunksize=1)):
            self.calls += 1
            self.cache[key] = out

    def predictions(self, z: np.ndarray) -> list[float | None]:
        self._prefetch([(p.query, z, tuple(range(len(self.params))) if self.deps.get(p.query) is None
                         else tuple(self.deps[p.query])) for p in self.plans])
        out = []
        for m, p in zip(self.points, self.plans):
            ok, val = self._call(p.query, z, self.deps.get(p.query))
            if not ok:
                out.append(None)
                continue
            if p.key is not None:
                val = val.get(p.key)
            out.append(None if val is None else float(val))
        return out

    def residuals(self, z: np.ndarray) -> np.ndarray:
        return np.array([self._residual(i, v) for i, v in enumerate(self.predictions(z))])

    def _residual(self, i: int, predicted: float | None) -> float:
        """Point i's weighted relative error (FIT_FAILURE_RESIDUAL when its model call failed)."""
        if predicted is None:
            return FIT_FAILURE_RESIDUAL
        meas = self.points[i].canonical_value
        return self.weights[i] * (predicted - meas) / meas

    def mape(self, r: np.ndarray, rows) -> float:
        """MAPE (%) of residuals r of points `rows`, the weights taken out."""
        return float(100 * np.mean(np.abs(r / self.weights[rows])))


@dataclass
class CalibrationResult:
    cfg: SystemConfig
    start_cfg: SystemConfig
    params: list[Param]
    fitted: dict[str, float]
    fit_points: list[Measurement]
    heldout_points: list[Measurement]
    excluded: list[str]                 # 'id: reason' of points left out of the fit
    holdout: str
    seed: int
    stages: list[StageReport]
    wall_s: float
    metrics: dict = field(default_factory=dict)   # {'before'|'after': {'fit'|'heldout': score}}
    measurement_files: list[str] = field(default_factory=list)
    jacobian: str = "broyden"
    weighting: str = UNWEIGHTED
    loss: str = "linear"
    loss_scale: float = DEFAULT_LOSS_SCALE

    def to_dict(self) -> dict:
        return {
            "preset": self.cfg.name, "start_preset": self.start_cfg.name, "holdout": self.holdout,
            "seed": self.seed,
            "parameters": [{"name": p.name, "start": p.start, "fitted": self.fitted.get(p.name, p.start),
                            "lo": p.lo, "hi": p.hi} for p in self.params],
            "n_fit_points": len(self.fit_points), "n_heldout_points": len(self.heldout_points),
            "fit_points": [m.id for m in self.fit_points], "heldout_points": [m.id for m in self.heldout_points],
            "excluded": self.excluded,
            "weighting": self.weighting,
            "loss": self.loss, "loss_scale": self.loss_scale,
            "stages": [dataclasses.asdict(s) for s in self.stages], "wall_s": self.wall_s,
            "metrics": self.metrics,
        }


def _stage_plan(params: list[Param], fit: list[Measurement], joint: bool) -> list[tuple[str, list[Param], list[Measurement]]]:
    if joint:
        return [("joint", params, fit)]
    plans = []
    by_stage = {s: [m for m in fit if group_of(m) in STAGE_GROUPS[s]] for s in STAGES}
    section_stage = {"ops": "microbenchmarks", "dma": "microbenchmarks", "dpu": "microbenchmarks",
                     "transfer": "system", "host": "system", "topology": "system", "launch": "system"}
    for s in STAGES:
        ps = [p for p in params if section_stage[p.name.split(".")[0]] == s]
        plans.append((s, ps, by_stage[s]))
    return plans


def _blocks(depends: np.ndarray) -> list[tuple[list[int], list[int]]]:
    """Split a least-squares problem whose residual i depends on parameter j where depends[i, j]
    into blocks that share no residual: [(parameter columns, residual rows)], in column order.
    The blocks are independent problems (e.g. the DPU numbers and one machine's transfer law),
    so each is solved apart and stops on its own tolerance, not on a total cost that the
    largest residuals of another block dominate. Rows depending on no parameter are dropped."""
    n_rows, n_cols = depends.shape
    parent = list(range(n_cols))

    def root(c):
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for i in range(n_rows):
        cs = np.flatnonzero(depends[i])
        for c in cs[1:]:
            parent[root(int(c))] = root(int(cs[0]))
    blocks: dict[int, tuple[list[int], list[int]]] = {}
    for c in range(n_cols):
        blocks.setdefault(root(c), ([], []))[0].append(c)
    for i in range(n_rows):
        cs = np.flatnonzero(depends[i])
        if cs.size:
            blocks[root(int(cs[0]))][1].append(i)
    return list(blocks.values())


class _SparseBroyden:
    """Jacobian for least_squares: finite differences once (at the start, from the probe), then
    Schubert's sparse Broyden update between the points least_squares accepts. One model
    evaluation per iteration instead of one per parameter, which is what makes fitting slow
    SimPy runs affordable; the dependency pattern keeps structural zeros at zero."""

    def __init__(self, fun, x0, f0, J0, pattern, seen=None):
        self.fun, self.pattern = fun, pattern
        self.seen = seen if seen is not None else {}
        self.J = J0.copy()
        self.x, self.f = np.array(x0, float), np.array(f0, float)
        self.calls = 0

    def __call__(self, x, *args):
        x = np.asarray(x, float)
        self.calls += 1
        dx = x - self.x
        if np.any(dx != 0):
            f = self.seen.get(tuple(x))
            if f is None:
                f = self.fun(x)
            df = f - self.f
            pred = self.J @ dx
            for i in range(self.J.shape[0]):
                s_i = np.where(self.pattern[i], dx, 0.0)
                ss = float(s_i @ s_i)
                if ss > 0:
                    self.J[i] += (df[i] - pred[i]) * s_i / ss
            self.x, self.f = x.copy(), f
        return self.J


def _run_stage(st: _Stage, sname: str, sparams: list[Param], spoints: list[Measurement], diff_step: float,
               max_nfev: int, say: Callable[[str], None], t0: float, jacobian: str = "broyden",
               loss: str = "linear", loss_scale: float = DEFAULT_LOSS_SCALE) -> StageReport:
    failed, unconstrained = st.probe()
    st.failed = failed
    for f in failed:
        say(f"  [{sname}] left out of the fit: {f}")
    fail_ids = {f.split(": ", 1)[0] for f in failed}
    free = [j for j in range(len(sparams)) if j not in unconstrained]
    rep = StageReport(sname, [sparams[j].name for j in free], [sparams[j].name for j in unconstrained],
                      n_points=len(spoints) - len(fail_ids), n_queries=len(st.queries))
    st.free = free
    if unconstrained:
        say(f"  [{sname}] not constrained by these points, left as they are: {', '.join(rep.unconstrained)}")
    if not free or rep.n_points == 0:
        rep.params = []
        rep.wall_s = time.perf_counter() - t0
        rep.model_calls = st.calls
        rep.status = "nothing to fit"
        return rep
    # restrict the stage to the constrained parameters and the points that ran
    z = st.z0()
    good = [i for i, m in enumerate(spoints) if m.id not in fail_ids]
    lb, ub = st.bounds()
    J0, pattern = st.probe_jacobian()          # from the probe's evaluations: no new model calls
    r0 = st.residuals(z)[good]
    evals = [0]
    messages = []
    nfev = njev = 0
    blocks = [([free[c] for c in cols], [good[r] for r in rows]) for cols, rows in _blocks(J0[good][:, free] != 0)]
    idle = [j for cols, rows_g in blocks if not rows_g for j in cols]     # move only unmeasured metrics
    if idle:
        names = [sparams[j].name for j in idle]
        say(f"  [{sname}] no fitted point depends on {', '.join(names)}: left as is")
        rep.params = [n for n in rep.params if n not in names]
        rep.unconstrained += names
        st.free = [j for j in st.free if j not in idle]
    for cols, rows_g in blocks:
        if not rows_g:
            continue
        seen: dict[tuple, np.ndarray] = {}

        def fun(zb, cols=cols, rows_g=rows_g, seen=seen):
            zz = z.copy()
            zz[cols] = zb
            r = st.residuals(zz)[rows_g]
            seen[tuple(np.asarray(zb, float))] = r
            evals[0] += 1
            say(f"  [{sname}] evaluation {evals[0]} ({len(cols)} parameter(s), {len(rows_g)} points): MAPE "
                f"{st.mape(r, rows_g):.2f} % ({st.calls} model calls, "
                f"{time.perf_counter() - t0:.0f} s)")
            return r

        rb0 = fun(z[cols])
        if jacobian == "broyden":
            jac = _SparseBroyden(fun, z[cols], rb0, J0[np.ix_(rows_g, cols)], pattern[np.ix_(rows_g, cols)], seen)
        else:
            jac = "2-point"
        sol = least_squares(fun, z[cols], bounds=(lb[cols], ub[cols]), method="trf", jac=jac,
                            diff_step=diff_step, x_scale=1.0, ftol=1e-4, xtol=1e-4, gtol=1e-8, max_nfev=max_nfev,
                            loss=loss, f_scale=loss_scale)
        z[cols] = sol.x
        nfev, njev = nfev + int(sol.nfev), njev + int(sol.njev or 0)
        messages.append(sol.message)
    st.z_final = z
    r_end = st.residuals(z)[good]
    rep.nfev, rep.njev, rep.model_calls = nfev, njev, st.calls
    rep.cost_start, rep.cost_end = float(0.5 * np.sum(r0 ** 2)), float(0.5 * np.sum(r_end ** 2))
    rep.mape_start = st.mape(r0, good)
    rep.mape_end = st.mape(r_end, good)
    rep.status = f"{len(messages)} independent block(s): " + "; ".join(dict.fromkeys(messages))
    rep.wall_s = time.perf_counter() - t0
    say(f"  [{sname}] {len(free)} parameter(s), {rep.n_points} points, {rep.n_queries} model queries: "
        f"MAPE {rep.mape_start:.2f} % -> {rep.mape_end:.2f} % in {rep.nfev} evaluations + {rep.njev} Jacobians, "
        f"{rep.model_calls} model calls, {rep.wall_s:.1f} s")
    return rep


def rep_fitted(st: _Stage, rep: StageReport) -> dict[str, float]:
    if not rep.params:
        return {}
    return {st.params[j].name: float(st.z_final[j]) * st.params[j].scale for j in st.free}


def sd_weights(fit: Sequence[Measurement]) -> tuple[dict[str, float], str]:
    """({point id: weight}, description) for a fit weighted by measured spread: a point's
    relative error is divided by its relative run-to-run sd (at least MIN_REL_SD), scaled so a
    point at the median relative sd weighs 1; points without sd= weigh 1 (as if at the median)."""
    rel = {m.id: max(m.rel_sd, MIN_REL_SD) for m in fit if m.rel_sd is not None}
    if not rel:
        raise ConfigError(f"--weigh-by-sd: none of the {len(fit)} points in the fit has sd=<value> in its "
                          "uncertainty column (validation/collect writes it for sweeps with runs >= 2)")
    median = float(np.median(list(rel.values())))
    desc = (f"by run-to-run sd: relative error x {100 * median:.3g} % / the point's relative sd "
            f"(>= {100 * MIN_REL_SD:g} %); {len(rel)} of {len(fit)} fit points carry sd=, the others weigh 1")
    return {i: median / r for i, r in rel.items()}, desc


def calibrate(points: Sequence[Measurement], cfg: SystemConfig, params: Sequence[str] | None = None, *,
              holdout: float | None = None, holdout_by: str | None = None,
              holdout_values: Sequence[str] | None = None, seed: int = 0, joint: bool = False,
              backends: Backends | None = None, diff_step: float = 0.02, max_nfev: int = 40,
              name: str | None = None, score_all: bool = True, jobs: int = 1, jacobian: str = "broyden",
              progress: Callable[[str], None] | None = None,
              exclude_metrics: Sequence[str] = (), fold: tuple[int, int] | None = None,
              per_machine: Sequence[str] = (), weigh_by_sd: bool = False, loss: str = "linear",
              loss_scale: float = DEFAULT_LOSS_SCALE) -> CalibrationResult:
    """Fit `params` (default: default_parameters) on the non-held-out points; points whose metric
    is in `exclude_metrics` stay out of the fit (recorded as excluded) but can still be validated.
    Parameters of the `per_machine` sections are fitted once per machine (machine_params).
    weigh_by_sd: weigh each point by its measured run-to-run spread (sd_weights).
    loss, loss_scale: scipy least_squares' loss and f_scale (a relative error: 0.05 = 5 %)."""
    if jacobian not in ("broyden", "2-point"):
        raise ConfigError(f"jacobian {jacobian!r}: use broyden or 2-point")
    if loss not in LOSSES:
        raise ConfigError(f"loss {loss!r}: use one of {', '.join(LOSSES)}")
    if not (isinstance(loss_scale, (int, float)) and math.isfinite(loss_scale) and loss_scale > 0):
        raise ConfigError(f"loss scale {loss_scale!r}: expected a relative error > 0 (e.g. 0.05 for 5 %)")
    t_start = time.perf_counter()
    say = progress or (lambda s: None)
    backends = backends or Backends()
    fit_all, held, desc = split_points(points, holdout, holdout_by, holdout_values, seed, fold)
    # only points with a plan and a measured value > 0 can enter a relative-error fit
    fit, excluded = [], []
    for m in fit_all:
        if m.metric in exclude_metrics:
            excluded.append(f"{m.id}: metric {m.metric} excluded from the fit (--exclude-metric)")
            continue
        try:
            plan(m)
        except CannotPredict as e:
            excluded.append(f"{m.id}: {e}")
            continue
        other = cfg.machine_preset(m.system)
        if other is not None:
            excluded.append(f"{m.id}: measured on {m.system!r}, which {cfg.name} predicts with preset {other} "
                            f"([machines]); calibrate that preset on these points")
            continue
        if m.value <= 0:
            excluded.append(f"{m.id}: measured 0 (relative error undefined)")
            continue
        fit.append(m)
    weights, weighting = sd_weights(fit) if weigh_by_sd else ({}, UNWEIGHTED)
    plist = make_params(cfg, params if params else default_parameters(fit))
    plist += machine_params(cfg, plist, fit, per_machine)
    if not plist:
        raise ConfigError("no parameters to fit: name some with --params")
    say(f"fitting {len(plist)} parameter(s) on {len(fit)} points ({len(held)} held out: {desc})")
    cur = cfg
    fitted: dict[str, float] = {}
    reports: list[StageReport] = []
    pending = list(plist)        # parameters not yet constrained by an earlier stage
    for sname, sparams, spoints in _stage_plan(plist, fit, joint):
        if not joint and sname == "system":
            # op costs / DMA numbers the microbenchmarks did not constrain are tried on kernels
            sparams = list(dict.fromkeys(sparams + [p for p in pending if p.name.split(".")[0] in ("ops", "dma", "dpu")]))
        if not sparams or not spoints:
            continue
        t0 = time.perf_counter()
        sparams = [dataclasses.replace(p, start=_value(cur, p.name)) for p in sparams]
        st = _Stage(cur, sparams, spoints, backends, diff_step, jobs=jobs, weights=weights)
        st.start_pool()
        try:
            rep = _run_stage(st, sname, sparams, spoints, diff_step, max_nfev, say, t0, jacobian,
                             loss, loss_scale)
        finally:
            st.close()
        excluded += st.failed
        reports.append(rep)
        for name_, value in rep_fitted(st, rep).items():
            fitted[name_] = value
        if rep.params:
            cur = with_values(cur, {n: fitted[n] for n in rep.params})
        pending = [p for p in pending if p.name not in set(rep.params)]
    # points whose model call failed were not part of the fit
    failed_ids = {e.split(": ", 1)[0] for e in excluded}
    fit = [m for m in fit if m.id not in failed_ids]
    excluded = list(dict.fromkeys(excluded))
    preset_name = name or f"{cfg.name}-calibrated"
    out_cfg = dataclasses.replace(cur, name=preset_name,
                                  description=f"{cfg.name} calibrated by pimsim calibrate on measured points")
    res = CalibrationResult(cfg=out_cfg, start_cfg=cfg, params=plist, fitted=fitted, fit_points=fit,
                            heldout_points=held, excluded=excluded, holdout=desc, seed=seed, stages=reports,
                            wall_s=0.0, measurement_files=sorted({m.file for m in points}),
                            jacobian=jacobian, weighting=weighting, loss=loss, loss_scale=loss_scale)
    if score_all:
        pred = Predictor(backends)
        t0 = time.perf_counter()
        pred.prefetch(list(fit) + list(held), cfg, jobs)
        pred.prefetch(list(fit) + list(held), out_cfg, jobs)
        res.metrics = {
            "before": {"fit": score(pred.predict(fit, cfg)), "heldout": score(pred.predict(held, cfg))},
            "after": {"fit": score(pred.predict(fit, out_cfg)), "heldout": score(pred.predict(held, out_cfg))},
        }
        say(f"  scored fit and held-out points before/after in {time.perf_counter() - t0:.1f} s")
    res.wall_s = time.perf_counter() - t_start
    return res


@dataclass
class CrossValidation:
    """k-fold cross-validation of a calibration: every experiment is predicted by a preset
    fitted without it. `predictions` holds those out-of-fold predictions (one per point);
    `folds` the per-fold fits."""
    k: int
    seed: int
    folds: list[CalibrationResult]
    predictions: list            # list[Prediction], each from the fold that held its point out
    wall_s: float

    def score(self) -> dict:
        return score(self.predictions, one_preset=False)    # each fold's points by another fit

    def to_dict(self) -> dict:
        return {
            "k": self.k, "seed": self.seed, "wall_s": self.wall_s,
            "cv": self.score(),
            "folds": [{"holdout": f.holdout, "n_fit_points": len(f.fit_points),
                       "n_heldout_points": len(f.heldout_points), "fitted": f.fitted, "wall_s": f.wall_s}
                      for f in self.folds],
            "points": [{"id": p.m.id, "group": p.group, "measured": p.m.value, "predicted": p.predicted,
                        "pct_err": p.pct_err} for p in self.predictions],
        }


def cross_validate(points: Sequence[Measurement], cfg: SystemConfig, params: Sequence[str] | None = None, *,
                   k: int = 5, seed: int = 0, backends: Backends | None = None, jobs: int = 1,
                   progress: Callable[[str], None] | None = None, **fit_options) -> CrossValidation:
    """Fit k times, each time holding out one fold (split_points(fold=...)), and predict each
    held-out fold with the preset fitted without it. The scores of these out-of-fold
    predictions estimate how the calibration predicts points it has not seen, on every point
    rather than on one random quarter."""
    t0 = time.perf_counter()
    say = progress or (lambda s: None)
    backends = backends or Backends()
    pred = Predictor(backends)
    folds, out_of_fold = [], []
    for i in range(k):
        say(f"cross-validation: fold {i + 1} of {k}")
        res = calibrate(points, cfg, params, seed=seed, fold=(i, k), backends=backends, jobs=jobs,
                        progress=progress, score_all=False, **fit_options)
        folds.append(res)
        pred.prefetch(res.heldout_points, res.cfg, jobs)
        out_of_fold += pred.predict(res.heldout_points, res.cfg)
    order = {m.id: j for j, m in enumerate(points)}
    out_of_fold.sort(key=lambda p: order[p.m.id])
    return CrossValidation(k=k, seed=seed, folds=folds, predictions=out_of_fold,
                           wall_s=time.perf_counter() - t0)


def _value(cfg: SystemConfig, name: str) -> float:
    name, machine = split_machine(name)
    if name in cfg.machines.get(machine, {}):
        return float(cfg.machines[machine][name])
    sec, key = name.split(".")
    d = to_dict(cfg)
    return float(d[sec]["instructions"][key] if sec == "ops" else d[sec][key])


# ---------------------------------------------------------------- writing the calibrated preset
def _toml_scalar_ok(v: Any) -> bool:
    return isinstance(v, (str, bool, int)) or (isinstance(v, float) and math.isfinite(v))


def _clean_table(d: dict) -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, (list, tuple)):
            v = [x for x in v if _toml_scalar_ok(x)]
            out[k] = v
        elif _toml_scalar_ok(v):
            out[k] = v
    return out


def calibration_tables(res: CalibrationResult, command: str = "") -> dict[str, dict]:
    """The [calibration] table (and its sub-tables) recording what was fitted on what."""
    tables: dict[str, dict] = {}
    tables["calibration"] = _clean_table({
        "command": command, "start_preset": res.start_cfg.name,
        "start_preset_hash": res.start_cfg.hash(),
        "measurements": res.measurement_files, "holdout": res.holdout, "seed": res.seed,
        "method": ("scipy.optimize.least_squares (trf, bounded) on relative error; Jacobian: "
               + ("finite differences at the start, sparse Broyden updates after" if res.jacobian == "broyden"
                  else "finite differences (2-point) at every iteration")
               + ("" if res.loss == "linear" else f"; loss {res.loss} (f_scale {res.loss_scale:g})")),
        "free_parameters": [p.name for p in res.params],
        "fitted_parameters": sorted(res.fitted),
        "weighting": res.weighting,
        "stages": [f"{s.name}: {', '.join(s.params) or '-'} on {s.n_points} points, {s.nfev} evaluations, "
                   f"{s.model_calls} model calls, {s.wall_s:.1f} s ({s.status})" for s in res.stages],
        "wall_s": round(res.wall_s, 2),
        "fit_points": [m.id for m in res.fit_points],
        "heldout_points": [m.id for m in res.heldout_points],
        "excluded_points": res.excluded,
    })
    tables["calibration.start_values"] = {p.name: p.start for p in res.params}
    tables["calibration.fitted_values"] = {k: v for k, v in sorted(res.fitted.items())}
    tables["calibration.bounds"] = {p.name: [p.lo, p.hi] for p in res.params}
    for when in ("before", "after"):
        for subset in ("fit", "heldout"):
            sc = res.metrics.get(when, {}).get(subset)
            if not sc:
                continue
            for g, s in {"overall": sc["overall"], **sc["groups"]}.items():
                if s["n"]:
                    tables[f"calibration.metrics.{when}.{subset}.{g}"] = _clean_table(
                        {k: s[k] for k in ("n", "r2", "r2_log", "mape", "median_abs_pct_err", "max_abs_pct_err",
                                           "mean_pct_err")})
    return tables


def write_preset(res: CalibrationResult, path: str, command: str = "") -> str:
    """A full preset (every section) plus the [calibration] record; returns the text."""
    header = (f"pimsim preset {res.cfg.name}: {res.start_cfg.name} with parameters fitted by `pimsim calibrate`.\n"
              f"Generated by: {command or 'pimsim calibrate'}\n"
              "Do not edit by hand: rerun the command. Values marked 'fitted' were fitted to the measured\n"
              f"points listed in [calibration]; every other value is copied from {res.start_cfg.name}\n"
              f"({Path(res.start_cfg.source_path).name if res.start_cfg.source_path else 'its preset file'}), "
              "whose comments give its source.\n"
              f"Held out from the fit: {res.holdout}.")
    text = to_toml(res.cfg, header=header, extra_tables=calibration_tables(res, command))
    # annotate each hardware value with where it comes from
    out, section = [], None
    starts = {p.name: p.start for p in res.params}
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("[") and s.endswith("]"):
            section = s[1:-1]
        elif section and (section in SECTIONS or section.startswith("machines.")) and "=" in s \
                and not s.startswith("#"):
            key = s.split("=", 1)[0].strip()
            full = f"{section}.{key}"
            if section.startswith("machines."):        # [machines."TEXT"] "section.field" = v
                full = f"{json.loads(key)}@{json.loads(section.removeprefix('machines.'))}"
            if full in res.fitted:
                line += f"  # fitted by pimsim calibrate (start {starts[full]:g})"
            else:
                line += f"  # as in {res.start_cfg.name}"
        out.append(line)
    text = "\n".join(out) + "\n"
    with open(path, "w") as fh:
        fh.write(text)
    return text
