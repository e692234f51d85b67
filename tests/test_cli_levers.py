"""``--levers`` picks the parser's levers from the command line, as ``LLMConfig.levers`` does."""

from __future__ import annotations

import pytest

from linc.cli import build_parser
from linc.cli.options import reasoner_from
from linc.config import EMBEDDED_LEVERS, LEVERS
from linc.errors import ConfigError

ASK = ["ask", "-p", "All dogs are animals.", "-c", "Rex is an animal.", "--no-cache"]


def _levers(*extra: str) -> frozenset[str]:
    args = build_parser().parse_args([*ASK, *extra])
    return reasoner_from(args).config.active_levers


def test_levers_default_to_the_embedded_models_and_can_be_chosen_or_switched_off() -> None:
    assert _levers() == frozenset(EMBEDDED_LEVERS)
    assert _levers("--levers", "formulas,vocabulary") == {"formulas", "vocabulary"}
    assert _levers("--levers", "none") == frozenset()


def test_an_unknown_lever_is_named_with_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"unknown lever\(s\) grammarz; choose from formulas"):
        _levers("--levers", "formulas,grammarz")


def test_the_help_names_every_lever(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["ask", "--help"])
    text = "".join(capsys.readouterr().out.split())  # help wraps lines anywhere
    assert all(lever in text for lever in LEVERS)
