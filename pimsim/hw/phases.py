"""Compiled replay of tasklet programs whose phases are fixed in advance.

Most kernels' tasklets run a phase sequence that depends only on the shape, the tasklet id
and the tasklet count -- not on timing, nor on what the other tasklets did (a kernel says so
with `Kernel.fixed_phases`). Such a program can be written down once: a PhaseRecorder runs it
against a context whose primitives record instead of wait. `replay` then runs the recorded
phases through a numba event loop that is the SimPy model of pimsim.hw step for step: the
same processor-sharing pipeline (virtual-work clock, finish tags, DMA stall capacity), the
same FIFO DMA engine, barriers and mutexes, the same rounding to integer ps, and the same order
for simultaneous events (SimPy pops events by time, then in the order they were scheduled; the
replay numbers its events in that order). tests/test_phases.py checks that both give equal
results. Handshakes are not replayed; kernels that use them keep `fixed_phases` off.
"""
from __future__ import annotations

from typing import Any, Generator

import numba
import numpy as np

from pimsim.errors import DmaError, PimsimError
from pimsim.hw.dma import READ, WRITE, check_dma
from pimsim.hw.dpu import TRACE_COMPUTE, TRACE_READ, TRACE_WRITE, Dpu, Program, TaskletContext
from pimsim.hw.sync import Barrier, Mutex

EXEC, XFER, BARRIER, LOCK, UNLOCK = 0, 1, 2, 3, 4
_RESUME, _DMA_DONE = 0, 1
_SAME_FINISH = 1e-9          # as pimsim.hw.pipeline: tags this close finish together
OK, ERR_UNLOCK, ERR_RELOCK, ERR_DEADLOCK = 0, 1, 2, 3


class PhaseRecorder(TaskletContext):
    """A tasklet context whose primitives append (kind, instructions, integer) to a list."""

    def __init__(self, dpu: Dpu, tasklet_id: int, kinds: list, fvals: list, ivals: list):
        super().__init__(dpu, tasklet_id)
        self.kinds, self.fvals, self.ivals = kinds, fvals, ivals

    def _add(self, kind: int, fval: float, ival: int) -> None:
        self.kinds.append(kind)
        self.fvals.append(fval)
        self.ivals.append(ival)

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
        op, value, mram_addr = np.asarray(op), np.asarray(value), np.asarray(mram_addr, np.int64)
        dma = op != TRACE_COMPUTE
        cfg = self.cfg
        if dma.any():
            nbytes = value[dma].astype(np.int64)
            if (value[dma] != nbytes).any():
                bad = int(np.nonzero(dma)[0][np.nonzero(value[dma] != nbytes)[0][0]])
                raise DmaError(f"tasklet {self.id}: trace row {bad}: DMA size {value[bad]!r} is not a whole number of bytes")
            addr = mram_addr[dma]
            legal = ((nbytes >= cfg.dma.min_bytes) & (nbytes <= cfg.dma.max_bytes) & (nbytes % cfg.dma.multiple_bytes == 0)
                     & (addr % cfg.dma.align_bytes == 0) & (addr >= 0) & (addr + nbytes <= cfg.dpu.mram_bytes) & (nbytes <= cfg.dpu.wram_bytes))
            if not legal.all():
                k = int(np.nonzero(~legal)[0][0])      # let the one definition of the rules say why
                check_dma(cfg.dma, READ if op[dma][k] == TRACE_READ else WRITE, int(nbytes[k]), int(addr[k]), 0,
                          cfg.dpu.mram_bytes, cfg.dpu.wram_bytes, who=f"tasklet {self.id}")
            for code, direction in ((TRACE_READ, READ), (TRACE_WRITE, WRITE)):
                mine = op[dma] == code
                for size in np.unique(nbytes[mine]).tolist():
                    same = mine & (nbytes == size)
                    self.dpu.dma.account(direction, size, int(addr[same].max()), int(same.sum()))
        # every DMA row becomes (issue instructions,) transfer; every compute row one EXEC
        issue = cfg.ops.instructions["dma_issue"]
        per_row = np.where(dma, 2 if issue else 1, 1)
        first = np.cumsum(per_row) - per_row                  # first phase of each row
        total = int(per_row.sum())
        kinds = np.full(total, EXEC, np.int8)
        fvals = np.zeros(total)
        ivals = np.zeros(total, np.int64)
        fvals[first[~dma]] = value[~dma]
        xfer = first[dma] + (1 if issue else 0)
        kinds[xfer] = XFER
        fvals[first[dma]] = issue if issue else 0.0
        if dma.any():
            service = np.zeros(xfer.size, np.int64)
            for code, direction in ((TRACE_READ, READ), (TRACE_WRITE, WRITE)):
                for size in np.unique(nbytes[op[dma] == code]).tolist():
                    service[(op[dma] == code) & (nbytes == size)] = self.dpu.dma.service_ps(direction, size)
            ivals[xfer] = service
        self.kinds.extend(kinds.tolist())
        self.fvals.extend(fvals.tolist())
        self.ivals.extend(ivals.tolist())
        return ()

    def _barrier(self, b: Barrier) -> Generator:
        self._add(BARRIER, 0.0, list(self.dpu.barriers).index(b.name))
        yield from ()

    def _lock(self, m: Mutex) -> Generator:
        self._add(LOCK, 0.0, list(self.dpu.mutexes).index(m.name))
        yield from ()

    def _unlock(self, m: Mutex) -> None:
        self._add(UNLOCK, 0.0, list(self.dpu.mutexes).index(m.name))

    def _sync_wait(self, ev: Any, what: str, start: int) -> Generator:
        raise PimsimError(f"tasklet {self.id}: {what} in a kernel declared with fixed phases; "
                          f"handshakes are only simulated by the SimPy engine (set fixed_phases=False)")


def record(program: Program, shape: Any, dpu: Dpu) -> tuple[np.ndarray, ...]:
    """Run every tasklet's program once against a recorder; return the phases as flat arrays
    (starts per tasklet, kind, instructions, integer argument) and the barrier counts."""
    kinds: list = []
    fvals: list = []
    ivals: list = []
    starts = [0]
    for t in range(dpu.nr_tasklets):
        for value in program(PhaseRecorder(dpu, t, kinds, fvals, ivals), shape):
            raise PimsimError(f"tasklet {t}'s program yielded {value!r} outside the tasklet verbs")
        starts.append(len(kinds))
    counts = np.array([b.count for b in dpu.barriers.values()], np.int64)
    return (np.array(starts, np.int64), np.array(kinds, np.int8), np.array(fvals, np.float64),
            np.array(ivals, np.int64), counts)


# State slots of the replay (int64 array S, float64 array F).
_SEQ, _LAST, _GEN, _K, _JOBSEQ, _T_TIME, _T_SEQ, _T_ON, _FREE_AT, _STATUS, _HEAD, _NEXT = range(12)
_V, _CAP = 0, 1


@numba.njit(cache=True, inline='always')
def _ps_per_instruction(F, k, cycle_ps, interval, width):
    return cycle_ps * max(interval, k / (width * F[_CAP]))


@numba.njit(cache=True, inline='always')
def _advance(S, F, now, cycle_ps, interval, width):
    if S[_K] and now > S[_LAST]:
        F[_V] += (now - S[_LAST]) / _ps_per_instruction(F, S[_K], cycle_ps, interval, width)
    S[_LAST] = now


@numba.njit(cache=True, inline='always')
def _earliest(j_on, j_tag, j_seq):
    best = -1
    for t in range(j_on.size):
        if j_on[t] and (best < 0 or j_tag[t] < j_tag[best] or (j_tag[t] == j_tag[best] and j_seq[t] < j_seq[best])):
            best = t
    return best


@numba.njit(cache=True, inline='always')
def _schedule(S, F, now, j_on, j_tag, j_seq, cycle_ps, interval, width):
    S[_GEN] += 1
    if S[_K] == 0:
        S[_T_ON] = 0
        return
    t = S[_HEAD]
    delay = np.rint((j_tag[t] - F[_V]) * _ps_per_instruction(F, S[_K], cycle_ps, interval, width))
    S[_T_TIME] = now + max(0, np.int64(delay))
    S[_T_SEQ] = S[_SEQ]
    S[_SEQ] += 1
    S[_T_ON] = 1


@numba.njit(cache=True, inline='always')
def _set_capacity(S, F, now, capacity, j_on, j_tag, j_seq, cycle_ps, interval, width):
    if capacity == F[_CAP]:
        return
    _advance(S, F, now, cycle_ps, interval, width)
    F[_CAP] = capacity
    _schedule(S, F, now, j_on, j_tag, j_seq, cycle_ps, interval, width)


@numba.njit(cache=True, inline='always')
def _post(S, e_on, e_time, e_seq, e_kind, t, time, kind):
    e_on[t] = True
    e_time[t] = time
    e_seq[t] = S[_SEQ]
    S[_SEQ] += 1
    e_kind[t] = kind
    if S[_NEXT] < 0 or time < e_time[S[_NEXT]]:      # a later-numbered event loses ties
        S[_NEXT] = t


@numba.njit(cache=True, inline='always')
def _run(t, now, S, F, pc, ends, kinds, fvals, ivals, wait_start, finished,
         j_on, j_tag, j_seq, e_on, e_time, e_seq, e_kind,
         b_count, b_n, b_wait, m_owner, m_queue, m_head, m_len, cycle_ps, interval, width, stall):
    """Tasklet t runs its phases from pc[t] until it blocks or ends."""
    nr = pc.size
    while True:
        p = pc[t]
        if p == ends[t]:
            finished[t] = now
            return
        kind = kinds[p]
        wait_start[t] = now
        if kind == EXEC:
            if fvals[p] <= 0:
                _post(S, e_on, e_time, e_seq, e_kind, t, now, _RESUME)
                return
            _advance(S, F, now, cycle_ps, interval, width)
            j_on[t] = True
            j_tag[t] = F[_V] + fvals[p]
            j_seq[t] = S[_JOBSEQ]
            S[_JOBSEQ] += 1
            S[_K] += 1
            if S[_HEAD] < 0 or j_tag[t] < j_tag[S[_HEAD]]:
                S[_HEAD] = t
            _schedule(S, F, now, j_on, j_tag, j_seq, cycle_ps, interval, width)
            return
        if kind == XFER:
            was_idle = S[_FREE_AT] <= now
            S[_FREE_AT] = max(now, S[_FREE_AT]) + ivals[p]
            _post(S, e_on, e_time, e_seq, e_kind, t, S[_FREE_AT], _DMA_DONE)
            if stall > 0 and was_idle:
                _set_capacity(S, F, now, 1.0 - stall, j_on, j_tag, j_seq, cycle_ps, interval, width)
            return
        if kind == BARRIER:
            b = ivals[p]
            b_wait[b, b_n[b]] = t
            b_n[b] += 1
            if b_n[b] == b_count[b]:
                for i in range(b_n[b]):
                    _post(S, e_on, e_time, e_seq, e_kind, b_wait[b, i], now, _RESUME)
                b_n[b] = 0
            return
        m = ivals[p]
        if kind == LOCK:
            if m_owner[m] == t:
                S[_STATUS] = ERR_RELOCK
                return
            if m_owner[m] < 0:
                m_owner[m] = t
                _post(S, e_on, e_time, e_seq, e_kind, t, now, _RESUME)
            else:
                m_queue[m, (m_head[m] + m_len[m]) % nr] = t
                m_len[m] += 1
            return
        # UNLOCK: hand the mutex to the first waiter, then go on without blocking
        if m_owner[m] != t:
            S[_STATUS] = ERR_UNLOCK
            return
        if m_len[m]:
            nxt = m_queue[m, m_head[m]]
            m_head[m] = (m_head[m] + 1) % nr
            m_len[m] -= 1
            m_owner[m] = nxt
            _post(S, e_on, e_time, e_seq, e_kind, nxt, now, _RESUME)
        else:
            m_owner[m] = -1
        pc[t] += 1


@numba.njit(cache=True)
def _replay(starts, kinds, fvals, ivals, b_count, nr_mutexes, cycle_ps, interval, width, stall):
    nr = starts.size - 1
    S = np.zeros(12, np.int64)
    S[_HEAD] = -1                 # the pipeline job that finishes first
    S[_NEXT] = -1                 # the tasklet whose wake-up comes first
    F = np.zeros(2, np.float64)
    F[_CAP] = 1.0
    pc = starts[:-1].copy()
    ends = starts[1:].copy()
    wait_start = np.zeros(nr, np.int64)
    finished = np.full(nr, -1, np.int64)
    instructions = np.zeros(nr, np.float64)
    compute_ps = np.zeros(nr, np.int64)
    dma_ps = np.zeros(nr, np.int64)
    sync_ps = np.zeros(nr, np.int64)
    j_on = np.zeros(nr, np.bool_)
    j_tag = np.zeros(nr, np.float64)
    j_seq = np.zeros(nr, np.int64)
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
    # SimPy starts the tasklet processes (urgent events) in order before anything else at t=0.
    for t in range(nr):
        _run(t, 0, S, F, pc, ends, kinds, fvals, ivals, wait_start, finished, j_on, j_tag, j_seq,
             e_on, e_time, e_seq, e_kind, b_count, b_n, b_wait, m_owner, m_queue, m_head, m_len,
             cycle_ps, interval, width, stall)
    while S[_STATUS] == OK:
        # the next event: the earliest (time, scheduling order) of the pipeline timer and the
        # tasklets' pending wake-ups
        who = S[_NEXT]
        timer = S[_T_ON] == 1 and (who < 0 or S[_T_TIME] < e_time[who]
                                   or (S[_T_TIME] == e_time[who] and S[_T_SEQ] < e_seq[who]))
        if timer:
            now = S[_T_TIME]
            S[_T_ON] = 0
            _advance(S, F, now, cycle_ps, interval, width)
            F[_V] = j_tag[S[_HEAD]]
            while True:
                t = S[_HEAD]
                if t < 0 or j_tag[t] > F[_V] + _SAME_FINISH:
                    break
                j_on[t] = False
                S[_K] -= 1
                S[_HEAD] = _earliest(j_on, j_tag, j_seq)
                _post(S, e_on, e_time, e_seq, e_kind, t, now, _RESUME)
            _schedule(S, F, now, j_on, j_tag, j_seq, cycle_ps, interval, width)
            continue
        if who < 0:
            break
        t = who
        now = e_time[t]
        e_on[t] = False
        S[_NEXT] = _earliest(e_on, e_time, e_seq)
        p = pc[t]
        if e_kind[t] == _DMA_DONE:
            if stall > 0 and S[_FREE_AT] <= now:
                _set_capacity(S, F, now, 1.0, j_on, j_tag, j_seq, cycle_ps, interval, width)
            dma_ps[t] += now - wait_start[t]
        elif kinds[p] == EXEC:
            instructions[t] += fvals[p]
            compute_ps[t] += now - wait_start[t]
        else:
            sync_ps[t] += now - wait_start[t]
        pc[t] += 1
        _run(t, now, S, F, pc, ends, kinds, fvals, ivals, wait_start, finished, j_on, j_tag, j_seq,
             e_on, e_time, e_seq, e_kind, b_count, b_n, b_wait, m_owner, m_queue, m_head, m_len,
             cycle_ps, interval, width, stall)
    if S[_STATUS] == OK and finished.min() < 0:
        S[_STATUS] = ERR_DEADLOCK
    return S[_STATUS], finished, instructions, compute_ps, dma_ps, sync_ps


def replay(program: Program, shape: Any, dpu: Dpu):
    """Record and replay `program` on `dpu` (a Dpu whose engines have not run). Returns
    (status, finished_ps, instructions, compute_ps, dma_ps, sync_ps) per tasklet; a status
    other than OK means the program misuses a mutex or deadlocks: the SimPy engine then
    reproduces it with a full error message."""
    starts, kinds, fvals, ivals, b_count = record(program, shape, dpu)
    cfg = dpu.cfg
    return _replay(starts, kinds, fvals, ivals, b_count, max(1, len(dpu.mutexes)), float(cfg.cycle_ps),
                   float(cfg.dpu.issue_interval_cycles), float(cfg.dpu.issue_width),
                   float(cfg.dma.pipeline_stall_fraction))
