"""Calibrate pimsim against the measurements of your own UPMEM machine.

The workflow, end to end, on data whose answer is known:

1. Pretend "your machine" is the default 2,556-DPU preset with four numbers changed (slower
   host links, a dearer call, a heavier loop). Those numbers are the hidden truth.
2. "Measure" it: run PrIM VA, RED and GEMV on 1, 4 and 16 DPUs at two sizes with pimsim at the
   hidden numbers, add 2 % noise, and write the rows in the measurement schema. (On a real
   machine, validation/collect/collect.py writes such a file from timed runs.)
3. Score the default preset on those points (`pimsim validate`).
4. Fit the four numbers on 75 % of the experiments (`pimsim calibrate --holdout 0.25`),
   write the calibrated preset, and score it on the 25 % it never saw.

The same steps from the shell, once you have a measurement file:

    pimsim validate --measurements my_runs.csv
    pimsim calibrate --measurements my_runs.csv --out models/calibrated/my-server.toml \
        --holdout 0.25 --params ops.loop,transfer.cpu_dpu_serial_gbps,...
    pimsim validate --measurements my_runs.csv --preset models/calibrated/my-server.toml

Run: python examples/calibrate_your_machine.py [OUT_DIR]   (about half a minute)
"""
from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

from pimsim.analysis import measurements
from pimsim.analysis.calibrate import calibrate, write_preset
from pimsim.analysis.validate import validate
from pimsim.config import load_preset
from pimsim.workloads import prim

# The hidden truth: what "your machine" differs in from the default preset (upmem-2556).
TRUE = {
    "ops.loop": 4.0,                            # default 3: a loop iteration costs one more instruction
    "transfer.cpu_dpu_serial_gbps": 0.20,       # default 0.27
    "transfer.dpu_cpu_serial_gbps": 0.09,       # default 0.12
    "transfer.cpu_dpu_call_overhead_us": 80.0,  # default 55
}
RUNS = {"VA": (1 << 18, 1 << 20), "RED": (1 << 18, 1 << 20), "GEMV": (2048, 8192)}
DPUS = (1, 4, 16)
METRICS = {"dpu_kernel_time": "dpu_kernel", "cpu_dpu_time": "cpu_dpu", "dpu_cpu_time": "dpu_cpu"}
NOISE = 0.02
SYSTEM = "my UPMEM server"


def measure(path: Path, seed: int = 1) -> None:
    """Write the 'measurements' of the hidden machine (pimsim at TRUE, with noise)."""
    machine = load_preset("upmem-2556").with_overrides(TRUE)
    rng = random.Random(seed)
    lines = [",".join(measurements.COLUMNS)]
    for name, sizes in RUNS.items():
        for dpus in DPUS:
            for size in sizes:
                t = prim.run(name, dpus=dpus, size=size, timing_only=True, config=machine).time_ms
                for metric, key in METRICS.items():
                    value = t[key] * (1 + rng.gauss(0, NOISE))
                    lines.append(f"example (pimsim at hidden values),{SYSTEM},{name},PrIM,{dpus},16,{size},"
                                 f"{metric},{value:.6g},ms,")
    path.write_text("\n".join(lines) + "\n")


def groups_line(scores: dict) -> str:
    return ", ".join(f"{g} {s['mape']:.1f} %" for g, s in scores["groups"].items() if s["n"])


def main(out_dir: str | None = None) -> dict:
    out = Path(out_dir or tempfile.mkdtemp(prefix="pimsim-example-"))
    out.mkdir(parents=True, exist_ok=True)
    csv = out / "my_runs.csv"
    measure(csv)
    points = measurements.load([csv])
    print(f"wrote {len(points)} measured points to {csv}")

    default = load_preset("upmem-2556")
    before = validate(points, default).to_dict()
    print(f"default preset:    MAPE {before['overall']['mape']:.1f} % ({groups_line(before)})")

    res = calibrate(points, default, list(TRUE), holdout=0.25, seed=0, name="my-server")
    preset_path = str(out / "my-server.toml")
    write_preset(res, preset_path, command="python examples/calibrate_your_machine.py")
    print(f"calibrated preset: {preset_path} ({len(res.fit_points)} points fitted, "
          f"{len(res.heldout_points)} held out)")
    print(f"  {'parameter':<36} {'default':>9} {'true':>9} {'fitted':>9} {'error':>8}")
    errors = {}
    starts = {p.name: p.start for p in res.params}
    for name, true in TRUE.items():
        start = starts[name]
        fitted = res.fitted.get(name, start)
        errors[name] = 100 * (fitted / true - 1)
        print(f"  {name:<36} {start:>9.4g} {true:>9.4g} {fitted:>9.4g} {errors[name]:>+7.1f}%")
    print("  (a per-call overhead is a few % of even the smallest transfer here, so the noise moves it\n"
          "   most: to pin it down, measure small transfers too)")

    held = res.metrics["after"]["heldout"]
    print(f"held-out points:   MAPE {res.metrics['before']['heldout']['overall']['mape']:.1f} % with the "
          f"default preset, {held['overall']['mape']:.1f} % calibrated ({groups_line(held)})")
    after = validate(points, load_preset(preset_path)).to_dict()
    print(f"calibrated preset on all points: MAPE {after['overall']['mape']:.1f} % (noise: {100 * NOISE:.0f} %)")
    return {"errors_pct": errors, "before_mape": before["overall"]["mape"],
            "heldout_mape_before": res.metrics["before"]["heldout"]["overall"]["mape"],
            "heldout_mape_after": held["overall"]["mape"], "all_mape_after": after["overall"]["mape"],
            "preset": preset_path}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
