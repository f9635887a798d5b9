"""Error metrics of predicted vs measured values.

- r2: coefficient of determination 1 - SS_res/SS_tot on the values as given (the usual R^2;
  None when fewer than 2 points or the measured values are all equal).
- r2_log: the same on log10 of the values. It is unit-free, so it stays meaningful for groups
  that mix units or span orders of magnitude (the `overall` group mixes cycles, MB/s and ms).
- mape: mean absolute percentage error, 100 * mean(|p - m| / m).
- median_abs_pct_err, max_abs_pct_err: median and maximum of 100 * |p - m| / m.
- mean_pct_err: signed mean, 100 * mean((p - m) / m): > 0 means the model over-predicts.

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
    """{n, r2, r2_log, mape, median_abs_pct_err, max_abs_pct_err, mean_pct_err}; the error
    entries are None for an empty set."""
    m = np.asarray(measured, dtype=float)
    p = np.asarray(predicted, dtype=float)
    n = int(m.size)
    if n == 0:
        return {"n": 0, "r2": None, "r2_log": None, "mape": None, "median_abs_pct_err": None,
                "max_abs_pct_err": None, "mean_pct_err": None}
    ape = abs_pct_errors(m, p)
    return {
        "n": n,
        "r2": _clean(r2(m, p)),
        "r2_log": _clean(r2_log(m, p)),
        "mape": float(ape.mean()),
        "median_abs_pct_err": float(np.median(ape)),
        "max_abs_pct_err": float(ape.max()),
        "mean_pct_err": float(np.mean(100.0 * (p - m) / m)),
    }


def _clean(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else x
