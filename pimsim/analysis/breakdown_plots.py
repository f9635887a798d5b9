"""PrIM-style execution-time breakdown figures: one stacked bar per run (CPU->DPU, DPU kernel,
inter-DPU, DPU->CPU, host), as in the PrIM paper's strong/weak scaling and tasklet figures."""
from __future__ import annotations

from typing import Mapping, Sequence

PARTS = ("cpu_dpu", "dpu_kernel", "inter_dpu", "dpu_cpu", "host")
LABELS = {"cpu_dpu": "CPU-DPU", "dpu_kernel": "DPU kernel", "inter_dpu": "Inter-DPU",
          "dpu_cpu": "DPU-CPU", "host": "Host"}
COLOURS = {"cpu_dpu": "#4c72b0", "dpu_kernel": "#dd8452", "inter_dpu": "#55a868",
           "dpu_cpu": "#c44e52", "host": "#8172b3"}


def plot_breakdown(labels: Sequence[str], times_ms: Sequence[Mapping[str, float]], path: str,
                   title: str = "", xlabel: str = "", parts: Sequence[str] = PARTS,
                   speedup_of: str | None = None) -> str:
    """Draw one stacked bar per entry of `times_ms` (ms per category) and save it to `path`.
    `speedup_of` = a category (e.g. 'dpu_kernel'): annotate each bar with its speedup over
    the first bar for that category, as PrIM's scaling figures do."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if len(labels) != len(times_ms):
        raise ValueError(f"{len(labels)} labels for {len(times_ms)} bars")
    fig, ax = plt.subplots(figsize=(max(4.0, 0.8 * len(labels) + 2), 3.6))
    x = list(range(len(labels)))
    bottom = [0.0] * len(labels)
    for part in parts:
        vals = [float(t.get(part, 0.0)) for t in times_ms]
        if not any(vals):
            continue
        ax.bar(x, vals, bottom=bottom, color=COLOURS.get(part), label=LABELS.get(part, part), width=0.6)
        bottom = [b + v for b, v in zip(bottom, vals)]
    if speedup_of and times_ms and times_ms[0].get(speedup_of):
        base = times_ms[0][speedup_of]
        for xi, t, top in zip(x, times_ms, bottom):
            if t.get(speedup_of):
                ax.annotate(f"{base / t[speedup_of]:.1f}x", (xi, top), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x)
    ax.set_xticklabels(labels)
    ax.set_ylabel("time (ms)")
    if xlabel:
        ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    from pimsim.analysis.plots import write_figure
    return str(write_figure(fig, path))
