"""`pimsim micro arith|mram|wram|all`: PrIM's single-DPU microbenchmarks, predicted vs measured.

Each sub-command prints a table (or one JSON object with --json) and can draw --plot FILE.png.
`pimsim micro all` runs every registered sub-command and ends with the MAPE over all measured
points. Sub-commands are entries of MICRO_COMMANDS; `pimsim micro transfer` (host<->DPU
transfers, pimsim.micro.transfer) is registered there too once it exists -- see the marked place.
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable

from pimsim.cli import add_common, add_machine, load_config
from pimsim.errors import ConfigError
from pimsim.micro import report
from pimsim.micro.common import DTYPES, OPS
from pimsim.micro.mram import STREAM_KERNELS as MRAM_KERNELS
from pimsim.micro.wram import STREAM_KERNELS as WRAM_KERNELS

ARITH_TABLE_TASKLETS = (1, 2, 4, 8, 11, 16, 24)
# STREAM bandwidth is a steady-state figure: 262,144 elements per array (2 MiB, 256 blocks per
# tasklet at 8 tasklets) gives PrIM's 2,097,152-element result to within 0.01 % (tests/test_micro.py)
# in an eighth of the time. --elements 2097152 replays PrIM's exact size.
CLI_STREAM_ELEMENTS = 262144


# ---------------------------------------------------------------- argument helpers
def parse_int_list(text: str | None, what: str = "--tasklets") -> tuple[int, ...] | None:
    """'1,2,4' or '1-16' or '1-8,16' -> (1, 2, ...)."""
    if text is None:
        return None
    out: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part:
                lo, hi = part.split("-", 1)
                out.extend(range(int(lo), int(hi) + 1))
            elif part:
                out.append(int(part))
    except ValueError:
        raise ConfigError(f"{what} {text!r}: expected integers like 1,2,4 or 1-16") from None
    if not out:
        raise ConfigError(f"{what} {text!r}: no values")
    return tuple(out)


def _names(text: str | None, allowed, what: str) -> tuple[str, ...]:
    if not text:
        return tuple(allowed)
    names = tuple(n.strip().upper() for n in text.split(",") if n.strip())
    for n in names:
        if n not in allowed:
            raise ConfigError(f"unknown {what} {n!r}; allowed: {', '.join(allowed)}")
    return names


def _fmt(v, width=9, prec=2) -> str:
    if v is None:
        return "-".rjust(width)
    if isinstance(v, str):
        return v.rjust(width)
    if abs(v) >= 1e4:
        return f"{v:{width}.0f}"
    return f"{v:{width}.{prec}f}"


def _pct(v, width=9) -> str:
    return "-".rjust(width) if v is None else f"{v:+{width - 1}.2f}%"


def _header(cfg, title: str) -> str:
    return f"{title} -- preset {cfg.name} ({cfg.dpu.freq_mhz:g} MHz, hash {cfg.hash()})"


# ---------------------------------------------------------------- arith
def _arith_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tasklets", help=f"tasklet counts, e.g. 1-24 (default {','.join(map(str, ARITH_TABLE_TASKLETS))})")
    p.add_argument("--ops", help=f"operations (default {','.join(OPS)})")
    p.add_argument("--types", help=f"data types (default {','.join(DTYPES)})")


def arith_section(cfg, args, out_lines: list[str]) -> dict:
    tasklets = parse_int_list(getattr(args, "tasklets", None)) or ARITH_TABLE_TASKLETS
    ops = _names(getattr(args, "ops", None), OPS, "operation")
    dtypes = _names(getattr(args, "types", None), tuple(DTYPES), "data type")
    rows = report.arith_rows(cfg, tasklets, ops, dtypes)
    L = out_lines
    L.append(_header(cfg, "Arithmetic throughput, 1 DPU"))
    L.append("PrIM PR7 method: 1,048,576 elements, 1 KB blocks; only the WRAM load-op-store loop is timed;")
    L.append(f"slowest tasklet; cycles/op = its cycles / elements.  MOPS = {cfg.dpu.freq_mhz:g} / (cycles/op).")
    L.append("")
    L.append(f"{'op':4} {'type':7} {'':9}" + "".join(_fmt(f'{k} tl') for k in tasklets) + "  peak MOPS")
    for op in ops:
        for dt in dtypes:
            rs = [r for r in rows if r["op"] == op and r["dtype"] == dt]
            peak = max(r["mops"] for r in rs)
            L.append(f"{op:4} {dt:7} {'pimsim':9}" + "".join(_fmt(r["cycles_per_op"]) for r in rs)
                     + f"  {peak:9.3f}")
            if any(r["measured_cycles_per_op"] for r in rs):
                L.append(f"{'':12} {'measured':9}" + "".join(_fmt(r["measured_cycles_per_op"]) for r in rs))
                L.append(f"{'':12} {'error':9}" + "".join(_pct(r["error_pct"]) for r in rs))
            else:
                L.append(f"{'':12} {'measured':9}  none: modelled from {rs[0]['op_cost']}")
    L.append("")
    L.append("Where no measurement exists (SUB, MUL, DIV), the number is modelled from the op-cost table: native")
    L.append("32-bit add/sub are ISA facts; MUL/DIV and all floating point are emulated, their costs are the preset's")
    L.append("cited estimates (shown above). ADD costs were derived from the same PR7 data at >= 11 tasklets;")
    L.append("the 1..10-tasklet points test the revolver-pipeline mechanism.")
    return {"rows": rows, "tasklets": list(tasklets)}


# ---------------------------------------------------------------- mram
def _mram_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tasklets", help="tasklet counts of the STREAM sweep (default 1-16, as STREAM/run.sh)")
    p.add_argument("--sizes", help="DMA sizes in bytes (default 8,16,..,2048)")
    p.add_argument("--kernels", help=f"STREAM kernels (default {','.join(MRAM_KERNELS)})")
    p.add_argument("--elements", type=int, default=CLI_STREAM_ELEMENTS,
                   help=f"INT64 elements per STREAM array (default {CLI_STREAM_ELEMENTS}; PrIM used 2097152)")


def mram_section(cfg, args, out_lines: list[str]) -> dict:
    sizes = parse_int_list(getattr(args, "sizes", None), "--sizes") or report.MRAM_SIZES
    tasklets = parse_int_list(getattr(args, "tasklets", None)) or report.STREAM_TASKLETS
    kernels = _names(getattr(args, "kernels", None), MRAM_KERNELS, "STREAM kernel")
    elements = getattr(args, "elements", CLI_STREAM_ELEMENTS)
    dma = report.mram_rows(cfg, sizes)
    stream = report.stream_rows(cfg, tasklets, kernels, "MRAM", elements)
    L = out_lines
    L.append(_header(cfg, "MRAM <-> WRAM DMA, 1 DPU, 1 tasklet"))
    L.append("PrIM MRAM-Latency method: perfcounter around each mram_read / mram_write.  MB/s = 2^20 B/s.")
    L.append("")
    L.append(f"{'bytes':>6} | {'read cyc':>9} {'read MB/s':>10} {'measured':>9} {'error':>9} | "
             f"{'write cyc':>9} {'write MB/s':>10} {'measured':>9} {'error':>9}")
    for n in sizes:
        r = next(x for x in dma if x["direction"] == "read" and x["bytes"] == n)
        w = next(x for x in dma if x["direction"] == "write" and x["bytes"] == n)
        L.append(f"{n:>6} | {r['latency_cycles']:9.1f} {r['bandwidth_mib_s']:10.2f} "
                 f"{_fmt(r['measured_bandwidth_mib_s'])} {_pct(r['error_pct'])} | "
                 f"{w['latency_cycles']:9.1f} {w['bandwidth_mib_s']:10.2f} "
                 f"{_fmt(w['measured_bandwidth_mib_s'])} {_pct(w['error_pct'])}")
    for note in sorted({report.clock_note(cfg, p) for p in report.meas.mram_points()} - {None}):
        L.append(f"warning: {note}: the measured MB/s are not comparable with this preset")
    L.append(f"(one lone-tasklet DMA = alpha + beta*bytes: read {cfg.dma.read_alpha_cycles:g} + "
             f"{cfg.dma.read_beta_cycles_per_byte:g}*B, write {cfg.dma.write_alpha_cycles:g} + "
             f"{cfg.dma.write_beta_cycles_per_byte:g}*B cycles, from the preset)")
    L.append("")
    _stream_table(cfg, stream, L, f"STREAM in MRAM, INT64, 1 KB blocks, {elements:,} elements per array "
                                  "(bytes read + written / slowest tasklet's loop time)")
    return {"dma": dma, "stream": stream, "stream_elements": elements}


def _stream_table(cfg, rows: list[dict], L: list[str], title: str) -> None:
    L.append(_header(cfg, title))
    tasklets = rows[0]["tasklets"] if rows else []
    L.append(f"{'kernel':9}" + "".join(_fmt(f'{k} tl') for k in tasklets) + f"{'peak':>10} {'measured':>9} {'error':>9}")
    for r in rows:
        L.append(f"{r['kernel']:9}" + "".join(_fmt(v) for v in r["bandwidth_mib_s"])
                 + f"{r['peak_mib_s']:10.2f} {_fmt(r['measured_peak_mib_s'])} {_pct(r['error_pct'])}")
    if any(r["measured_peak_mib_s"] is None for r in rows):
        L.append("('-': no measured point; modelled from the DMA alpha/beta and the op-cost table)")


# ---------------------------------------------------------------- wram
def _wram_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tasklets", help="tasklet counts (default 1-16, as STREAM/run.sh)")
    p.add_argument("--kernels", help=f"STREAM kernels (default {','.join(WRAM_KERNELS)})")


def wram_section(cfg, args, out_lines: list[str]) -> dict:
    tasklets = parse_int_list(getattr(args, "tasklets", None)) or report.STREAM_TASKLETS
    kernels = _names(getattr(args, "kernels", None), WRAM_KERNELS, "WRAM STREAM kernel")
    rows = report.stream_rows(cfg, tasklets, kernels, "WRAM")
    _stream_table(cfg, rows, out_lines, "STREAM in WRAM, INT64 (only the WRAM loop timed, between barriers)")
    out_lines.append("No measured WRAM STREAM point is in validation/measurements: these are modelled from the")
    out_lines.append("op-cost table (loads/stores and add are ISA facts; mul_int64 is derived from STREAM-MRAM SCALE).")
    return {"stream": rows}


# ---------------------------------------------------------------- transfer
def _transfer_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dpus", help="DPUs in one rank (default 1,2,4,8,16,32,64)")
    p.add_argument("--sizes", help="bytes per DPU (default 8,2048,65536,1048576,33554432)")


def transfer_section(cfg, args, out_lines: list[str]) -> dict:
    from pimsim.micro import transfer
    dpus = parse_int_list(getattr(args, "dpus", None), "--dpus") or (1, 2, 4, 8, 16, 32, 64)
    sizes = parse_int_list(getattr(args, "sizes", None), "--sizes") or (8, 2048, 65536, 1 << 20, 32 << 20)
    rows = transfer.sweep(cfg, dpus=dpus, sizes=sizes)
    vrows = transfer.validation_rows(cfg)
    L = out_lines
    L.append(_header(cfg, "host <-> DPU transfers (PrIM CPU-DPU method; GB/s = 10^9 B/s delivered)"))
    L.append(f"{'kind':17} {'DPUs':>5} " + "".join(f"{_size(b):>10}" for b in sizes))
    for kind in transfer.KINDS:
        for n in dpus:
            vals = [next(r["gbps"] for r in rows if r["kind"] == kind and r["nr_dpus"] == n
                         and r["bytes_per_dpu"] == b and "nr_ranks" not in r) for b in sizes]
            L.append(f"{kind:17} {n:>5} " + "".join(f"{v:10.3f}" for v in vals))
    L.append("")
    L.append("over ranks, 32 MiB per DPU (ranks dealt round-robin over the DDR channels; a channel caps the ranks sharing it):")
    for kind in ("parallel_cpu_dpu", "parallel_dpu_cpu", "broadcast"):
        rs = [r for r in rows if r["kind"] == kind and "nr_ranks" in r]
        L.append(f"  {kind:17} " + "  ".join(f"{r['nr_ranks']}r:{r['gbps']:.1f}" for r in rs))
    L.append("")
    L.append("measured points (validation/measurements):")
    for r in vrows:
        L.append(f"  {r['variant']:32} {r['nr_dpus']:>3} DPUs  pimsim {r['gbps']:7.3f}  measured "
                 f"{r['measured_gbps']:7.3f}  error {r['error_pct']:+6.2f} %")
    L.append("(the per-rank bandwidths and exponents were derived from these same points; see models/*.toml)")
    return {"rows": rows, "validation": vrows}


def _size(b: int) -> str:
    for unit, shift in (("MiB", 20), ("KiB", 10)):
        if b >= 1 << shift and b % (1 << shift) == 0:
            return f"{b >> shift}{unit}"
    return f"{b}B"


def _transfer_panels(res):
    from pimsim.micro import transfer
    return [(transfer.draw, res["rows"], res["validation"]), (transfer.draw_ranks, res["rows"])]


# ---------------------------------------------------------------- registry and handlers
# name -> (help, add_arguments, section(cfg, args, lines) -> dict, plot panels(result) -> list)
MICRO_COMMANDS: dict[str, tuple[str, Callable, Callable, Callable]] = {}


def _arith_panels(res):
    from pimsim.micro import plots
    return [(plots.draw_arith, res["rows"])]


def _mram_panels(res):
    from pimsim.micro import plots
    return [(plots.draw_mram, res["dma"]), (plots.draw_stream, res["stream"], "STREAM-MRAM, INT64")]


def _wram_panels(res):
    from pimsim.micro import plots
    return [(plots.draw_stream, res["stream"], "STREAM-WRAM, INT64")]


MICRO_COMMANDS["arith"] = ("arithmetic throughput (ADD/SUB/MUL/DIV x 6 types) vs tasklets",
                           _arith_args, arith_section, _arith_panels)
MICRO_COMMANDS["mram"] = ("MRAM DMA latency/bandwidth vs size, and STREAM-MRAM vs tasklets",
                          _mram_args, mram_section, _mram_panels)
MICRO_COMMANDS["wram"] = ("STREAM in WRAM vs tasklets", _wram_args, wram_section, _wram_panels)
MICRO_COMMANDS["transfer"] = ("host<->DPU transfers: serial, parallel, broadcast; 1..64 DPUs, 8 B..32 MiB, 1..40 ranks",
                              _transfer_args, transfer_section, _transfer_panels)


def _run(names: list[str], args) -> dict:
    cfg = load_config(args)
    lines: list[str] = []
    out: dict = {"preset": cfg.name, "preset_hash": cfg.hash(), "freq_mhz": cfg.dpu.freq_mhz}
    panels = []
    for name in names:
        _, _, section, panel_fn = MICRO_COMMANDS[name]
        res = section(cfg, args, lines)
        lines.append("")
        out[name] = res
        panels += panel_fn(res)
    if len(names) > 1:           # `micro all`: every measured point, whatever the sweeps showed
        peaks = {r["kernel"]: r["peak_mib_s"] for r in out.get("mram", {}).get("stream", [])
                 if r["tasklets"] == list(report.STREAM_TASKLETS)}
        elements = out.get("mram", {}).get("stream_elements", CLI_STREAM_ELEMENTS)
        vrows = report.validation_rows(cfg, elements, peaks)
        if vrows:
            summary = report.mape_by_group(vrows)
            out["validation"] = {"rows": vrows, "mape": summary}
            lines.append("Measured points (validation/measurements/), predicted vs measured:")
            for g in ("arith", "mram", "stream-mram", "all"):
                if g in summary:
                    s = summary[g]
                    lines.append(f"  {g:12} n = {s['n']:3}   MAPE = {s['mape_pct']:5.2f} %   "
                                 f"max |error| = {s['max_abs_error_pct']:5.2f} %")
            notes = sorted({r["note"] for r in vrows if r.get("note")})
            for note in notes:
                lines.append(f"  warning: {note}: its MB/s points are not comparable with this preset")
    if getattr(args, "plot", None):
        from pimsim.micro import plots
        out["plot"] = plots.save(args.plot, panels)
        lines.append(f"plot written to {out['plot']}")
    if not args.json:
        print("\n".join(lines).rstrip())
        sys.stdout.flush()
    return out


def register(sub) -> None:
    p = sub.add_parser("micro", help="PrIM's single-DPU microbenchmarks: predicted vs measured")
    msub = p.add_subparsers(dest="micro", required=True)
    for name, (help_text, add_args, _, _) in MICRO_COMMANDS.items():
        q = msub.add_parser(name, help=help_text)
        add_common(q)
        add_machine(q)
        add_args(q)
        q.set_defaults(handler=lambda args, _n=name: _run([_n], args))
    q = msub.add_parser("all", help="run every microbenchmark and report the MAPE over all measured points")
    add_common(q)
    add_machine(q)
    q.add_argument("--tasklets", help="tasklet counts for every sweep (default: each sub-command's own)")
    q.add_argument("--elements", type=int, default=CLI_STREAM_ELEMENTS,
                   help=f"INT64 elements per STREAM-MRAM array (default {CLI_STREAM_ELEMENTS}; PrIM used 2097152)")
    q.set_defaults(handler=lambda args: _run(list(MICRO_COMMANDS), args))
