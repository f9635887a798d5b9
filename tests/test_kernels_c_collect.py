"""validation/collect/collect.py: plan, refusal without the SDK, and the full
build -> run -> CSV pipeline exercised with the gcc shim."""

from __future__ import annotations

import csv
import os
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
