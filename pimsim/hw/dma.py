"""The DPU's MRAM<->WRAM DMA engine: one per DPU, FIFO, alpha + beta*bytes cycles per transfer.

Service times are known when a request arrives, so the FIFO is exact with one event per DMA:
a request starts when the engine frees up and finishes `alpha + beta*bytes - issue` cycles later.
Only the issuing tasklet waits; the others keep using the pipeline.

alpha is what PrIM measured: the latency of a whole mram_read/mram_write call made by a lone
tasklet (perfcounter around the call), so it already contains the time of the call's own
instructions (`ops.dma_issue` of them, one every `issue_interval_cycles` for a lone tasklet).
Those instructions are issued through the pipeline by the tasklet (TaskletContext._dma), so the
engine is occupied only for the rest: alpha - dma_issue*issue_interval + beta*bytes. A lone
tasklet therefore still sees exactly alpha + beta*bytes, and with several tasklets the issue
instructions overlap other tasklets' transfers -- as PrIM's STREAM COPY-DMA shows: 624 MB/s with
1 KB transfers, above the 588 MB/s a fully serialised alpha + beta*bytes would allow.
"""
from __future__ import annotations

from typing import Callable

import simpy

from pimsim.config import DmaConfig
from pimsim.errors import DmaError

READ, WRITE = "read", "write"


def check_dma(cfg: DmaConfig, direction: str, nbytes: int, mram_addr: int, wram_addr: int,
              mram_limit: int, wram_limit: int, who: str = "") -> None:
    """Raise DmaError for anything the SDK's mram_read/mram_write would reject."""
    call = "mram_read" if direction == READ else "mram_write"
    where = f"{who}: " if who else ""
    if not isinstance(nbytes, (int,)) or isinstance(nbytes, bool):
        raise DmaError(f"{where}{call} size {nbytes!r} must be an integer number of bytes")
    if nbytes < cfg.min_bytes or nbytes > cfg.max_bytes:
        raise DmaError(f"{where}{call} of {nbytes} bytes: legal sizes are "
                       f"{cfg.min_bytes}..{cfg.max_bytes} bytes")
    if nbytes % cfg.multiple_bytes:
        raise DmaError(f"{where}{call} of {nbytes} bytes: size must be a multiple of {cfg.multiple_bytes}")
    for name, addr, limit in (("MRAM", mram_addr, mram_limit), ("WRAM", wram_addr, wram_limit)):
        if addr % cfg.align_bytes:
            raise DmaError(f"{where}{call} {name} address {addr:#x} is not {cfg.align_bytes}-byte aligned")
        if addr < 0 or addr + nbytes > limit:
            raise DmaError(f"{where}{call} {name} range [{addr:#x}, {addr + nbytes:#x}) exceeds "
                           f"the {name} size of {limit} bytes")


def dma_legal(cfg: DmaConfig, nbytes, mram_addr, mram_limit: int, wram_limit: int):
    """check_dma's rules for arrays of calls (WRAM address 0): a boolean mask of the legal ones.
    Keep the two in step; for an illegal call, check_dma says which rule it breaks."""
    return ((nbytes >= cfg.min_bytes) & (nbytes <= cfg.max_bytes) & (nbytes % cfg.multiple_bytes == 0)
            & (mram_addr % cfg.align_bytes == 0) & (mram_addr >= 0) & (mram_addr + nbytes <= mram_limit)
            & (nbytes <= wram_limit))


class DmaEngine:
    def __init__(self, env: simpy.Environment, cfg: DmaConfig, cycle_ps: float, issue_cycles: float = 0.0,
                 on_busy_change: Callable[[bool], None] | None = None):
        self.env = env
        # Told when the engine goes busy/idle: the pipeline loses issue slots while it is busy.
        self.on_busy_change = on_busy_change
        self.cfg = cfg
        self.cycle_ps = cycle_ps
        self.issue_cycles = issue_cycles   # part of alpha spent issuing the call (see module doc)
        self._free_at = 0          # env time at which the engine finishes its queue
        self.busy_ps = 0
        self.bytes = {READ: 0, WRITE: 0}
        self.count = {READ: 0, WRITE: 0}
        self.write_end = 0         # highest MRAM address written + 1 (what the host may read back)

    def service_cycles(self, direction: str, nbytes: int) -> float:
        c = self.cfg
        if direction == READ:
            alpha, beta = c.read_alpha_cycles, c.read_beta_cycles_per_byte
        else:
            alpha, beta = c.write_alpha_cycles, c.write_beta_cycles_per_byte
        return max(0.0, alpha - self.issue_cycles) + beta * nbytes

    def service_ps(self, direction: str, nbytes: int) -> int:
        """How long one transfer occupies the engine, in whole ps."""
        return round(self.service_cycles(direction, nbytes) * self.cycle_ps)

    def account(self, direction: str, nbytes: int, mram_addr: int = 0, count: int = 1) -> int:
        """Book `count` transfers of `nbytes` (bytes, calls, busy time, the highest MRAM byte
        written) and return how long they occupy the engine, in ps."""
        service = self.service_ps(direction, nbytes) * count
        self.busy_ps += service
        self.bytes[direction] += nbytes * count
        self.count[direction] += count
        if direction == WRITE:
            self.write_end = max(self.write_end, mram_addr + nbytes)
        return service

    def transfer(self, direction: str, nbytes: int, mram_addr: int = 0, count: int = 1) -> simpy.Event:
        """Queue `count` back-to-back (pre-checked) transfers of `nbytes`; the event fires when
        the last completes. `mram_addr` is the highest address for count > 1."""
        now = self.env.now
        was_idle = self._free_at <= now
        start = max(now, self._free_at)
        self._free_at = start + self.account(direction, nbytes, mram_addr, count)
        done = self.env.timeout(self._free_at - now)
        if self.on_busy_change is not None:
            if was_idle:
                self.on_busy_change(True)
            done.callbacks.append(self._check_idle)
        return done

    def _check_idle(self, _ev) -> None:
        if self._free_at <= self.env.now:
            self.on_busy_change(False)
