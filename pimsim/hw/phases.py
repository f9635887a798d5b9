"""Compiled replay of tasklet programs whose phases are fixed in advance.

Most kernels' tasklets run a phase sequence that depends only on the shape, the tasklet id
and the tasklet count -- not on timing, nor on what the other tasklets did (a kernel says so
with `Kernel.fixed_phases`). Such a program can be written down once: a PhaseRecorder runs it
against a context whose primitives record instead of wait. `replay` then runs the recorded
phases through a numba event loop that is the SimPy model of pimsim.hw step for step: the
same processor-sharing pipeline (virtual-work clock, finish tags, DMA stall capacity), the
same FIFO DMA engine, barriers, mutexes and handshakes, the same rounding to integer ps, and
the same order for simultaneous events (SimPy pops events by time, then in the order they were
scheduled; the replay numbers its events in that order). tests/test_phases.py checks that both
give equal results.
"""
from __future__ import annotations

from typing import Any, Generator

import numba
import numpy as np

from pimsim.errors import PimsimError
from pimsim.hw.dma import READ, WRITE, check_dma, dma_legal
from pimsim.hw.dpu import TRACE_COMPUTE, TRACE_READ, TRACE_WRITE, Dpu, Program, TaskletContext, check_trace
from pimsim.hw.sync import Barrier, Mutex

EXEC, XFER, BARRIER, LOCK, UNLOCK, NOTIFY, WAIT_FOR = 0, 1, 2, 3, 4, 5, 6
_RESUME, _DMA_DONE = 0, 1
_SAME_FINISH = 1e-9          # as pimsim.hw.pipeline: tags this close finish together
OK, ERR_UNLOCK, ERR_RELOCK, ERR_DEADLOCK, ERR_HANDSHAKE = 0, 1, 2, 3, 4


class Tape:
    """Recorded phases: (kind, instructions, integer argument) rows, taken one at a time from
    verbs and a block at a time from traces, joined into arrays at the end."""

    def __init__(self) -> None:
        self.kinds: list = []
        self.fvals: list = []
        self.ivals: list = []
        self.blocks: list = []       # (kinds, fvals, ivals) arrays, in order
        self.length = 0

    def add(self, kind: int, fval: float, ival: int) -> None:
        self.kinds.append(kind)
        self.fvals.append(fval)
        self.ivals.append(ival)
        self.length += 1

    def add_block(self, kinds: np.ndarray, fvals: np.ndarray, ivals: np.ndarray) -> None:
        self._flush()
        self.blocks.append((kinds, fvals, ivals))
        self.length += kinds.size

    def _flush(self) -> None:
        if self.kinds:
            self.blocks.append((np.array(self.kinds, np.int8), np.array(self.fvals, np.float64),
                                np.array(self.ivals, np.int64)))
            self.kinds, self.fvals, self.ivals = [], [], []

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self._flush()
        if not self.blocks:
            return np.zeros(0, np.int8), np.zeros(0, np.float64), np.zeros(0, np.int64)
        return tuple(np.concatenate([b[i] for b in self.blocks]) for i in range(3))


class PhaseRecorder(TaskletContext):
    """A tasklet context whose primitives write their phase onto a tape instead of waiting."""

    def __init__(self, dpu: Dpu, tasklet_id: int, tape: Tape):
        super().__init__(dpu, tasklet_id)
        self._add = tape.add
        self.tape = tape

    # Verbs return () instead of a generator: `yield from ()` is free, and recording is the
    # replay's hot path.
    def _execute(self, instr: float) -> tuple:
        self._add(EXEC, instr, 0)
        return ()

    def _dma(self, direction: str, nbytes: int, mram_addr: int, wram_addr: int, count: int = 1) -> tuple:
        # as TaskletContext._dma: the issuing instructions, then the transfer
        issue = self._check_dma_call(direction, nbytes, mram_addr, wram_addr, count)
        if issue:
            self._add(EXEC, issue, 0)
        self._add(XFER, 0.0, self.dpu.dma.account(direction, nbytes, mram_addr, count))
        return ()

    def run_trace(self, op: np.ndarray, value: np.ndarray, mram_addr: np.ndarray) -> tuple:
        """TaskletContext.run_trace in one step: the same phases, checks and DMA accounting."""
        op, value, mram_addr = check_trace(self.id, op, value, mram_addr)
        dma = op != TRACE_COMPUTE
        cfg = self.cfg
        issue = cfg.ops.instructions["dma_issue"]
        # every DMA row becomes (its issuing instructions,) a transfer; every compute row an EXEC
        per_row = 1 + (dma if issue else 0)
        first = np.cumsum(per_row) - per_row                  # first phase of each row
        total = int(first[-1] + per_row[-1]) if op.size else 0
        kinds = np.full(total, EXEC, np.int8)
        fvals = np.zeros(total)
        ivals = np.zeros(total, np.int64)
        fvals[first[~dma]] = value[~dma]
        if dma.any():
            rows = np.nonzero(dma)[0]
            nbytes = value[rows].astype(np.int64)
            addr, write = mram_addr[rows], op[rows] == TRACE_WRITE
            legal = dma_legal(cfg.dma, nbytes, addr, cfg.dpu.mram_bytes, cfg.dpu.wram_bytes)
            if not legal.all():
                k = int(np.nonzero(~legal)[0][0])      # let the one definition of the rules say why
                check_dma(cfg.dma, WRITE if write[k] else READ, int(nbytes[k]), int(addr[k]), 0,
                          cfg.dpu.mram_bytes, cfg.dpu.wram_bytes, who=f"tasklet {self.id}")
            # book the transfers per (direction, size); the engine time of each from a table
            service = np.zeros((2, cfg.dma.max_bytes + 1), np.int64)
            for w, direction in ((0, READ), (1, WRITE)):
                mine = write == bool(w)
                counts = np.bincount(nbytes[mine], minlength=cfg.dma.max_bytes + 1)
                for size in np.nonzero(counts)[0].tolist():
                    top = int(addr[mine][nbytes[mine] == size].max()) if w else 0
                    self.dpu.dma.account(direction, size, top, int(counts[size]))
                    service[w, size] = self.dpu.dma.service_ps(direction, size)
            xfer = first[rows] + (1 if issue else 0)
            kinds[xfer] = XFER
            fvals[first[rows]] = issue if issue else 0.0
            ivals[xfer] = service[write.astype(np.int64), nbytes]
        self.tape.add_block(kinds, fvals, ivals)
        return ()

    def _barrier(self, b: Barrier) -> Generator:
        self._add(BARRIER, 0.0, b.index)
        yield from ()

    def _lock(self, m: Mutex) -> Generator:
        self._add(LOCK, 0.0, m.index)
        yield from ()

    def _unlock(self, m: Mutex) -> None:
        self._add(UNLOCK, 0.0, m.index)

    def _notify(self) -> Generator:
        self._add(NOTIFY, 0.0, 0)
        yield from ()

    def _wait_for(self, notifier: int) -> Generator:
        self._add(WAIT_FOR, 0.0, notifier)
        yield from ()


def record(program: Program, shape: Any, dpu: Dpu) -> tuple[np.ndarray, ...]:
    """Run every tasklet's program once against a recorder; return the phases as flat arrays
    (starts per tasklet, kind, instructions, integer argument) and the barrier counts."""
    tape = Tape()
    starts = [0]
    for t in range(dpu.nr_tasklets):
        for value in program(PhaseRecorder(dpu, t, tape), shape):
            raise PimsimError(f"tasklet {t}'s program yielded {value!r} outside the tasklet verbs")
        starts.append(tape.length)
    counts = np.array([b.count for b in dpu.barriers.values()], np.int64)
    return (np.array(starts, np.int64), *tape.arrays(), counts)


# The replay keeps the model's state in local variables and per-tasklet arrays, and its hot
# helpers take and return scalars: numba reference-counts every array handed to a function,
# which would cost more than the model's own arithmetic (only _wake, called once per batch of
# wake-ups, takes arrays).

@numba.njit(cache=True)
def _ps_per_instruction(k, spin, capacity, cycle_ps, interval, width):
    """As RevolverPipeline._ps_per_instruction (spin: the weighted mutex spinners)."""
    return cycle_ps * max(interval, (k + spin) / (width * capacity))


@numba.njit(cache=True)
def _advanced(now, v, last, k, spin, capacity, cycle_ps, interval, width):
    """As RevolverPipeline._advance: the virtual clock v moved on to `now`."""
    if k and now > last:
        v += (now - last) / _ps_per_instruction(k, spin, capacity, cycle_ps, interval, width)
    return v


@numba.njit(cache=True)
def _timer_at(now, head_tag, v, k, spin, capacity, cycle_ps, interval, width):
    """As RevolverPipeline._schedule: when the first job finishes, at the current rate."""
    delay = np.rint((head_tag - v) * _ps_per_instruction(k, spin, capacity, cycle_ps, interval, width))
    return now + max(0, np.int64(delay))


@numba.njit(cache=True)
def _rerated(now, v, last, k, spin, capacity, new_spin, new_capacity, head_tag, seq, cycle_ps, interval, width):
    """As RevolverPipeline._set_rate: v advances at the old rate, then the first finish is
    re-timed (a new timer, as SimPy's _schedule) at the new one. Returns
    (v, last, spin, capacity, timer on, timer time, timer seq, seq)."""
    v = _advanced(now, v, last, k, spin, capacity, cycle_ps, interval, width)
    t_time, t_seq = np.int64(0), np.int64(0)
    if k:
        t_time = _timer_at(now, head_tag, v, k, new_spin, new_capacity, cycle_ps, interval, width)
        t_seq = seq
        seq += 1
    return v, now, new_spin, new_capacity, k > 0, t_time, t_seq, seq


@numba.njit(cache=True)
def _wake(wake, nw, now, seq, nxt, e_on, e_time, e_seq, e_kind):
    """Schedule the wake-ups wake[:nw] at `now` in order (each an event succeeded in SimPy);
    returns the next scheduling number and the tasklet whose wake-up now comes first."""
    for i in range(nw):
        w = wake[i]
        e_on[w], e_time[w], e_seq[w], e_kind[w] = True, now, seq, _RESUME
        seq += 1
        if nxt < 0 or now < e_time[nxt]:
            nxt = w
    return seq, nxt


@numba.njit(cache=True)
def _replay(starts, kinds, fvals, ivals, b_count, nr_mutexes, cycle_ps, interval, width, stall, spin_share):
    nr = starts.size - 1
    pc = starts[:-1].copy()
    ends = starts[1:].copy()
    wait_start = np.zeros(nr, np.int64)
    finished = np.full(nr, -1, np.int64)
    instructions = np.zeros(nr, np.float64)
    compute_ps = np.zeros(nr, np.int64)
    dma_ps = np.zeros(nr, np.int64)
    sync_ps = np.zeros(nr, np.int64)
    # pipeline jobs (one per tasklet at most): finish tag and arrival number
    j_on = np.zeros(nr, np.bool_)
    j_tag = np.zeros(nr, np.float64)
    j_seq = np.zeros(nr, np.int64)
    # wake-ups (one per tasklet at most): time, scheduling number, kind
    e_on = np.zeros(nr, np.bool_)
    e_time = np.zeros(nr, np.int64)
    e_seq = np.zeros(nr, np.int64)
    e_kind = np.zeros(nr, np.int8)
    b_n = np.zeros(b_count.size, np.int64)
    b_wait = np.zeros((b_count.size, nr), np.int64)
    m_owner = np.full(nr_mutexes, -1, np.int64)
    m_queue = np.zeros((nr_mutexes, nr), np.int64)
    m_head = np.zeros(nr_mutexes, np.int64)
    m_len = np.zeros(nr_mutexes, np.int64)
    hs_waiter = np.full(nr, -1, np.int64)      # handshakes: who waits for tasklet n's notify
    hs_notifying = np.zeros(nr, np.bool_)      # tasklet n is blocked in handshake_notify
    wake = np.zeros(nr + 1, np.int64)          # tasklets to wake at `now`, in SimPy's succeed() order
    nw = 0

    seq = 0              # scheduling order of events, as SimPy's event ids
    v = 0.0              # pipeline: virtual instructions served per job
    last = 0             # pipeline: when v was last advanced
    capacity = 1.0
    k = 0                # jobs in the pipeline
    spinners = 0         # tasklets spinning in mutex_lock
    spin = 0.0           # their weight in the pipeline: spin_share * spinners
    head = -1            # the job that finishes first
    jobseq = 0
    t_on, t_time, t_seq = False, 0, 0      # the one live pipeline timer
    free_at = 0          # DMA engine
    nxt = -1             # the tasklet whose wake-up comes first
    status = OK
    now = 0
    # SimPy starts the tasklet processes (urgent events) in order before anything else at t=0,
    # so tasklets 0..nr-1 run first; afterwards `running` is the tasklet an event woke.
    running = 0
    started = 1
    new_capacity = 1.0
    while status == OK:
        if new_capacity != capacity:            # RevolverPipeline.set_capacity
            v, last, spin, capacity, t_on, t_time, t_seq, seq = _rerated(
                now, v, last, k, spin, capacity, spin, new_capacity, j_tag[head], seq, cycle_ps, interval, width)
        if running >= 0:
            t = running
            while True:                         # tasklet t runs until it blocks or ends
                p = pc[t]
                if p == ends[t]:
                    finished[t] = now
                    break
                kind = kinds[p]
                wait_start[t] = now
                go_on = False                   # UNLOCK does not block
                if kind == EXEC:
                    if fvals[p] <= 0:
                        wake[nw] = t
                        nw += 1
                    else:
                        v = _advanced(now, v, last, k, spin, capacity, cycle_ps, interval, width)
                        last = now
                        j_on[t] = True
                        j_tag[t] = v + fvals[p]
                        j_seq[t] = jobseq
                        jobseq += 1
                        k += 1
                        if head < 0 or j_tag[t] < j_tag[head]:
                            head = t
                        t_time = _timer_at(now, j_tag[head], v, k, spin, capacity, cycle_ps, interval, width)
                        t_seq, t_on = seq, True
                        seq += 1
                elif kind == XFER:
                    was_idle = free_at <= now
                    free_at = max(now, free_at) + ivals[p]
                    e_on[t], e_time[t], e_seq[t], e_kind[t] = True, free_at, seq, _DMA_DONE
                    seq += 1
                    if nxt < 0 or free_at < e_time[nxt]:
                        nxt = t
                    if stall > 0 and was_idle:
                        new_capacity = 1.0 - stall     # the pipeline loses slots while DMA runs
                elif kind == BARRIER:
                    b = ivals[p]
                    b_wait[b, b_n[b]] = t
                    b_n[b] += 1
                    if b_n[b] == b_count[b]:
                        for i in range(b_n[b]):
                            w = b_wait[b, i]
                            wake[nw] = w
                            nw += 1
                        b_n[b] = 0
                elif kind == NOTIFY:               # Handshakes.notify
                    w = hs_waiter[t]
                    if w >= 0:
                        hs_waiter[t] = -1
                        wake[nw], wake[nw + 1] = w, t    # the waiter, then the notifier
                        nw += 2
                    else:
                        hs_notifying[t] = True
                elif kind == WAIT_FOR:             # Handshakes.wait_for
                    n = ivals[p]
                    if hs_waiter[n] >= 0:
                        status = ERR_HANDSHAKE     # two waiters for one notifier
                    elif hs_notifying[n]:
                        hs_notifying[n] = False
                        wake[nw], wake[nw + 1] = n, t    # the notifier, then the waiter
                        nw += 2
                    else:
                        hs_waiter[n] = t
                elif kind == LOCK:
                    m = ivals[p]
                    if m_owner[m] == t:
                        status = ERR_RELOCK
                    elif m_owner[m] < 0:
                        m_owner[m] = t
                        wake[nw] = t
                        nw += 1
                    else:
                        m_queue[m, (m_head[m] + m_len[m]) % nr] = t
                        m_len[m] += 1
                        if spin_share > 0:          # RevolverPipeline.add_spinners(+1)
                            spinners += 1
                            v, last, spin, capacity, t_on, t_time, t_seq, seq = _rerated(
                                now, v, last, k, spin, capacity, spin_share * spinners, capacity, j_tag[head], seq,
                                cycle_ps, interval, width)
                else:                           # UNLOCK: wake the first waiter, go on
                    m = ivals[p]
                    if m_owner[m] != t:
                        status = ERR_UNLOCK
                        break
                    if m_len[m]:
                        w = m_queue[m, m_head[m]]
                        m_head[m] = (m_head[m] + 1) % nr
                        m_len[m] -= 1
                        m_owner[m] = w
                        if spin_share > 0:          # RevolverPipeline.add_spinners(-1), before the wake-up
                            spinners -= 1
                            v, last, spin, capacity, t_on, t_time, t_seq, seq = _rerated(
                                now, v, last, k, spin, capacity, spin_share * spinners, capacity, j_tag[head], seq,
                                cycle_ps, interval, width)
                        wake[nw] = w
                        nw += 1
                    else:
                        m_owner[m] = -1
                    go_on = True
                if nw:
                    seq, nxt = _wake(wake, nw, now, seq, nxt, e_on, e_time, e_seq, e_kind)
                    nw = 0
                if not go_on:
                    break
                pc[t] += 1
            running = -1
            if started < nr:
                running = started
                started += 1
            continue
        # the next event: the earlier (time, scheduling order) of the timer and the first wake-up
        if t_on and (nxt < 0 or t_time < e_time[nxt] or (t_time == e_time[nxt] and t_seq < e_seq[nxt])):
            # RevolverPipeline._on_timer: the first job(s) finish
            now = t_time
            t_on = False
            last = now                          # (v jumps to the finishing tag: no rounding drift)
            v = j_tag[head]
            while head >= 0 and j_tag[head] <= v + _SAME_FINISH:
                w = head
                j_on[w] = False
                k -= 1
                head = -1
                for i in range(nr):
                    if j_on[i] and (head < 0 or j_tag[i] < j_tag[head] or (j_tag[i] == j_tag[head] and j_seq[i] < j_seq[head])):
                        head = i
                wake[nw] = w
                nw += 1
            seq, nxt = _wake(wake, nw, now, seq, nxt, e_on, e_time, e_seq, e_kind)
            nw = 0
            if k:
                t_time = _timer_at(now, j_tag[head], v, k, spin, capacity, cycle_ps, interval, width)
                t_seq, t_on = seq, True
                seq += 1
            continue
        if nxt < 0:
            break
        t = nxt
        now = e_time[t]
        e_on[t] = False
        nxt = -1                                # (a loop here: numba would refcount arrays passed to a helper)
        for w in range(nr):
            if e_on[w] and (nxt < 0 or e_time[w] < e_time[nxt] or (e_time[w] == e_time[nxt] and e_seq[w] < e_seq[nxt])):
                nxt = w
        p = pc[t]
        if e_kind[t] == _DMA_DONE:
            if stall > 0 and free_at <= now:     # DmaEngine._check_idle
                new_capacity = 1.0
            dma_ps[t] += now - wait_start[t]
        elif kinds[p] == EXEC:
            instructions[t] += fvals[p]
            compute_ps[t] += now - wait_start[t]
        else:
            sync_ps[t] += now - wait_start[t]
        pc[t] += 1
        running = t
    if status == OK and finished.min() < 0:
        status = ERR_DEADLOCK
    return status, finished, instructions, compute_ps, dma_ps, sync_ps


def replay(program: Program, shape: Any, dpu: Dpu):
    """Record and replay `program` on `dpu` (a Dpu whose engines have not run). Returns
    (status, finished_ps, instructions, compute_ps, dma_ps, sync_ps) per tasklet; a status
    other than OK means the program misuses a mutex or deadlocks: the SimPy engine then
    reproduces it with a full error message."""
    starts, kinds, fvals, ivals, b_count = record(program, shape, dpu)
    cfg = dpu.cfg
    return _replay(starts, kinds, fvals, ivals, b_count, max(1, len(dpu.mutexes)), float(cfg.cycle_ps),
                   float(cfg.dpu.issue_interval_cycles), float(cfg.dpu.issue_width),
                   float(cfg.dma.pipeline_stall_fraction), float(cfg.dpu.mutex_wait_issue_share))
