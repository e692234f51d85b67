"""``linc backends``: every registered backend, whether it runs here, and why not."""

from __future__ import annotations

import argparse
import json

from linc.registry import describe_backends


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "backends", help="list the prover backends and their availability"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    infos = describe_backends()
    rows = [
        {
            "name": info.name,
            "available": bool(info.availability),
            "version": info.availability.version,
            "reason": info.availability.reason,
            "hint": info.availability.hint,
            "target": info.target,
        }
        for info in infos
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    width = max((len(info.name) for info in infos), default=4)
    for r in rows:
        if r["available"]:
            print(f"{r['name']:<{width}}  yes  {r['version']}")
        else:
            hint = f". {r['hint']}" if r["hint"] else ""
            print(f"{r['name']:<{width}}  no   {r['reason']}{hint}")
    return 0
