"""One DPU: tasklets running phase programs over a revolver pipeline, a DMA engine and syncs.

A tasklet program is a generator `program(ctx, shape)` that `yield from`s the verbs of its
TaskletContext: compute(op-mix), dma_read/dma_write(bytes), barrier_wait, mutex_lock/unlock,
handshake_notify/handshake_wait_for. Each verb costs O(1) events.
"""
from __future__ import annotations

from typing import Any, Callable, Generator, Mapping

import numpy as np
import simpy

from pimsim.config import SystemConfig
from pimsim.errors import CapacityError, DmaError, PimsimError, SyncError
from pimsim.hw.dma import READ, WRITE, DmaEngine, check_dma
from pimsim.hw.pipeline import RevolverPipeline
from pimsim.hw.sync import Barrier, Handshakes, Mutex, check_wait_for

Program = Callable[["TaskletContext", Any], Generator]

# Operations of a trace (TaskletContext.run_trace): what each row asks for.
TRACE_COMPUTE, TRACE_READ, TRACE_WRITE = 0, 1, 2


def check_tasklets(cfg: SystemConfig, nr_tasklets: int) -> None:
    limit = cfg.dpu.max_tasklets
    if isinstance(nr_tasklets, bool) or not isinstance(nr_tasklets, int) or not 1 <= nr_tasklets <= limit:
        raise CapacityError(f"nr_tasklets = {nr_tasklets!r}: a DPU runs 1..{limit} tasklets "
                            f"(dpu.max_tasklets of preset {cfg.name!r})")


class Dpu:
    def __init__(self, env: simpy.Environment, cfg: SystemConfig, nr_tasklets: int,
                 wram_static_bytes: int = 0, mram_used_bytes: int = 0, iram_instructions: int = 0,
                 trace: list | None = None, dma_log: list | None = None):
        check_tasklets(cfg, nr_tasklets)
        self.env, self.cfg, self.nr_tasklets = env, cfg, nr_tasklets
        d = cfg.dpu
        stacks = nr_tasklets * d.stack_bytes_per_tasklet
        if stacks + wram_static_bytes > d.wram_bytes:
            raise CapacityError(f"WRAM overflow: {nr_tasklets} tasklet stacks x {d.stack_bytes_per_tasklet} B "
                                f"+ {wram_static_bytes} B of static WRAM symbols = {stacks + wram_static_bytes} B "
                                f"> dpu.wram_bytes = {d.wram_bytes} B")
        if mram_used_bytes > d.mram_bytes:
            raise CapacityError(f"MRAM overflow: kernel uses {mram_used_bytes} B > dpu.mram_bytes = {d.mram_bytes} B")
        iram_limit = d.iram_bytes // d.instruction_bytes
        if iram_instructions > iram_limit:
            raise CapacityError(f"IRAM overflow: program of {iram_instructions} instructions > "
                                f"{iram_limit} instructions (dpu.iram_bytes = {d.iram_bytes} B)")
        self.wram_reserved = stacks + wram_static_bytes
        self.heap_used = 0
        self.mram_used_bytes = mram_used_bytes
        self.pipeline = RevolverPipeline(env, cfg.cycle_ps, d.issue_interval_cycles, d.issue_width,
                                         d.mutex_wait_issue_share)
        stall = cfg.dma.pipeline_stall_fraction
        on_busy = (lambda busy: self.pipeline.set_capacity(1.0 - stall if busy else 1.0)) if stall else None
        self.dma = DmaEngine(env, cfg.dma, cfg.cycle_ps,
                             issue_cycles=cfg.ops.instructions["dma_issue"] * d.issue_interval_cycles,
                             on_busy_change=on_busy)
        self.barriers: dict[str, Barrier] = {}
        self.mutexes: dict[str, Mutex] = {}
        self.handshakes = Handshakes(env)
        self.trace = trace
        self.dma_log = dma_log      # (tasklet, direction, bytes, mram_addr) per DMA, in issue order

    # ---- WRAM heap (mem_alloc / mem_reset), 8-byte aligned like the SDK's allocator
    def mem_alloc(self, nbytes: int, who: str) -> int:
        if nbytes < 0:
            raise CapacityError(f"{who}: mem_alloc({nbytes}) of a negative size")
        align = self.cfg.dma.align_bytes
        size = -(-nbytes // align) * align
        addr = self.wram_reserved + self.heap_used
        if addr + size > self.cfg.dpu.wram_bytes:
            raise CapacityError(
                f"WRAM overflow: {who} mem_alloc({nbytes}) needs {addr + size} B in total "
                f"(stacks + static {self.wram_reserved} B, heap {self.heap_used} B) > "
                f"dpu.wram_bytes = {self.cfg.dpu.wram_bytes} B")
        self.heap_used += size
        return addr

    def mem_reset(self) -> None:
        self.heap_used = 0

    def barrier(self, name: str, count: int | None) -> Barrier:
        b = self.barriers.get(name)
        if b is None:
            count = self.nr_tasklets if count is None else count
            if not 1 <= count <= self.nr_tasklets:
                raise SyncError(f"barrier {name!r} for {count} tasklets, but the DPU runs {self.nr_tasklets}")
            b = self.barriers[name] = Barrier(self.env, name, count, len(self.barriers))
        elif count is not None and count != b.count:
            raise SyncError(f"barrier {name!r} used with count {count}, but it was created for {b.count}")
        return b

    def mutex(self, name: str) -> Mutex:
        m = self.mutexes.get(name)
        if m is None:
            if len(self.mutexes) >= self.cfg.dpu.nr_mutexes:
                raise CapacityError(f"mutex {name!r} would be number {len(self.mutexes) + 1}; "
                                    f"dpu.nr_mutexes = {self.cfg.dpu.nr_mutexes}")
            m = self.mutexes[name] = Mutex(self.env, name, len(self.mutexes), self.pipeline.add_spinners)
        return m


def check_trace(tasklet: int, op, value, mram_addr) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A trace's three columns as arrays, of one length, with known operations only."""
    op, value, mram_addr = np.asarray(op), np.asarray(value), np.asarray(mram_addr)
    if not op.ndim == value.ndim == mram_addr.ndim == 1 or not op.size == value.size == mram_addr.size:
        raise PimsimError(f"tasklet {tasklet}: run_trace columns must be 1-D and of one length, got shapes "
                          f"{op.shape}, {value.shape}, {mram_addr.shape}")
    bad = np.nonzero((op != TRACE_COMPUTE) & (op != TRACE_READ) & (op != TRACE_WRITE))[0]
    if bad.size:
        raise PimsimError(f"tasklet {tasklet}: run_trace row {int(bad[0])} has operation {op[bad[0]].item()!r}; "
                          f"known: TRACE_COMPUTE={TRACE_COMPUTE}, TRACE_READ={TRACE_READ}, TRACE_WRITE={TRACE_WRITE}")
    dma = np.nonzero(op != TRACE_COMPUTE)[0]
    fractional = dma[value[dma] != np.floor(value[dma])]
    if fractional.size:
        row = int(fractional[0])
        raise DmaError(f"tasklet {tasklet}: run_trace row {row}: DMA size {value[row].item()!r} is not a whole number of bytes")
    return op, value, mram_addr.astype(np.int64, copy=False)


class TaskletContext:
    """What a tasklet program sees: its id, the tasklet count, and the phase verbs."""

    def __init__(self, dpu: Dpu, tasklet_id: int):
        self.dpu = dpu
        self.id = tasklet_id
        self.nr_tasklets = dpu.nr_tasklets
        self.cfg = dpu.cfg
        self._cost = dpu.cfg.ops.cost
        self._env = dpu.env
        self.instructions = 0.0
        self.compute_ps = 0
        self.dma_ps = 0
        self.sync_ps = 0
        self.finished_ps: int | None = None
        self.waiting_on = "nothing (running)"

    def me(self) -> int:
        return self.id

    def cost(self, opmix: Mapping[str, float]) -> float:
        """Instructions of one op-mix under this preset (cache it in hot loops)."""
        return self._cost(opmix)

    def _mark(self, kind: str, start: int) -> None:
        if self.dpu.trace is not None:
            self.dpu.trace.append((self.id, kind, start, self._env.now))

    # ---- compute
    def compute(self, opmix: Mapping[str, float] | None = None, times: float = 1,
                instructions: float | None = None) -> Generator:
        """Issue `times` x op-mix instructions (or `instructions` directly) through the pipeline."""
        instr = instructions if instructions is not None else self._cost(opmix or {}) * times
        if instr < 0:
            raise PimsimError(f"tasklet {self.id}: compute of {instr} instructions (must be >= 0)")
        return self._execute(instr)

    # ---- DMA
    def _check_dma_call(self, direction: str, nbytes: int, mram_addr: int, wram_addr: int, count: int) -> float:
        """Reject what the SDK would, log the call; return the instructions that issue it."""
        d = self.dpu
        check_dma(self.cfg.dma, direction, nbytes, mram_addr, wram_addr,
                  self.cfg.dpu.mram_bytes, self.cfg.dpu.wram_bytes, who=f"tasklet {self.id}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise DmaError(f"tasklet {self.id}: DMA count {count!r} must be an integer >= 1")
        if d.dma_log is not None:
            d.dma_log.extend([(self.id, direction, nbytes, mram_addr)] * count)
        return self.cfg.ops.instructions["dma_issue"] * count

    def _dma(self, direction: str, nbytes: int, mram_addr: int, wram_addr: int, count: int = 1) -> Generator:
        # The call's own instructions go through the pipeline first (see pimsim.hw.dma).
        issue = self._check_dma_call(direction, nbytes, mram_addr, wram_addr, count)
        if issue:
            yield from self._execute(issue)
        yield from self._transfer(direction, nbytes, mram_addr, count)

    def dma_read(self, nbytes: int, mram_addr: int = 0, wram_addr: int = 0, count: int = 1) -> Generator:
        """mram_read: MRAM -> WRAM. count > 1 issues that many equal calls back to back (no work
        of this tasklet in between) as one phase: the engine books exactly `count` transfers."""
        return self._dma(READ, nbytes, mram_addr, wram_addr, count)

    def dma_write(self, nbytes: int, mram_addr: int = 0, wram_addr: int = 0, count: int = 1) -> Generator:
        """mram_write: WRAM -> MRAM (count as in dma_read)."""
        return self._dma(WRITE, nbytes, mram_addr, wram_addr, count)

    def run_trace(self, op: np.ndarray, value: np.ndarray, mram_addr: np.ndarray) -> Generator:
        """A precomputed sequence of verbs, one per row: TRACE_COMPUTE (value = instructions),
        TRACE_READ / TRACE_WRITE (value = bytes at mram_addr). Trace-driven kernels (BS) build it
        with numpy; the phase recorder takes it in one step instead of one verb at a time."""
        op, value, mram_addr = check_trace(self.id, op, value, mram_addr)
        for o, v, a in zip(op.tolist(), value.tolist(), mram_addr.tolist()):
            if o == TRACE_COMPUTE:
                yield from self.compute(instructions=v)
            else:
                yield from self._dma(READ if o == TRACE_READ else WRITE, int(v), a, 0)

    # ---- synchronisation
    def barrier_wait(self, name: str = "barrier", count: int | None = None) -> Generator:
        yield from self._execute(self.cfg.ops.instructions["barrier_wait"])
        yield from self._barrier(self.dpu.barrier(name, count))

    def mutex_lock(self, name: str = "mutex") -> Generator:
        yield from self._execute(self.cfg.ops.instructions["mutex_lock"])
        yield from self._lock(self.dpu.mutex(name))

    def batched_lock_instructions(self, n: int) -> float:
        """Instructions of the n - 1 extra mutex_lock/mutex_unlock calls when a kernel times n
        critical sections of one mutex as a single lock (one per block instead of one per
        element). They run outside the lock, as the verbs' own instructions do."""
        ops = self.cfg.ops.instructions
        return max(n - 1, 0) * (ops["mutex_lock"] + ops["mutex_unlock"])

    def mutex_unlock(self, name: str = "mutex") -> Generator:
        # The lock is free from the moment `release` issues: a spinning waiter's next acquire
        # takes it. Timing the release's own turn inside the critical section made TRNS's
        # kernel grow 11 % faster per M_ than measured, against 4 % this way.
        self._unlock(self.dpu.mutex(name))
        yield from self._execute(self.cfg.ops.instructions["mutex_unlock"])

    def handshake_notify(self) -> Generator:
        yield from self._execute(self.cfg.ops.instructions["handshake"])
        yield from self._notify()

    def handshake_wait_for(self, notifier: int) -> Generator:
        yield from self._execute(self.cfg.ops.instructions["handshake"])
        check_wait_for(self.id, notifier, self.nr_tasklets)
        yield from self._wait_for(notifier)

    # ---- the primitives every verb is made of, run on the SimPy model (a PhaseRecorder
    # ---- overrides them to write the phases down instead; see pimsim.hw.phases)
    def _execute(self, instr: float) -> Generator:
        start = self._env.now
        self.waiting_on = "pipeline"
        yield self.dpu.pipeline.execute(instr)
        self.instructions += instr
        self.compute_ps += self._env.now - start
        self._mark("compute", start)

    def _transfer(self, direction: str, nbytes: int, mram_addr: int, count: int) -> Generator:
        start = self._env.now
        self.waiting_on = f"DMA {direction}"
        yield self.dpu.dma.transfer(direction, nbytes, mram_addr, count)
        self.dma_ps += self._env.now - start
        self._mark(f"dma_{direction}", start)

    def _barrier(self, b: Barrier) -> Generator:
        yield from self._sync_wait(b.wait(self.id), f"barrier {b.name!r}", self._env.now)

    def _lock(self, m: Mutex) -> Generator:
        yield from self._sync_wait(m.lock(self.id), f"mutex {m.name!r}", self._env.now)

    def _unlock(self, m: Mutex) -> None:
        m.unlock(self.id)

    def _notify(self) -> Generator:
        yield from self._sync_wait(self.dpu.handshakes.notify(self.id), "handshake_notify", self._env.now)

    def _wait_for(self, notifier: int) -> Generator:
        ev = self.dpu.handshakes.wait_for(self.id, notifier)
        yield from self._sync_wait(ev, f"handshake from tasklet {notifier}", self._env.now)

    def _sync_wait(self, ev: simpy.Event, what: str, start: int) -> Generator:
        self.waiting_on = what
        yield ev
        self.sync_ps += self._env.now - start
        self._mark("sync", start)

    # ---- WRAM heap
    def mem_alloc(self, nbytes: int) -> int:
        return self.dpu.mem_alloc(nbytes, who=f"tasklet {self.id}")
