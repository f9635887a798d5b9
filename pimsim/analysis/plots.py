"""Validation and calibration figures (matplotlib, Agg backend, PNG files)."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from pimsim.analysis.predict import GROUPS, Prediction  # noqa: E402

MARKERS = {"microbenchmarks": "s", "single-dpu-kernel": "o", "multi-dpu-kernel": "D", "cpu-dpu": "^",
           "dpu-cpu": "v", "inter-dpu": "P", "host": "X", "total": "*", "other": "."}


def write_figure(fig, path: str | Path) -> Path:
    """Lay out one figure, write it as a PNG (creating its folder) and free it."""
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _colours(names: Sequence[str]) -> dict[str, tuple]:
    cmap = plt.get_cmap("tab20")
    return {n: cmap(i % 20) for i, n in enumerate(names)}


def scatter(preds: Sequence[Prediction], path: str | Path, title: str = "",
            highlight_ids: set[str] | None = None) -> Path:
    """Measured vs predicted on log axes with the y = x line; one colour per workload, one
    marker per group. Points in `highlight_ids` (e.g. held-out ones) get a black edge."""
    ps = [p for p in preds if p.scorable and p.predicted > 0]
    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    workloads = sorted({p.m.workload for p in ps})
    colours = _colours(workloads)
    for w in workloads:
        for g in GROUPS:
            sel = [p for p in ps if p.m.workload == w and p.group == g]
            if not sel:
                continue
            for held in (False, True):
                part = [p for p in sel if bool(highlight_ids and p.m.id in highlight_ids) == held]
                if part:
                    ax.scatter([p.m.value for p in part], [p.predicted for p in part], s=26, alpha=0.85,
                               color=colours[w], marker=MARKERS.get(g, "o"),
                               edgecolors="k" if held else "face", linewidths=0.9 if held else 0)
    if ps:
        lo = min(min(p.m.value for p in ps), min(p.predicted for p in ps)) / 2
        hi = max(max(p.m.value for p in ps), max(p.predicted for p in ps)) * 2
        xs = np.array([lo, hi])
        ax.plot(xs, xs, "k-", lw=1, label="y = x")
        ax.plot(xs, xs * 1.2, "k:", lw=0.7, label="±20 %")
        ax.plot(xs, xs / 1.2, "k:", lw=0.7)
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("measured (row's unit: ms, cycles/op, MB/s, GB/s)")
    ax.set_ylabel("predicted (same unit)")
    ax.set_title(title or "pimsim: predicted vs measured")
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], ls="", marker="o", color=colours[w], label=w) for w in workloads]
    handles += [Line2D([], [], ls="", marker=MARKERS.get(g, "o"), color="grey", label=g)
                for g in GROUPS if any(p.group == g for p in ps)]
    if highlight_ids:
        handles.append(Line2D([], [], ls="", marker="o", mfc="white", mec="k", label="held out"))
    handles += ax.get_legend_handles_labels()[0]
    ax.legend(handles=handles, fontsize=7, loc="upper left", ncol=2, framealpha=0.8)
    ax.grid(True, which="both", lw=0.3, alpha=0.5)
    return write_figure(fig, path)


def error_bars(scores: dict, path: str | Path, title: str = "") -> Path:
    """Per-workload error: for each workload one bar per group = MAPE, whisker up to the
    maximum absolute % error. `scores` is validate.score(...)['workloads']."""
    workloads = list(scores)
    groups = [g for g in GROUPS if any(g in scores[w].get("groups", {}) for w in workloads)]
    fig, ax = plt.subplots(figsize=(max(7.0, 0.7 * len(workloads) + 2), 4.8))
    width = 0.8 / max(1, len(groups))
    colours = _colours(groups)
    x = np.arange(len(workloads))
    for i, g in enumerate(groups):
        mape = np.array([scores[w]["groups"].get(g, {}).get("mape") or np.nan for w in workloads], float)
        mx = np.array([scores[w]["groups"].get(g, {}).get("max_abs_pct_err") or np.nan for w in workloads],
                      float)
        up = np.where(np.isnan(mx), 0, mx - np.nan_to_num(mape))
        ax.bar(x + (i - (len(groups) - 1) / 2) * width, np.nan_to_num(mape), width, color=colours[g],
               label=g, yerr=[np.zeros_like(up), up], capsize=2, error_kw={"lw": 0.7})
    ax.set_xticks(x, workloads, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("|error| %  (bar: mean, whisker: max)")
    ax.set_yscale("symlog", linthresh=10)
    ax.set_title(title or "pimsim: error per workload")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(True, axis="y", lw=0.3, alpha=0.5)
    return write_figure(fig, path)
