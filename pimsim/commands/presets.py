"""`pimsim presets`: list presets, or show one with overrides applied."""
from __future__ import annotations

from pimsim.config import available_presets, load_preset, to_dict


def register(sub) -> None:
    p = sub.add_parser("presets", help="list the hardware presets or show one")
    p.add_argument("name", nargs="?", help="preset to show")
    p.add_argument("--set", dest="overrides", action="append", default=[])
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=handle)


def handle(args) -> dict:
    if not args.name:
        names = available_presets()
        if not args.json:
            print("\n".join(names))
        return {"presets": names}
    cfg = load_preset(args.name, args.overrides)
    d = to_dict(cfg)
    d["hash"] = cfg.hash()
    if not args.json:
        for section, values in d.items():
            if section == "machines":           # another machine's host-side numbers
                for text, entry in values.items():
                    print(f'[machines."{text}"]')
                    for k, v in entry.items():
                        print(f"  {k} = {v}")
            elif isinstance(values, dict):
                print(f"[{section}]")
                if section == "ops":
                    values = values["instructions"]
                for k, v in values.items():
                    print(f"  {k} = {v}")
            else:
                print(f"{section}: {values}")
    return d
