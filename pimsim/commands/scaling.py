"""`pimsim scaling prim NAME`: PrIM-style strong/weak scaling and tasklet-scaling sweeps.

    pimsim scaling prim VA --kind strong --dpus 1,4,16,64 --plot va_strong.png
    pimsim scaling prim VA --kind weak --dpus 1,4,16,64
    pimsim scaling prim VA --dpus 1 --tasklets 1,2,4,8,16      (single-DPU tasklet scaling)

Sizes follow PrIM's run scripts (validation/measurements/README.md): strong scaling keeps the
total size fixed: the workload's 1-rank size (DEFAULT_SIZE) for sweeps up to 64 DPUs and its
32-rank size (STRONG_LARGE_SIZE, when the module defines it) when the sweep goes beyond one
rank; weak scaling gives every DPU WEAK_SIZE_PER_DPU (default: DEFAULT_SIZE) with WEAK_PARAMS.
Sweeps run timing-only unless --functional is given.
"""
from __future__ import annotations

import sys
import time

from pimsim.cli import add_common, add_machine, load_config
from pimsim.commands.run import SUITES, parse_param
from pimsim.errors import PimsimError


def int_list(text: str) -> list[int]:
    try:
        vals = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise PimsimError(f"expected a comma-separated list of integers, got {text!r}") from None
    if not vals or any(v < 1 for v in vals):
        raise PimsimError(f"expected positive integers, got {text!r}")
    return vals


def register(sub) -> None:
    p = sub.add_parser("scaling", help="strong/weak/tasklet scaling sweep of a PrIM workload",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("suite", choices=SUITES)
    p.add_argument("name", help="workload, e.g. VA")
    p.add_argument("--kind", choices=("strong", "weak"), default="strong")
    p.add_argument("--dpus", default="1,4,16,64", help="comma-separated DPU counts (default 1,4,16,64)")
    p.add_argument("--tasklets", default="16",
                   help="comma-separated tasklet counts (default 16); several = tasklet-scaling figure")
    p.add_argument("--size", type=int, default=None,
                   help="strong: total size; weak: size per DPU (default: PrIM's)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--functional", action="store_true", help="also run the kernels and verify (slower)")
    p.add_argument("--seed", type=int, default=0)
    add_common(p)
    add_machine(p)
    p.set_defaults(handler=handle)


def sweep_points(mod, kind: str, dpus: list[int], tasklets: list[int], size: int | None,
                 params: dict) -> list[dict]:
    """The (dpus, tasklets, size, params) of every run of a sweep, by PrIM's sizing rules."""
    pts = []
    if kind == "strong":
        total = size if size is not None else (
            getattr(mod, "STRONG_LARGE_SIZE", mod.DEFAULT_SIZE) if max(dpus) > 64 else mod.DEFAULT_SIZE)
        p = {**getattr(mod, "STRONG_LARGE_PARAMS", {}), **params} if size is None and max(dpus) > 64 else dict(params)
        for d in dpus:
            for t in tasklets:
                pts.append({"dpus": d, "tasklets": t, "size": total, "params": p})
    else:
        per = size if size is not None else getattr(mod, "WEAK_SIZE_PER_DPU", mod.DEFAULT_SIZE)
        p = {**getattr(mod, "WEAK_PARAMS", {}), **params}
        for d in dpus:
            for t in tasklets:
                pts.append({"dpus": d, "tasklets": t, "size": per * d, "params": p})
    return pts


def handle(args) -> dict:
    from pimsim.workloads import prim

    name = prim.canonical(args.name)
    mod = prim.module(name)
    dpus, tasklets = int_list(args.dpus), int_list(args.tasklets)
    params = dict(parse_param(t) for t in args.param)
    cfg = load_config(args)
    rows = []
    wall0 = time.perf_counter()
    points = sweep_points(mod, args.kind, dpus, tasklets, args.size, params)
    for i, pt in enumerate(points, 1):
        t0 = time.perf_counter()
        res = prim.run(name, dpus=pt["dpus"], tasklets=pt["tasklets"], size=pt["size"], params=pt["params"],
                       timing_only=not args.functional, config=cfg, seed=args.seed)
        rows.append({**pt, "time_ms": res.time_ms, "verified": res.verified,
                     "wall_s": round(time.perf_counter() - t0, 3)})
        # progress on stderr, so --json output stays one object
        print(f"[{i}/{len(points)}] {name} {pt['dpus']} DPUs x {pt['tasklets']} tasklets: "
              f"{res.time_ms['total']:.3f} ms simulated in {rows[-1]['wall_s']:.1f} s", file=sys.stderr, flush=True)
    out = {"suite": args.suite, "workload": name, "kind": args.kind, "preset": cfg.name, "rows": rows,
           "wall_s": round(time.perf_counter() - wall0, 3)}
    tasklet_sweep = len(tasklets) > 1 and len(dpus) == 1
    if args.plot:
        from pimsim.analysis.breakdown_plots import plot_breakdown
        labels = [f"{r['tasklets']}" if tasklet_sweep else
                  (f"{r['dpus']}" if len(tasklets) == 1 else f"{r['dpus']}/{r['tasklets']}") for r in rows]
        xlabel = ("tasklets (1 DPU)" if tasklet_sweep and dpus == [1] else
                  "tasklets" if tasklet_sweep else "DPUs" if len(tasklets) == 1 else "DPUs/tasklets")
        title = f"PrIM {name}: {'tasklet' if tasklet_sweep else args.kind} scaling ({cfg.name})"
        out["plot"] = plot_breakdown(labels, [r["time_ms"] for r in rows], args.plot, title=title, xlabel=xlabel,
                                     speedup_of="dpu_kernel")
    if not args.json:
        _print(out)
    return out


def _print(out: dict) -> None:
    print(f"PrIM {out['workload']} {out['kind']} scaling ({out['preset']})")
    head = f"{'DPUs':>6} {'tasklets':>8} {'size':>12} " + " ".join(
        f"{k:>11}" for k in ("cpu_dpu", "dpu_kernel", "inter_dpu", "dpu_cpu", "host", "total")) + "  verified"
    print(head)
    for r in out["rows"]:
        t = r["time_ms"]
        print(f"{r['dpus']:>6} {r['tasklets']:>8} {r['size']:>12} " + " ".join(
            f"{t[k]:>11.4f}" for k in ("cpu_dpu", "dpu_kernel", "inter_dpu", "dpu_cpu", "host", "total"))
            + f"  {r['verified'] if r['verified'] is not None else '-'}")
    print(f"(times in ms; wall {out['wall_s']} s)" + (f"; plot {out['plot']}" if "plot" in out else ""))
