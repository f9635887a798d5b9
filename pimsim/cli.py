"""The `pimsim` command. Each command group lives in pimsim/commands/<name>.py and registers
itself through `register(subparsers)`; its handler returns a dict (printed as JSON with --json)."""
from __future__ import annotations

import argparse
import importlib
import json
import os
import sys

from pimsim.errors import PimsimError

COMMAND_MODULES = ["micro", "run", "scaling", "validate", "calibrate", "presets"]


def add_common(p: argparse.ArgumentParser, plot: bool = True) -> None:
    """Options shared by every command that prints results."""
    p.add_argument("--preset", default="upmem-2556", help="preset name (models/*.toml) or path")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.FIELD=VALUE",
                   help="override one preset value (repeatable), e.g. --set dpu.freq_mhz=500")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    if plot:
        p.add_argument("--plot", metavar="FILE.png", help="also draw a figure to this file")


def add_machine(p: argparse.ArgumentParser) -> None:
    p.add_argument("--machine", metavar="TEXT",
                   help="simulate the machine of the preset's [machines] entry TEXT names (its own "
                        "host-side numbers, e.g. transfers) instead of the preset's own machine")


def add_point_options(p: argparse.ArgumentParser) -> None:
    """Options shared by the commands that predict measured points (validate, calibrate)."""
    p.add_argument("--system", action="append", default=[], metavar="TEXT",
                   help="use only points whose system column contains TEXT (case-insensitive, "
                        "repeatable), e.g. to fit or score one machine's measurements")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                   help="worker processes for model calls (default: min(2, CPUs))")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def load_config(args):
    """The preset of --preset, on the machine of --machine (if given), with --set overrides."""
    from pimsim.config import load_preset
    cfg = load_preset(args.preset)
    if getattr(args, "machine", None):
        cfg = cfg.on_machine(args.machine)
    return cfg.with_overrides(args.overrides)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pimsim", description="UPMEM processing-in-memory simulator")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(f"pimsim.commands.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"pimsim.commands.{name}":
                continue  # command group not built yet
            raise
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        out = args.handler(args)
    except PimsimError as e:
        print(f"pimsim: error: {e}", file=sys.stderr)
        return 2
    if getattr(args, "json", False):
        print(json.dumps(out, indent=None, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
