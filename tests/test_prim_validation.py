"""Replay every PrIM point of validation/measurements/upmem_published_points.csv whose workload
is implemented and score pimsim against the measured UPMEM times.

Reads: `size` = the workload's total problem size (validation/measurements/README.md), blank
nr_tasklets = 16 (the PrIM/uPIMulator default), GEMV with n = 64 columns (the measured table's
setting, `VALIDATION_PARAMS` of the workload module). Each experiment (workload, DPUs,
tasklets, size) is run once in timing-only mode; its four time metrics are compared.

Reported: per-workload and overall MAPE of the DPU kernel time (next to uPIMulator's own
kernel prediction, column sim_kernel of upimulator_hw_times_ms.csv), and of the CPU->DPU /
DPU->CPU transfer times; inter-DPU points measured as 0 are reported as absolute error.
The test fails if the overall kernel-time MAPE exceeds 20 %. Workloads not implemented yet
are skipped and listed, never failed.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from pimsim.analysis import measurements as ms
from pimsim.config import load_preset
from pimsim.errors import PimsimError
from pimsim.workloads import prim

pytestmark = [pytest.mark.validation, pytest.mark.slow]

MEAS_DIR = Path(__file__).resolve().parents[1] / "validation" / "measurements"
POINTS = MEAS_DIR / "upmem_published_points.csv"
UPIMULATOR = MEAS_DIR / "upimulator_hw_times_ms.csv"
METRICS = {"dpu_kernel_time": "dpu_kernel", "cpu_dpu_time": "cpu_dpu", "dpu_cpu_time": "dpu_cpu",
           "inter_dpu_time": "inter_dpu"}
KERNEL_MAPE_LIMIT = 20.0

# How the measured table ran each workload (validation/measurements/README.md), for workload
# modules that do not say it themselves with VALIDATION_PARAMS (a dict, or a callable of
# size and dpus returning one).
def replay_params(name: str, mod, size: int, dpus: int) -> dict | None:
    return prim.replay_params(name, size, dpus) or None


def _upimulator_kernel() -> dict:
    out = {}
    with open(UPIMULATOR, newline="") as fh:
        for r in csv.DictReader(fh):
            out[(r["benchmark"], int(r["num_dpus"]), int(r["data_prep_param"]))] = float(r["sim_kernel"])
    return out


def replay(cfg=None) -> dict:
    """Predict every implemented PrIM point; returns per-workload rows and the skipped list."""
    cfg = cfg or load_preset()
    points = [p for p in ms.load([POINTS]) if p.metric in METRICS and _canonical(p.workload)]
    implemented = set(prim.available())
    skipped = sorted({_canonical(p.workload) for p in points} - implemented)
    sim = _upimulator_kernel()
    cache: dict = {}
    errors: dict = {}
    rows = []
    for p in points:
        name = _canonical(p.workload)
        if name not in implemented:
            continue
        t = p.nr_tasklets or 16
        key = (name, p.nr_dpus, t, p.size)
        if key not in cache:
            mod = prim.module(name)
            try:
                cache[key] = prim.run(name, dpus=p.nr_dpus, tasklets=t, size=p.size,
                                      params=replay_params(name, mod, p.size, p.nr_dpus),
                                      timing_only=True, config=cfg).time_ms
            except Exception as e:      # reported and failed below, without hiding the others
                cache[key] = None
                errors[key] = f"{type(e).__name__}: {e}"
        if cache[key] is None:
            continue
        rows.append({"workload": name, "dpus": p.nr_dpus, "tasklets": t, "size": p.size, "metric": p.metric,
                     "measured": p.canonical_value, "predicted": cache[key][METRICS[p.metric]],
                     "upimulator": sim.get((name, p.nr_dpus, p.size)) if p.metric == "dpu_kernel_time" else None})
    return {"rows": rows, "skipped": skipped, "errors": errors}


def _canonical(name: str) -> str | None:
    try:
        return prim.canonical(name)
    except PimsimError:                 # not a PrIM workload name (test_every_time_point_is_a_prim_workload)
        return None


def mape(rows) -> float:
    m = np.array([r["measured"] for r in rows])
    p = np.array([r["predicted"] for r in rows])
    return float(np.mean(np.abs(p - m) / m) * 100) if len(rows) else float("nan")


def summarise(result: dict) -> tuple[str, dict]:
    rows = result["rows"]
    by = defaultdict(list)
    for r in rows:
        by[(r["workload"], r["metric"])].append(r)
    names = sorted({r["workload"] for r in rows})
    lines = [f"{'workload':9s} {'n':>3s} {'kernel MAPE':>11s} {'uPIMulator':>10s} {'CPU-DPU':>8s} {'DPU-CPU':>8s} "
             f"{'inter-DPU':>10s}"]
    stats = {}
    for n in names:
        k = by[(n, "dpu_kernel_time")]
        up = [{"measured": r["measured"], "predicted": r["upimulator"]} for r in k if r["upimulator"] is not None]
        inter = by[(n, "inter_dpu_time")]
        inter_nz = [r for r in inter if r["measured"] > 0]
        inter_txt = (f"{mape(inter_nz):9.1f}%" if inter_nz else
                     f"{max((abs(r['predicted']) for r in inter), default=0):7.3f}ms")
        stats[n] = {"kernel": mape(k), "upimulator": mape(up), "cpu_dpu": mape(by[(n, "cpu_dpu_time")]),
                    "dpu_cpu": mape(by[(n, "dpu_cpu_time")]), "points": len(k)}
        lines.append(f"{n:9s} {len(k):3d} {stats[n]['kernel']:10.1f}% {stats[n]['upimulator']:9.1f}% "
                     f"{stats[n]['cpu_dpu']:7.1f}% {stats[n]['dpu_cpu']:7.1f}% {inter_txt:>10s}")
    kern = [r for r in rows if r["metric"] == "dpu_kernel_time"]
    up_all = [{"measured": r["measured"], "predicted": r["upimulator"]} for r in kern if r["upimulator"] is not None]
    stats["overall"] = {"kernel": mape(kern), "upimulator": mape(up_all),
                        "cpu_dpu": mape([r for r in rows if r["metric"] == "cpu_dpu_time"]),
                        "dpu_cpu": mape([r for r in rows if r["metric"] == "dpu_cpu_time"]), "points": len(kern)}
    o = stats["overall"]
    lines.append(f"{'overall':9s} {o['points']:3d} {o['kernel']:10.1f}% {o['upimulator']:9.1f}% "
                 f"{o['cpu_dpu']:7.1f}% {o['dpu_cpu']:7.1f}%")
    if result["skipped"]:
        lines.append("not implemented yet (skipped): " + ", ".join(result["skipped"]))
    for key, err in result.get("errors", {}).items():
        lines.append(f"ERROR replaying {key}: {err}")
    return "\n".join(lines), stats


@pytest.fixture(scope="module")
def replayed():
    return replay()


def test_prim_kernel_time_mape(replayed):
    # every measured workload is implemented: an empty replay is a failure, not a skip
    assert replayed["rows"], "no measured PrIM point was replayed; skipped: " + ", ".join(replayed["skipped"])
    text, stats = summarise(replayed)
    assert stats["overall"]["points"] > 0, text
    print("\nPrIM measured points vs pimsim (MAPE; uPIMulator = its own kernel prediction)\n" + text)
    assert stats["overall"]["kernel"] <= KERNEL_MAPE_LIMIT, text


@pytest.mark.parametrize("workload, metric", [
    ("RED", "dpu_cpu_time"), ("BS", "dpu_cpu_time"),   # DPU_RESULTS in WRAM
    ("SCAN-SSA", "inter_dpu_time"),                     # DPU_RESULTS in WRAM, then WRAM arguments back
    ("MLP", "dpu_cpu_time"),                            # MRAM: no step
])
def test_wram_transfers_step_from_4_to_16_dpus_as_measured(replayed, workload, metric):
    """Host accesses to WRAM take one control-interface round per DPU position on the rank's
    8 chips, so reading DPU_RESULTS from 16 DPUs (2 positions) takes about twice as long as
    from 4 (1 position); MRAM reads do not step. The measured 16-DPU / 4-DPU ratio of each
    workload's mean time is matched within 15 %."""
    def ratio(key):
        at = {n: [r[key] for r in replayed["rows"]
                  if r["workload"] == workload and r["metric"] == metric and r["dpus"] == n] for n in (4, 16)}
        assert at[4] and at[16], f"no {workload} {metric} points at 4 and 16 DPUs"
        return np.mean(at[16]) / np.mean(at[4])
    measured, predicted = ratio("measured"), ratio("predicted")
    assert abs(predicted / measured - 1) <= 0.15, f"{workload}: 16/4-DPU ratio {predicted:.2f}, measured {measured:.2f}"


def _trns_kernel_slope(rows, key, dpus):
    """TRNS kernel time per unit of M_ between the table's smallest and largest M_ (32, 256)."""
    at = {r["size"]: r[key] for r in rows if r["workload"] == "TRNS" and r["metric"] == "dpu_kernel_time"
          and r["dpus"] == dpus}
    assert {32, 256} <= set(at), f"TRNS kernel points at {dpus} DPUs: M_ = {sorted(at)}"
    return (at[256] - at[32]) / (256 - 32)


@pytest.mark.parametrize("dpus", [4, 16])
def test_trns_kernel_grows_with_m_as_measured_because_mutex_waiters_spin(replayed, dpus):
    """TRNS's step 3 takes one mutex for every step along its cycles, and the SDK's mutex_lock
    spins (acquire ... nz, .), so the waiters take issue slots from everyone. The kernel's growth
    per M_ (the part launch overheads do not touch) then matches the measured growth within 8 %
    with the default preset, as fitted to nothing of TRNS; with sleeping waiters
    (dpu.mutex_wait_issue_share = 0) it falls more than 15 % short."""
    measured = _trns_kernel_slope(replayed["rows"], "measured", dpus)
    spinning = _trns_kernel_slope(replayed["rows"], "predicted", dpus)
    assert abs(spinning / measured - 1) <= 0.08, f"{dpus} DPUs: {spinning:.4f} ms per M_, measured {measured:.4f}"
    sleeping = load_preset().with_overrides(["dpu.mutex_wait_issue_share=0"])
    t = {m: prim.run("TRNS", dpus=dpus, size=m, params=prim.replay_params("TRNS", m, dpus), timing_only=True,
                     config=sleeping).time_ms["dpu_kernel"] for m in (32, 256)}
    assert (t[256] - t[32]) / (256 - 32) / measured < 0.85


@pytest.fixture(scope="module")
def replayed_calibrated():
    """The replay with the shipped calibrated preset, on the host side it fitted for the machine
    behind the table (its [machines] entry)."""
    system = next(p.system for p in ms.load([POINTS]) if _canonical(p.workload) == "VA")
    return replay(load_preset("upmem-2556-prim").for_system(system))


def _speedups(rows, key, metric, fewer, more):
    """Per (workload, total size) measured on both DPU counts: time(fewer) / time(more)."""
    at = defaultdict(dict)
    for r in rows:
        if r["metric"] == metric and r["workload"] != "TRNS":     # TRNS's size is rows, not bytes
            at[(r["workload"], r["size"])][r["dpus"]] = r[key]
    return [v[fewer] / v[more] for v in at.values() if fewer in v and more in v]


@pytest.mark.parametrize("fewer, more", [(1, 4), (4, 16)])
def test_cpu_dpu_speedup_at_equal_size_matches_the_chips_and_positions(replayed_calibrated, fewer, more):
    """At equal total size, CPU->DPU transfers on the table's machine get 2.4-4x faster from 1 to
    4 DPUs (4 chips at one position share each line the SDK writes) but only ~1.45x from 4 to 16
    (a second DPU position). A single power law of the DPU count predicts the same speedup for
    both steps (2.07x with the fit it gave). The calibrated preset is matched within 25 % on the
    median speedup of each step (most of these points were in its fit)."""
    rows = replayed_calibrated["rows"]
    measured = np.median(_speedups(rows, "measured", "cpu_dpu_time", fewer, more))
    predicted = np.median(_speedups(rows, "predicted", "cpu_dpu_time", fewer, more))
    assert abs(predicted / measured - 1) <= 0.25, f"{fewer}->{more} DPUs: {predicted:.2f}x, measured {measured:.2f}x"


def _size_exponents(rows, key, metric, dpus):
    """Per workload at `dpus` DPUs with >= 3 sizes: the slope of log(time) against log(size)."""
    at = defaultdict(dict)
    for r in rows:
        if r["metric"] == metric and r["dpus"] == dpus and r["workload"] not in ("TRNS", "MLP"):
            at[r["workload"]][r["size"]] = r[key]    # TRNS's size is rows, MLP's the matrix side
    return [np.polyfit(np.log(list(v)), np.log(list(v.values())), 1)[0] for v in at.values() if len(v) >= 3]


@pytest.mark.parametrize("dpus", [4, 16])
def test_cpu_dpu_time_grows_faster_than_the_bytes_as_measured(replayed_calibrated, dpus):
    """On the table's machine, CPU->DPU time grows faster than the bytes moved (median exponent
    of time in size over the workloads: 1.20 at 4 DPUs, 1.10 at 16), while DPU->CPU time does not
    (0.74, 0.99). Without the cost of source bytes beyond the host cache the model can only grow
    sublinearly (a fixed call overhead plus bytes / bandwidth): the fit before it gave 0.98 and
    0.97. The calibrated preset must grow faster than the bytes too, its median exponent within
    0.25 of the measured one (most of these points were in its fit; it gives 1.10 and 1.31), and
    keep DPU->CPU within 0.1."""
    rows = replayed_calibrated["rows"]
    measured = np.median(_size_exponents(rows, "measured", "cpu_dpu_time", dpus))
    predicted = np.median(_size_exponents(rows, "predicted", "cpu_dpu_time", dpus))
    assert measured > 1.05, f"the measured CPU->DPU exponent at {dpus} DPUs is {measured:.2f}"
    assert predicted > 1.0, f"{dpus} DPUs: CPU->DPU time grows as size^{predicted:.2f}, measured ^{measured:.2f}"
    assert abs(predicted - measured) <= 0.25, f"{dpus} DPUs: exponent {predicted:.2f}, measured {measured:.2f}"
    back = [np.median(_size_exponents(rows, key, "dpu_cpu_time", dpus)) for key in ("measured", "predicted")]
    assert abs(back[1] - back[0]) <= 0.1, f"{dpus} DPUs: DPU->CPU exponent {back[1]:.2f}, measured {back[0]:.2f}"


def test_every_implemented_point_replays(replayed):
    assert not replayed["errors"], "\n".join(f"{k}: {v}" for k, v in replayed["errors"].items())


def test_every_replayed_point_is_finite_and_positive(replayed):
    assert replayed["rows"]
    for r in replayed["rows"]:
        assert np.isfinite(r["predicted"]) and r["predicted"] >= 0, r
        if r["metric"] != "inter_dpu_time":
            assert r["predicted"] > 0, r


def test_every_time_point_is_a_prim_workload():
    # a time row whose workload is not a PrIM name would be dropped from the replay unseen
    unknown = sorted({p.workload for p in ms.load([POINTS]) if p.metric in METRICS and _canonical(p.workload) is None})
    assert not unknown, f"time rows of unknown workloads: {unknown}"


def test_unimplemented_workloads_are_skipped_not_failed(replayed):
    # every measured (workload, time metric) row is either replayed or its workload listed as
    # skipped; and only workloads without a module may be skipped
    measured = {_canonical(p.workload) for p in ms.load([POINTS]) if p.metric in METRICS}
    replayed_names = {r["workload"] for r in replayed["rows"]}
    assert replayed_names | set(replayed["skipped"]) == measured
    assert not replayed_names & set(replayed["skipped"])
    for name in replayed["skipped"]:
        assert name in prim.NAMES and name not in prim.available()


if __name__ == "__main__":      # python tests/test_prim_validation.py: print the table
    print(summarise(replay())[0])
