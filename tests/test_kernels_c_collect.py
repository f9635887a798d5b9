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
    assert len(rows) == 2 * 3 * 5  # 2 invocations x 3 points x (4 times + cycles)
    metrics = {r["metric"] for r in rows}
    assert metrics == {"cpu_dpu_time", "dpu_kernel_time", "inter_dpu_time", "dpu_cpu_time", "dpu_cycles"}
    for r in rows:
        assert r["source"] == "unit test" and r["system"] == "test box"
        assert "SHIM BUILD" in r["variant"]
        assert float(r["value"]) >= 0
        assert r["unit"] == ("ms" if r["metric"].endswith("_time") else "host ns (shim)")
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
