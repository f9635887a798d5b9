"""Run tasklet programs on one simulated DPU and return an immutable result.

DPUs never talk to each other during a kernel, so a multi-DPU launch is simulated one DPU
(one equivalence class of DPUs) at a time, each in its own small SimPy environment; the host
model (pimsim.system) then composes their times.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import simpy

import pimsim
from pimsim.config import SystemConfig, load_preset
from pimsim.errors import SyncError
from pimsim.hw.dpu import Dpu, Program, TaskletContext
from pimsim.hw.phases import OK as REPLAY_OK, replay
from pimsim.units import ps_to_cycles, ps_to_ms


@dataclass(frozen=True)
class DpuRunResult:
    """Timing of one DPU running one kernel launch. Cycles are DPU cycles."""
    total_ps: int
    nr_tasklets: int
    freq_mhz: float
    instructions: tuple[float, ...]          # per tasklet
    finish_cycles: tuple[float, ...]         # per tasklet: when it ended
    compute_cycles: tuple[float, ...]        # per tasklet: time inside compute phases
    dma_cycles: tuple[float, ...]            # per tasklet: time waiting for its DMAs
    sync_cycles: tuple[float, ...]           # per tasklet: time blocked in barriers/mutexes/handshakes
    dma_read_bytes: int
    dma_write_bytes: int
    dma_read_count: int
    dma_write_count: int
    dma_busy_cycles: float
    mram_write_end: int                      # highest MRAM byte written + 1
    config: SystemConfig = field(repr=False)
    provenance: Mapping[str, Any] = field(repr=False)
    trace: tuple | None = field(default=None, repr=False)   # (tasklet, kind, start_ps, end_ps)
    dma_log: tuple | None = field(default=None, repr=False)  # (tasklet, direction, bytes, mram_addr)

    @property
    def cycles(self) -> float:
        return ps_to_cycles(self.total_ps, self.freq_mhz)

    @property
    def time_ms(self) -> float:
        return ps_to_ms(self.total_ps)

    @property
    def total_instructions(self) -> float:
        return sum(self.instructions)

    @property
    def pipeline_utilisation(self) -> float:
        """Issued instructions / issue slots (1.0 = one instruction every cycle)."""
        slots = self.cycles * self.config.dpu.issue_width
        return self.total_instructions / slots if slots else 0.0

    @property
    def dma_utilisation(self) -> float:
        return self.dma_busy_cycles / self.cycles if self.cycles else 0.0

    def to_dict(self) -> dict:
        return {
            "total_ps": self.total_ps, "cycles": self.cycles, "time_ms": self.time_ms,
            "nr_tasklets": self.nr_tasklets, "instructions": list(self.instructions),
            "finish_cycles": list(self.finish_cycles), "compute_cycles": list(self.compute_cycles),
            "dma_cycles": list(self.dma_cycles), "sync_cycles": list(self.sync_cycles),
            "dma_read_bytes": self.dma_read_bytes, "dma_write_bytes": self.dma_write_bytes,
            "dma_read_count": self.dma_read_count, "dma_write_count": self.dma_write_count,
            "dma_busy_cycles": self.dma_busy_cycles, "mram_write_end": self.mram_write_end,
            "pipeline_utilisation": self.pipeline_utilisation, "dma_utilisation": self.dma_utilisation,
            "provenance": dict(self.provenance),
        }


def provenance(cfg: SystemConfig, seed: int) -> dict:
    return {"pimsim_version": pimsim.__version__, "preset": cfg.name, "preset_hash": cfg.hash(),
            "preset_path": cfg.source_path, "seed": seed}


def run_dpu(program: Program, shape: Any = None, nr_tasklets: int = 16,
            config: SystemConfig | str | None = None, overrides: Mapping[str, Any] | list[str] | None = None,
            seed: int = 0, wram_static_bytes: int = 0, mram_used_bytes: int = 0,
            iram_instructions: int = 0, trace: bool = False, dma_log: bool = False,
            fixed_phases: bool = False) -> DpuRunResult:
    """Simulate `nr_tasklets` tasklets each running `program(ctx, shape)` on one DPU.

    fixed_phases: the program's phases depend only on (shape, tasklet id, tasklet count), so
    they may be recorded once and replayed by the compiled engine (pimsim.hw.phases), which
    gives the same result as the SimPy engine, faster. Traces and DMA logs need SimPy."""
    cfg = config if isinstance(config, SystemConfig) else load_preset(config or "upmem-2556")
    cfg = cfg.with_overrides(overrides)
    make_dpu = lambda env, events=None, log=None: Dpu(  # noqa: E731
        env, cfg, nr_tasklets, wram_static_bytes, mram_used_bytes, iram_instructions, events, log)
    if fixed_phases and not trace and not dma_log:
        dpu = make_dpu(simpy.Environment())
        status, finished, instructions, compute_ps, dma_ps, sync_ps = replay(program, shape, dpu)
        if status == REPLAY_OK:
            return _result(cfg, seed, dpu, finished.tolist(), instructions.tolist(), compute_ps.tolist(),
                           dma_ps.tolist(), sync_ps.tolist(), None, None)
        # misuse or deadlock: let the SimPy engine find it and say exactly what went wrong
    env = simpy.Environment()
    events: list | None = [] if trace else None
    log: list | None = [] if dma_log else None
    dpu = make_dpu(env, events, log)
    ctxs = [TaskletContext(dpu, t) for t in range(nr_tasklets)]

    def tasklet(ctx: TaskletContext):
        yield from program(ctx, shape)
        ctx.finished_ps = env.now
        ctx.waiting_on = "finished"

    for ctx in ctxs:
        env.process(tasklet(ctx))
    env.run()
    _check_finished(dpu, ctxs)
    return _result(cfg, seed, dpu, [c.finished_ps for c in ctxs], [c.instructions for c in ctxs],
                   [c.compute_ps for c in ctxs], [c.dma_ps for c in ctxs], [c.sync_ps for c in ctxs],
                   events, log)


def _result(cfg: SystemConfig, seed: int, dpu: Dpu, finished: list, instructions: list, compute_ps: list,
            dma_ps: list, sync_ps: list, events: list | None, log: list | None) -> DpuRunResult:
    f = cfg.dpu.freq_mhz
    cyc = lambda ps: ps_to_cycles(ps, f)  # noqa: E731
    return DpuRunResult(
        total_ps=max(finished), nr_tasklets=dpu.nr_tasklets, freq_mhz=f,
        instructions=tuple(instructions),
        finish_cycles=tuple(cyc(p) for p in finished),
        compute_cycles=tuple(cyc(p) for p in compute_ps),
        dma_cycles=tuple(cyc(p) for p in dma_ps),
        sync_cycles=tuple(cyc(p) for p in sync_ps),
        dma_read_bytes=dpu.dma.bytes["read"], dma_write_bytes=dpu.dma.bytes["write"],
        dma_read_count=dpu.dma.count["read"], dma_write_count=dpu.dma.count["write"],
        dma_busy_cycles=cyc(dpu.dma.busy_ps), mram_write_end=dpu.dma.write_end, config=cfg,
        provenance=provenance(cfg, seed),
        trace=tuple(events) if events is not None else None,
        dma_log=tuple(log) if log is not None else None,
    )


def _check_finished(dpu: Dpu, ctxs: list[TaskletContext]) -> None:
    stuck = [c for c in ctxs if c.finished_ps is None]
    if not stuck:
        for m in dpu.mutexes.values():
            if m.owner is not None:
                raise SyncError(f"tasklet {m.owner} finished while holding mutex {m.name!r}")
        return
    lines = [f"tasklet {c.id} blocked on {c.waiting_on}" for c in stuck]
    for b in dpu.barriers.values():
        if (s := b.describe_wait()):
            lines.append(s)
    for m in dpu.mutexes.values():
        if (s := m.describe_wait()):
            lines.append(s)
    lines += dpu.handshakes.describe_wait()
    raise SyncError("deadlock: the kernel can never finish:\n  " + "\n  ".join(lines))

