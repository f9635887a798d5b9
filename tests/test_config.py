"""Presets load, their hash is stable, overrides work and are validated."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
import tomllib

import pytest

from pimsim import ConfigError
from pimsim.config import (KNOWN_OPS, SECTIONS, available_presets, from_dict, load_preset,
                           parse_override, to_dict, to_toml)

PRESETS = ["upmem-2556", "upmem-640"]


@pytest.mark.parametrize("name", PRESETS)
def test_presets_load_with_every_field(name):
    cfg = load_preset(name)
    assert cfg.name == name
    d = to_dict(cfg)
    for section in SECTIONS:
        assert section in d
    assert set(cfg.ops.instructions) == set(KNOWN_OPS)
    assert name in available_presets()


def test_every_shipped_preset_loads():
    # a shipped preset that misses a key added to the model would fail only when a user picks it
    for name in available_presets():
        assert load_preset(name).name == name


def test_preset_headline_numbers():
    big, small = load_preset("upmem-2556"), load_preset("upmem-640")
    assert (big.dpu.freq_mhz, big.topology.nr_dpus) == (350, 2556)
    assert (small.dpu.freq_mhz, small.topology.nr_dpus) == (267, 640)
    for cfg in (big, small):
        assert cfg.dpu.wram_bytes == 64 * 1024
        assert cfg.dpu.mram_bytes == 64 * 1024 * 1024
        assert cfg.dpu.iram_bytes == 24 * 1024
        assert cfg.dpu.max_tasklets == 24
        assert (cfg.dma.min_bytes, cfg.dma.max_bytes, cfg.dma.multiple_bytes) == (8, 2048, 8)


def test_default_preset_is_upmem_2556():
    assert load_preset().name == "upmem-2556"


def test_preset_by_path():
    from pimsim.config import MODELS_DIR
    cfg = load_preset(MODELS_DIR / "upmem-640.toml")
    assert cfg.hash() == load_preset("upmem-640").hash()


def test_hash_is_stable_across_loads_and_processes():
    h = load_preset("upmem-2556").hash()
    assert h == load_preset("upmem-2556").hash()
    out = subprocess.run([sys.executable, "-c", "from pimsim import load_preset; print(load_preset('upmem-2556').hash())"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == h
    assert len(h) == 16 and int(h, 16) >= 0


def test_hash_differs_between_presets_and_after_an_override():
    a, b = load_preset("upmem-2556"), load_preset("upmem-640")
    assert a.hash() != b.hash()
    assert a.with_overrides(["dpu.freq_mhz=500"]).hash() != a.hash()


def test_hash_ignores_name_and_description():
    cfg = load_preset("upmem-2556")
    renamed = dataclasses.replace(cfg, name="other", description="x")
    assert renamed.hash() == cfg.hash()


def test_config_is_frozen():
    cfg = load_preset("upmem-2556")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.dpu.freq_mhz = 1
    with pytest.raises(TypeError):
        cfg.ops.instructions["add_int32"] = 5   # a read-only mapping


def test_override_list_and_dict_forms():
    base = load_preset("upmem-2556")
    a = base.with_overrides(["dpu.freq_mhz=500", "dma.read_beta_cycles_per_byte=0.25"])
    b = base.with_overrides({"dpu.freq_mhz": 500, "dma.read_beta_cycles_per_byte": 0.25})
    assert a.dpu.freq_mhz == b.dpu.freq_mhz == 500
    assert a.dma.read_beta_cycles_per_byte == 0.25
    assert a.hash() == b.hash()
    assert base.dpu.freq_mhz == 350          # the original is untouched
    assert load_preset("upmem-2556", ["dpu.freq_mhz=500"]).hash() == a.with_overrides(
        ["dma.read_beta_cycles_per_byte=0.5"]).hash()


def test_override_of_an_op_cost():
    cfg = load_preset("upmem-2556", ["ops.mul_int32=40"])
    assert cfg.ops.instructions["mul_int32"] == 40
    assert cfg.ops.cost({"mul_int32": 2, "add_int32": 1}) == 80 + cfg.ops.instructions["add_int32"]


def test_override_coerces_integer_fields():
    cfg = load_preset("upmem-2556", ["dpu.max_tasklets=16.0"])
    assert cfg.dpu.max_tasklets == 16 and isinstance(cfg.dpu.max_tasklets, int)


def test_override_keeps_the_preset_name_and_source():
    cfg = load_preset("upmem-640", ["dpu.freq_mhz=300"])
    assert cfg.name == "upmem-640" and cfg.source_path.endswith("upmem-640.toml")


def test_parse_override():
    assert parse_override("dpu.freq_mhz=500") == ("dpu.freq_mhz", 500)
    assert parse_override(" dma.read_beta_cycles_per_byte = 0.25 ") == ("dma.read_beta_cycles_per_byte", 0.25)


@pytest.mark.parametrize("bad, message", [
    ("dpu.freq_mhz=-5", r"dpu\.freq_mhz = -5.0 is out of range"),
    ("dpu.max_tasklets=100", r"dpu\.max_tasklets = 100 is out of range: allowed 1 \.\. 64"),
    ("dma.read_alpha_cycles=true", "expected a number"),
    ("ops.add_int32=-1", r"ops\.add_int32 = -1.0 is out of range"),
    ("ops.fma_int32=1", r"unknown key ops\.fma_int32"),
    ("dpu.nope=1", r"unknown key dpu\.nope; allowed keys in \[dpu\]: freq_mhz"),
    ("dpu.freq.mhz=1", "must be section.field"),
    ("dma.min_bytes=4096", r"dma\.min_bytes = 4096 exceeds dma\.max_bytes = 2048"),
    ("dpu.stack_bytes_per_tasklet=4096", "exceeds dpu.wram_bytes"),
])
def test_bad_overrides_are_rejected_with_the_path(bad, message):
    with pytest.raises(ConfigError, match=message):
        load_preset("upmem-2556", [bad])


def test_toml_round_trip(tmp_path):
    cfg = load_preset("upmem-2556", ["dpu.freq_mhz=400"])
    path = tmp_path / "mine.toml"
    path.write_text(to_toml(cfg, header="test preset"))
    again = load_preset(path)
    assert again.hash() == cfg.hash()
    assert again.dpu.freq_mhz == 400


def test_missing_key_in_a_preset_is_an_error(tmp_path):
    text = to_toml(load_preset("upmem-2556"))
    lines = [ln for ln in text.splitlines() if not ln.startswith("read_alpha_cycles")]
    path = tmp_path / "broken.toml"
    path.write_text("\n".join(lines))
    with pytest.raises(ConfigError, match=r"missing key dma\.read_alpha_cycles"):
        load_preset(path)


def test_missing_op_cost_is_an_error():
    d = to_dict(load_preset("upmem-2556"))
    d["ops"] = dict(d["ops"]["instructions"])
    del d["ops"]["div_double"]
    d["preset"] = {"name": "x"}
    for k in ("name", "description", "source_path", "calibration", "machine"):
        d.pop(k)
    with pytest.raises(ConfigError, match=r"missing key ops\.div_double"):
        from_dict(d)


def test_missing_preset_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_preset(tmp_path / "nothing.toml")


def test_invalid_toml_is_an_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[dpu\nfreq_mhz = ")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_preset(path)


def test_derived_cycle_length():
    cfg = load_preset("upmem-2556")
    assert cfg.cycle_ps == pytest.approx(1e6 / 350)


def test_machines_table_resolves_per_system_and_is_checked():
    from pimsim.config import to_toml
    base = load_preset("upmem-2556")
    text = to_toml(base) + '\n[machines."lab A"]\n"transfer.cpu_dpu_serial_gbps" = 0.5\n' \
                           '\n[machines."lab B".transfer]\ndpu_cpu_call_overhead_us = 12\n'
    cfg = from_dict(tomllib.loads(text))
    assert cfg.machine == "2,556-DPU"
    assert cfg.for_system("the LAB A server").transfer.cpu_dpu_serial_gbps == 0.5
    assert cfg.for_system("lab B").transfer.dpu_cpu_call_overhead_us == 12
    assert cfg.for_system("2,556-DPU sys").transfer == base.transfer        # the preset's own machine
    assert cfg.for_system("lab A").machines == {} and cfg.for_system("lab A").dpu == base.dpu
    assert cfg.hash() != base.hash() and cfg.for_system("elsewhere").hash() == base.with_machines({}).hash()
    # an entry may hand a machine to another preset: the 640-DPU system's points to upmem-640
    assert dict(base.machines["640-DPU"]) == {"preset": "upmem-640"}
    assert cfg.for_system("PrIM 640-DPU sys").dpu.freq_mhz == load_preset("upmem-640").dpu.freq_mhz == 267
    assert cfg.machine_preset("640-DPU sys") == "upmem-640" and cfg.machine_preset("lab A") is None
    assert from_dict(tomllib.loads(to_toml(cfg))).machines == cfg.machines   # round trip
    with pytest.raises(ConfigError, match="matches several"):
        cfg.with_machines({"lab": {"transfer.per_dpu_overhead_us": 1}, "lab A": {"transfer.per_dpu_overhead_us": 2}}) \
            .for_system("lab A")
    bad = [('"transfer.cpu_dpu_serial_gbps" = -1', r'\[machines."X"\]: transfer.cpu_dpu_serial_gbps = -1.0 is out of range'),
           ('"transfer.nope" = 1', r'\[machines."X"\]: unknown key transfer.nope'),
           ('"dpu" = 1', r'\[machines."X"\]: override key .dpu. must be section.field')]
    for line, msg in bad:
        with pytest.raises(ConfigError, match=msg):
            from_dict(tomllib.loads(to_toml(base) + f'\n[machines."X"]\n{line}\n'))
    with pytest.raises(ConfigError, match=r'\[machines."X"\]: unknown preset .nope.'):
        base.with_machines({"X": {"preset": "nope"}})
    with pytest.raises(ConfigError, match="stands alone"):
        base.with_machines({"X": {"preset": "upmem-640", "transfer.per_dpu_overhead_us": 1}})
    with pytest.raises(ConfigError, match="empty name"):
        base.with_machines({" ": {"transfer.per_dpu_overhead_us": 1}})


def test_presets_command_shows_other_machines_as_tables(tmp_path, capsys):
    from pimsim.cli import main
    from pimsim.config import to_toml
    p = tmp_path / "two.toml"
    p.write_text(to_toml(load_preset("upmem-2556")) + '\n[machines."lab B"]\n"transfer.dpu_cpu_serial_gbps" = 0.2\n')
    assert main(["presets", str(p)]) == 0
    out = capsys.readouterr().out
    assert '[machines."lab B"]\n  transfer.dpu_cpu_serial_gbps = 0.2\n' in out and "machine: 2,556-DPU" in out
    assert main(["presets"]) == 0 and "upmem-2556-prim" in capsys.readouterr().out.split()
