"""validation/collect/collect.py: plan, refusal without the SDK, and the full
build -> run -> CSV pipeline exercised with the gcc shim."""

from __future__ import annotations

import csv
import os
from dataclasses import replace as dataclasses_replace
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COLLECT = ROOT / "validation" / "collect" / "collect.py"
EXAMPLE = ROOT / "validation" / "collect" / "sweep_example.toml"
SCHEMA = "source,system,workload,variant,nr_dpus,nr_tasklets,size,metric,value,unit,uncertainty".split(",")
HAVE_SDK = all(shutil.which(t) for t in ("dpu-upmem-dpurte-clang", "dpu-pkg-config"))
HAVE_GCC = shutil.which("gcc") is not None and shutil.which("make") is not None


def collect(*args, env=None):
    return subprocess.run([sys.executable, str(COLLECT), *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=300)


SMALL = """
[defaults]
system = "test box"
warmup = 0
reps = 1
[[run]]
workload = "va"
nr_dpus = [1, 2]
nr_tasklets = [11]
sizes = [1001]
[[run]]
workload = "gemv"
nr_dpus = 3
nr_tasklets = [4]
sizes = [37]
args = { k = 301 }
"""


def test_dry_run_prints_plan_without_sdk(tmp_path):
    sweep = tmp_path / "s.toml"
    sweep.write_text(SMALL)
    r = collect("--sweep", sweep, "--dry-run", "--build-dir", tmp_path / "b")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("# plan: 2 build(s), 3 run(s)")
    builds = [l for l in lines if l.startswith("build:")]
    runs = [l for l in lines if l.startswith("run:")]
    assert len(builds) == 2 and all("SDK=upmem" in b for b in builds)
    assert any("NR_TASKLETS=4" in b and "KERNELS=gemv" in b for b in builds)
    assert any(r_.endswith("-n 3 -m 37 -x 1 -w 0 -e 1 -k 301") for r_ in runs)
    assert not (tmp_path / "b").exists()


def test_example_sweep_dry_run():
    r = collect("--sweep", EXAMPLE, "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "run:" in r.stdout and "va/host_app -n 64" in r.stdout


@pytest.mark.skipif(HAVE_SDK, reason="the UPMEM SDK is installed here")
def test_refuses_without_sdk(tmp_path):
    env = dict(os.environ, PATH=os.pathsep.join(["/usr/bin", "/bin"]))
    r = collect("--sweep", EXAMPLE, "--out", tmp_path / "o.csv", env=env)
    assert r.returncode == 2
    assert "dpu-upmem-dpurte-clang" in r.stderr and "dpu-pkg-config" in r.stderr
    assert not (tmp_path / "o.csv").exists()


def test_bad_sweep_is_named(tmp_path):
    sweep = tmp_path / "bad.toml"
    sweep.write_text('[[run]]\nworkload = "va"\nnr_dpus = [1]\nnr_tasklets = [30]\nsizes = [8]\n')
    r = collect("--sweep", sweep, "--dry-run")
    assert r.returncode == 2 and "nr_tasklets 30 exceeds the 24" in r.stderr
    sweep.write_text('[[run]]\nworkload = "nope"\nnr_dpus = [1]\nnr_tasklets = [1]\nsizes = [8]\n')
    r = collect("--sweep", sweep, "--dry-run")
    assert r.returncode == 2 and "workload 'nope'" in r.stderr
    sweep.write_text('[[run]]\nworkload = "gemv"\nnr_dpus = [1]\nnr_tasklets = [1]\nsizes = [8]\n'
                     'args = { k = "wide" }\n')
    r = collect("--sweep", sweep, "--dry-run")
    assert r.returncode == 2 and "args {'k': 'wide'}" in r.stderr


@pytest.mark.skipif(not HAVE_GCC, reason="gcc/make not available")
def test_pipeline_with_shim_appends_schema_rows(tmp_path):
    sweep = tmp_path / "s.toml"
    sweep.write_text(SMALL)
    out = tmp_path / "m.csv"
    for _ in range(2):  # appending twice keeps one header
        r = collect("--sweep", sweep, "--sdk", "shim", "--out", out, "--build-dir", tmp_path / "b",
                    "--source", "unit test")
        assert r.returncode == 0, r.stderr + r.stdout
    with out.open() as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == SCHEMA
        rows = list(reader)
    assert len(rows) == 2 * 3 * 4  # 2 invocations x 3 points x 4 times (the shim counts no DPU cycles)
    metrics = {r["metric"] for r in rows}
    assert metrics == {"cpu_dpu_time", "dpu_kernel_time", "inter_dpu_time", "dpu_cpu_time"}
    for r in rows:
        assert r["source"] == "unit test" and r["system"] == "test box"
        assert "SHIM BUILD" in r["variant"]
        assert float(r["value"]) >= 0
        assert r["unit"] == "ms"
    # the file is what `pimsim validate` reads; it lists shim rows as not predictable, with the reason
    from pimsim.analysis import measurements as ms
    from pimsim.analysis.predict import Predictor
    from pimsim.config import load_preset
    preds = Predictor().predict(ms.load([out]), load_preset("upmem-2556"))
    assert preds and all(p.predicted is None and "gcc shim" in p.reason for p in preds)
    va = [r for r in rows if r["workload"] == "VA"]
    assert {(r["nr_dpus"], r["nr_tasklets"], r["size"]) for r in va} == {("1", "11", "1001"), ("2", "11", "1001")}
    assert float(next(r["value"] for r in va if r["metric"] == "dpu_kernel_time")) > 0


def _collect_module():
    import importlib.util
    spec = importlib.util.spec_from_file_location("pimsim_collect", COLLECT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod          # dataclasses look their module up while defining
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("workload,scaling,args,size,expect_size,expect_params", [
    ("gemv", "strong", {"k": "2048"}, 8192, 8192, {"n": 2048}),
    ("gemv", "weak", {}, 1024, 1024, {"n": 1024}),            # the C host ignores -x: defaults recorded
    ("va", "weak", {}, 1000, 4000, {}),                       # weak: per-DPU size x 4 DPUs
    ("trns", "strong", {}, 128, 128, {"m": 16, "n": 8, "N_": 1}),   # C defaults, not pimsim's N_ = 64
    ("trns", "weak", {"p": "2"}, 128, 128, {"m": 16, "n": 8, "N_": 8}),
    ("bs", "strong", {}, 2048576, 2048576, {"queries": 262144}),
])
def test_rows_record_what_pimsim_replays(workload, scaling, args, size, expect_size, expect_params):
    """A collected row's size and variant are read back by `pimsim validate` as the run that
    was measured: the total size and every workload parameter, by pimsim's names."""
    from pimsim.analysis.measurements import Measurement
    from pimsim.analysis.predict import canonical_prim, prim_params

    c = _collect_module()
    p = c.Point(workload, 4, 16, size, scaling, 1, 3, 10, "box", tuple(sorted(args.items())))
    assert p.model_size() == expect_size
    variant = p.variant("upmem")
    m = Measurement(source="s", system="box", workload=c.WORKLOADS[workload][1], variant=variant, nr_dpus=4,
                    nr_tasklets=16, size=p.model_size(), metric="dpu_kernel_time", value=1.0, unit="ms",
                    uncertainty="", file="f.csv", line=2)
    assert prim_params(canonical_prim(m.workload), m) == expect_params


def test_rows_with_options_pimsim_cannot_replay_say_so():
    from pimsim.analysis.measurements import Measurement
    from pimsim.analysis.predict import CannotPredict, prim_params

    c = _collect_module()
    p = c.Point("uni", 4, 16, 4096, "strong", 1, 3, 10, "box", (("g", "rand"),))
    assert "host:-g=rand" in p.variant("upmem")
    m = Measurement(source="s", system="box", workload="UNI", variant=p.variant("upmem"), nr_dpus=4,
                    nr_tasklets=16, size=4096, metric="dpu_kernel_time", value=1.0, unit="ms",
                    uncertainty="", file="f.csv", line=2)
    with pytest.raises(CannotPredict, match="host:-g"):
        prim_params("UNI", m)
    shim = dataclasses_replace(m, variant=c.Point("va", 1, 16, 64, "strong", 0, 1, 10, "box", ()).variant("shim"))
    with pytest.raises(CannotPredict, match="gcc shim"):
        prim_params("VA", shim)


def test_value_and_spread_of_several_runs():
    c = _collect_module()
    value, unc = c._value_and_spread([1.0, 2.0, 3.0], "the mean of 3 timed reps")
    assert float(value) == 2.0
    assert unc.startswith("sd=1 over 3 runs")                 # sample sd of 1, 2, 3
    value, unc = c._value_and_spread([1.25], "the mean of 3 timed reps")
    assert float(value) == 1.25 and "sd=" not in unc and "not recorded" in unc


def test_runs_must_be_a_positive_integer(tmp_path):
    sweep = tmp_path / "bad.toml"
    for bad in ("0", "[2, 3]", '"two"', "true"):
        sweep.write_text(f'[[run]]\nworkload = "va"\nnr_dpus = [1]\nnr_tasklets = [1]\nsizes = [8]\nruns = {bad}\n')
        r = collect("--sweep", sweep, "--dry-run")
        assert r.returncode == 2 and "'runs' must be a positive integer" in r.stderr, bad


@pytest.mark.skipif(not HAVE_GCC, reason="gcc/make not available")
def test_several_runs_record_their_sd_for_pimsim(tmp_path):
    from pimsim.analysis import measurements as ms

    sweep = tmp_path / "s.toml"
    sweep.write_text(SMALL.replace("reps = 1\n", "reps = 1\nruns = 3\n"))
    out = tmp_path / "m.csv"
    r = collect("--sweep", sweep, "--sdk", "shim", "--out", out, "--build-dir", tmp_path / "b", "--source", "t")
    assert r.returncode == 0, r.stderr + r.stdout
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 3 * 4 and all(" over 3 runs; each " in r["uncertainty"] for r in rows)
    times = [m for m in ms.load([out]) if m.metric.endswith("_time")]
    assert len(times) == 12 and all(m.sd is not None and m.sd >= 0 for m in times)


def test_rows_of_a_real_run_carry_the_dpu_cycles_pimsim_predicts(tmp_path):
    """On a real machine the rows include dpu_cycles (slowest DPU of the last launch), and
    `pimsim validate` predicts them from the same run of the model."""
    from pimsim.analysis import measurements as ms
    from pimsim.analysis.predict import Predictor
    from pimsim.config import load_preset

    c = _collect_module()
    p = c.Point("va", 4, 16, 1 << 20, "strong", 1, 3, 10, "box", (), runs=2)
    run = ("pimsim.time_ms cpu_dpu=1.5 dpu_kernel={k} inter_dpu=0 dpu_cpu=2.0\n"
           "pimsim.result status=OK\n"
           "pimsim.cycles dpu=0 cycles={c0}\npimsim.cycles dpu=1 cycles={c1}\n")
    rows = c.rows_for(p, "upmem", [run.format(k=2.0, c0=500, c1=700), run.format(k=3.0, c0=900, c1=600)], "s")
    by = {r["metric"]: r for r in rows}
    assert float(by["dpu_kernel_time"]["value"]) == 2.5
    assert float(by["dpu_cycles"]["value"]) == 800 and by["dpu_cycles"]["unit"] == "DPU cycles"   # (700 + 900) / 2
    assert by["dpu_cycles"]["uncertainty"].startswith("sd=141 over 2 runs")
    f = tmp_path / "m.csv"
    c.append_rows(f, rows)
    points = ms.load([f])
    preds = {q.m.metric: q for q in Predictor().predict(points, load_preset("upmem-2556"))}
    cyc = preds["dpu_cycles"]
    assert cyc.group == "kernel-cycles" and cyc.predicted is not None
    # the kernel's cycles at the preset clock are the kernel time less the fixed launch overhead
    cfg = load_preset("upmem-2556")
    kernel_cycles = (preds["dpu_kernel_time"].predicted * 1e3 - cfg.launch.launch_overhead_us) * cfg.dpu.freq_mhz
    assert cyc.predicted == pytest.approx(kernel_cycles, rel=0.01)


TABLE_SWEEP = ROOT / "validation" / "collect" / "sweep_upimulator_table.toml"
TABLE = ROOT / "validation" / "measurements" / "upimulator_hw_times_ms.csv"


def test_upimulator_table_sweep_repeats_every_measured_experiment():
    """The sweep for repeating the uPIMulator table on one's own machine holds every experiment
    of the table, and pimsim replays each of its rows with the model call it uses for the
    table's row (MLP aside: the table's host pushed the weights up front, the C host does not)."""
    from pimsim.analysis import measurements as ms
    from pimsim.analysis.predict import UPIMULATOR_TABLE, plan
    from pimsim.workloads import prim
    c = _collect_module()
    pts = c.load_sweep(TABLE_SWEEP)
    with open(TABLE) as f:
        table = {(r["benchmark"], int(r["num_dpus"]), int(r["data_prep_param"])) for r in csv.DictReader(f)}
    swept = {(c.WORKLOADS[p.workload][1], p.nr_dpus, p.model_size()): p for p in pts}
    assert table <= set(swept)
    assert {w for w, _, _ in set(swept) - table} == {"HST-L", "SCAN-RSS", "TS"}
    assert all(p.nr_tasklets == 16 and p.runs >= 2 and p.scaling == "strong" for p in pts)

    def row(wl, d, size, variant):
        return ms.parse_row({"source": "t", "system": "s", "workload": wl, "variant": variant, "nr_dpus": str(d),
                             "nr_tasklets": "16", "size": str(size), "metric": "dpu_kernel_time", "value": "1",
                             "unit": "ms", "uncertainty": ""}, "t.csv", 2)
    def call(wl, d, size, variant):
        """(model call without its parameters, every parameter with the workload's defaults filled in)"""
        q = plan(row(wl, d, size, variant)).query
        params = {**prim.module(wl).PARAMS, **dict(q[5])}
        if wl == "BS" and params["queries"] == 0:      # 0: the table's rule, size / 8
            params["queries"] = size // 8
        return q[:5], params

    for wl, d, size in sorted(table):
        collected = call(wl, d, size, swept[(wl, d, size)].variant("upmem"))
        measured = call(wl, d, size, f"PrIM; {UPIMULATOR_TABLE}")
        if wl == "MLP":
            assert measured[1].pop("weights_upfront") == 1 and collected[1].pop("weights_upfront") == 0
        assert collected == measured, (wl, d, size)
