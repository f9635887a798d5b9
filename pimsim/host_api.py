"""A DpuSet-like host API, shaped like the UPMEM SDK's host library.

    dpus = DpuSet(64, preset="upmem-2556")
    dpus.load(kernel, nr_tasklets=16)
    dpus.push_xfer("DPU_INPUT_ARGUMENTS", [args] * 64)
    dpus.push_xfer("MRAM", chunks)                  # parallel within each rank
    dpus.launch()                                   # simulated kernel on every DPU
    out = dpus.push_xfer_from("MRAM", nbytes, offset)
    result = dpus.result(outputs={...}, verified=True)

Every call advances one host clock (SimPy, integer ps) and books its time under a category
(cpu_dpu, dpu_kernel, inter_dpu, dpu_cpu, host): transfers default by direction; code inside
`with dpus.category("inter_dpu"):` books everything there. A launch simulates each
equivalence class of DPUs (equal timing signature) once and replicates it.
"""
from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import simpy

from pimsim.config import SystemConfig, load_preset
from pimsim.engine import DpuRunResult, provenance, run_dpu
from pimsim.errors import CapacityError, HostApiError
from pimsim.hw.dpu import check_tasklets
from pimsim.hw.host import FROM_DPU, TO_DPU, Topology, TransferCost, host_compute_ps, parallel_transfer, serial_transfer
from pimsim.kernel import DpuMemory, Kernel, Placeholder, WRAM
from pimsim.units import PS_PER_US, ps_to_cycles, ps_to_ms

CATEGORIES = ("cpu_dpu", "dpu_kernel", "inter_dpu", "dpu_cpu", "host")


@dataclass(frozen=True)
class LaunchRecord:
    kernel: str
    nr_tasklets: int
    time_ps: int                                # host-visible duration incl. overheads
    kernel_ps: int                              # slowest DPU
    nr_classes: int                             # distinct timing signatures simulated
    dpu_cycles: tuple[float, ...]               # per DPU
    instructions: float                         # summed over DPUs
    dma_bytes: int                              # summed over DPUs (read + write)
    pipeline_utilisation: float                 # of the slowest DPU
    classes: tuple[DpuRunResult, ...] = field(repr=False, default=())


@dataclass(frozen=True)
class RunResult:
    """Everything one host program run produced. Immutable; same inputs => equal result."""
    time_ps: Mapping[str, int]                  # per category, see CATEGORIES
    nr_dpus: int
    nr_ranks: int
    nr_tasklets: int
    launches: tuple[LaunchRecord, ...]
    bytes_moved: Mapping[str, int]              # cpu_dpu / dpu_cpu bytes (incl. inter-DPU legs)
    rank_busy_ps: Mapping[int, int]
    channel_busy_ps: Mapping[int, int]
    outputs: Mapping[str, Any] = field(repr=False)
    verified: bool | None
    timing_only: bool
    config: SystemConfig = field(repr=False)
    provenance: Mapping[str, Any] = field(repr=False)

    @property
    def total_ps(self) -> int:
        return sum(self.time_ps.values())

    @property
    def time_ms(self) -> dict[str, float]:
        d = {k: ps_to_ms(v) for k, v in self.time_ps.items()}
        d["total"] = ps_to_ms(self.total_ps)
        return d

    @property
    def dpu_cycles(self) -> tuple[float, ...]:
        """Per-DPU kernel cycles summed over all launches."""
        if not self.launches:
            return ()
        return tuple(float(x) for x in np.sum([lr.dpu_cycles for lr in self.launches], axis=0))

    def to_dict(self) -> dict:
        return {
            "time_ms": self.time_ms, "nr_dpus": self.nr_dpus, "nr_ranks": self.nr_ranks,
            "nr_tasklets": self.nr_tasklets, "verified": self.verified, "timing_only": self.timing_only,
            "bytes_moved": dict(self.bytes_moved),
            "launches": [{"kernel": lr.kernel, "time_ms": ps_to_ms(lr.time_ps),
                          "kernel_ms": ps_to_ms(lr.kernel_ps), "nr_classes": lr.nr_classes,
                          "max_dpu_cycles": max(lr.dpu_cycles), "instructions": lr.instructions,
                          "dma_bytes": lr.dma_bytes, "pipeline_utilisation": lr.pipeline_utilisation}
                         for lr in self.launches],
            "rank_busy_ms": {str(k): ps_to_ms(v) for k, v in self.rank_busy_ps.items()},
            "channel_busy_ms": {str(k): ps_to_ms(v) for k, v in self.channel_busy_ps.items()},
            "provenance": dict(self.provenance),
        }


def _nbytes(data: Any) -> int:
    if isinstance(data, Placeholder):
        return data.nbytes
    if isinstance(data, np.ndarray):
        return data.nbytes
    raise HostApiError(f"transfer buffer must be a numpy array or Placeholder, got {type(data).__name__}")


class DpuSet:
    def __init__(self, nr_dpus: int | str = "all", preset: str | SystemConfig = "upmem-2556",
                 overrides: Mapping[str, Any] | list[str] | None = None, timing_only: bool = False,
                 seed: int = 0, equivalence: bool = True):
        cfg = preset if isinstance(preset, SystemConfig) else load_preset(preset)
        self.cfg = cfg.with_overrides(overrides)
        limit = self.cfg.topology.nr_dpus
        if nr_dpus == "all":
            nr_dpus = limit
        if isinstance(nr_dpus, bool) or not isinstance(nr_dpus, int) or not 1 <= nr_dpus <= limit:
            raise CapacityError(f"DpuSet({nr_dpus!r}): preset {self.cfg.name!r} has 1..{limit} DPUs "
                                f"(topology.nr_dpus)")
        self.nr_dpus = nr_dpus
        self.topology = Topology.of(self.cfg, nr_dpus)
        self.timing_only = timing_only
        self.seed = seed
        # Simulate each distinct timing signature once (exact: a DPU's kernel timing depends
        # only on its signature). False simulates every DPU on its own, for checking that claim.
        self.equivalence = equivalence
        self.env = simpy.Environment()
        self.kernel: Kernel | None = None
        self.nr_tasklets = 0
        self.memory = [DpuMemory() for _ in range(nr_dpus)]
        self.args: list[Any] = [None] * nr_dpus
        self._time = defaultdict(int)
        self._category: str | None = None
        self._bytes = defaultdict(int)
        self._rank_busy = defaultdict(int)
        self._channel_busy = defaultdict(int)
        self._launches: list[LaunchRecord] = []
        self._class_cache: dict[Any, DpuRunResult] = {}
        self._pending: simpy.Event | None = None      # an asynchronous launch in flight

    # ------------------------------------------------------------ bookkeeping
    @property
    def now_ps(self) -> int:
        return self.env.now

    @contextlib.contextmanager
    def category(self, name: str) -> Iterator[None]:
        """Book every call inside this block under `name` (e.g. inter_dpu)."""
        if name not in CATEGORIES:
            raise HostApiError(f"unknown time category {name!r}; use one of {', '.join(CATEGORIES)}")
        prev, self._category = self._category, name
        try:
            yield
        finally:
            self._category = prev

    def _advance(self, ps: int, default_category: str) -> None:
        cat = self._category or default_category
        self._time[cat] += ps
        self.env.run(until=self.env.now + ps) if ps > 0 else None

    def _book_transfer(self, cost: TransferCost, direction: str) -> None:
        if self._pending is not None:
            self.sync()  # the SDK blocks transfers to ranks that are still running
        for r, ps in cost.rank_ps.items():
            self._rank_busy[r] += ps
        for c, ps in cost.channel_ps.items():
            self._channel_busy[c] += ps
        self._bytes["cpu_dpu" if direction == TO_DPU else "dpu_cpu"] += cost.bytes
        self._advance(cost.total_ps, "cpu_dpu" if direction == TO_DPU else "dpu_cpu")

    # ------------------------------------------------------------ checks
    def _require_loaded(self, what: str) -> Kernel:
        if self.kernel is None:
            raise HostApiError(f"{what} before load(): load a kernel first")
        return self.kernel

    def _check_dpu(self, dpu: int) -> None:
        if isinstance(dpu, bool) or not isinstance(dpu, (int, np.integer)) or not 0 <= dpu < self.nr_dpus:
            raise HostApiError(f"DPU {dpu!r} is not allocated: this DpuSet holds DPUs 0..{self.nr_dpus - 1}")

    def _check_fit(self, symbol: str, offset: int, nbytes: int) -> None:
        kernel = self._require_loaded("transfer")
        sym = kernel.symbol(symbol)
        if offset < 0 or offset + nbytes > sym.nbytes:
            raise CapacityError(f"transfer of {nbytes} B at offset {offset} into symbol {symbol!r} "
                                f"overflows it: the symbol holds {sym.nbytes} B")
        if sym.space != WRAM and (offset % self.cfg.dma.align_bytes or nbytes % self.cfg.dma.multiple_bytes):
            raise HostApiError(f"MRAM transfer to {symbol!r} of {nbytes} B at offset {offset}: size and "
                               f"offset must be multiples of {self.cfg.dma.multiple_bytes} B")

    def _store(self, dpu: int, symbol: str, offset: int, data: Any) -> None:
        kernel = self.kernel
        nbytes = _nbytes(data)
        if symbol == kernel.args_symbol:
            self.args[dpu] = data
        payload = None if (self.timing_only or isinstance(data, Placeholder)) else data
        self.memory[dpu].write(symbol, offset, payload, nbytes)

    def _check_readable(self, dpu: int, symbol: str, offset: int, nbytes: int) -> None:
        written = self.memory[dpu].written.get(symbol, 0)
        if written < offset + nbytes:
            raise HostApiError(f"copy_from of {symbol!r} [{offset}, {offset + nbytes}) on DPU {dpu}: "
                               f"only {written} B of it were ever written (by the host or a kernel)")

    # ------------------------------------------------------------ SDK verbs
    def load(self, kernel: Kernel, nr_tasklets: int = 16) -> None:
        check_tasklets(self.cfg, nr_tasklets)
        # Static WRAM and IRAM limits are checked here, as the SDK's loader would.
        from pimsim.hw.dpu import Dpu
        Dpu(simpy.Environment(), self.cfg, nr_tasklets, kernel.wram_static_bytes, 0, kernel.iram_instructions)
        for s in kernel.symbols:
            limit = self.cfg.dpu.wram_bytes if s.space == WRAM else self.cfg.dpu.mram_bytes
            if s.nbytes > limit:
                raise CapacityError(f"symbol {s.name!r} of {s.nbytes} B exceeds the {s.space.upper()} "
                                    f"size of {limit} B")
        self.kernel, self.nr_tasklets = kernel, nr_tasklets

    def copy_to(self, dpu: int, symbol: str, data: Any, offset: int = 0) -> None:
        """dpu_copy_to: one DPU, serial bandwidth."""
        self._check_dpu(dpu)
        nbytes = _nbytes(data)
        self._check_fit(symbol, offset, nbytes)
        self._store(dpu, symbol, offset, data)
        self._book_transfer(serial_transfer(self.cfg, self.topology, TO_DPU, dpu, nbytes), TO_DPU)

    def copy_from(self, dpu: int, symbol: str, nbytes: int, offset: int = 0) -> np.ndarray | None:
        """dpu_copy_from: one DPU, serial bandwidth. Returns bytes (None in timing-only runs)."""
        self._check_dpu(dpu)
        self._check_fit(symbol, offset, nbytes)
        self._check_readable(dpu, symbol, offset, nbytes)
        self._book_transfer(serial_transfer(self.cfg, self.topology, FROM_DPU, dpu, nbytes), FROM_DPU)
        return None if self.timing_only else self.memory[dpu].read(symbol, offset, nbytes)

    def push_xfer(self, symbol: str, buffers: Sequence[Any], offset: int = 0,
                  dpus: Sequence[int] | None = None) -> None:
        """dpu_prepare_xfer + dpu_push_xfer(DPU_XFER_TO_DPU): equal-size buffers, parallel in ranks."""
        dpus = list(range(self.nr_dpus)) if dpus is None else list(dpus)
        if len(buffers) != len(dpus):
            raise HostApiError(f"push_xfer to {symbol!r}: {len(buffers)} buffers for {len(dpus)} DPUs")
        sizes = {_nbytes(b) for b in buffers}
        if len(sizes) > 1:
            raise HostApiError(f"push_xfer to {symbol!r}: buffers have unequal sizes {sorted(sizes)[:4]}...; "
                               f"dpu_push_xfer moves the same size to every DPU (pad them)")
        nbytes = sizes.pop() if sizes else 0
        self._check_fit(symbol, offset, nbytes)
        for d, b in zip(dpus, buffers):
            self._check_dpu(d)
            self._store(d, symbol, offset, b)
        cost = parallel_transfer(self.cfg, self.topology, TO_DPU, {d: nbytes for d in dpus})
        self._book_transfer(cost, TO_DPU)

    def push_xfer_from(self, symbol: str, nbytes: int, offset: int = 0,
                       dpus: Sequence[int] | None = None) -> list[np.ndarray] | None:
        """dpu_push_xfer(DPU_XFER_FROM_DPU): the same byte range from every DPU, parallel in ranks."""
        dpus = list(range(self.nr_dpus)) if dpus is None else list(dpus)
        self._check_fit(symbol, offset, nbytes)
        for d in dpus:
            self._check_dpu(d)
            self._check_readable(d, symbol, offset, nbytes)
        cost = parallel_transfer(self.cfg, self.topology, FROM_DPU, {d: nbytes for d in dpus})
        self._book_transfer(cost, FROM_DPU)
        if self.timing_only:
            return None
        return [self.memory[d].read(symbol, offset, nbytes) for d in dpus]

    def broadcast(self, symbol: str, data: Any, offset: int = 0) -> None:
        """dpu_broadcast_to: the same buffer to every DPU of the set."""
        nbytes = _nbytes(data)
        self._check_fit(symbol, offset, nbytes)
        for d in range(self.nr_dpus):
            self._store(d, symbol, offset, data)
        cost = parallel_transfer(self.cfg, self.topology, TO_DPU,
                                 {d: nbytes for d in range(self.nr_dpus)}, broadcast=True)
        self._book_transfer(cost, TO_DPU)

    def repeated_transfers(self, direction: str, bytes_per_dpu: Mapping[int, int], calls: int) -> None:
        """Book a host loop of `calls` identical parallel transfer calls (e.g. one dpu_push_xfer per
        matrix row, as TRNS and NW do) in O(1): under the transfer model each such call costs the
        same. Only time and bytes are booked; the caller keeps the data in `memory` itself."""
        if direction not in (TO_DPU, FROM_DPU):
            raise HostApiError(f"transfer direction {direction!r}: use {TO_DPU!r} or {FROM_DPU!r}")
        if isinstance(calls, bool) or not isinstance(calls, (int, np.integer)) or calls < 0:
            raise HostApiError(f"repeated_transfers: calls = {calls!r} must be an integer >= 0")
        for d, nbytes in bytes_per_dpu.items():
            self._check_dpu(d)
            if nbytes < 0:
                raise HostApiError(f"repeated_transfers: {nbytes} bytes for DPU {d}")
        if calls == 0 or not bytes_per_dpu:
            return
        one = parallel_transfer(self.cfg, self.topology, direction, bytes_per_dpu)
        self._book_transfer(TransferCost(one.total_ps * calls, {r: p * calls for r, p in one.rank_ps.items()},
                                         {c: p * calls for c, p in one.channel_ps.items()}, one.bytes * calls),
                            direction)

    def host_compute(self, nbytes: float = 0, ops: float = 0) -> None:
        """A host-side compute phase (merge, reduce, partition...)."""
        self._advance(host_compute_ps(self.cfg, nbytes, ops), "host")

    # ------------------------------------------------------------ launch
    def launch(self, sync: bool = True) -> LaunchRecord:
        """dpu_launch(DPU_SYNCHRONOUS | DPU_ASYNCHRONOUS) on every DPU of the set."""
        kernel = self._require_loaded("launch")
        if self._pending is not None:
            self.sync()
        missing = [d for d in range(self.nr_dpus) if self.args[d] is None]
        if missing:
            raise HostApiError(f"launch of {kernel.name!r}: DPUs {missing[:5]}{'...' if len(missing) > 5 else ''} "
                               f"never received their {kernel.args_symbol!r} arguments")
        # Hosts often push one argument object to many DPUs: derive shape and signature once
        # per distinct object, not once per DPU.
        derived: dict[int, tuple[Any, Any]] = {}
        shapes: list[Any] = []
        classes: dict[Any, list[int]] = {}
        for d, a in enumerate(self.args):
            got = derived.get(id(a))
            if got is None:
                shp = kernel.shape(a)
                got = derived[id(a)] = (shp, kernel.signature(shp) if self.equivalence else None)
            shapes.append(got[0])
            classes.setdefault(got[1] if self.equivalence else ("dpu", d), []).append(d)
        per_dpu_ps = [0] * self.nr_dpus
        first_mram = next((s.name for s in kernel.symbols if s.space != WRAM), None)
        used: list[DpuRunResult] = []
        instructions, dma_bytes = 0.0, 0
        for sig, members in classes.items():
            key = (kernel.name, self.nr_tasklets, sig)
            res = self._class_cache.get(key) if self.equivalence else None
            if res is None:
                res = run_dpu(kernel.program, shapes[members[0]], self.nr_tasklets, self.cfg,
                              seed=self.seed, wram_static_bytes=kernel.wram_static_bytes,
                              iram_instructions=kernel.iram_instructions)
                self._class_cache[key] = res
            used.append(res)
            writes = (kernel.writes(shapes[members[0]]) if kernel.writes is not None
                      else {first_mram: res.mram_write_end} if first_mram and res.mram_write_end else {})
            for d in members:
                per_dpu_ps[d] = res.total_ps
                for sym, nbytes in writes.items():
                    self.memory[d].write(sym, 0, None, nbytes)
            instructions += res.total_instructions * len(members)
            dma_bytes += (res.dma_read_bytes + res.dma_write_bytes) * len(members)
        if not self.timing_only and kernel.functional is not None:
            for d in range(self.nr_dpus):
                kernel.functional(self.memory[d], self.args[d], self.nr_tasklets)
        slowest = max(range(self.nr_dpus), key=lambda d: per_dpu_ps[d])
        kernel_ps = per_dpu_ps[slowest]
        ln = self.cfg.launch
        overhead = round((ln.launch_overhead_us + ln.per_rank_overhead_us * self.topology.nr_ranks) * PS_PER_US)
        slowest_res = next(r for r in used if r.total_ps == kernel_ps)
        record = LaunchRecord(
            kernel=kernel.name, nr_tasklets=self.nr_tasklets, time_ps=kernel_ps + overhead, kernel_ps=kernel_ps,
            nr_classes=len(classes), dpu_cycles=tuple(ps_to_cycles(p, self.cfg.dpu.freq_mhz) for p in per_dpu_ps),
            instructions=instructions, dma_bytes=dma_bytes,
            pipeline_utilisation=slowest_res.pipeline_utilisation, classes=tuple(used))
        self._launches.append(record)
        for r in range(self.topology.nr_ranks):
            self._rank_busy[r] += record.time_ps
        done = self.env.timeout(record.time_ps)
        self._pending = done
        self._pending_start = self.env.now
        if sync:
            self.sync()
        return record

    def sync(self) -> None:
        """dpu_sync: wait for the running launch; the wait is DPU kernel time."""
        if self._pending is None:
            return
        start = self.env.now
        self.env.run(until=self._pending)
        self._pending = None
        self._time[self._category or "dpu_kernel"] += self.env.now - start

    # ------------------------------------------------------------ result
    def result(self, outputs: Mapping[str, Any] | None = None, verified: bool | None = None) -> RunResult:
        self.sync()
        return RunResult(
            time_ps={c: self._time.get(c, 0) for c in CATEGORIES}, nr_dpus=self.nr_dpus,
            nr_ranks=self.topology.nr_ranks, nr_tasklets=self.nr_tasklets, launches=tuple(self._launches),
            bytes_moved={"cpu_dpu": self._bytes["cpu_dpu"], "dpu_cpu": self._bytes["dpu_cpu"]},
            rank_busy_ps=dict(sorted(self._rank_busy.items())),
            channel_busy_ps=dict(sorted(self._channel_busy.items())),
            outputs=dict(outputs or {}), verified=verified, timing_only=self.timing_only,
            config=self.cfg, provenance=provenance(self.cfg, self.seed))
