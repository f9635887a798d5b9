"""The DPU's revolver pipeline as an exact processor-sharing server.

One instruction issues per cycle per DPU (issue_width), and a tasklet cannot issue again
until `issue_interval_cycles` have passed. With k tasklets in compute phases each advances at
min(1/interval, width*capacity/k) instructions per cycle, where capacity < 1 while the DMA
engine moves data (it competes with the pipeline for WRAM; see models/*.toml
dma.pipeline_stall_fraction). Tasklets spinning on a mutex take issue slots too without doing
any work: each counts as `spin_share` of a sharer (dpu.mutex_wait_issue_share). Rates change only
when a compute phase or a spin starts or ends, so the server needs O(1) events per phase, never
one per cycle.

Implementation: all active jobs progress at the same rate, so we keep one "virtual work"
clock V (instructions served to every active job so far) and give each job a finish tag
F = V(arrival) + instructions. Jobs finish in tag order; the next finish is
(F_min - V) / rate away. V is snapped to F at each finish, so rounding never accumulates.
"""
from __future__ import annotations

import heapq
import itertools

import simpy

# Two tags closer than this (in instructions) finish at the same instant.
_SAME_FINISH = 1e-9


class RevolverPipeline:
    def __init__(self, env: simpy.Environment, cycle_ps: float, issue_interval: int, issue_width: int,
                 spin_share: float = 0.0):
        self.env = env
        self.cycle_ps = cycle_ps
        self.interval = issue_interval
        self.width = issue_width
        self._jobs: list[tuple[float, int, simpy.Event]] = []
        self._seq = itertools.count()
        self._v = 0.0               # virtual instructions served per active job
        self._last = 0              # env time of the last update of _v
        self._gen = 0               # invalidates stale timers
        self.capacity = 1.0         # fraction of issue slots available (DMA contention lowers it)
        self.spin_share = spin_share   # issue slots a spinning tasklet takes, per computing one's
        self.spinners = 0           # tasklets spinning on a mutex (counted only when spin_share > 0)

    def _ps_per_instruction(self, k: int) -> float:
        """Time for one job to advance one instruction when k jobs (and the spinners) share the pipeline."""
        return self.cycle_ps * max(self.interval, (k + self.spin_share * self.spinners) / (self.width * self.capacity))

    def _advance(self) -> None:
        now = self.env.now
        k = len(self._jobs)
        if k and now > self._last:
            self._v += (now - self._last) / self._ps_per_instruction(k)
        self._last = now

    def execute(self, instructions: float) -> simpy.Event:
        """An event that fires when `instructions` have issued for the calling tasklet."""
        done = self.env.event()
        if instructions <= 0:
            done.succeed()
            return done
        self._advance()
        heapq.heappush(self._jobs, (self._v + instructions, next(self._seq), done))
        self._schedule()
        return done

    def set_capacity(self, capacity: float) -> None:
        """Change the share of issue slots available from now on."""
        self._set_rate(capacity, self.spinners)

    def add_spinners(self, delta: int) -> None:
        """delta tasklets start (+) or stop (-) spinning on a mutex from now on."""
        if self.spin_share:
            self._set_rate(self.capacity, self.spinners + delta)

    def _set_rate(self, capacity: float, spinners: int) -> None:
        # exact: rates are piecewise constant, so serve the old rate up to now, then re-time
        if capacity == self.capacity and spinners == self.spinners:
            return
        self._advance()
        self.capacity, self.spinners = capacity, spinners
        self._schedule()

    def _schedule(self) -> None:
        self._gen += 1
        if not self._jobs:
            return
        k = len(self._jobs)
        delay = (self._jobs[0][0] - self._v) * self._ps_per_instruction(k)
        timer = self.env.timeout(max(0, round(delay)))
        gen = self._gen
        timer.callbacks.append(lambda _ev: self._on_timer(gen))

    def _on_timer(self, gen: int) -> None:
        if gen != self._gen:
            return  # superseded by a later arrival or finish
        self._advance()
        jobs = self._jobs
        # Snap V to the finishing tag (removes the ps rounding of the timer).
        self._v = jobs[0][0]
        while jobs and jobs[0][0] <= self._v + _SAME_FINISH:
            _, _, done = heapq.heappop(jobs)
            done.succeed()
        self._schedule()

    @property
    def active(self) -> int:
        return len(self._jobs)
