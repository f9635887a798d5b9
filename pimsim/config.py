"""Configuration: a frozen dataclass tree loaded from a TOML preset, plus dotted overrides.

Every hardware number lives in `models/*.toml` with its source. The dataclasses below only
name the fields, their units (suffixes) and their legal ranges; they hold no defaults for
hardware numbers, so a preset that forgets one is an error, not a silent guess.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from pimsim.errors import ConfigError

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
DEFAULT_PRESET = "upmem-2556"


def _f(lo: float | None = None, hi: float | None = None, doc: str = "", integer: bool = False):
    """A config field with a legal range [lo, hi] and a one-line meaning."""
    return field(metadata={"lo": lo, "hi": hi, "doc": doc, "integer": integer})


# ---------------------------------------------------------------- the op-cost table
# Operations a kernel's op-mix may name. Cost = instructions issued per operation.
OP_TYPES = ("int32", "uint32", "int64", "uint64", "float", "double")
ARITH_OPS = ("add", "sub", "mul", "div")
KNOWN_OPS = tuple(f"{op}_{t}" for op in ARITH_OPS for t in OP_TYPES) + (
    "logic_int32",      # and/or/xor/shift on 32 bit
    "logic_int64",      # the same on 64 bit (two 32-bit halves)
    "cmp_branch",       # compare and conditional branch
    "load_wram",        # one WRAM load of up to 8 bytes (ld/lw/lh/lb)
    "store_wram",       # one WRAM store of up to 8 bytes
    "loop",             # per-iteration overhead of a compiled inner loop (index, bound, jump)
    "call",             # a function call + return (e.g. into a runtime routine)
    "mul32_setup",      # __mulsi3 prologue before its mul_step chain
    "mul_step",         # one step (one multiplier bit) of the 32-bit multiply chain
    "dma_issue",        # instructions to set up and issue one mram_read/mram_write
    "barrier_wait",     # instructions executed by one tasklet in barrier_wait
    "mutex_lock",
    "mutex_unlock",
    "handshake",
)


# ---------------------------------------------------------------- sections
@dataclass(frozen=True)
class DpuConfig:
    freq_mhz: float = _f(1, 10_000, "DPU clock")
    max_tasklets: int = _f(1, 64, "hardware threads per DPU", integer=True)
    pipeline_stages: int = _f(1, 64, "in-order pipeline depth", integer=True)
    issue_interval_cycles: int = _f(1, 64, "min cycles between two issues of one tasklet (revolver)", integer=True)
    issue_width: int = _f(1, 8, "instructions issued per cycle per DPU", integer=True)
    wram_bytes: int = _f(1, 2**30, "WRAM scratchpad per DPU", integer=True)
    mram_bytes: int = _f(1, 2**40, "MRAM bank per DPU", integer=True)
    iram_bytes: int = _f(1, 2**30, "instruction memory per DPU", integer=True)
    instruction_bytes: int = _f(1, 64, "size of one encoded instruction", integer=True)
    stack_bytes_per_tasklet: int = _f(0, 2**20, "default WRAM stack reserved per tasklet", integer=True)
    nr_mutexes: int = _f(0, 4096, "hardware mutexes (atomic bits) usable as mutexes", integer=True)
    mutex_wait_issue_share: float = _f(0, 1, "issue slots a tasklet waiting on a mutex takes, as a share of "
                                             "a computing tasklet's (1: it spins on acquire; 0: it sleeps)")


@dataclass(frozen=True)
class DmaConfig:
    read_alpha_cycles: float = _f(0, 1e6, "fixed cost of one MRAM->WRAM DMA")
    read_beta_cycles_per_byte: float = _f(0, 1e3, "per-byte cost of MRAM->WRAM DMA")
    write_alpha_cycles: float = _f(0, 1e6, "fixed cost of one WRAM->MRAM DMA")
    write_beta_cycles_per_byte: float = _f(0, 1e3, "per-byte cost of WRAM->MRAM DMA")
    pipeline_stall_fraction: float = _f(0, 0.99, "share of pipeline issue slots lost while the DMA engine is busy")
    min_bytes: int = _f(1, 2**20, "smallest legal DMA", integer=True)
    max_bytes: int = _f(1, 2**20, "largest legal DMA", integer=True)
    multiple_bytes: int = _f(1, 4096, "DMA sizes must be a multiple of this", integer=True)
    align_bytes: int = _f(1, 4096, "MRAM and WRAM addresses must be aligned to this", integer=True)


@dataclass(frozen=True)
class OpCostConfig:
    """Instructions per operation. `instructions` maps every name in KNOWN_OPS to a cost."""
    instructions: Mapping[str, float] = field(default_factory=dict, metadata={"table": True})

    def cost(self, opmix: Mapping[str, float]) -> float:
        """Instructions for one instance of an op-mix {op: count}."""
        table = self.instructions
        total = 0.0
        for op, count in opmix.items():
            try:
                total += table[op] * count
            except KeyError:
                raise ConfigError(
                    f"op-mix names unknown operation {op!r}; known: {', '.join(KNOWN_OPS)}") from None
        return total


@dataclass(frozen=True)
class TopologyConfig:
    nr_dpus: int = _f(1, 10**6, "working DPUs in the system", integer=True)
    dpus_per_chip: int = _f(1, 1024, "DPUs per PIM chip", integer=True)
    dpus_per_rank: int = _f(1, 4096, "DPUs per rank", integer=True)
    nr_ranks: int = _f(1, 10**4, "ranks in the system", integer=True)
    nr_sockets: int = _f(1, 64, "CPU sockets", integer=True)
    controllers_per_socket: int = _f(1, 64, "memory controllers per socket", integer=True)
    channels_per_controller: int = _f(1, 64, "DDR channels per memory controller", integer=True)


@dataclass(frozen=True)
class TransferConfig:
    """Host<->DPU transfers. Bandwidths in 10^9 bytes/s."""
    cpu_dpu_serial_gbps: float = _f(1e-6, 1e4, "CPU->DPU bandwidth of one DPU (serial copy)")
    dpu_cpu_serial_gbps: float = _f(1e-6, 1e4, "DPU->CPU bandwidth of one DPU (serial copy)")
    cpu_dpu_chip_exponent: float = _f(0, 1, "CPU->DPU rank bandwidth = serial * chips^this * positions^position_exponent")
    cpu_dpu_position_exponent: float = _f(0, 1, "the same law's gain over DPU positions (CPU->DPU)")
    dpu_cpu_chip_exponent: float = _f(0, 1, "DPU->CPU rank bandwidth = serial * chips^this * positions^position_exponent")
    dpu_cpu_position_exponent: float = _f(0, 1, "the same law's gain over DPU positions (DPU->CPU)")
    broadcast_rank_gbps: float = _f(1e-6, 1e4, "delivered bandwidth of a broadcast to a full rank")
    channel_gbps: float = _f(1e-6, 1e4, "peak bandwidth of one DDR channel shared by its ranks")
    cpu_dpu_call_overhead_us: float = _f(0, 1e6, "fixed host cost of one CPU->DPU transfer call")
    dpu_cpu_call_overhead_us: float = _f(0, 1e6, "fixed host cost of one DPU->CPU transfer call")
    per_dpu_overhead_us: float = _f(0, 1e6, "fixed cost per DPU within a transfer call")
    cpu_dpu_cached_source_mb: float = _f(0, 1e6, "10^6 bytes of a CPU->DPU call's source buffers the host cache holds")
    cpu_dpu_uncached_us_per_mb: float = _f(0, 1e6, "extra CPU->DPU time per 10^6 source bytes read from host DRAM")
    wram_word_bytes: int = _f(1, 64, "bytes per word of a host access to WRAM (size and offset unit)", integer=True)
    wram_round_us: float = _f(0, 1e6, "fixed cost of one WRAM access round (one DPU per chip of a rank)")
    cpu_dpu_wram_word_us: float = _f(0, 1e6, "cost per word written to WRAM in one round")
    dpu_cpu_wram_word_us: float = _f(0, 1e6, "cost per word read from WRAM in one round")


@dataclass(frozen=True)
class LaunchConfig:
    launch_overhead_us: float = _f(0, 1e7, "fixed cost of a dpu_launch (boot + sync), per launch")
    per_rank_overhead_us: float = _f(0, 1e6, "additional launch cost per rank involved")


@dataclass(frozen=True)
class HostConfig:
    mem_gbps: float = _f(1e-6, 1e5, "host memory bandwidth for host compute phases")
    ops_per_s: float = _f(1, 1e15, "host scalar operations per second")


@dataclass(frozen=True)
class SystemConfig:
    name: str
    description: str
    dpu: DpuConfig
    dma: DmaConfig
    ops: OpCostConfig
    topology: TopologyConfig
    transfer: TransferConfig
    launch: LaunchConfig
    host: HostConfig
    source_path: str = ""
    calibration: Mapping[str, Any] = field(default_factory=dict)  # fit record, if calibrated
    machine: str = ""     # text naming the preset's own machine in measurements' system column
    # Other machines: {text found in a measurement's `system` column: {"section.field": value}},
    # the numbers that differ there. Host-side numbers (transfers above all) belong to a machine,
    # not to the DPU, so a preset calibrated on several machines' runs keeps each machine's own;
    # `for_system` resolves them. Rows of any other machine use the sections.
    machines: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    # ---- derived quantities, computed in one place
    @property
    def cycle_ps(self) -> float:
        return 1e6 / self.dpu.freq_mhz

    def hash(self) -> str:
        """Stable hash of every modelled number (not the name/description/path)."""
        return self._hashes[0]

    def dpu_model_hash(self) -> str:
        """Hash of the sections one DPU's kernel timing depends on (dpu, dma, ops): configs
        that differ only on the host side (transfers, launch, topology) share DPU results."""
        return self._hashes[1]

    @functools.cached_property
    def _hashes(self) -> tuple[str, str]:
        # computed once per (immutable) config: every simulated DPU's provenance carries it
        d = to_dict(self)
        for k in ("name", "description", "source_path", "calibration", "machine"):
            d.pop(k, None)
        if not d["machines"]:
            d.pop("machines")            # presets without other machines keep their hashes
        digest = lambda x: hashlib.sha256(json.dumps(x, sort_keys=True).encode()).hexdigest()[:16]  # noqa: E731
        return digest(d), digest({k: d[k] for k in ("dpu", "dma", "ops")})

    def with_overrides(self, overrides: Mapping[str, Any] | list[str] | None) -> "SystemConfig":
        return apply_overrides(self, overrides)

    def with_machines(self, machines: Mapping[str, Mapping[str, Any]]) -> "SystemConfig":
        """This config with its [machines] table replaced (each entry checked)."""
        base = dataclasses.replace(self, machines=MappingProxyType({}))
        return dataclasses.replace(base, machines=_build_machines(base, machines)) if machines else base

    def machine_of(self, system: str) -> str | None:
        """The `machines` entry whose text the system column contains (case-insensitive), if any."""
        low = system.lower()
        hits = [k for k in self.machines if k.lower() in low]
        if len(hits) > 1:
            raise ConfigError(f"system {system!r} matches several [machines] entries: {hits}")
        return hits[0] if hits else None

    def on_machine(self, text: str) -> "SystemConfig":
        """The config of the machine `text` names: a [machines] entry, or the preset's own
        machine. Anything else is an error (there is no silent fallback to the sections)."""
        low = text.lower().strip()
        alike = lambda name: bool(name) and (low in name.lower() or name.lower() in low)  # noqa: E731
        hits = [k for k in self.machines if alike(k)]
        if len(hits) > 1:
            raise ConfigError(f"machine {text!r} matches several [machines] entries of {self.name}: {hits}")
        if hits:
            return self.for_system(hits[0])
        if low and alike(self.machine):
            return self.for_system(self.machine)
        known = [self.machine or "(the preset's own machine names none)", *self.machines]
        raise ConfigError(f"machine {text!r} is not described by preset {self.name}; it describes: "
                          f"{'; '.join(known)}")

    def machine_preset(self, system: str) -> str | None:
        """The preset a [machines] entry hands the system's points to (`preset = NAME`), if any."""
        key = self.machine_of(system)
        return None if key is None else self.machines[key].get("preset")

    def for_system(self, system: str) -> "SystemConfig":
        """The config that describes the machine named in a measurement's system column: the
        sections with that machine's entry applied, or the preset the entry names (no entry:
        the sections as they are)."""
        key = self.machine_of(system)
        base = self if not self.machines else dataclasses.replace(self, machines=MappingProxyType({}))
        if key is None:
            return base
        entry = self.machines[key]
        if "preset" in entry:
            return load_preset(entry["preset"]).with_machines({})
        return apply_overrides(base, dict(entry))


SECTIONS = {
    "dpu": DpuConfig, "dma": DmaConfig, "ops": OpCostConfig, "topology": TopologyConfig,
    "transfer": TransferConfig, "launch": LaunchConfig, "host": HostConfig,
}


# ---------------------------------------------------------------- loading
def _check_value(path: str, f: dataclasses.Field, value: Any) -> Any:
    md = f.metadata
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{path} = {value!r}: expected a number")
    if md.get("integer"):
        if isinstance(value, float):
            if not value.is_integer():
                raise ConfigError(f"{path} = {value!r}: expected an integer")
            value = int(value)
    else:
        value = float(value)
    if not math.isfinite(value):
        raise ConfigError(f"{path} = {value!r}: expected a finite number")
    lo, hi = md.get("lo"), md.get("hi")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(f"{path} = {value!r} is out of range: allowed {lo} .. {hi}")
    return value


def _build_section(name: str, cls: type, data: Mapping[str, Any]) -> Any:
    if not isinstance(data, Mapping):
        raise ConfigError(f"[{name}] must be a table, got {data!r}")
    if cls is OpCostConfig:
        return _build_ops(name, data)
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"unknown key {name}.{unknown[0]}; allowed keys in [{name}]: {', '.join(known)}")
    missing = sorted(set(known) - set(data))
    if missing:
        raise ConfigError(f"missing key {name}.{missing[0]} (every hardware number must be given, with its source)")
    kwargs = {k: _check_value(f"{name}.{k}", known[k], v) for k, v in data.items()}
    return cls(**kwargs)


def _build_ops(name: str, data: Mapping[str, Any]) -> OpCostConfig:
    unknown = sorted(set(data) - set(KNOWN_OPS))
    if unknown:
        raise ConfigError(f"unknown key {name}.{unknown[0]}; allowed operations: {', '.join(KNOWN_OPS)}")
    missing = [op for op in KNOWN_OPS if op not in data]
    if missing:
        raise ConfigError(f"missing key {name}.{missing[0]} (every operation needs a cost)")
    fake = field(metadata={"lo": 0, "hi": 1e7, "integer": False})
    table = {op: _check_value(f"{name}.{op}", fake, data[op]) for op in KNOWN_OPS}
    return OpCostConfig(instructions=MappingProxyType(table))


def from_dict(data: Mapping[str, Any], source_path: str = "") -> SystemConfig:
    data = dict(data)
    meta = data.pop("preset", None)
    calibration = data.pop("calibration", None)  # metadata written by `pimsim calibrate`
    machines = data.pop("machines", None) or {}
    if not isinstance(meta, Mapping) or "name" not in meta:
        raise ConfigError("a preset needs a [preset] table with at least `name`")
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ConfigError(f"unknown section [{unknown[0]}]; allowed: {', '.join(SECTIONS)}")
    missing = sorted(set(SECTIONS) - set(data))
    if missing:
        raise ConfigError(f"missing section [{missing[0]}]")
    sections = {name: _build_section(name, cls, data[name]) for name, cls in SECTIONS.items()}
    cfg = SystemConfig(name=str(meta["name"]), description=str(meta.get("description", "")),
                       machine=str(meta.get("machine", "")), source_path=source_path,
                       calibration=MappingProxyType(dict(calibration or {})), **sections)
    _check_consistency(cfg)
    return cfg.with_machines(machines)


def _build_machines(cfg: SystemConfig, machines: Any) -> Mapping[str, Mapping[str, Any]]:
    """[machines."TEXT"] tables of "section.field" = value, each checked by applying it; or
    `preset = NAME` alone: that machine's points are another preset's (e.g. the 640-DPU system)."""
    if not isinstance(machines, Mapping):
        raise ConfigError(f"[machines] must be a table of machine tables, got {machines!r}")
    out = {}
    for text, values in machines.items():
        if not text.strip():
            raise ConfigError("[machines] entry with an empty name: it would match every system")
        if not isinstance(values, Mapping) or not values:
            raise ConfigError(f'[machines."{text}"] must be a non-empty table of "section.field" = value')
        flat = _flatten(values)
        if "preset" in flat:
            if len(flat) > 1 or not isinstance(flat["preset"], str):
                raise ConfigError(f'[machines."{text}"]: `preset = NAME` hands the machine to another preset '
                                  f'and stands alone; got {sorted(flat)}')
            try:
                resolve_preset_path(flat["preset"])
            except ConfigError as e:
                raise ConfigError(f'[machines."{text}"]: {e}') from None
            out[text] = MappingProxyType(dict(flat))
            continue
        try:
            apply_overrides(cfg, flat)
        except ConfigError as e:
            raise ConfigError(f'[machines."{text}"]: {e}') from None
        out[text] = MappingProxyType({k: float(v) for k, v in flat.items()})
    return MappingProxyType(out)


def _flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    # "transfer.x" = 1 and [machines."M".transfer] x = 1 both mean transfer.x
    out = {}
    for k, v in values.items():
        if isinstance(v, Mapping):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _check_consistency(cfg: SystemConfig) -> None:
    d, t, dma = cfg.dpu, cfg.topology, cfg.dma
    if dma.min_bytes > dma.max_bytes:
        raise ConfigError(f"dma.min_bytes = {dma.min_bytes} exceeds dma.max_bytes = {dma.max_bytes}")
    if t.nr_dpus > t.nr_ranks * t.dpus_per_rank:
        raise ConfigError(f"topology.nr_dpus = {t.nr_dpus} exceeds nr_ranks*dpus_per_rank = "
                          f"{t.nr_ranks * t.dpus_per_rank}")
    if t.dpus_per_rank % t.dpus_per_chip:
        raise ConfigError(f"topology.dpus_per_rank = {t.dpus_per_rank} is not a whole number of chips "
                          f"of topology.dpus_per_chip = {t.dpus_per_chip} DPUs")
    channels = t.nr_sockets * t.controllers_per_socket * t.channels_per_controller
    if t.nr_ranks < channels:
        raise ConfigError(f"topology.nr_ranks = {t.nr_ranks} is fewer than the {channels} channels")
    if d.stack_bytes_per_tasklet * d.max_tasklets > d.wram_bytes:
        raise ConfigError(f"dpu.stack_bytes_per_tasklet * max_tasklets = "
                          f"{d.stack_bytes_per_tasklet * d.max_tasklets} exceeds dpu.wram_bytes = {d.wram_bytes}")


def resolve_preset_path(name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        if not p.exists():
            raise ConfigError(f"preset file {str(p)!r} does not exist")
        return p
    candidates = [MODELS_DIR / f"{name_or_path}.toml", MODELS_DIR / "calibrated" / f"{name_or_path}.toml"]
    for c in candidates:
        if c.exists():
            return c
    raise ConfigError(f"unknown preset {str(name_or_path)!r}; available: {', '.join(available_presets())}")


def available_presets() -> list[str]:
    names = [p.stem for p in sorted(MODELS_DIR.glob("*.toml"))]
    names += [p.stem for p in sorted((MODELS_DIR / "calibrated").glob("*.toml"))]
    return names


def load_preset(name_or_path: str | Path = DEFAULT_PRESET,
                overrides: Mapping[str, Any] | list[str] | None = None) -> SystemConfig:
    """Load a preset by name (from models/) or path, then apply `section.field=value` overrides."""
    path = resolve_preset_path(name_or_path)
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from None
    cfg = from_dict(data, source_path=str(path))
    return apply_overrides(cfg, overrides)


def parse_override(text: str) -> tuple[str, Any]:
    """'dpu.freq_mhz=500' -> ('dpu.freq_mhz', 500)."""
    if "=" not in text:
        raise ConfigError(f"override {text!r} must look like section.field=value")
    key, raw = text.split("=", 1)
    key, raw = key.strip(), raw.strip()
    try:
        value: Any = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def apply_overrides(cfg: SystemConfig, overrides: Mapping[str, Any] | list[str] | None) -> SystemConfig:
    if not overrides:
        return cfg
    items = [parse_override(o) for o in overrides] if isinstance(overrides, list) else list(overrides.items())
    data = to_dict(cfg)
    for key, value in items:
        parts = key.split(".")
        if len(parts) != 2:
            raise ConfigError(f"override key {key!r} must be section.field (sections: {', '.join(SECTIONS)})")
        section, name = parts
        if section not in SECTIONS:
            raise ConfigError(f"unknown section in override {key!r}; allowed: {', '.join(SECTIONS)}")
        target = data[section]["instructions"] if section == "ops" else data[section]
        if name not in target:
            raise ConfigError(f"unknown key {key}; allowed keys in [{section}]: {', '.join(target)}")
        target[name] = value
    meta = {"name": cfg.name, "description": cfg.description, "machine": cfg.machine}
    data = {k: v for k, v in data.items() if k in SECTIONS}
    data["ops"] = data["ops"]["instructions"]
    return from_dict({"preset": meta, "calibration": dict(cfg.calibration), **data,
                      "machines": {k: dict(v) for k, v in cfg.machines.items()}},
                     source_path=cfg.source_path)


def to_dict(obj: Any) -> Any:
    """Plain nested dict/JSON-able view of a config (mapping proxies become dicts)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_dict(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, Mapping):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj


def to_toml(cfg: SystemConfig, header: str = "", extra_tables: Mapping[str, Mapping] | None = None) -> str:
    """Serialise a config back to a TOML preset (used by `pimsim calibrate`)."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += ["", "[preset]", f"name = {json.dumps(cfg.name)}", f"description = {json.dumps(cfg.description)}"]
    if cfg.machine:
        lines.append(f"machine = {json.dumps(cfg.machine)}")
    d = to_dict(cfg)
    for section in SECTIONS:
        lines += ["", f"[{section}]"]
        values = d[section]["instructions"] if section == "ops" else d[section]
        for k, v in values.items():
            lines.append(f"{k} = {json.dumps(v)}")
    for text, values in d["machines"].items():
        lines += ["", f"[machines.{json.dumps(text)}]"]
        lines += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in values.items()]
    for tname, table in (extra_tables or {}).items():
        lines += ["", f"[{tname}]"]
        for k, v in table.items():
            # section.field stays a dotted key; anything else a bare key cannot hold is quoted
            lines.append(f"{k if re.fullmatch(r'[A-Za-z0-9_.-]+', k) else json.dumps(k)} = {json.dumps(v)}")
    return "\n".join(lines) + "\n"
