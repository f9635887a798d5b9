"""The scripts in examples/ run, and what they print holds."""
import importlib.util
from pathlib import Path

import pytest

from pimsim.config import load_preset

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load_example(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_calibrate_your_machine_recovers_the_hidden_numbers(tmp_path, capsys):
    ex = load_example("calibrate_your_machine")
    out = ex.main(str(tmp_path))
    printed = capsys.readouterr().out
    # the hidden values are the example's own TRUE table, not model output
    for name in ("ops.loop", "transfer.cpu_dpu_serial_gbps", "transfer.dpu_cpu_serial_gbps"):
        assert abs(out["errors_pct"][name]) < 5, (name, out["errors_pct"])
    assert abs(out["errors_pct"]["transfer.cpu_dpu_call_overhead_us"]) < 25   # weakly constrained, said so
    assert out["before_mape"] > 10 and out["heldout_mape_before"] > 10
    assert out["heldout_mape_after"] < 2 * 100 * ex.NOISE          # down to about the 2 % noise
    cfg = load_preset(out["preset"])
    assert cfg.name == "my-server"
    assert cfg.transfer.cpu_dpu_serial_gbps == pytest.approx(0.20, rel=0.05)
    assert "calibrated preset: " in printed and "held-out points:" in printed
    assert (tmp_path / "my_runs.csv").read_text().count("\n") == 1 + 54


def test_what_if_scenarios_move_the_parts_they_should(capsys):
    ex = load_example("what_if")
    times = ex.main()
    assert "DPU at 500 MHz" in capsys.readouterr().out
    cfg = load_preset("upmem-2556")
    launch_ms = (cfg.launch.launch_overhead_us + cfg.launch.per_rank_overhead_us) / 1e3   # one rank
    base, fast_clock = times["baseline (upmem-2556)"], times["DPU at 500 MHz"]
    fast_dma, fast_links = times["DMA 2x per byte"], times["host links 2x"]
    for w in ex.WORKLOADS:
        # every DPU cost is in cycles, so the kernel beyond the fixed launch shrinks by 350/500
        ratio = (fast_clock[w]["dpu_kernel"] - launch_ms) / (base[w]["dpu_kernel"] - launch_ms)
        assert ratio == pytest.approx(350 / 500, rel=0.01), w
        assert fast_clock[w]["cpu_dpu"] == base[w]["cpu_dpu"]
        # faster host links leave the DPUs alone and shorten every transfer
        assert fast_links[w]["dpu_kernel"] == base[w]["dpu_kernel"]
        assert fast_links[w]["cpu_dpu"] < base[w]["cpu_dpu"]
        assert fast_dma[w]["cpu_dpu"] == base[w]["cpu_dpu"]
    # a faster DMA engine helps streaming kernels, hardly the compute-bound one (software multiply)
    assert base["VA"]["dpu_kernel"] / fast_dma["VA"]["dpu_kernel"] > 1.1
    assert base["GEMV"]["dpu_kernel"] / fast_dma["GEMV"]["dpu_kernel"] < 1.07


def test_scaling_projection_sweeps_to_the_whole_system(tmp_path, capsys):
    ex = load_example("scaling_projection")
    times = ex.main(str(tmp_path / "red.png"))
    assert "2556    40" in capsys.readouterr().out
    kernels = [times[d]["dpu_kernel"] for d in ex.DPUS]
    assert all(a > b for a, b in zip(kernels, kernels[1:]))                   # more DPUs, shorter kernel
    for d in ex.DPUS[1:]:                                                      # never better than linear
        assert kernels[0] / times[d]["dpu_kernel"] <= d / ex.DPUS[0] * 1.001
    assert (tmp_path / "red.png").stat().st_size > 1000
