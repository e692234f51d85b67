"""``linc parse``: read formulas and print them in another syntax."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable

from linc.errors import ParseError
from linc.parsers import RENDER_SYNTAXES, SYNTAXES, RenderError, read, render


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "parse",
        help="parse formulas and print them in another syntax",
        description=(
            "Parse formulas (arguments, or stdin one per line) and print each in the --to syntax. "
            "A line that does not parse gets an error with a caret on stderr; the other lines still "
            "print, and the exit status is 1."
        ),
    )
    parser.add_argument(
        "formulas",
        nargs="*",
        help="formulas to parse (default: read stdin, one per line); a formula that starts "
        "with '-' (a negation) goes after '--': linc parse -- '-P(a)'",
    )
    parser.add_argument(
        "--syntax", choices=SYNTAXES, default="auto", help="input syntax (default: auto)"
    )
    parser.add_argument(
        "--to", choices=RENDER_SYNTAXES, default="unicode", help="output syntax (default: unicode)"
    )
    parser.add_argument(
        "--repair", action="store_true", help="apply the minimal repairs real LLM output needs"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.set_defaults(handler=run)


def _lines(args: argparse.Namespace) -> Iterable[tuple[int, str | bytes]]:
    if args.formulas:
        yield from enumerate(args.formulas, 1)
        return
    stdin = getattr(sys.stdin, "buffer", None)
    if stdin is None:  # a text stream (tests)
        lines: Iterable[str | bytes] = sys.stdin
    else:  # bytes, so that a line that is not UTF-8 is one bad line, not a crash
        lines = stdin
    for number, line in enumerate(lines, 1):
        line = line.rstrip(b"\r\n") if isinstance(line, bytes) else line.rstrip("\r\n")
        if line.strip():
            yield number, line


def run(args: argparse.Namespace) -> int:
    status = 0
    for number, raw in _lines(args):
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        try:
            parsed = read(raw, syntax=args.syntax, repair=args.repair)
            output = render(parsed.formula, syntax=args.to)
        except (ParseError, RenderError) as exc:
            status = 1
            if args.json:
                print(
                    json.dumps(
                        {"line": number, "input": text, "error": str(exc).splitlines()[0]},
                        ensure_ascii=False,
                    )
                )
            print(f"linc parse: line {number}: {exc}", file=sys.stderr)
            continue
        if args.json:
            record = {
                "line": number,
                "input": text,
                "syntax": parsed.syntax,
                "output": output,
                "repairs": [
                    {"kind": r.kind, "position": r.position, "detail": r.detail}
                    for r in parsed.repairs
                ],
                "closed": list(parsed.closed),
            }
            print(json.dumps(record, ensure_ascii=False))
        else:
            print(output)
    return status
