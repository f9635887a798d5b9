"""`pimsim calibrate`: fit a preset's free parameters to measured points and write a
calibrated preset (a full preset plus a [calibration] record of the fit)."""
from __future__ import annotations

import shlex
import sys
from pathlib import Path

from pimsim.cli import add_common, add_point_options
from pimsim.errors import ConfigError


def register(sub) -> None:
    p = sub.add_parser(
        "calibrate", help="fit the preset's free parameters to measured points",
        description="Fits preset parameters (op-cost table, DMA alpha/beta, transfer bandwidths and "
                    "overheads, launch overhead) with bounded least squares on relative error, on the "
                    "points not held out, and writes a full preset recording the fit.")
    p.add_argument("--measurements", nargs="+", action="extend", metavar="FILE", required=True,
                   help="measurement CSV file(s) in the validation schema")
    p.add_argument("--out", metavar="models/calibrated/NAME.toml",
                   help="preset file to write (required unless --cv)")
    p.add_argument("--cv", type=int, metavar="K",
                   help="instead of writing a preset, cross-validate: fit K times, each time holding out "
                        "one of K seeded folds of every workload's experiments, and score each point's "
                        "prediction by the fit that did not see it (with --report DIR: DIR/CROSSVALIDATION.md)")
    p.add_argument("--holdout", type=float, metavar="FRACTION",
                   help="hold out this seeded random fraction of each workload's experiments "
                        "(with --holdout-by workload: the fraction of workloads)")
    p.add_argument("--holdout-by", choices=["workload", "nr_dpus"],
                   help="hold out whole workloads, or DPU counts (default: each workload's largest)")
    p.add_argument("--holdout-values", metavar="V,V", help="with --holdout-by: the workloads / DPU counts")
    p.add_argument("--seed", type=int, default=0, help="seed of the held-out split (default 0)")
    p.add_argument("--params", action="append", default=[], metavar="SECTION.FIELD[=LO:HI],...",
                   help="parameters to fit (comma-separated, repeatable); default: a small set per "
                        "group of points present")
    p.add_argument("--joint", action="store_true",
                   help="fit all parameters on all points at once instead of in stages")
    p.add_argument("--jacobian", choices=["broyden", "2-point"], default="broyden",
                   help="finite differences once then sparse Broyden updates (default, one model "
                        "evaluation per iteration), or finite differences at every iteration")
    p.add_argument("--max-nfev", type=int, default=40, help="residual evaluations per stage (default 40)")
    p.add_argument("--diff-step", type=float, default=0.02, help="relative finite-difference step (default 0.02)")
    p.add_argument("--weigh-by-sd", action="store_true",
                   help="weigh each point by its measured run-to-run spread (sd=<value> in the uncertainty "
                        "column): relative error / relative sd; points without sd= weigh as the median")
    p.add_argument("--loss", choices=["linear", "soft_l1", "huber", "cauchy", "arctan"], default="linear",
                   help="least-squares loss on the relative errors: linear (sum of squares, default), or a "
                        "robust one (soft_l1 grows like |error| beyond --loss-scale, as a MAPE does)")
    p.add_argument("--loss-scale", type=float, metavar="PCT",
                   help="relative error (%%) beyond which a robust loss counts errors about linearly "
                        "(default 5)")
    p.add_argument("--exclude-metric", action="append", default=[], metavar="METRIC",
                   help="leave points of this metric out of the fit (repeatable), e.g. inter_dpu_time; "
                        "they are recorded as excluded and still validated")
    p.add_argument("--per-machine", action="append", default=[], metavar="SECTION",
                   help="fit this host-side section's parameters (transfer, launch, host) once per machine "
                        "named in the system column, and write the other machines' values as "
                        "[machines] entries of the preset (repeatable)")
    p.add_argument("--name", help="preset name (default: the output file's stem)")
    p.add_argument("--report", metavar="DIR", help="also validate the calibrated preset and write DIR/REPORT.md "
                                                   "(with --cv: DIR/CROSSVALIDATION.md)")
    add_point_options(p)
    add_common(p)
    p.set_defaults(handler=handle)


def handle(args) -> dict:
    from pimsim.analysis import measurements as ms
    from pimsim.analysis.calibrate import calibrate, write_preset
    from pimsim.config import load_preset

    if args.holdout is not None and args.holdout_by is None and not 0 < args.holdout < 1:
        raise ConfigError(f"--holdout {args.holdout}: expected a fraction between 0 and 1")
    if args.holdout_values and not args.holdout_by:
        raise ConfigError("--holdout-values needs --holdout-by workload|nr_dpus")
    if args.cv is not None:
        if args.out or args.holdout is not None or args.holdout_by:
            raise ConfigError("--cv makes its own held-out folds and writes no preset: drop --out, "
                              "--holdout and --holdout-by (run without --cv to write a preset)")
        if args.cv < 2:
            raise ConfigError(f"--cv {args.cv}: expected at least 2 folds")
    elif not args.out:
        raise ConfigError("--out models/calibrated/NAME.toml is required (or --cv K to cross-validate)")
    cfg = load_preset(args.preset, args.overrides)
    points = ms.load(args.measurements)
    points = ms.select_systems(points, args.system)
    params = [s for spec in args.params for s in spec.split(",") if s.strip()]
    command = "pimsim " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == ["calibrate"] \
        else "pimsim calibrate"
    progress = None if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    if args.cv is not None:
        return _cross_validate(args, points, cfg, params, command, progress)
    out_path = Path(args.out)
    res = calibrate(points, cfg, params or None, holdout=args.holdout, holdout_by=args.holdout_by,
                    holdout_values=args.holdout_values.split(",") if args.holdout_values else None,
                    seed=args.seed, joint=args.joint, max_nfev=args.max_nfev, diff_step=args.diff_step,
                    name=args.name or out_path.stem, progress=progress, jobs=args.jobs,
                    jacobian=args.jacobian, exclude_metrics=tuple(args.exclude_metric),
                    per_machine=_sections(args.per_machine), weigh_by_sd=args.weigh_by_sd,
                    **_loss_options(args))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    write_preset(res, str(out_path), command=command)
    out = res.to_dict()
    out["out"] = str(out_path)
    if args.report or args.plot:
        from pimsim.analysis.validate import validate, write_report
        fitted = load_preset(out_path)
        vres = validate(points, fitted, files=args.measurements, jobs=args.jobs)
        if args.report:
            out["report_files"] = write_report(vres, args.report, command=command)
        if args.plot:
            from pimsim.analysis import plots
            plots.scatter(vres.predictions, args.plot, title=f"pimsim ({fitted.name}) vs measured",
                          highlight_ids={m.id for m in res.heldout_points} or None)
            out["plot"] = args.plot
    if not args.json:
        print_summary(out)
    return out


def _loss_options(args) -> dict:
    """--loss and --loss-scale (a percentage) as calibrate's keywords; calibrate checks them."""
    out = {"loss": args.loss}
    if args.loss_scale is not None:
        if args.loss == "linear":
            raise ConfigError(f"--loss-scale {args.loss_scale:g}: only a robust --loss uses it "
                              "(soft_l1, huber, cauchy, arctan); --loss is linear")
        out["loss_scale"] = args.loss_scale / 100
    return out


def _sections(specs: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s.strip() for spec in specs for s in spec.split(",") if s.strip()))


def _cross_validate(args, points, cfg, params, command, progress) -> dict:
    from pimsim.analysis.calibrate import cross_validate
    from pimsim.analysis.metrics import interval_text, number_text
    from pimsim.analysis.validate import TARGETS, write_cv_report

    cv = cross_validate(points, cfg, params or None, k=args.cv, seed=args.seed, jobs=args.jobs,
                        progress=progress, joint=args.joint, max_nfev=args.max_nfev,
                        diff_step=args.diff_step, jacobian=args.jacobian,
                        exclude_metrics=tuple(args.exclude_metric), per_machine=_sections(args.per_machine),
                        weigh_by_sd=args.weigh_by_sd, **_loss_options(args))
    out = cv.to_dict()
    if args.report:
        out["report_files"] = write_cv_report(cv, args.report, command=command)
    if args.plot:
        from pimsim.analysis import plots
        plots.scatter(cv.predictions, args.plot, title=f"pimsim, {cv.k}-fold cross-validation")
        out["plot"] = args.plot
    if not args.json:
        sc = out["cv"]
        print(f"{cv.k}-fold cross-validation (seed {cv.seed}), {cv.wall_s:.1f} s: "
              "MAPE of each point predicted by the fit that held it out")
        print(f"\n  {'group':<20} {'n':>4} {'MAPE %':>7} {'95% interval':>13} {'max %':>7}  target")
        for g, s in [("overall", sc["overall"]), *sc["groups"].items()]:
            tgt = TARGETS.get(g)
            verdict = "" if tgt is None else f"<= {tgt:g} %: {'met' if s['mape'] <= tgt else 'NOT met'}"
            print(f"  {g:<20} {s['n']:>4} {number_text(s['mape'], 1):>7} {interval_text(s['mape_ci95']):>13} "
                  f"{number_text(s['max_abs_pct_err'], 1):>7}  {verdict}")
        if args.report:
            print(f"\nwrote {out['report_files']['report']}")
    return out


def print_summary(out: dict) -> None:
    from pimsim.analysis.metrics import number_text

    print(f"wrote {out['out']} ({out['n_fit_points']} points fitted, {out['n_heldout_points']} held out: "
          f"{out['holdout']}; {out['wall_s']:.1f} s)")
    print(f"weighting: {out['weighting']}")
    print(f"\n  {'parameter':<34} {'start':>12} {'fitted':>12}   bounds")
    for p in out["parameters"]:
        print(f"  {p['name']:<34} {p['start']:>12.5g} {p['fitted']:>12.5g}   {p['lo']:.4g} .. {p['hi']:.4g}")
    print(f"\n  {'stage':<16} {'points':>6} {'evals':>6} {'calls':>6} {'wall s':>7}  MAPE start -> end")
    for s in out["stages"]:
        print(f"  {s['name']:<16} {s['n_points']:>6} {s['nfev']:>6} {s['model_calls']:>6} {s['wall_s']:>7.1f}  "
              f"{number_text(s['mape_start'], 2)} % -> {number_text(s['mape_end'], 2)} %")
    m = out.get("metrics") or {}
    if m:
        print(f"\n  {'group':<20} {'fit before':>11} {'fit after':>10} {'held before':>12} {'held after':>11}  (MAPE %)")
        groups = list(dict.fromkeys(["overall", *m["after"]["fit"]["groups"], *m["after"]["heldout"]["groups"]]))
        for g in groups:
            def get(when, sub):
                sc = m[when][sub]
                s = sc["overall"] if g == "overall" else sc["groups"].get(g)
                return s["mape"] if s else None
            print(f"  {g:<20} {number_text(get('before', 'fit'), 2):>11} {number_text(get('after', 'fit'), 2):>10} "
                  f"{number_text(get('before', 'heldout'), 2):>12} {number_text(get('after', 'heldout'), 2):>11}")
