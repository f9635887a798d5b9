"""Error metrics of predicted vs measured values.

- r2: coefficient of determination 1 - SS_res/SS_tot on the values as given (the usual R^2;
  None when fewer than 2 points or the measured values are all equal).
- r2_log: the same on log10 of the values. It is unit-free, so it stays meaningful for groups
  that mix units or span orders of magnitude (the `overall` group mixes cycles, MB/s and ms).
- mape: mean absolute percentage error, 100 * mean(|p - m| / m).
- median_abs_pct_err, max_abs_pct_err: median and maximum of 100 * |p - m| / m.
- mean_pct_err: signed mean, 100 * mean((p - m) / m): > 0 means the model over-predicts.
- shared_value_errors: the absolute % errors of the one value that fits a set of measurements
  best (their weighted median): the least error any prediction shared by the whole set can have.
- mape_ci95: [low, high], a 95 % percentile-bootstrap interval of the MAPE (the points resampled
  with replacement, a fixed seed, so it is deterministic): how far the MAPE could move with
  another draw of points of the same kind. It is wide for small groups (e.g. 10 single-DPU
  kernel times), which is worth knowing before reading 8.6 % against a target of 8 %.
  None for fewer than 5 points: a bootstrap of 2-4 points mostly shows that there are few of them.

Percentage errors need m > 0: callers keep zero-valued measurements out (and list them).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np


def abs_pct_errors(measured: Sequence[float], predicted: Sequence[float]) -> np.ndarray:
    m = np.asarray(measured, dtype=float)
    p = np.asarray(predicted, dtype=float)
    if m.shape != p.shape:
        raise ValueError(f"measured has {m.size} values, predicted {p.size}")
    if np.any(m <= 0):
        raise ValueError("percentage errors need measured values > 0")
    return 100.0 * np.abs(p - m) / m


def shared_value_errors(measured: Sequence[float]) -> np.ndarray:
    """100 * |c - m| / m for the one value c that minimises their mean over the set: a median of
    the measured values weighted by 1/m (the minimiser of sum |c - m| / m is a weighted median,
    and one lies at a measured value)."""
    m = np.asarray(measured, dtype=float)
    if m.size == 0:
        return m
    if np.any(m <= 0):
        raise ValueError("percentage errors need measured values > 0")
    order = np.sort(m)
    cum = np.cumsum(1.0 / order)
    c = order[np.searchsorted(cum, cum[-1] / 2.0)]
    return abs_pct_errors(m, np.full_like(m, c))


CI_LEVEL = 0.95
CI_RESAMPLES = 2000
CI_SEED = 0
CI_MIN_POINTS = 5


def mape_interval(ape: Sequence[float], level: float = CI_LEVEL, resamples: int = CI_RESAMPLES,
                  seed: int = CI_SEED, min_points: int = CI_MIN_POINTS) -> tuple[float, float] | None:
    """Percentile-bootstrap interval of the mean of the absolute % errors `ape` (None for fewer
    than `min_points` values)."""
    a = np.asarray(ape, dtype=float)
    if a.size < max(2, min_points):
        return None
    if not 0.0 < level < 1.0:
        raise ValueError(f"interval level {level}: expected a value in (0, 1)")
    rng = np.random.default_rng(seed)
    means = a[rng.integers(0, a.size, size=(resamples, a.size))].mean(axis=1)
    lo, hi = np.percentile(means, [50.0 * (1.0 - level), 50.0 * (1.0 + level)])
    return float(lo), float(hi)


def number_text(x: float | None, nd: int = 1, unit: str = "", none: str = "-") -> str:
    """x with nd decimals and its unit; `none` when there is no value (too few points)."""
    return none if x is None else f"{x:.{nd}f}{unit}"


def interval_text(ci: Sequence[float] | None, nd: int = 1, unit: str = "", none: str = "-") -> str:
    """'low-high' and its unit for a mape_ci95 entry; `none` when there is none (as number_text)."""
    return none if ci is None else f"{ci[0]:.{nd}f}-{ci[1]:.{nd}f}{unit}"


def r2(measured: Sequence[float], predicted: Sequence[float]) -> float | None:
    m = np.asarray(measured, dtype=float)
    p = np.asarray(predicted, dtype=float)
    if m.size < 2:
        return None
    ss_tot = float(np.sum((m - m.mean()) ** 2))
    if ss_tot == 0.0:
        return None
    return 1.0 - float(np.sum((m - p) ** 2)) / ss_tot


def r2_log(measured: Sequence[float], predicted: Sequence[float]) -> float | None:
    m = np.asarray(measured, dtype=float)
    p = np.asarray(predicted, dtype=float)
    if np.any(m <= 0) or np.any(p <= 0):
        return None
    return r2(np.log10(m), np.log10(p))


def summary(measured: Sequence[float], predicted: Sequence[float]) -> dict:
    """{n, r2, r2_log, mape, mape_ci95, median_abs_pct_err, max_abs_pct_err, mean_pct_err}; the
    error entries are None for an empty set."""
    m = np.asarray(measured, dtype=float)
    p = np.asarray(predicted, dtype=float)
    n = int(m.size)
    if n == 0:
        return {"n": 0, "r2": None, "r2_log": None, "mape": None, "mape_ci95": None,
                "median_abs_pct_err": None, "max_abs_pct_err": None, "mean_pct_err": None}
    ape = abs_pct_errors(m, p)
    ci = mape_interval(ape)
    return {
        "n": n,
        "r2": _clean(r2(m, p)),
        "r2_log": _clean(r2_log(m, p)),
        "mape": float(ape.mean()),
        "mape_ci95": None if ci is None else list(ci),
        "median_abs_pct_err": float(np.median(ape)),
        "max_abs_pct_err": float(ape.max()),
        "mean_pct_err": float(np.mean(100.0 * (p - m) / m)),
    }


def _clean(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else x
