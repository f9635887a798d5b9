"""Helpers shared by the PrIM host programs: PrIM's sizing arithmetic (support/common.h),
seeded inputs, and the argument/result plumbing every host program repeats."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from pimsim.config import SystemConfig
from pimsim.errors import PimsimError
from pimsim.host_api import DpuSet
from pimsim.kernel import Placeholder

RAND_MAX = 2**31 - 1        # glibc rand(): PrIM fills most inputs with (T) rand()


def divceil(n: int, m: int) -> int:
    """PrIM's divceil(n, m) = (n - 1) / m + 1 (n >= 1); 0 for n = 0."""
    return 0 if n <= 0 else (n - 1) // m + 1


def roundup(n: int, m: int) -> int:
    """PrIM's roundup(n, m) = (n / m) * m + m: always adds a full m (callers apply it only
    when n is not already a multiple)."""
    return (n // m) * m + m


def round_to_multiple(n: int, m: int) -> int:
    """n rounded up to a multiple of m (PrIM's `if (n % m) n = roundup(n, m)`)."""
    return n if n % m == 0 else roundup(n, m)


def align8_elems(n: int, itemsize: int) -> int:
    """PrIM's `((n * sizeof(T)) % 8) != 0 ? roundup(n, 8) : n`."""
    return roundup(n, 8) if (n * itemsize) % 8 else n


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def check_size(name: str, size: int, minimum: int = 1) -> int:
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < minimum:
        raise PimsimError(f"{name}: size = {size!r}: expected an integer >= {minimum}")
    return int(size)


def check_dpus(name: str, dpus: int, cfg: SystemConfig) -> int:
    limit = cfg.topology.nr_dpus
    if isinstance(dpus, bool) or not isinstance(dpus, (int, np.integer)) or not 1 <= dpus <= limit:
        raise PimsimError(f"{name}: dpus = {dpus!r}: the preset {cfg.name!r} has 1..{limit} DPUs")
    return int(dpus)


def slices(nbytes: int, nr_dpus: int) -> list[Placeholder]:
    """Timing-only stand-ins for a buffer of its own per DPU (slices of one host array): one
    object per DPU, since one object passed for several DPUs stands for one shared host buffer."""
    return [Placeholder(nbytes) for _ in range(nr_dpus)]


def chunks(flat: np.ndarray | None, per_dpu_elems: int, nr_dpus: int, itemsize: int) -> list[Any]:
    """Split a padded host array into equal per-DPU buffers (`slices` when flat is None)."""
    if flat is None:
        return slices(per_dpu_elems * itemsize, nr_dpus)
    return [flat[i * per_dpu_elems:(i + 1) * per_dpu_elems] for i in range(nr_dpus)]


def push_args(dpus: DpuSet, args: Sequence[np.ndarray], symbol: str = "DPU_INPUT_ARGUMENTS") -> None:
    """dpu_prepare_xfer(args[i]) for every DPU + one dpu_push_xfer, as every PrIM host does."""
    dpus.push_xfer(symbol, list(args))


def concat_views(parts: list[np.ndarray] | None, dtype) -> np.ndarray | None:
    if parts is None:
        return None
    return np.concatenate([np.asarray(p).view(dtype) for p in parts]) if parts else np.zeros(0, dtype)


def split_counts(n: int, per: int, nr_dpus: int) -> list[int]:
    """Elements each DPU really owns when DPU i takes [i*per, (i+1)*per) of n: `per` for the
    leading DPUs, the remainder for the next, 0 after that (PrIM's last-DPU size, clamped)."""
    return [max(0, min(per, n - i * per)) for i in range(nr_dpus)]
