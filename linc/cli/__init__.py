"""The ``linc`` command. The only part of linc that prints.

Each sub-command lives in its own module with a ``register(subparsers)``
function; ``eval`` sub-commands register under the ``eval`` group.

Exit codes, the same for every command (README, "Exit codes"):

- 0: done;
- 1: bad input or a failed run (any ``LincError`` but the one below, an
  unusable file or directory, an internal error);
- 2: usage (argparse: an unknown option, a bad option value);
- 3: no LLM request of the run succeeded (``linc.errors.NoLLMResponse``);
- 130: interrupted (Ctrl-C); 143: SIGTERM; 141: the reader of the output
  went away (``linc ... | head``).

No command prints a Python traceback: errors are one line on stderr
(``linc: error: ...``); ``linc --debug COMMAND`` shows the traceback.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from importlib import import_module
from typing import Any, NoReturn

from linc import __version__
from linc.errors import LincError, NoLLMResponse
from linc.results import MAX_MEMORY_MB, MAX_SECONDS

COMMANDS = (
    "linc.cli.parse",
    "linc.cli.backends",
    "linc.cli.prove",
    "linc.cli.translate",
    "linc.cli.ask",
    "linc.cli.serve_recorded",
    "linc.cli.datasets",
)
EVAL_COMMANDS = (
    "linc.cli.eval_gold",
    "linc.cli.eval_replay",
    "linc.cli.eval_run",
    "linc.cli.eval_plot",
    "linc.cli.eval_compare",
    "linc.cli.eval_report",
)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_NO_LLM = 3
EXIT_PIPE = 128 + 13
EXIT_INTERRUPTED = 130


FORMULA_OPTIONS = frozenset({"--premise", "--conclusion"})
"""Options whose value is a formula: one that starts with '-' (a negation) is joined with '='."""


# -- argument types (argparse turns their ArgumentTypeError into a usage error, exit 2)


def seconds(text: str) -> float:
    """A time limit: a finite number of seconds > 0 and at most ``MAX_SECONDS``."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value <= 0 or value > MAX_SECONDS:
        raise argparse.ArgumentTypeError(
            f"{text!r}: a limit must be a number of seconds > 0 and <= {MAX_SECONDS:g}"
        )
    return value


def megabytes(text: str) -> int:
    """A memory limit in MiB: a whole number from 1 to ``MAX_MEMORY_MB``."""
    value = _integer(text)
    if not 1 <= value <= MAX_MEMORY_MB:
        raise argparse.ArgumentTypeError(
            f"{text!r}: a memory limit must be from 1 to {MAX_MEMORY_MB} MB"
        )
    return value


def nonnegative_int(text: str) -> int:
    """A number of things (``--limit``): a whole number >= 0."""
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a whole number >= 0")
    return value


def positive_int(text: str) -> int:
    """A number of workers, samples, ...: a whole number >= 1."""
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a whole number >= 1")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


# -- the parser


class LincParser(argparse.ArgumentParser):
    """argparse with a hint when an option's value starts with '-'.

    ``-c -P(a)`` reads ``-P(a)`` as an option (argparse's rule for any word
    that starts with '-'); the value must be joined to its option:
    ``-c=-P(a)`` or ``--conclusion=-P(a)``. The error says so.
    """

    def error(self, message: str) -> NoReturn:
        if "expected one argument" in message:
            names = message.split(":", 1)[0].removeprefix("argument ").split("/")
            example = "-P(a)" if set(names) & FORMULA_OPTIONS else "-VALUE"
            joined = " or ".join(f"{name}={example}" for name in names)
            message += f" (a value that starts with '-' must be joined to its option: {joined})"
        elif "unrecognized arguments:" in message and any(
            _formula_like(word) for word in message.split(":", 1)[1].split()
        ):
            message += (
                " (a formula that starts with '-' is joined to its option, -c=-P(a), "
                "or put after '--': linc parse -- '-P(a)')"
            )
        super().error(message)


def _formula_like(word: str) -> bool:
    return word.startswith("-") and not word.startswith("--") and any(c in word for c in "(.&|")


def build_parser() -> argparse.ArgumentParser:
    parser = LincParser(
        prog="linc",
        description="Logical reasoning over natural language with LLMs and provers.",
        epilog="Exit codes: 0 done, 1 bad input or a failed run, 2 usage, "
        "3 no LLM request succeeded, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"linc {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging on stderr")
    parser.add_argument(
        "--debug", action="store_true", help="show the Python traceback of an error"
    )
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


def check_text(args: argparse.Namespace, parser: argparse.ArgumentParser | None = None) -> None:
    """Refuse an argument that is not valid UTF-8 text (one that is not a path).

    Python hands undecodable bytes of ``argv`` over as lone surrogates; a
    formula, a model name or a URL holding one is bad input, said here once
    instead of a ``UnicodeEncodeError`` wherever it is first printed or
    hashed. Paths (``pathlib`` values) may hold any bytes the system allows.
    """
    names = _option_names(parser) if parser is not None else {}
    for dest, value in sorted(vars(args).items()):
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            if isinstance(item, str) and not _encodable(item):
                shown = item.encode("utf-8", "surrogateescape").decode("ascii", "backslashreplace")
                option = names.get(dest, dest)
                raise LincError(f"argument {option}: not valid UTF-8 text: '{shown}'")


def _option_names(parser: argparse.ArgumentParser) -> dict[str, str]:
    """``dest`` → the option's first long spelling (or the positional's name), every command."""
    names: dict[str, str] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                for dest, name in _option_names(sub).items():
                    names.setdefault(dest, name)
        elif action.option_strings:
            spelled = [o for o in action.option_strings if o.startswith("--")]
            names.setdefault(action.dest, (spelled or action.option_strings)[0])
        else:
            names.setdefault(
                action.dest, action.metavar if isinstance(action.metavar, str) else action.dest
            )
    return names


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# -- running a command


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM unwinds like an interrupt, so runs stop their workers and close their files."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        level = logging.WARNING - 10 * min(args.verbose, 2)
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
        return _run(args.handler, args, parser, debug=bool(args.debug))
    except KeyboardInterrupt:
        print("linc: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # building the parser or the logging failed
        if debug:
            raise
        return _internal(exc)


def _run(
    handler: Callable[[argparse.Namespace], Any],
    args: argparse.Namespace,
    parser: argparse.ArgumentParser,
    *,
    debug: bool,
) -> int:
    """Run one command; every way it can end becomes an exit code (see the module doc)."""
    if not debug:
        _quiet_hooks()
    try:
        check_text(args, parser)
        code = int(handler(args) or 0)
        sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
        return code
    except KeyboardInterrupt:
        print("linc: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader went away (``linc ... | head``): stop quietly, as Unix tools do
        _drop_stdout()
        return EXIT_PIPE
    except Exception as exc:
        if debug:
            raise
        return _failed(exc)


def _failed(exc: Exception) -> int:
    """The exit code of an error, after one line on stderr."""
    if isinstance(exc, NoLLMResponse):
        _say(f"linc: error: {exc}")
        return EXIT_NO_LLM
    if isinstance(exc, LincError):
        _say(f"linc: error: {exc}")
        return EXIT_ERROR
    if isinstance(exc, OSError):  # an unusable file or directory, a full disk
        _say(f"linc: error: {_os_error(exc)}")
        if not _flushes():
            _drop_stdout()
        return EXIT_ERROR
    return _internal(exc)


def _internal(exc: BaseException) -> int:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    what = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    _say(f"linc: internal error: {what} (run with --debug for the traceback)")
    return EXIT_ERROR


def _os_error(exc: OSError) -> str:
    if exc.strerror and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror}"
    if exc.strerror:
        return f"cannot write the output: {exc.strerror}" if exc.errno else exc.strerror
    return str(exc) or type(exc).__name__


def _say(text: str) -> None:
    try:
        print(text, file=sys.stderr)
    except (OSError, ValueError):  # stderr is gone too
        pass


def _flushes() -> bool:
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        return False
    return True


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so the flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _quiet_hooks() -> None:
    """One line, not a traceback, for an error in a ``__del__`` or a thread (left in place
    until the process exits, which is when a ``__del__`` often runs; not with ``--debug``)."""

    def unraisable(info: Any) -> None:
        if info.exc_type is not None and not issubclass(info.exc_type, KeyboardInterrupt):
            _say(f"linc: warning: ignored {info.exc_type.__name__}: {info.exc_value}")

    def in_thread(info: Any) -> None:
        if info.exc_type is not SystemExit:
            _say(f"linc: warning: a thread stopped on {info.exc_type.__name__}: {info.exc_value}")

    sys.unraisablehook = unraisable
    threading.excepthook = in_thread


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
