"""Chrome / Perfetto trace export of a DPU run (`run_dpu(..., trace=True)`).

One process per DPU, one thread per tasklet; every phase (compute, dma_read, dma_write, sync)
is a complete event ("ph": "X") with its start and duration in microseconds, as the
Trace Event Format asks. Open the JSON in https://ui.perfetto.dev or chrome://tracing.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pimsim.errors import PimsimError
from pimsim.units import PS_PER_US, ps_to_cycles

CATEGORIES = {"compute": "pipeline", "dma_read": "dma", "dma_write": "dma", "sync": "sync"}


def to_chrome_trace(result: Any, pid: int = 0, name: str | None = None) -> dict:
    """Trace-event JSON (a dict) of a DpuRunResult recorded with trace=True."""
    if getattr(result, "trace", None) is None:
        raise PimsimError("this result has no trace: run it with run_dpu(..., trace=True)")
    freq = result.freq_mhz
    cfg = result.config
    label = name or f"DPU ({cfg.name}, {freq:g} MHz, {result.nr_tasklets} tasklets)"
    events: list[dict] = [
        {"name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": {"name": label}},
    ]
    for t in range(result.nr_tasklets):
        events.append({"name": "thread_name", "ph": "M", "pid": pid, "tid": t, "args": {"name": f"tasklet {t}"}})
        events.append({"name": "thread_sort_index", "ph": "M", "pid": pid, "tid": t, "args": {"sort_index": t}})
    for tasklet, kind, start_ps, end_ps in sorted(result.trace, key=lambda e: (e[2], e[0], e[3])):
        events.append({
            "name": kind, "cat": CATEGORIES.get(kind, kind), "ph": "X", "pid": pid, "tid": tasklet,
            "ts": start_ps / PS_PER_US, "dur": (end_ps - start_ps) / PS_PER_US,
            "args": {"start_cycle": ps_to_cycles(start_ps, freq), "cycles": ps_to_cycles(end_ps - start_ps, freq)},
        })
    return {
        "traceEvents": events,
        "displayTimeUnit": "ns",
        "otherData": {"total_cycles": result.cycles, "total_us": result.total_ps / PS_PER_US,
                      **{k: str(v) for k, v in dict(result.provenance).items()}},
    }


def write_chrome_trace(result: Any, path: str | Path, **kw) -> str:
    """Write the trace JSON to `path`; returns the path."""
    Path(path).write_text(json.dumps(to_chrome_trace(result, **kw)))
    return str(path)
