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
import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import simpy

from pimsim.config import SystemConfig, load_preset
from pimsim.engine import DpuRunResult, provenance, run_dpu
from pimsim.errors import CapacityError, HostApiError
from pimsim.hw.dpu import check_tasklets
from pimsim.hw.host import (FROM_DPU, TO_DPU, Topology, TransferCost, host_compute_ps,
                            parallel_transfer_arrays, serial_transfer, wram_transfer)
from pimsim.kernel import DpuMemory, Kernel, Placeholder, WRAM, WriteMarks
from pimsim.units import PS_PER_US, ps_to_cycles, ps_to_ms

CATEGORIES = ("cpu_dpu", "dpu_kernel", "inter_dpu", "dpu_cpu", "host")

# Results of single-DPU simulations shared by every DpuSet of the process (a sweep over DPU
# counts meets the same per-DPU work again; a calibration varies host-side numbers that leave
# DPU timing alone); oldest entries go first beyond RUN_CACHE_SIZE.
RUN_CACHE_SIZE = 4096
_RUN_CACHE: dict[Any, DpuRunResult] = {}


@dataclass(frozen=True)
class LaunchRecord:
    kernel: str
    nr_tasklets: int
    time_ps: int                                # host-visible duration incl. overheads
    kernel_ps: int                              # slowest DPU
    nr_classes: int                             # distinct timing signatures simulated
    dpu_class: bytes                            # per DPU: its class (int32 array, packed)
    class_cycles: tuple[float, ...]             # per class: DPU cycles
    instructions: float                         # summed over DPUs
    dma_bytes: int                              # summed over DPUs (read + write)
    pipeline_utilisation: float                 # of the slowest DPU
    classes: tuple[DpuRunResult, ...] = field(repr=False, default=())

    @property
    def dpu_cycles(self) -> tuple[float, ...]:
        """Kernel cycles of every DPU (its class's)."""
        return tuple(np.asarray(self.class_cycles)[np.frombuffer(self.dpu_class, np.int32)].tolist())


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
                          "max_dpu_cycles": max(lr.class_cycles), "instructions": lr.instructions,
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
                 seed: int = 0, equivalence: bool = True, compiled: bool = True):
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
        # Kernels with fixed phases run on the compiled replay; False keeps them on SimPy.
        self.compiled = compiled
        self.env = simpy.Environment()
        self.kernel: Kernel | None = None
        self.nr_tasklets = 0
        self.marks = WriteMarks(nr_dpus)     # bytes of each symbol written, per DPU
        self.memory = [DpuMemory(self.marks, d) for d in range(nr_dpus)]
        self.args: list[Any] = [None] * nr_dpus
        self._time = defaultdict(int)
        self._category: str | None = None
        self._bytes = defaultdict(int)
        self._rank_busy = defaultdict(int)
        self._channel_busy = defaultdict(int)
        self._launches: list[LaunchRecord] = []
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

    def _dpu_index(self, dpus: Sequence[int] | None) -> np.ndarray:
        """The DPUs a call addresses as an index array (all of them for None), each checked."""
        if dpus is None:
            return np.arange(self.nr_dpus)
        idx = np.asarray(dpus)
        if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
            bad = next((d for d in dpus if isinstance(d, bool) or not isinstance(d, (int, np.integer))), dpus)
            self._check_dpu(bad)
            raise HostApiError(f"DPU list {dpus!r}: expected a flat sequence of DPU indices")
        if idx.size and (idx.min() < 0 or idx.max() >= self.nr_dpus):
            self._check_dpu(int(idx[(idx < 0) | (idx >= self.nr_dpus)][0]))
        return idx.astype(np.int64, copy=False)

    def _parallel(self, direction: str, idx: np.ndarray, symbol: str, nbytes: int,
                  broadcast: bool = False, source_bytes: int | None = None) -> TransferCost:
        """The cost of one parallel call moving nbytes of `symbol` to or from each DPU of idx (a
        DPU listed twice moves its bytes once); source_bytes: the distinct host bytes it reads."""
        # the usual lists (all DPUs, ranges) are already sorted and distinct: skip the sort
        dpus = idx if idx.size < 2 or bool((idx[1:] > idx[:-1]).all()) else np.unique(idx)
        if self.kernel.symbol(symbol).space == WRAM:
            return wram_transfer(self.cfg, self.topology, direction, dpus, nbytes, broadcast)
        return parallel_transfer_arrays(self.cfg, self.topology, direction, dpus,
                                        np.full(dpus.size, nbytes, np.int64), broadcast, source_bytes)

    def _serial(self, direction: str, dpu: int, symbol: str, nbytes: int) -> TransferCost:
        """The cost of one dpu_copy_to / dpu_copy_from of nbytes of `symbol` on one DPU."""
        if self.kernel.symbol(symbol).space == WRAM:
            return wram_transfer(self.cfg, self.topology, direction, np.array([dpu]), nbytes)
        return serial_transfer(self.cfg, self.topology, direction, dpu, nbytes)

    def _check_fit(self, symbol: str, offset: int, nbytes: int) -> None:
        kernel = self._require_loaded("transfer")
        sym = kernel.symbol(symbol)
        if offset < 0 or offset + nbytes > sym.nbytes:
            raise CapacityError(f"transfer of {nbytes} B at offset {offset} into symbol {symbol!r} "
                                f"overflows it: the symbol holds {sym.nbytes} B")
        if sym.space != WRAM and (offset % self.cfg.dma.align_bytes or nbytes % self.cfg.dma.multiple_bytes):
            raise HostApiError(f"MRAM transfer to {symbol!r} of {nbytes} B at offset {offset}: size and "
                               f"offset must be multiples of {self.cfg.dma.multiple_bytes} B")
        word = self.cfg.transfer.wram_word_bytes
        if sym.space == WRAM and (offset % word or nbytes % word):
            raise HostApiError(f"WRAM transfer to {symbol!r} of {nbytes} B at offset {offset}: size and "
                               f"offset must be multiples of the {word}-B WRAM word")

    def _store(self, idx: np.ndarray, symbol: str, offset: int, buffers: Sequence[Any], nbytes: int) -> None:
        """Buffer k goes to DPU idx[k]: the write marks move in one step; the data itself is
        kept only in functional runs (and always for the kernel's argument symbol)."""
        self.marks.raise_to(symbol, idx, offset + nbytes)
        if symbol == self.kernel.args_symbol:
            for d, b in zip(idx.tolist(), buffers):
                self.args[d] = b
        if not self.timing_only:
            for d, b in zip(idx.tolist(), buffers):
                if not isinstance(b, Placeholder):
                    self.memory[d].write(symbol, offset, b, nbytes)

    def _check_readable(self, idx: np.ndarray, symbol: str, offset: int, nbytes: int) -> None:
        written = self.marks.of(symbol)[idx]
        short = np.nonzero(written < offset + nbytes)[0]
        if short.size:
            d = int(idx[short[0]])
            raise HostApiError(f"copy_from of {symbol!r} [{offset}, {offset + nbytes}) on DPU {d}: "
                               f"only {int(written[short[0]])} B of it were ever written (by the host or a kernel)")

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
        """dpu_copy_to: one DPU, at the serial bandwidth (a WRAM symbol: one control-interface round)."""
        self._check_dpu(dpu)
        nbytes = _nbytes(data)
        self._check_fit(symbol, offset, nbytes)
        self._store(np.array([dpu]), symbol, offset, [data], nbytes)
        self._book_transfer(self._serial(TO_DPU, dpu, symbol, nbytes), TO_DPU)

    def copy_from(self, dpu: int, symbol: str, nbytes: int, offset: int = 0) -> np.ndarray | None:
        """dpu_copy_from: one DPU, as copy_to. Returns bytes (None in timing-only runs)."""
        self._check_dpu(dpu)
        self._check_fit(symbol, offset, nbytes)
        self._check_readable(np.array([dpu]), symbol, offset, nbytes)
        self._book_transfer(self._serial(FROM_DPU, dpu, symbol, nbytes), FROM_DPU)
        return None if self.timing_only else self.memory[dpu].read(symbol, offset, nbytes)

    def push_xfer(self, symbol: str, buffers: Sequence[Any], offset: int = 0,
                  dpus: Sequence[int] | None = None) -> None:
        """dpu_prepare_xfer + dpu_push_xfer(DPU_XFER_TO_DPU): equal-size buffers, parallel in ranks."""
        idx = self._dpu_index(dpus)
        if len(buffers) != len(idx):
            raise HostApiError(f"push_xfer to {symbol!r}: {len(buffers)} buffers for {len(idx)} DPUs")
        # Hosts often pass one buffer object many times (one array to every DPU): it is one host
        # buffer, sized once and read from host memory once.
        distinct = dict(zip(map(id, buffers), buffers)).values()
        sizes = {_nbytes(b) for b in distinct}
        if len(sizes) > 1:
            raise HostApiError(f"push_xfer to {symbol!r}: buffers have unequal sizes {sorted(sizes)[:4]}...; "
                               f"dpu_push_xfer moves the same size to every DPU (pad them)")
        nbytes = sizes.pop() if sizes else 0
        self._check_fit(symbol, offset, nbytes)
        self._store(idx, symbol, offset, buffers, nbytes)
        self._book_transfer(self._parallel(TO_DPU, idx, symbol, nbytes, source_bytes=nbytes * len(distinct)), TO_DPU)

    def push_xfer_from(self, symbol: str, nbytes: int, offset: int = 0,
                       dpus: Sequence[int] | None = None) -> list[np.ndarray] | None:
        """dpu_push_xfer(DPU_XFER_FROM_DPU): the same byte range from every DPU, parallel in ranks."""
        idx = self._dpu_index(dpus)
        self._check_fit(symbol, offset, nbytes)
        self._check_readable(idx, symbol, offset, nbytes)
        self._book_transfer(self._parallel(FROM_DPU, idx, symbol, nbytes), FROM_DPU)
        if self.timing_only:
            return None
        return [self.memory[d].read(symbol, offset, nbytes) for d in idx.tolist()]

    def broadcast(self, symbol: str, data: Any, offset: int = 0) -> None:
        """dpu_broadcast_to: the same buffer to every DPU of the set."""
        nbytes = _nbytes(data)
        self._check_fit(symbol, offset, nbytes)
        idx = self._dpu_index(None)
        self._store(idx, symbol, offset, [data] * self.nr_dpus, nbytes)
        self._book_transfer(self._parallel(TO_DPU, idx, symbol, nbytes, broadcast=True), TO_DPU)

    def place(self, symbol: str, nbytes: int, buffers: Sequence[Any] | None = None, offset: int = 0,
              dpus: Sequence[int] | None = None) -> None:
        """Put nbytes into `symbol` on each DPU of `dpus` (default all) without booking time: the
        data of a host loop whose transfer time `repeated_transfers` books in one step (TRNS's and
        NW's per-row pushes, MLP's weights pushed up front). The same checks as push_xfer apply.
        buffers[k] goes to dpus[k]; None places no data (timing-only runs: the write marks move)."""
        idx = self._dpu_index(dpus)
        if buffers is not None:
            if len(buffers) != len(idx):
                raise HostApiError(f"place into {symbol!r}: {len(buffers)} buffers for {len(idx)} DPUs")
            bad = [k for k, b in enumerate(buffers) if b is not None and _nbytes(b) != nbytes]
            if bad:
                raise HostApiError(f"place into {symbol!r}: buffer for DPU {int(idx[bad[0]])} holds "
                                   f"{_nbytes(buffers[bad[0]])} B, not the {nbytes} B placed")
        self._check_fit(symbol, offset, nbytes)
        if buffers is None and symbol == self.kernel.args_symbol:
            raise HostApiError(f"place into the argument symbol {symbol!r} needs its data (the kernel's "
                               f"timing reads it)")
        self._store(idx, symbol, offset, [None] * len(idx) if buffers is None else buffers, nbytes)

    def repeated_transfers(self, direction: str, bytes_per_dpu: Mapping[int, int], calls: int) -> None:
        """Book a host loop of `calls` identical parallel transfer calls (e.g. one dpu_push_xfer per
        matrix row, as TRNS and NW do) in O(1): under the transfer model each such call costs the
        same. Only time and bytes are booked; `place` puts the data."""
        if direction not in (TO_DPU, FROM_DPU):
            raise HostApiError(f"transfer direction {direction!r}: use {TO_DPU!r} or {FROM_DPU!r}")
        if isinstance(calls, bool) or not isinstance(calls, (int, np.integer)) or calls < 0:
            raise HostApiError(f"repeated_transfers: calls = {calls!r} must be an integer >= 0")
        idx = self._dpu_index(list(bytes_per_dpu))
        sizes = np.fromiter(bytes_per_dpu.values(), np.int64, len(idx))
        if sizes.size and sizes.min() < 0:
            k = int(np.argmin(sizes))
            raise HostApiError(f"repeated_transfers: {int(sizes[k])} bytes for DPU {int(idx[k])}")
        if calls == 0 or not bytes_per_dpu:
            return
        one = parallel_transfer_arrays(self.cfg, self.topology, direction, idx, sizes)
        self._book_transfer(TransferCost(one.total_ps * calls, {r: p * calls for r, p in one.rank_ps.items()},
                                         {c: p * calls for c, p in one.channel_ps.items()}, one.bytes * calls),
                            direction)

    def host_compute(self, nbytes: float = 0, ops: float = 0) -> None:
        """A host-side compute phase (merge, reduce, partition...)."""
        self._advance(host_compute_ps(self.cfg, nbytes, ops), "host")

    # ------------------------------------------------------------ launch
    def _simulate(self, kernel: Kernel, shape: Any, sig: Any) -> DpuRunResult:
        """One DPU of a timing class, simulated or taken from the run cache (exact: the model is
        deterministic, so equal preset, program, tasklets and signature give an equal result)."""
        if not self.equivalence:
            return self._run_one(kernel, shape)
        # which engine ran is part of the key: compiled=False must really run SimPy, not
        # reuse a replayed result (the two are equal, and that is what such a run checks)
        key = (self.cfg.dpu_model_hash(), kernel.name, kernel.program, self.nr_tasklets, sig,
               kernel.wram_static_bytes, kernel.iram_instructions, self._replays(kernel))
        res = _RUN_CACHE.get(key)
        if res is None:
            res = _RUN_CACHE[key] = self._run_one(kernel, shape)
            if len(_RUN_CACHE) > RUN_CACHE_SIZE:
                _RUN_CACHE.pop(next(iter(_RUN_CACHE)))
        elif res.config is not self.cfg or res.provenance["seed"] != self.seed:
            # the same DPU timing under another host side or seed: say which config it is
            res = dataclasses.replace(res, config=self.cfg, provenance=provenance(self.cfg, self.seed))
        return res

    def _run_one(self, kernel: Kernel, shape: Any) -> DpuRunResult:
        return run_dpu(kernel.program, shape, self.nr_tasklets, self.cfg, seed=self.seed,
                       wram_static_bytes=kernel.wram_static_bytes, iram_instructions=kernel.iram_instructions,
                       fixed_phases=self._replays(kernel))

    def _replays(self, kernel: Kernel) -> bool:
        return kernel.fixed_phases and self.compiled

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
        by_object: dict[int, list[int]] = {}
        for d, key in enumerate(map(id, self.args)):
            members = by_object.get(key)
            if members is None:
                by_object[key] = [d]
            else:
                members.append(d)
        classes: dict[Any, tuple[Any, list[int]]] = {}     # signature -> (shape, members)
        for members in by_object.values():
            shp = kernel.shape(self.args[members[0]])
            if not self.equivalence:
                classes.update((("dpu", d), (shp, [d])) for d in members)
                continue
            sig = kernel.signature(shp)
            entry = classes.get(sig)
            if entry is None:
                classes[sig] = (shp, members)
            else:
                entry[1].extend(members)
        dpu_class = np.empty(self.nr_dpus, np.int32)
        first_mram = next((s.name for s in kernel.symbols if s.space != WRAM), None)
        used: list[DpuRunResult] = []
        instructions, dma_bytes = 0.0, 0
        for ci, (sig, (shp, members)) in enumerate(classes.items()):
            res = self._simulate(kernel, shp, sig)
            used.append(res)
            writes = (kernel.writes(shp) if kernel.writes is not None
                      else {first_mram: res.mram_write_end} if first_mram and res.mram_write_end else {})
            member_idx = np.asarray(members)
            dpu_class[member_idx] = ci
            for sym, nbytes in writes.items():
                self.marks.raise_to(sym, member_idx, nbytes)
            instructions += res.total_instructions * len(members)
            dma_bytes += (res.dma_read_bytes + res.dma_write_bytes) * len(members)
        if not self.timing_only and kernel.functional is not None:
            for d in range(self.nr_dpus):
                kernel.functional(self.memory[d], self.args[d], self.nr_tasklets)
        slowest_res = max(used, key=lambda r: r.total_ps)
        kernel_ps = slowest_res.total_ps
        ln = self.cfg.launch
        overhead = round((ln.launch_overhead_us + ln.per_rank_overhead_us * self.topology.nr_ranks) * PS_PER_US)
        record = LaunchRecord(
            kernel=kernel.name, nr_tasklets=self.nr_tasklets, time_ps=kernel_ps + overhead, kernel_ps=kernel_ps,
            nr_classes=len(classes), dpu_class=dpu_class.tobytes(),
            class_cycles=tuple(ps_to_cycles(r.total_ps, self.cfg.dpu.freq_mhz) for r in used),
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
