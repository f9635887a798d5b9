"""Pieces shared by the microbenchmarks: PrIM's data types, its per-tasklet cycle timer, and
the sweep helpers.

PrIM's microbenchmarks time regions of a tasklet's code with `timer_start`/`timer_stop`
(perfcounter cycles) and the host reports the maximum over tasklets. `TaskletTimers` is the
same thing for a simulated tasklet: a program calls `timers.start(ctx)` / `timers.stop(ctx)`
around the region and the microbenchmark reads `timers.max_cycles(freq)` afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pimsim.config import SystemConfig, load_preset
from pimsim.errors import ConfigError
from pimsim.units import ps_to_cycles

# PrIM's type names -> (op-cost table suffix, sizeof(T) in bytes)
DTYPES: dict[str, tuple[str, int]] = {
    "INT32": ("int32", 4), "UINT32": ("uint32", 4),
    "INT64": ("int64", 8), "UINT64": ("uint64", 8),
    "FLOAT": ("float", 4), "DOUBLE": ("double", 8),
}
OPS = ("ADD", "SUB", "MUL", "DIV")


def check_choice(what: str, value: str, allowed) -> str:
    v = str(value).upper()
    if v not in allowed:
        raise ConfigError(f"unknown {what} {value!r}; allowed: {', '.join(allowed)}")
    return v


def as_config(cfg: SystemConfig | str | None) -> SystemConfig:
    return cfg if isinstance(cfg, SystemConfig) else load_preset(cfg or "upmem-2556")


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


@dataclass
class TaskletTimers:
    """Per-tasklet accumulated picoseconds inside timed regions (PrIM's result->cycles)."""
    nr_tasklets: int
    acc_ps: list[int] = field(default_factory=list)
    _start: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.acc_ps = [0] * self.nr_tasklets
        self._start = [0] * self.nr_tasklets

    def start(self, ctx) -> None:
        self._start[ctx.id] = ctx.dpu.env.now

    def stop(self, ctx) -> None:
        self.acc_ps[ctx.id] += ctx.dpu.env.now - self._start[ctx.id]

    def max_cycles(self, freq_mhz: float) -> float:
        return ps_to_cycles(max(self.acc_ps), freq_mhz)

