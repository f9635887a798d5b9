"""Microbenchmarks: their closed forms, the exactness of their shortcuts, the measured-point
reader, the CLI, and (marked `validation`) the MAPE against the measured UPMEM points."""
from __future__ import annotations

import json
import math

import pytest

from pimsim import load_preset
from pimsim.cli import main
from pimsim.micro import arith, measured, mram, report, wram


@pytest.fixture(scope="module")
def cfg():
    return load_preset("upmem-2556")


# ---------------------------------------------------------------- arithmetic throughput
def test_arith_one_tasklet_closed_form(cfg):
    ins = cfg.ops.instructions
    n, block = 65536, 1024
    for op, dt, key, size in (("ADD", "INT32", "add_int32", 4), ("MUL", "DOUBLE", "mul_double", 8)):
        per_elem = ins["load_wram"] + ins[key] + ins["store_wram"] + ins["loop"]
        per_block = per_elem * (block // size) + ins["loop"]
        blocks = n * size // block
        expected = cfg.dpu.issue_interval_cycles * per_block * blocks / n
        assert arith.cycles_per_op(cfg, op, dt, 1, nr_elements=n) == pytest.approx(expected, rel=1e-7)


def test_arith_saturated_pipeline_closed_form(cfg):
    # 16 tasklets >= 11: the timed loops share one issue slot per cycle; every tasklet runs
    # ceil(blocks / 16) blocks, as PrIM's loop does (it never checks the array end)
    ins = cfg.ops.instructions
    n, k = 1048576, 16
    per_block = (ins["load_wram"] + ins["add_int64"] + ins["store_wram"] + ins["loop"]) * 128 + ins["loop"]
    iters = math.ceil(n * 8 / (1024 * k))
    expected = per_block * iters * k / cfg.dpu.issue_width / n
    assert arith.cycles_per_op(cfg, "ADD", "INT64", k) == pytest.approx(expected, rel=1e-7)
    assert arith.mops(cfg, "ADD", "INT64", k) == pytest.approx(cfg.dpu.freq_mhz / expected, rel=1e-7)


@pytest.mark.parametrize("k", [1, 3, 11, 16])
def test_arith_sampled_iterations_equal_a_full_run(cfg, k):
    full = arith.cycles_per_op(cfg, "ADD", "FLOAT", k, nr_elements=16384, sim_iterations=None)
    sampled = arith.cycles_per_op(cfg, "ADD", "FLOAT", k, nr_elements=16384, sim_iterations=2)
    assert sampled == pytest.approx(full, rel=1e-9)


def test_wram_stream_sampled_iterations_equal_a_full_run(cfg):
    for kern in wram.STREAM_KERNELS:
        full = wram.stream_bandwidth_mib_s(cfg, kern, 12, nr_elements=32768, sim_iterations=None)
        sampled = wram.stream_bandwidth_mib_s(cfg, kern, 12, nr_elements=32768, sim_iterations=2)
        assert sampled == pytest.approx(full, rel=1e-9)


def test_arith_rejects_unknown_names(cfg):
    from pimsim import ConfigError
    with pytest.raises(ConfigError, match="unknown operation 'MOD'"):
        arith.cycles_per_op(cfg, "MOD", "INT32", 1)
    with pytest.raises(ConfigError, match="unknown data type 'INT8'"):
        arith.cycles_per_op(cfg, "ADD", "INT8", 1)


# ---------------------------------------------------------------- MRAM
@pytest.mark.parametrize("direction", ["read", "write"])
def test_lone_tasklet_dma_latency_and_bandwidth(cfg, direction):
    d = cfg.dma
    a, b = ((d.read_alpha_cycles, d.read_beta_cycles_per_byte) if direction == "read"
            else (d.write_alpha_cycles, d.write_beta_cycles_per_byte))
    for n in (8, 512, 2048):
        lat = a + b * n
        assert mram.dma_latency_cycles(cfg, direction, n) == pytest.approx(lat, abs=1e-3)
        mib_s = n / lat * cfg.dpu.freq_mhz * 1e6 / 2**20
        assert mram.dma_bandwidth_mib_s(cfg, direction, n) == pytest.approx(mib_s, rel=1e-5)


def test_dma_bandwidth_with_many_tasklets_is_engine_bound(cfg):
    d, ins = cfg.dma, cfg.ops.instructions
    # 16 tasklets each read+write 2048 B per block; reads are timed. The engine serves every
    # transfer for its alpha minus the issue part plus beta*bytes.
    issue = ins["dma_issue"] * cfg.dpu.issue_interval_cycles
    engine = (max(0, d.read_alpha_cycles - issue) + max(0, d.write_alpha_cycles - issue)
              + (d.read_beta_cycles_per_byte + d.write_beta_cycles_per_byte) * 2048)
    bound = 2048 / engine * cfg.dpu.freq_mhz * 1e6 / 2**20     # timed reads can't beat the engine
    bw = mram.dma_bandwidth_mib_s(cfg, "read", 2048, nr_tasklets=16)
    assert bw <= bound * 2 * 1.0001                             # reads only wait for their own share
    assert bw > mram.dma_bandwidth_mib_s(cfg, "read", 2048, nr_tasklets=1)


def test_stream_copy_dma_is_engine_bound_closed_form(cfg):
    d, ins = cfg.dma, cfg.ops.instructions
    issue = ins["dma_issue"] * cfg.dpu.issue_interval_cycles
    pair = (max(0, d.read_alpha_cycles - issue) + max(0, d.write_alpha_cycles - issue)
            + (d.read_beta_cycles_per_byte + d.write_beta_cycles_per_byte) * 1024)
    expected = 2048 / pair * cfg.dpu.freq_mhz * 1e6 / 2**20
    got = mram.stream_bandwidth_mib_s(cfg, "COPY-DMA", 8, nr_elements=131072)
    assert got == pytest.approx(expected, rel=2e-3)       # start-up of the first transfer only
    assert got <= expected * (1 + 1e-9)


def test_stream_one_tasklet_copy_dma_is_serial(cfg):
    d = cfg.dma
    per_block = d.read_alpha_cycles + d.write_alpha_cycles + (d.read_beta_cycles_per_byte + d.write_beta_cycles_per_byte) * 1024
    expected = 2048 / per_block * cfg.dpu.freq_mhz * 1e6 / 2**20
    assert mram.stream_bandwidth_mib_s(cfg, "COPY-DMA", 1, nr_elements=16384) == pytest.approx(expected, rel=1e-6)


def test_stream_bandwidth_is_a_steady_state_figure(cfg):
    # the CLI's default size (2^18 elements) gives PrIM's 2^21-element figure
    small = mram.stream_bandwidth_mib_s(cfg, "TRIAD", 16, nr_elements=262144)
    prim = mram.stream_bandwidth_mib_s(cfg, "TRIAD", 16, nr_elements=2097152)
    assert small == pytest.approx(prim, rel=1e-3)


def test_stream_wram_overflow_is_reported(cfg):
    from pimsim import CapacityError
    with pytest.raises(CapacityError, match="WRAM overflow"):
        mram.stream_bandwidth_mib_s(cfg, "TRIAD", 24, nr_elements=65536)


# ---------------------------------------------------------------- measured points
def test_measured_point_reader():
    a, m, s = measured.arith_points(), measured.mram_points(), measured.stream_points()
    assert len(a) == 144
    assert {p.key[1] for p in a} == {"INT32", "UINT32", "INT64", "UINT64", "FLOAT", "DOUBLE"}
    assert {p.key[2] for p in a} == set(range(1, 25))
    assert sorted(p.key for p in m) == [("read", 2048), ("write", 2048)]
    assert sorted(p.key[0] for p in s) == ["COPY-DMA", "SCALE", "TRIAD"]
    assert all(p.value > 0 and p.source for p in a + m + s)
    assert str(measured.MEASUREMENTS_DIR).endswith("validation/measurements")


def test_unmeasured_rows_say_they_are_modelled(cfg):
    rows = report.arith_rows(cfg, tasklets=(1, 16), ops=("ADD", "MUL"), dtypes=("INT32",))
    add = [r for r in rows if r["op"] == "ADD"]
    mul = [r for r in rows if r["op"] == "MUL"]
    assert len(add) == len(mul) == 2            # one row per tasklet count, else all() is vacuous
    assert all(r["measured_cycles_per_op"] is not None and r["basis"].startswith("measured") for r in add)
    assert all(r["measured_cycles_per_op"] is None and r["basis"].startswith("modelled: mul_int32") for r in mul)


# ---------------------------------------------------------------- CLI
def test_cli_micro_arith_json(capsys):
    assert main(["micro", "arith", "--json", "--tasklets", "1,16", "--ops", "ADD,DIV", "--types", "INT32"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = out["arith"]["rows"]
    assert [(r["op"], r["nr_tasklets"]) for r in rows] == [("ADD", 1), ("ADD", 16), ("DIV", 1), ("DIV", 16)]
    assert rows[0]["error_pct"] is not None and rows[2]["error_pct"] is None


def test_cli_micro_arith_text_says_what_is_modelled(capsys):
    assert main(["micro", "arith", "--tasklets", "1", "--ops", "SUB", "--types", "INT32"]) == 0
    text = capsys.readouterr().out
    assert "modelled from sub_int32" in text


def test_cli_micro_wram_plot(tmp_path, capsys):
    png = tmp_path / "wram.png"
    assert main(["micro", "wram", "--tasklets", "1,8,16", "--plot", str(png)]) == 0
    assert png.stat().st_size > 1000
    assert "STREAM in WRAM" in capsys.readouterr().out


def test_cli_micro_mram_with_override(capsys):
    args = ["micro", "mram", "--json", "--sizes", "2048", "--tasklets", "1,2", "--kernels", "COPY-DMA",
            "--elements", "16384"]
    assert main(args) == 0
    base = json.loads(capsys.readouterr().out)
    assert main(args + ["--set", "dma.read_beta_cycles_per_byte=0.25"]) == 0
    fast = json.loads(capsys.readouterr().out)
    r0 = next(r for r in base["mram"]["dma"] if r["direction"] == "read")
    r1 = next(r for r in fast["mram"]["dma"] if r["direction"] == "read")
    assert r1["bandwidth_mib_s"] > r0["bandwidth_mib_s"]
    assert fast["preset_hash"] != base["preset_hash"]


def test_cli_bad_tasklets_is_an_error(capsys):
    assert main(["micro", "arith", "--tasklets", "one"]) == 2
    assert "--tasklets 'one'" in capsys.readouterr().err
    assert main(["micro", "arith", "--tasklets", "30", "--ops", "ADD", "--types", "INT32"]) == 2


# ---------------------------------------------------------------- validation
@pytest.mark.validation
def test_microbenchmarks_match_measured_points_within_5_percent(cfg):
    rows = report.validation_rows(cfg, stream_elements=262144)
    summary = report.mape_by_group(rows)
    assert summary["arith"]["n"] == 144
    assert summary["mram"]["n"] == 2
    assert summary["stream-mram"]["n"] == 3
    for group, s in summary.items():
        print(f"{group:12} n={s['n']:3} MAPE={s['mape_pct']:.2f}% max={s['max_abs_error_pct']:.2f}%")
    assert summary["all"]["mape_pct"] <= 5.0
    for group in ("arith", "mram", "stream-mram"):
        assert summary[group]["mape_pct"] <= 5.0, group


def test_points_measured_at_another_clock_are_flagged():
    slow = load_preset("upmem-640")
    rows = report.validation_rows(slow, stream_elements=16384)
    assert len([r for r in rows if r["group"] != "arith"]) == 5   # 2 MRAM + 3 STREAM points
    assert all(r["note"] and "350 MHz" in r["note"] for r in rows if r["group"] != "arith")
    fast = load_preset("upmem-2556")
    assert all(report.clock_note(fast, p) is None for p in measured.mram_points() + measured.stream_points())


def test_cli_micro_all_reports_mape(capsys):
    assert main(["micro", "all", "--tasklets", "1,16", "--elements", "16384"]) == 0
    text = capsys.readouterr().out
    assert "n = 149" in text and "MAPE" in text
