"""The PrIM benchmark suite (Gomez-Luna et al., IEEE Access 2022) on pimsim.

Each workload is a module here defining
    NAME, DESCRIPTION, DEFAULT_SIZE (PrIM's 1-rank strong-scaling size), PARAMS (PrIM host
    parameters with defaults), and
    run(dpus, tasklets, size, params, timing_only, config, seed) -> pimsim.host_api.RunResult
doing PrIM's host steps: partition, transfer, launch, gather, merge (and inter-DPU steps).
`size` is the total problem size with the meaning of validation/measurements/README.md.
"""
from __future__ import annotations

import importlib
from typing import Any, Mapping

from pimsim.config import SystemConfig, load_preset
from pimsim.errors import PimsimError

# name -> module (pimsim.workloads.prim.<module>)
MODULES = {
    "VA": "va", "GEMV": "gemv", "SpMV": "spmv", "SEL": "sel", "UNI": "uni", "BS": "bs", "TS": "ts",
    "BFS": "bfs", "MLP": "mlp", "NW": "nw", "HST-S": "hst_s", "HST-L": "hst_l", "RED": "red",
    "SCAN-SSA": "scan_ssa", "SCAN-RSS": "scan_rss", "TRNS": "trns",
}
NAMES = tuple(MODULES)


# How the measured table (validation/measurements/upimulator_hw_times_ms.csv) ran workloads whose
# host parameters differ from PrIM's defaults; from validation/measurements/README.md.
MEASURED_TABLE_PARAMS = {
    "GEMV": lambda size, dpus: {"n": 64},
    "MLP": lambda size, dpus: {"n": size, "weights_upfront": 1},  # m = n = param; see mlp.py's docstring
    # N_=64 stripes of n=8 columns, tiles of m=4 rows, on every DPU count, 1 included. uPIMulator's
    # simulator input generator (golang .../prim/trns.go, python_cpp .../trns_data_prep.py) switches a
    # single simulated DPU to N_=1, n=4, m=16, but the real-hardware row of the table did not run
    # that: its 1-DPU times at M_=128 are 3.97x (kernel 173.0 vs 43.5 ms), 3.79x (CPU->DPU 1763 vs
    # 465.6 ms) and 3.78x (DPU->CPU 38.65 vs 10.22 ms) the 4-DPU ones, i.e. the same 64 stripes in
    # 64 rounds instead of 16; with N_=1 the whole run moves 1/32 of those bytes (64 KB). uPIMulator's
    # own sim_kernel for that row (190.0 ms) is likewise 4.00x its 4-DPU value (47.50 ms).
    "TRNS": lambda size, dpus: {"N_": 64, "n": 8, "m": 4},
    # query length 64 (validation/measurements/README.md; uPIMulator's TS host: query_length = 64),
    # where PrIM's run scripts use -m 256
    "TS": lambda size, dpus: {"m": 64},
}


def replay_params(name: str, size: int, dpus: int) -> dict:
    """The host parameters with which the measured table ran `name` at this size and DPU count."""
    name = canonical(name)
    mod = module(name)
    vp = getattr(mod, "VALIDATION_PARAMS", None) or MEASURED_TABLE_PARAMS.get(name)
    params = vp(size=size, dpus=dpus) if callable(vp) else vp
    return {k: v for k, v in (params or {}).items() if k in mod.PARAMS}


def canonical(name: str) -> str:
    for n in MODULES:
        if n.lower() == name.lower().replace("_", "-"):
            return n
    raise PimsimError(f"unknown PrIM workload {name!r}; known: {', '.join(MODULES)}")


def module(name: str):
    name = canonical(name)
    try:
        return importlib.import_module(f"pimsim.workloads.prim.{MODULES[name]}")
    except ModuleNotFoundError as e:
        if e.name == f"pimsim.workloads.prim.{MODULES[name]}":
            raise PimsimError(f"PrIM workload {name} is not implemented yet") from None
        raise


def available() -> list[str]:
    out = []
    for n in MODULES:
        try:
            module(n)
            out.append(n)
        except PimsimError:
            pass
    return out


def run(name: str, dpus: int = 1, tasklets: int = 16, size: int | None = None,
        params: Mapping[str, Any] | None = None, timing_only: bool = False,
        config: SystemConfig | str | None = None, overrides: Mapping[str, Any] | list[str] | None = None,
        seed: int = 0):
    """Run one PrIM workload; returns a RunResult (time_ms has cpu_dpu, dpu_kernel, inter_dpu,
    dpu_cpu, host, total; verified is True when the output matched the reference)."""
    mod = module(name)
    cfg = config if isinstance(config, SystemConfig) else load_preset(config or "upmem-2556")
    cfg = cfg.with_overrides(overrides)
    p = dict(mod.PARAMS)
    for k, v in (params or {}).items():
        if k not in p:
            raise PimsimError(f"{canonical(name)} has no parameter {k!r}; parameters: {', '.join(p) or 'none'}")
        p[k] = v
    return mod.run(dpus=dpus, tasklets=tasklets, size=size if size is not None else mod.DEFAULT_SIZE,
                   params=p, timing_only=timing_only, config=cfg, seed=seed)
