"""What a DPU kernel is to the simulator: symbols, a timing program, a signature, a function.

A kernel is four things kept together (DESIGN.md): `functional` (numba; what one DPU
computes), `program(ctx, shape)` (the per-tasklet phase sequence), `signature(shape)` (what
its timing depends on) and its C twin in kernels_c/<name>/.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Mapping

import numpy as np

MRAM, WRAM = "mram", "wram"


@dataclass(frozen=True)
class Symbol:
    """A host-visible DPU variable (`__host` in WRAM or `__mram_noinit` in MRAM)."""
    name: str
    space: str          # MRAM or WRAM
    nbytes: int         # capacity of the symbol


@dataclass(frozen=True)
class Placeholder:
    """Stands for a host buffer of `nbytes` in timing-only runs (no data is generated). Like an
    array, one object passed for several DPUs is one host buffer they share."""
    nbytes: int


class WriteMarks:
    """How many bytes of each symbol were ever written (a high-water mark), per DPU of a set,
    kept in one array per symbol so a host call over many DPUs updates them in one step."""

    def __init__(self, nr_dpus: int) -> None:
        self.nr_dpus = nr_dpus
        self._marks: dict[str, np.ndarray] = {}

    def of(self, symbol: str) -> np.ndarray:
        arr = self._marks.get(symbol)
        if arr is None:
            arr = self._marks[symbol] = np.zeros(self.nr_dpus, np.int64)
        return arr

    def raise_to(self, symbol: str, dpus, end: int) -> None:
        """Every DPU in `dpus` (an index, array or slice) has `symbol` written up to `end`."""
        arr = self.of(symbol)
        arr[dpus] = np.maximum(arr[dpus], end)


class DpuMemory:
    """The host-visible symbols of one DPU, kept only for functional runs (and always for the
    kernel's small argument symbol). Buffers grow to the largest offset written."""

    def __init__(self, marks: WriteMarks | None = None, index: int = 0) -> None:
        self.buffers: dict[str, np.ndarray] = {}
        self.marks = marks if marks is not None else WriteMarks(1)
        self.index = index

    def written(self, symbol: str) -> int:
        """Bytes of `symbol` written so far (by the host or a kernel)."""
        return int(self.marks.of(symbol)[self.index])

    def write(self, symbol: str, offset: int, data: np.ndarray | None, nbytes: int) -> None:
        end = offset + nbytes
        self.marks.raise_to(symbol, self.index, end)
        if data is None:
            return
        buf = self.buffers.get(symbol)
        if buf is None or buf.size < end:
            new = np.zeros(end, dtype=np.uint8)
            if buf is not None:
                new[:buf.size] = buf
            buf = self.buffers[symbol] = new
        buf[offset:end] = np.ascontiguousarray(data).view(np.uint8).reshape(-1)

    def view(self, symbol: str, dtype, offset: int = 0, count: int | None = None) -> np.ndarray:
        """A typed, writable view of (part of) a symbol; grows it with zeros if needed."""
        dtype = np.dtype(dtype)
        buf = self.buffers.get(symbol)
        need = offset + (count if count is not None else 0) * dtype.itemsize
        if buf is None or buf.size < need:
            self.write(symbol, 0, None, need)
            new = np.zeros(need, dtype=np.uint8)
            if buf is not None:
                new[:buf.size] = buf
            buf = self.buffers[symbol] = new
        end = buf.size if count is None else offset + count * dtype.itemsize
        usable = (end - offset) // dtype.itemsize * dtype.itemsize
        return buf[offset:offset + usable].view(dtype)

    def read(self, symbol: str, offset: int, nbytes: int) -> np.ndarray:
        buf = self.buffers.get(symbol)
        out = np.zeros(nbytes, dtype=np.uint8)
        if buf is not None and buf.size > offset:
            n = min(nbytes, buf.size - offset)
            out[:n] = buf[offset:offset + n]
        return out


@dataclass(frozen=True)
class Kernel:
    name: str
    symbols: tuple[Symbol, ...]
    program: Callable                              # program(ctx, shape) -> generator
    shape: Callable[[Any], Any]                    # shape(args) -> timing shape of one DPU
    signature: Callable[[Any], Hashable] = lambda shape: shape
    functional: Callable[[DpuMemory, Any, int], None] | None = None   # (memory, args, nr_tasklets)
    # What a launch leaves for the host to read: {symbol: bytes}. By default, the first MRAM
    # symbol up to the highest address the kernel's DMA writes reached.
    writes: Callable[[Any], Mapping[str, int]] | None = None
    args_symbol: str = "DPU_INPUT_ARGUMENTS"
    wram_static_bytes: int = 0
    iram_instructions: int = 0
    # True when each tasklet's phases depend only on (shape, tasklet id, tasklet count) -- no
    # state shared with other tasklets, no reach into the engine: launches then
    # run on the compiled replay (pimsim.hw.phases), which equals the SimPy engine, faster.
    fixed_phases: bool = False
    meta: Mapping[str, Any] = field(default_factory=dict)

    def symbol(self, name: str) -> Symbol:
        for s in self.symbols:
            if s.name == name:
                return s
        from pimsim.errors import HostApiError
        raise HostApiError(f"kernel {self.name!r} has no symbol {name!r}; "
                           f"symbols: {', '.join(s.name for s in self.symbols)}")
