"""`pimsim validate`: predict every measured point and score the predictions.

Scores (see metrics.py) are given overall, per group (predict.GROUPS) and per workload, on the
points that have a prediction and a measured value > 0. Points that cannot be predicted are
listed with their reason; points whose measured value is 0 (e.g. inter-DPU time of a workload
without inter-DPU steps) cannot have a percentage error and are listed with the predicted
value instead. When the preset was produced by `pimsim calibrate`, its [calibration] table
names the points used in the fit and the held-out ones, and the scores are also given for
each of those subsets: the held-out scores are the honest ones.
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from pimsim.analysis import metrics
from pimsim.analysis.measurements import Measurement
from pimsim.analysis.predict import GROUPS, Prediction, Predictor
from pimsim.config import SystemConfig

TRANSFER_GROUPS = ("cpu-dpu", "dpu-cpu")
# Predictions this close (relative) count as one: a few bytes more of arguments for one workload
# must not split a set of otherwise equal transfers whose measured times differ by 2x.
SAME_PREDICTION = 1e-3


def _in_group(p: Prediction, group: str) -> bool:
    return p.group in TRANSFER_GROUPS if group == "transfers" else p.group == group


def score(preds: Iterable[Prediction], one_preset: bool = True) -> dict:
    """{overall, groups, workloads} over the scorable predictions. one_preset=False (predictions
    of several fits, as in cross-validation) leaves out the points predicted alike (indistinct),
    which only mean something for one preset."""
    preds = [p for p in preds if p.scorable]

    def summ(ps: list[Prediction]) -> dict:
        out = metrics.summary([p.measured_canonical for p in ps], [p.predicted_canonical for p in ps])
        return {**out, **spread(ps), **(indistinct(ps) if one_preset else {})}

    groups = {}
    for g in GROUPS:
        ps = [p for p in preds if _in_group(p, g)]
        if ps:
            groups[g] = summ(ps)
    workloads = {}
    for w in sorted({p.m.workload for p in preds}):
        ps = [p for p in preds if p.m.workload == w]
        workloads[w] = summ(ps)
        workloads[w]["groups"] = {g: summ([p for p in ps if p.group == g])
                                  for g in GROUPS if any(p.group == g for p in ps)}
    return {"overall": summ(preds), "groups": groups, "workloads": workloads}


def spread(preds: Sequence[Prediction]) -> dict:
    """How the predictions sit against the measurements' own run-to-run spread, over the points
    whose uncertainty gives sd= (none: {}): how many there are, how many predictions fall within
    2 sd of the measured mean, and the median relative sd (%), the error no model could beat."""
    with_sd = [p for p in preds if p.m.sd is not None]
    if not with_sd:
        return {}
    within = sum(abs(p.predicted_canonical - p.measured_canonical) <= 2 * p.m.canonical_sd for p in with_sd)
    return {"n_with_sd": len(with_sd), "within_2sd": within,
            "median_rel_sd_pct": statistics.median(100 * p.m.rel_sd for p in with_sd)}


def spread_rows(scores: dict) -> list[tuple[str, int, int, float]]:
    """(group, points with sd, of them predicted within 2 sd, median relative sd %) for the
    groups of a {name: summary} table whose points carry a run-to-run sd."""
    return [(name, s["n_with_sd"], s["within_2sd"], s["median_rel_sd_pct"])
            for name, s in scores.items() if s.get("n_with_sd")]


def indistinct(preds: Sequence[Prediction]) -> dict:
    """Points the preset cannot tell apart: sets of two or more points of one metric that get the
    same prediction, within SAME_PREDICTION (the same inputs to the model, e.g. one transfer call
    made by different workloads; a set starts at its smallest prediction). Whatever value such a
    set shares, its error is at least that of the set's best single value
    (metrics.shared_value_errors). Returns ({} when there is no such set) the number of points in
    such sets and of sets, that least MAPE over them (`shared_floor_mape`), the model's MAPE over
    the same points (`shared_mape`), and `mape_floor`: the least MAPE of all `preds` while those
    points share their predictions (the other points counted as exact)."""
    sets: list[list[Prediction]] = []
    for p in sorted(preds, key=lambda p: (p.m.metric, p.predicted_canonical)):
        last = sets[-1][0] if sets else None
        if (last is not None and last.m.metric == p.m.metric
                and p.predicted_canonical <= last.predicted_canonical * (1 + SAME_PREDICTION)):
            sets[-1].append(p)
        else:
            sets.append([p])
    shared = [ps for ps in sets if len(ps) > 1]
    if not shared:
        return {}
    floor = [e for ps in shared for e in metrics.shared_value_errors([p.measured_canonical for p in ps])]
    model = [abs(p.pct_err) for ps in shared for p in ps]
    return {"n_shared": len(floor), "shared_sets": len(shared),
            "shared_floor_mape": sum(floor) / len(floor), "shared_mape": sum(model) / len(model),
            "mape_floor": sum(floor) / len(preds)}


def indistinct_rows(scores: dict) -> list[tuple[str, int, int, float, float, float, float]]:
    """(group, points in shared-prediction sets, sets, their least MAPE, the model's MAPE on them,
    the group's MAPE, the group's least MAPE) for the groups of a {name: summary} table that
    have such sets."""
    return [(name, s["n_shared"], s["shared_sets"], s["shared_floor_mape"], s["shared_mape"], s["mape"],
             s["mape_floor"]) for name, s in scores.items() if s.get("n_shared")]


@dataclass
class ValidationResult:
    preset: str
    preset_hash: str
    preset_path: str
    files: list[str]
    predictions: list[Prediction]
    wall_s: float
    model_calls: int
    cache_hits: int
    calibration: dict = field(default_factory=dict)
    machine_entries: dict = field(default_factory=dict)   # system -> the preset's [machines] entry used, or None
    machine_presets: dict = field(default_factory=dict)   # system -> the other preset its entry names, or None

    @property
    def unpredicted(self) -> list[Prediction]:
        return [p for p in self.predictions if p.predicted is None]

    @property
    def zero_measured(self) -> list[Prediction]:
        return [p for p in self.predictions if p.predicted is not None and p.m.value == 0]

    def systems(self) -> dict[str, int]:
        """Points per measured machine (the rows' system column): one preset models one machine."""
        out: dict[str, int] = {}
        for p in self.predictions:
            out[p.m.system] = out.get(p.m.system, 0) + 1
        return out

    def subset(self, ids: Iterable[str]) -> list[Prediction]:
        ids = set(ids)
        return [p for p in self.predictions if p.m.id in ids]

    def to_dict(self, points: bool = True) -> dict:
        out = {
            "preset": self.preset, "preset_hash": self.preset_hash, "preset_path": self.preset_path,
            "measurements": self.files,
            "n_points": len(self.predictions),
            "n_scored": sum(p.scorable for p in self.predictions),
            "n_unpredicted": len(self.unpredicted),
            "n_zero_measured": len(self.zero_measured),
            "systems": self.systems(),
            "machine_entries": self.machine_entries,
            "machine_presets": self.machine_presets,
            **score(self.predictions),
        }
        cal = self.calibration
        if cal.get("heldout_points") is not None or cal.get("fit_points") is not None:
            out["fit"] = score(self.subset(cal.get("fit_points", [])))
            out["heldout"] = score(self.subset(cal.get("heldout_points", [])))
            out["calibration"] = {k: cal[k] for k in ("holdout", "seed", "measurements", "free_parameters")
                                  if k in cal}
        out["unpredicted"] = [{"id": p.m.id, "label": p.m.label(), "group": p.group, "reason": p.reason}
                              for p in self.unpredicted]
        out["zero_measured"] = [{"id": p.m.id, "label": p.m.label(), "group": p.group,
                                 "predicted": p.predicted, "unit": p.m.unit} for p in self.zero_measured]
        if points:
            out["points"] = [{"id": p.m.id, "workload": p.m.workload, "group": p.group, "metric": p.m.metric,
                              "nr_dpus": p.m.nr_dpus, "nr_tasklets": p.m.nr_tasklets, "size": p.m.size,
                              "variant": p.m.variant, "unit": p.m.unit, "measured": p.m.value,
                              "predicted": p.predicted, "pct_err": p.pct_err}
                             for p in self.predictions if p.predicted is not None]
        out["wall_s"] = self.wall_s
        out["model_calls"] = self.model_calls
        out["cache_hits"] = self.cache_hits
        return out


def validate(points: Sequence[Measurement], cfg: SystemConfig, predictor: Predictor | None = None,
             files: Sequence[str] = (), jobs: int = 1) -> ValidationResult:
    predictor = predictor or Predictor()
    c0, h0 = predictor.calls, predictor.hits
    t0 = time.perf_counter()
    predictor.prefetch(points, cfg, jobs)
    preds = predictor.predict(points, cfg)
    wall = time.perf_counter() - t0
    systems = dict.fromkeys(m.system for m in points)
    return ValidationResult(preset=cfg.name, preset_hash=cfg.hash(), preset_path=cfg.source_path,
                            files=[str(f) for f in files] or sorted({m.file for m in points}),
                            predictions=preds, wall_s=wall, model_calls=predictor.calls - c0,
                            cache_hits=predictor.hits - h0, calibration=_plain(cfg.calibration),
                            machine_entries={s: cfg.machine_of(s) for s in systems},
                            machine_presets={s: cfg.machine_preset(s) for s in systems})


def machine_note(d: dict, system: str) -> str:
    """How a system's points were predicted, for a to_dict() result ('' for the preset's sections)."""
    key = d.get("machine_entries", {}).get(system)
    other = d.get("machine_presets", {}).get(system)
    if other:
        return f", predicted with preset {other} (the preset's [machines] entry {key!r})"
    return f", host side from the preset's [machines] entry {key!r}" if key else ""


def machines_sentence(d: dict) -> str:
    if any(d.get("machine_entries", {}).values()):
        return ("Machines with a [machines] entry are predicted with their own numbers (or the preset it "
                "names); the others with the preset's sections.")
    return "All are predicted with this one preset."


def _plain(x):
    if hasattr(x, "items"):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


# ---------------------------------------------------------------- markdown report
TARGETS = {"single-dpu-kernel": 8.0, "multi-dpu-kernel": 15.0, "transfers": 10.0}  # issue 7, MAPE %


def _cell(x, nd=1, pct=False) -> str:
    """A report table cell: the number (with ' %' for percentages), an en dash for none."""
    return metrics.number_text(x, nd, " %" if pct else "", none="–")


def _target_lines(groups: dict) -> list[str]:
    """One line per target group: its MAPE against the target, met or not."""
    out = []
    for g, tgt in TARGETS.items():
        s = groups.get(g)
        if not s:
            out.append(f"- {g}: no point scored")
        else:
            ok = "met" if s["mape"] <= tgt else "NOT met"
            ci = s.get("mape_ci95")
            band = (f" ({metrics.CI_LEVEL:.0%} interval {metrics.interval_text(ci)} %)" if ci
                    else " (too few points for an interval)")
            out.append(f"- {g}: {s['mape']:.1f} %{band} vs target ≤ {tgt:.0f} % — {ok} (n = {s['n']})")
    out += ["", f"The interval is a percentile bootstrap of the group's MAPE (its points resampled "
            f"{metrics.CI_RESAMPLES:,} times, seed {metrics.CI_SEED}): how far the MAPE could move with "
            f"another draw of points of the same kind. A target inside the interval is neither clearly "
            f"met nor clearly missed."]
    return out


def _score_table(sc: dict, order: Sequence[str] | None = None, first_col: str = "group") -> list[str]:
    rows = [f"| {first_col} | n | R² | R² (log10) | MAPE | MAPE 95% interval | median abs err | max abs err "
            "| mean signed err |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    keys = list(order) if order else list(sc)
    for k in keys:
        s = sc.get(k)
        if not s:
            continue
        interval = metrics.interval_text(s.get("mape_ci95"), unit=" %", none="–")
        rows.append(f"| {k} | {s['n']} | {_cell(s['r2'], 3)} | {_cell(s['r2_log'], 3)} | "
                    f"{_cell(s['mape'], 1, True)} | {interval} | {_cell(s['median_abs_pct_err'], 1, True)} | "
                    f"{_cell(s['max_abs_pct_err'], 1, True)} | {_cell(s['mean_pct_err'], 1, True)} |")
    return rows


def write_report(res: ValidationResult, out_dir: str | Path, command: str = "pimsim validate",
                 extra: Sequence[str] = ()) -> dict:
    """Write REPORT.md, a measured-vs-predicted scatter and per-workload error bars into
    out_dir (figures in out_dir/figures/). Returns the paths written."""
    from pimsim.analysis import plots

    out = Path(out_dir)
    fig_dir = out / "figures"
    d = res.to_dict(points=False)
    held = set(res.calibration.get("heldout_points", []) or [])
    scatter = plots.scatter(res.predictions, fig_dir / "validation_scatter.png",
                            title=f"pimsim ({res.preset}) vs measured UPMEM", highlight_ids=held or None)
    bars = plots.error_bars(d["workloads"], fig_dir / "validation_errors.png",
                            title=f"pimsim ({res.preset}): error per workload, all points")
    paths = {"report": str(out / "REPORT.md"), "scatter": str(scatter), "error_bars": str(bars)}
    if held:
        paths["heldout_error_bars"] = str(plots.error_bars(
            d["heldout"]["workloads"], fig_dir / "validation_errors_heldout.png",
            title=f"pimsim ({res.preset}): error per workload, held-out points"))

    L: list[str] = []
    L += ["# pimsim validation report", "",
          f"Generated by `{command}` — do not edit by hand; rerun the command "
          "(or `validation/make_report.sh`) to refresh it.", "",
          f"- preset: `{res.preset}` (hash `{res.preset_hash}`, file `{_rel(res.preset_path)}`)",
          f"- measurements: {', '.join('`' + _rel(f) + '`' for f in res.files)}",
          f"- points: {d['n_points']} in total; {d['n_scored']} scored; {d['n_unpredicted']} cannot be "
          f"predicted (listed below with the reason); {d['n_zero_measured']} have a measured value of 0 "
          "(no percentage error exists; listed below with the predicted value)",
          f"- prediction wall time: {res.wall_s:.1f} s ({res.model_calls} model calls, {res.cache_hits} answered "
          "from the cache)",
          "- measured on: " + "; ".join(f"{sys_} ({n} points{machine_note(d, sys_)})"
                                        for sys_, n in d["systems"].items())
          + (f". {machines_sentence(d)} `--system TEXT` scores one machine's points."
             if len(d["systems"]) > 1 else ""), ""]
    L += ["Metrics: R² is the coefficient of determination on the values (within a group of one unit); "
          "R² (log10) is the same on log10 values, unit-free, so meaningful for `overall`, which mixes units; "
          "MAPE = mean |predicted − measured| / measured; signed error > 0 means pimsim over-predicts.", ""]
    if held:
        cal = res.calibration
        L += ["## Held-out points (not used in the calibration)", "",
              f"This preset was fitted by `pimsim calibrate` (held out: {cal.get('holdout', '?')}). {len(cal.get('fit_points', []))} points were used in the fit and "
              f"{len(held)} held out; the table below scores only the held-out ones.", ""]
        L += _score_table({"overall": d["heldout"]["overall"], **d["heldout"]["groups"]})
        L += ["", "Targets of issue 7 (MAPE on held-out points):", ""]
        L += _target_lines(d["heldout"]["groups"])
        L += ["", "### Points used in the fit", ""]
        L += _score_table({"overall": d["fit"]["overall"], **d["fit"]["groups"]})
        L += [""]
    L += ["## All points", ""]
    L += _score_table({"overall": d["overall"], **d["groups"]})
    spread_table = spread_rows({"overall": d["overall"], **d["groups"]})
    if spread_table:
        L += ["", "### Against the measurements' own spread", "",
              "Points whose uncertainty gives a run-to-run standard deviation (`sd=`): how many "
              "predictions fall within 2 sd of the measured mean. The median relative sd is the "
              "error no model could beat on these points.", "",
              "| group | points with sd | within 2 sd | median sd |", "|---|---:|---:|---:|"]
        L += [f"| {g} | {n} | {k} ({100 * k / n:.0f} %) | {med:.1f} % |" for g, n, k, med in spread_table]
    shared_table = indistinct_rows({"overall": d["overall"], **d["groups"]})
    if shared_table:
        L += ["", "### Points the preset cannot tell apart", "",
              "Sets of points of one metric that get the same prediction: the same inputs to the "
              "model, e.g. one transfer call made by different workloads. No prediction they share "
              "can beat the set's best single value (a weighted median of its measured values), so "
              "their measured spread is error that re-fitting this preset cannot remove; the last "
              "column is the group's least MAPE while they share it (every other point exact).", "",
              "| group | points in such sets | sets | least MAPE on them | pimsim on them | group MAPE "
              "| group's least MAPE |", "|---|---:|---:|---:|---:|---:|---:|"]
        L += [f"| {g} | {n} | {k} | {fl:.1f} % | {mo:.1f} % | {gm:.1f} % | {gf:.1f} % |"
              for g, n, k, fl, mo, gm, gf in shared_table]
    L += ["", "### Per workload", ""]
    L += _score_table(d["workloads"], first_col="workload")
    if held:
        L += ["", "### Per workload, held-out points only", ""]
        L += _score_table(d["heldout"]["workloads"], first_col="workload")
    L += ["", "## Figures", "",
          f"![measured vs predicted]({_relto(scatter, out)})", "",
          "Measured vs predicted, log axes, y = x line (dotted: ±20 %); colour = workload, marker = group"
          + ("; black edge = held out." if held else "."), "",
          f"![error per workload]({_relto(bars, out)})", ""]
    if held:
        L += [f"![error per workload, held out]({_relto(paths['heldout_error_bars'], out)})", ""]
    L += ["## Points that cannot be predicted", ""]
    if not res.unpredicted:
        L += ["None.", ""]
    else:
        by_reason: dict[str, list[Prediction]] = {}
        for p in res.unpredicted:
            by_reason.setdefault(p.reason or "?", []).append(p)
        L += ["| reason | n | points |", "|---|---:|---|"]
        for reason, ps in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
            ids = ", ".join(f"`{p.m.id}`" for p in ps[:6]) + (f" … (+{len(ps) - 6})" if len(ps) > 6 else "")
            L.append(f"| {reason.replace('|', '/')} | {len(ps)} | {ids} |")
        L += [""]
    L += ["## Points measured as 0", ""]
    zero = res.zero_measured
    if not zero:
        L += ["None.", ""]
    else:
        vals = [p.predicted for p in zero]
        L += [f"{len(zero)} points (e.g. inter-DPU time of workloads with no inter-DPU step) were measured "
              f"as exactly 0; pimsim predicts 0 for {sum(v == 0 for v in vals)} of them and at most "
              f"{max(vals):.4g} {zero[0].m.unit} for the others.", ""]
    L += list(extra)
    L += ["## Every scored point", "", "<details><summary>table</summary>", "",
          "| id | workload | metric | dpus | tasklets | size | measured | predicted | error |",
          "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for p in res.predictions:
        if not p.scorable:
            continue
        L.append(f"| `{p.m.id}`{' (held out)' if p.m.id in held else ''} | {p.m.workload} | {p.m.metric} "
                 f"| {p.m.nr_dpus} | {p.m.nr_tasklets or ''} | {p.m.size if p.m.size is not None else ''} "
                 f"| {p.m.value:.4g} {p.m.unit} | {p.predicted:.4g} | {p.pct_err:+.1f} % |")
    L += ["", "</details>", ""]
    (out / "REPORT.md").parent.mkdir(parents=True, exist_ok=True)
    (out / "REPORT.md").write_text("\n".join(L))
    return paths


def write_cv_report(cv, out_dir: str | Path, command: str = "pimsim calibrate --cv") -> dict:
    """Write CROSSVALIDATION.md and a scatter of the out-of-fold predictions into out_dir
    (cv: calibrate.CrossValidation). Returns the paths written."""
    from pimsim.analysis import plots

    out = Path(out_dir)
    sc = cv.score()
    scatter = plots.scatter(cv.predictions, out / "figures" / "crossvalidation_scatter.png",
                            title=f"pimsim, {cv.k}-fold cross-validation: out-of-fold predictions vs measured")
    L = ["# pimsim calibration: cross-validation", "",
         f"Generated by `{command}` — do not edit by hand; rerun the command "
         "(or `validation/make_report.sh`) to refresh it.", "",
         f"The calibration was run {cv.k} times. Each time, one fold of every workload's experiments "
         f"(seeded, seed {cv.seed}) was held out, and the preset fitted on the rest predicted the held-out "
         "fold. Every point below is therefore predicted by a preset that never saw it. This scores "
         "every point, not one random quarter, so small groups (e.g. the single-DPU kernel times) "
         f"are measured on all their points. Wall time {cv.wall_s:.0f} s.", "",
         "## Out-of-fold scores", ""]
    L += _score_table({"overall": sc["overall"], **sc["groups"]})
    L += ["", "Targets of issue 7 (MAPE on points not used in the fit):", ""]
    L += _target_lines(sc["groups"])
    L += ["", "### Per workload", ""]
    L += _score_table(sc["workloads"], first_col="workload")
    names = list(dict.fromkeys(n for f in cv.folds for n in f.fitted))
    L += ["", "## Fitted parameters per fold", "",
          "How much a parameter moves between folds shows how firmly the data pin it down.", "",
          "| parameter | " + " | ".join(f"fold {i + 1}" for i in range(len(cv.folds))) + " |",
          "|---|" + "---:|" * len(cv.folds)]
    for n in names:
        L.append(f"| `{n}` | " + " | ".join(f"{f.fitted[n]:.4g}" if n in f.fitted else "–" for f in cv.folds) + " |")
    L += ["", "## Figure", "", f"![out-of-fold predictions]({_relto(scatter, out)})", "",
          "Out-of-fold prediction vs measured, log axes, y = x line (dotted: ±20 %); colour = workload, "
          "marker = group.", ""]
    out.mkdir(parents=True, exist_ok=True)
    (out / "CROSSVALIDATION.md").write_text("\n".join(L))
    return {"report": str(out / "CROSSVALIDATION.md"), "scatter": str(scatter)}


def _rel(p: str) -> str:
    try:
        return str(Path(p).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(p)


def _relto(p: str | Path, base: Path) -> str:
    try:
        return str(Path(p).resolve().relative_to(base.resolve()))
    except ValueError:
        return str(p)
