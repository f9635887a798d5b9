"""`pimsim run prim NAME`: run one PrIM workload and print its time breakdown.

    pimsim run prim VA --dpus 64 --tasklets 16 --size 2621440 --timing-only --json
    pimsim run prim GEMV --dpus 4 --param n=64 --size 8192 --plot gemv.png
"""
from __future__ import annotations

import tomllib

from pimsim.cli import add_common, add_machine, load_config
from pimsim.errors import PimsimError

SUITES = ("prim",)


def parse_param(text: str) -> tuple[str, object]:
    """'n=64' -> ('n', 64); values are read as TOML scalars, else kept as strings."""
    if "=" not in text:
        raise PimsimError(f"--param {text!r} must look like key=value")
    key, raw = (s.strip() for s in text.split("=", 1))
    if not key:
        raise PimsimError(f"--param {text!r} has an empty key")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def register(sub) -> None:
    p = sub.add_parser("run", help="run one benchmark workload (PrIM) and print its time breakdown",
                       description="Runs one workload of a suite with the host program's steps and "
                                   "prints the time per category (CPU-DPU, DPU kernel, inter-DPU, "
                                   "DPU-CPU, host) and whether the output matched the reference.")
    p.add_argument("suite", choices=SUITES, help="benchmark suite")
    p.add_argument("name", help="workload (e.g. VA, GEMV, SEL, BS; see `pimsim run prim list`)")
    p.add_argument("--dpus", type=int, default=1, help="number of DPUs (default 1)")
    p.add_argument("--tasklets", type=int, default=16, help="tasklets per DPU (default 16)")
    p.add_argument("--size", type=int, default=None,
                   help="total problem size (meaning per workload: see DESCRIPTION / validation README)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a parameter of the PrIM host program (repeatable), e.g. --param n=64")
    p.add_argument("--timing-only", action="store_true", help="skip functional execution (no verification)")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated inputs")
    add_common(p)
    add_machine(p)
    p.set_defaults(handler=handle)


def handle(args) -> dict:
    from pimsim.workloads import prim

    if args.name.lower() == "list":
        rows = []
        for n in prim.NAMES:
            try:
                mod = prim.module(n)
                rows.append({"name": n, "description": mod.DESCRIPTION, "default_size": mod.DEFAULT_SIZE,
                             "params": dict(mod.PARAMS)})
            except PimsimError:
                rows.append({"name": n, "description": "(not implemented yet)"})
        if not args.json:
            for r in rows:
                print(f"{r['name']:9s} {r['description']}")
        return {"workloads": rows}
    name = prim.canonical(args.name)
    mod = prim.module(name)
    params = dict(parse_param(t) for t in args.param)
    cfg = load_config(args)
    res = prim.run(name, dpus=args.dpus, tasklets=args.tasklets, size=args.size, params=params,
                   timing_only=args.timing_only, config=cfg, seed=args.seed)
    size = args.size if args.size is not None else mod.DEFAULT_SIZE
    out = {"suite": args.suite, "workload": name, "dpus": args.dpus, "tasklets": args.tasklets, "size": size,
           "params": {**dict(mod.PARAMS), **params}, **res.to_dict()}
    if args.plot:
        from pimsim.analysis.breakdown_plots import plot_breakdown
        out["plot"] = plot_breakdown([f"{args.dpus} DPU{'s' if args.dpus > 1 else ''}"], [res.time_ms], args.plot,
                                     title=f"PrIM {name}, size {size}, {args.tasklets} tasklets ({cfg.name})")
    if not args.json:
        _print(out)
    return out


def _print(out: dict) -> None:
    t = out["time_ms"]
    print(f"PrIM {out['workload']}: {out['dpus']} DPUs x {out['tasklets']} tasklets, size {out['size']}"
          + (f", params {out['params']}" if out["params"] else ""))
    for k in ("cpu_dpu", "dpu_kernel", "inter_dpu", "dpu_cpu", "host", "total"):
        print(f"  {k:11s} {t[k]:12.4f} ms")
    v = out["verified"]
    print(f"  verified    {'n/a (timing only)' if v is None else v}")
    if "plot" in out:
        print(f"  plot        {out['plot']}")
