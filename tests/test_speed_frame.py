"""``digest_frame``: the one way keys with a fixed part are hashed once.

The proof-cache keys (``proof_key_frame``) and the runner's sample keys
(``digest_after``) both go through it; the digests equal ``digest`` of the
filled-in value, so no cache written before changes its keys.
"""

from __future__ import annotations

import pytest

from linc.cache import HOLE, digest, digest_frame

VALUES = ["", "FOL: all x. P(x)", 'quote " and \\ back', "\udcff lone surrogate", "é ∀ 😀", 3, None,
          {"k": ["v", 1]}]  # fmt: skip


def _filled(template: object, value: object) -> object:
    if template == HOLE:
        return value
    if isinstance(template, dict):
        return {key: _filled(item, value) for key, item in template.items()}
    if isinstance(template, list):
        return [_filled(item, value) for item in template]
    return template


@pytest.mark.parametrize(
    "template",
    [
        [HOLE],
        ["fingerprint", {"b": 1, "a": [1, "x"]}, HOLE],
        {"z": "last", "task": HOLE, "a": {"limits": [1.5, None, "é"]}},
        {"outer": [HOLE, "after"], "before": "\udcff"},
    ],
)
@pytest.mark.parametrize("value", VALUES)
def test_digest_frame_is_digest_of_the_filled_template(template: object, value: object) -> None:
    assert digest_frame(template)(value) == digest(_filled(template, value))


@pytest.mark.parametrize("template", [["no hole"], [HOLE, HOLE]])
def test_a_frame_needs_its_hole_once(template: object) -> None:
    with pytest.raises(ValueError, match="exactly once"):
        digest_frame(template)
