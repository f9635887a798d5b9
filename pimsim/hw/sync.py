"""Tasklet synchronisation with the SDK's semantics: barriers, mutexes and handshakes.

Misuse raises SyncError at once when it can be seen locally (unlocking a mutex one does not
hold, locking one twice, two tasklets waiting for the same notifier). A wait that can never
end (a barrier not all tasklets reach) is reported as a deadlock when the simulation drains.
"""
from __future__ import annotations

from collections import deque
from typing import Callable

import simpy

from pimsim.errors import SyncError


class Barrier:
    def __init__(self, env: simpy.Environment, name: str, count: int, index: int = 0):
        self.env, self.name, self.count = env, name, count
        self.index = index          # the DPU's barriers in order of creation (the replay's id)
        self._waiting: list[simpy.Event] = []
        self._arrived: list[int] = []

    def wait(self, tasklet: int) -> simpy.Event:
        ev = self.env.event()
        self._waiting.append(ev)
        self._arrived.append(tasklet)
        if len(self._waiting) == self.count:
            # The last arrival releases everyone at this instant.
            waiting, self._waiting, self._arrived = self._waiting, [], []
            for w in waiting:
                w.succeed()
        return ev

    def describe_wait(self) -> str | None:
        if self._waiting:
            return (f"barrier {self.name!r} expects {self.count} tasklets, only "
                    f"{len(self._waiting)} arrived (tasklets {sorted(self._arrived)})")
        return None


class Mutex:
    """Granted in request order. `on_waiters(delta)` hears of every waiter that starts (+1) or
    stops (-1) waiting: the SDK's mutex_lock spins, so a waiter takes pipeline issue slots."""

    def __init__(self, env: simpy.Environment, name: str, index: int = 0,
                 on_waiters: Callable[[int], None] = lambda delta: None):
        self.env, self.name = env, name
        self.index = index          # the DPU's mutexes in order of creation (the replay's id)
        self.owner: int | None = None
        self._queue: deque[tuple[int, simpy.Event]] = deque()
        self.on_waiters = on_waiters

    def lock(self, tasklet: int) -> simpy.Event:
        if self.owner == tasklet:
            raise SyncError(f"tasklet {tasklet} locks mutex {self.name!r} it already holds (would hang)")
        ev = self.env.event()
        if self.owner is None:
            self.owner = tasklet
            ev.succeed()
        else:
            self._queue.append((tasklet, ev))
            self.on_waiters(+1)
        return ev

    def unlock(self, tasklet: int) -> None:
        if self.owner != tasklet:
            holder = "nobody" if self.owner is None else f"tasklet {self.owner}"
            raise SyncError(f"tasklet {tasklet} unlocks mutex {self.name!r} held by {holder}")
        if self._queue:
            self.owner, ev = self._queue.popleft()
            self.on_waiters(-1)
            ev.succeed()
        else:
            self.owner = None

    def describe_wait(self) -> str | None:
        if self._queue:
            return (f"mutex {self.name!r} held by tasklet {self.owner}, waited for by tasklets "
                    f"{[t for t, _ in self._queue]}")
        return None


def check_wait_for(tasklet: int, notifier: int, nr_tasklets: int) -> None:
    """A handshake_wait_for that can never be answered, whatever the other tasklets do."""
    if not 0 <= notifier < nr_tasklets:
        raise SyncError(f"tasklet {tasklet} waits for handshake from tasklet {notifier}, "
                        f"but only tasklets 0..{nr_tasklets - 1} exist")
    if notifier == tasklet:
        raise SyncError(f"tasklet {tasklet} waits for a handshake from itself (would hang)")


class Handshakes:
    """handshake_notify() blocks until some tasklet waits for the notifier; handshake_wait_for(n)
    blocks until tasklet n notifies (SDK rendezvous semantics)."""

    def __init__(self, env: simpy.Environment):
        self.env = env
        self._waiters: dict[int, tuple[int, simpy.Event]] = {}   # notifier -> (waiter, event)
        self._notifiers: dict[int, simpy.Event] = {}             # notifier -> its blocked event

    def notify(self, tasklet: int) -> simpy.Event:
        if tasklet in self._waiters:
            _, wev = self._waiters.pop(tasklet)
            wev.succeed()
            ev = self.env.event()
            ev.succeed()
            return ev
        ev = self.env.event()
        self._notifiers[tasklet] = ev
        return ev

    def wait_for(self, tasklet: int, notifier: int) -> simpy.Event:
        """(check_wait_for has vetted `notifier`.)"""
        if notifier in self._waiters:
            raise SyncError(f"tasklets {self._waiters[notifier][0]} and {tasklet} both wait for "
                            f"a handshake from tasklet {notifier} (the SDK allows one waiter)")
        ev = self.env.event()
        if notifier in self._notifiers:
            self._notifiers.pop(notifier).succeed()
            ev.succeed()
        else:
            self._waiters[notifier] = (tasklet, ev)
        return ev

    def describe_wait(self) -> list[str]:
        out = [f"tasklet {w} waits for a handshake from tasklet {n}, which never notifies"
               for n, (w, _) in self._waiters.items()]
        out += [f"tasklet {n} notifies, but nobody ever waits for it" for n in self._notifiers]
        return out
