"""`pimsim validate`: predict every measured point and report how well pimsim does."""
from __future__ import annotations

import shlex
import sys

from pimsim.cli import add_common, add_point_options


def register(sub) -> None:
    p = sub.add_parser(
        "validate", help="predict measured UPMEM points and report R², MAPE, median and max error",
        description="Predicts every point of the measurement files (default: the project's "
                    "validation/measurements/) and scores the predictions overall, per group and per "
                    "workload. Points that cannot be predicted are listed with the reason.")
    p.add_argument("--measurements", nargs="+", action="extend", metavar="FILE",
                   help="measurement CSV file(s) in the validation schema (repeatable)")
    p.add_argument("--report", metavar="DIR",
                   help="write DIR/REPORT.md and figures (scatter, per-workload error bars) into DIR")
    p.add_argument("--points", action="store_true", help="with --json: include every point")
    add_point_options(p)
    add_common(p)
    p.set_defaults(handler=handle)


def _progress():
    """A progress callback printing to stderr every tenth of the way (--json stays clean)."""
    def report(what: str, done: int, total: int) -> None:
        if done == total or done % max(1, total // 10) == 0:
            print(f"validate: {what} {done}/{total}", file=sys.stderr, flush=True)
    return report


def handle(args) -> dict:
    from pimsim.analysis import measurements as ms
    from pimsim.analysis.predict import Predictor
    from pimsim.analysis.validate import validate, write_report
    from pimsim.config import load_preset

    cfg = load_preset(args.preset, args.overrides)
    files = args.measurements or [str(f) for f in ms.default_files()]
    points = ms.load(files)
    points = ms.select_systems(points, args.system)
    predictor = Predictor(progress=None if args.quiet else _progress())
    res = validate(points, cfg, files=files, jobs=args.jobs, predictor=predictor)
    out = res.to_dict(points=args.points)
    if args.report:
        command = "pimsim " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == ["validate"] \
            else "pimsim validate"
        out["report_files"] = write_report(res, args.report, command=command)
    if args.plot:
        from pimsim.analysis import plots
        plots.scatter(res.predictions, args.plot, title=f"pimsim ({cfg.name}) vs measured UPMEM",
                      highlight_ids=set(res.calibration.get("heldout_points", []) or []) or None)
        out["plot"] = args.plot
    if not args.json:
        print_summary(out)
    return out


def print_summary(out: dict) -> None:
    print(f"preset {out['preset']}: {out['n_points']} points, {out['n_scored']} scored, "
          f"{out['n_unpredicted']} cannot be predicted, {out['n_zero_measured']} measured as 0")
    if len(out["systems"]) > 1:
        from pimsim.analysis.validate import machine_note, machines_sentence
        print(f"the points come from {len(out['systems'])} machines (system column). {machines_sentence(out)} "
              "--system TEXT scores one machine's points:")
        for name, n in out["systems"].items():
            note = machine_note(out, name)
            print(f"  {n:>4} points  {name}" + (f"  ({note.removeprefix(', ')})" if note else ""))

    from pimsim.analysis.metrics import interval_text, number_text
    from pimsim.analysis.validate import indistinct_rows, spread_rows

    def table(title, sc):
        print(f"\n{title}")
        print(f"  {'group':<22} {'n':>4} {'R2':>7} {'R2log':>7} {'MAPE%':>7} {'95% interval':>13} "
              f"{'med%':>7} {'max%':>8}")
        for name, s in sc.items():
            print(f"  {name:<22} {s['n']:>4} {number_text(s['r2'], 3):>7} {number_text(s['r2_log'], 3):>7} "
                  f"{number_text(s['mape']):>7} {interval_text(s['mape_ci95']):>13} "
                  f"{number_text(s['median_abs_pct_err']):>7} {number_text(s['max_abs_pct_err']):>8}")

    if "heldout" in out:
        table("held-out points (not used in the calibration)",
              {"overall": out["heldout"]["overall"], **out["heldout"]["groups"]})
    table("all points", {"overall": out["overall"], **out["groups"]})
    rows = spread_rows({"overall": out["overall"], **out["groups"]})
    if rows:
        print("\nagainst the measurements' own spread (points whose uncertainty gives sd=)")
        print(f"  {'group':<22} {'n':>4} {'within 2 sd':>12} {'median sd%':>11}")
        for g, n, k, med in rows:
            print(f"  {g:<22} {n:>4} {f'{k} ({100 * k / n:.0f}%)':>12} {med:>11.1f}")
    rows = indistinct_rows({"overall": out["overall"], **out["groups"]})
    if rows:
        print("\npoints the preset cannot tell apart (same metric, same prediction): the least MAPE any "
              "shared prediction can reach")
        print(f"  {'group':<22} {'n':>4} {'sets':>5} {'least%':>7} {'pimsim%':>8} {'group MAPE%':>12} "
              f"{'group least%':>13}")
        for g, n, k, fl, mo, gm, gf in rows:
            print(f"  {g:<22} {n:>4} {k:>5} {fl:>7.1f} {mo:>8.1f} {gm:>12.1f} {gf:>13.1f}")
    table("per workload", out["workloads"])
    if out["unpredicted"]:
        reasons: dict[str, int] = {}
        for u in out["unpredicted"]:
            reasons[u["reason"]] = reasons.get(u["reason"], 0) + 1
        print("\ncannot predict:")
        for r, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
            print(f"  {n:>4} x {r}")
    if "report_files" in out:
        print(f"\nreport written: {out['report_files']['report']}")
