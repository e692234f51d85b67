"""The ``linc`` command. The only part of linc that prints.

Each sub-command lives in its own module with a ``register(subparsers)``
function; ``eval`` sub-commands register under the ``eval`` group.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from importlib import import_module

from linc import __version__
from linc.errors import LincError

COMMANDS = (
    "linc.cli.parse",
    "linc.cli.backends",
    "linc.cli.prove",
    "linc.cli.translate",
    "linc.cli.ask",
    "linc.cli.serve_recorded",
)
EVAL_COMMANDS = (
    "linc.cli.eval_gold",
    "linc.cli.eval_replay",
    "linc.cli.eval_run",
    "linc.cli.eval_plot",
    "linc.cli.eval_compare",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linc", description="Logical reasoning over natural language with LLMs and provers."
    )
    parser.add_argument("--version", action="version", version=f"linc {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging on stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for name in COMMANDS:
        _register(name, commands)
    evaluation = commands.add_parser("eval", help="evaluate on datasets and recorded model outputs")
    eval_commands = evaluation.add_subparsers(dest="eval_command", metavar="EVAL")
    eval_commands.required = True
    for name in EVAL_COMMANDS:
        _register(name, eval_commands)
    return parser


def _register(module_name: str, subparsers: argparse._SubParsersAction) -> None:
    import_module(module_name).register(subparsers)


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM unwinds like an interrupt, so runs stop their workers and close their files."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.handler(args) or 0)
    except LincError as exc:
        print(f"linc: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("linc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (``linc ... | head``): stop quietly, as Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
