"""`pimsim run prim` and `pimsim scaling prim`: JSON shape, parameters, overrides, plots, errors."""
import json

import pytest

from pimsim.cli import main


def run_json(capsys, argv):
    assert main(argv + ["--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_run_json_has_breakdown_and_verified(capsys):
    out = run_json(capsys, ["run", "prim", "VA", "--dpus", "4", "--tasklets", "11", "--size", "10007"])
    assert set(out["time_ms"]) >= {"cpu_dpu", "dpu_kernel", "inter_dpu", "dpu_cpu", "host", "total"}
    assert out["verified"] is True and out["dpus"] == 4 and out["tasklets"] == 11 and out["size"] == 10007
    t = out["time_ms"]
    assert t["total"] == pytest.approx(sum(t[k] for k in ("cpu_dpu", "dpu_kernel", "inter_dpu", "dpu_cpu", "host")))


def test_run_param_timing_only_and_override(capsys):
    base = run_json(capsys, ["run", "prim", "gemv", "--param", "n=64", "--size", "256", "--timing-only"])
    assert base["verified"] is None and base["params"] == {"n": 64}
    fast = run_json(capsys, ["run", "prim", "GEMV", "--param", "n=64", "--size", "256", "--timing-only",
                             "--set", "dpu.freq_mhz=700"])
    assert fast["time_ms"]["dpu_kernel"] < base["time_ms"]["dpu_kernel"]


def test_run_plot_and_text_output(tmp_path, capsys):
    png = tmp_path / "va.png"
    assert main(["run", "prim", "RED", "--size", "5000", "--plot", str(png)]) == 0
    text = capsys.readouterr().out
    assert "dpu_kernel" in text and "verified" in text and png.stat().st_size > 0


def test_run_errors_are_clean(capsys):
    assert main(["run", "prim", "NOPE"]) == 2
    assert "unknown PrIM workload" in capsys.readouterr().err
    assert main(["run", "prim", "VA", "--param", "bogus=1"]) == 2
    assert "no parameter" in capsys.readouterr().err


def test_run_list(capsys):
    out = run_json(capsys, ["run", "prim", "list"])
    assert {w["name"] for w in out["workloads"]} >= {"VA", "GEMV", "SEL", "UNI", "BS", "RED"}


def test_scaling_strong_weak_and_tasklets(tmp_path, capsys):
    strong = run_json(capsys, ["scaling", "prim", "VA", "--kind", "strong", "--dpus", "1,4,16", "--size", "65536",
                               "--plot", str(tmp_path / "s.png")])
    assert [r["dpus"] for r in strong["rows"]] == [1, 4, 16] and {r["size"] for r in strong["rows"]} == {65536}
    k = [r["time_ms"]["dpu_kernel"] for r in strong["rows"]]
    assert k[0] > k[1] > k[2]
    weak = run_json(capsys, ["scaling", "prim", "VA", "--kind", "weak", "--dpus", "1,4", "--size", "4096"])
    assert [r["size"] for r in weak["rows"]] == [4096, 16384]
    tl = run_json(capsys, ["scaling", "prim", "RED", "--dpus", "1", "--tasklets", "1,2,4,8,16", "--size", "20000",
                           "--plot", str(tmp_path / "t.png")])
    assert [r["tasklets"] for r in tl["rows"]] == [1, 2, 4, 8, 16]
    assert (tmp_path / "t.png").stat().st_size > 0 and (tmp_path / "s.png").stat().st_size > 0


def test_scaling_default_sizes_follow_prim():
    from pimsim.commands.scaling import sweep_points
    from pimsim.workloads.prim import gemv, va
    assert {p["size"] for p in sweep_points(va, "strong", [1, 64], [16], None, {})} == {2_621_440}
    assert {p["size"] for p in sweep_points(va, "strong", [256, 2048], [16], None, {})} == {167_772_160}
    w = sweep_points(gemv, "weak", [1, 4], [16], None, {})
    assert [p["size"] for p in w] == [1024, 4096] and w[0]["params"] == {"n": 2048}


def test_scaling_reports_progress_per_point_on_stderr(capsys):
    assert main(["scaling", "prim", "VA", "--dpus", "1,4", "--size", "8192", "--json"]) == 0
    captured = capsys.readouterr()
    json.loads(captured.out)                                    # stdout stays one JSON object
    lines = captured.err.strip().splitlines()
    assert [line.split("]")[0] for line in lines] == ["[1/2", "[2/2"]
    assert "VA 4 DPUs x 16 tasklets" in lines[1]


def test_run_on_another_machine_of_the_preset(tmp_path, capsys):
    from pimsim.config import load_preset, to_toml
    preset = tmp_path / "two.toml"
    preset.write_text(to_toml(load_preset("upmem-2556")) +
                      '\n[machines."lab box B"]\n"transfer.cpu_dpu_serial_gbps" = 0.54\n')
    argv = ["run", "prim", "VA", "--dpus", "4", "--size", "262144", "--timing-only", "--preset", str(preset)]
    own = run_json(capsys, argv)["time_ms"]
    lab = run_json(capsys, argv + ["--machine", "LAB BOX"])["time_ms"]
    assert own == run_json(capsys, argv + ["--machine", "2,556-dpu"])["time_ms"]
    assert lab["cpu_dpu"] < own["cpu_dpu"] and lab["dpu_kernel"] == own["dpu_kernel"]
    # --set applies on top of the machine's entry
    lab2 = run_json(capsys, argv + ["--machine", "lab box", "--set", "transfer.cpu_dpu_serial_gbps=0.27"])["time_ms"]
    assert lab2["cpu_dpu"] == own["cpu_dpu"]
    assert main(argv + ["--machine", "elsewhere"]) == 2
    assert "machine 'elsewhere' is not described by preset upmem-2556; it describes: 2,556-DPU; 640-DPU; lab box B" \
        in capsys.readouterr().err
