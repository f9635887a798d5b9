"""Figures for `pimsim micro --plot`: measured points as markers, predictions as lines."""
from __future__ import annotations

from pathlib import Path


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def draw_arith(ax, rows: list[dict]) -> None:
    by = {}
    for r in rows:
        by.setdefault((r["op"], r["dtype"]), []).append(r)
    for i, ((op, dt), rs) in enumerate(sorted(by.items())):
        rs.sort(key=lambda r: r["nr_tasklets"])
        line, = ax.plot([r["nr_tasklets"] for r in rs], [r["mops"] for r in rs], "-",
                        label=f"{op} {dt}", lw=1.2)
        pts = [r for r in rs if r["measured_cycles_per_op"]]
        if pts:
            freq = rs[0]["mops"] * rs[0]["cycles_per_op"]
            ax.plot([r["nr_tasklets"] for r in pts], [freq / r["measured_cycles_per_op"] for r in pts],
                    "o", color=line.get_color(), ms=3.5, mfc="none")
    ax.set_yscale("log")
    ax.set_xlabel("tasklets")
    ax.set_ylabel("MOPS (line: pimsim, o: measured)")
    ax.set_title("arithmetic throughput, 1 DPU")
    ax.legend(fontsize=5, ncol=3)


def draw_mram(ax, rows: list[dict]) -> None:
    for d in ("read", "write"):
        rs = sorted((r for r in rows if r["direction"] == d), key=lambda r: r["bytes"])
        line, = ax.plot([r["bytes"] for r in rs], [r["bandwidth_mib_s"] for r in rs], "-", label=f"mram_{d}")
        pts = [r for r in rs if r["measured_bandwidth_mib_s"]]
        ax.plot([r["bytes"] for r in pts], [r["measured_bandwidth_mib_s"] for r in pts], "o",
                color=line.get_color(), mfc="none")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("transfer size (bytes)")
    ax.set_ylabel("MB/s (2^20 B/s)")
    ax.set_title("MRAM DMA bandwidth, 1 tasklet")
    ax.legend(fontsize=7)


def draw_stream(ax, rows: list[dict], title: str) -> None:
    for r in rows:
        line, = ax.plot(r["tasklets"], r["bandwidth_mib_s"], "-", label=r["kernel"])
        if r.get("measured_peak_mib_s"):
            ax.axhline(r["measured_peak_mib_s"], color=line.get_color(), ls=":", lw=1)
            ax.plot([r["peak_tasklets"]], [r["measured_peak_mib_s"]], "o", color=line.get_color(), mfc="none")
    ax.set_yscale("log")
    ax.set_xlabel("tasklets")
    ax.set_ylabel("MB/s (2^20 B/s)")
    ax.set_title(title + " (o/dotted: measured peak)")
    ax.legend(fontsize=7)


def save(path: str | Path, panels: list[tuple]) -> str:
    """panels: [(draw_function, args...)]; one subplot each."""
    plt = _plt()
    n = len(panels)
    fig, axes = plt.subplots(1, n, figsize=(5.5 * n, 4.2), squeeze=False)
    for ax, (fn, *args) in zip(axes[0], panels):
        fn(ax, *args)
    from pimsim.analysis.plots import write_figure
    return str(write_figure(fig, path))
