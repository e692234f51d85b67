"""The fast key paths give the very keys of their definitions.

``proof_key`` hashes the JSON of everything but the task once per backend,
version, limits and direction (``proof_key_frame``), and the runner's
sample keys hash the reading fingerprint once (``digest_after``); the
keys, and so every proof cache already written, are unchanged.
"""

from __future__ import annotations

import pytest

from linc.cache import digest, digest_after
from linc.results import Limits
from linc.task import PROOF_KEY_FORMAT, proof_key

TEXTS = ["", "FOL: all x. P(x)", 'quote " and \\ back', "\udcff lone surrogate", "é ∀ 😀"]


@pytest.mark.parametrize("task_id", ["0" * 64, "abc", *TEXTS])
@pytest.mark.parametrize("direction", ["goal", "negation"])
def test_proof_key_is_the_digest_of_its_fields(task_id: str, direction: str) -> None:
    limits = Limits(seconds=10, memory_mb=None, options={"countermodel": False})
    fields = {
        "format": PROOF_KEY_FORMAT,
        "backend": "z3",
        "version": "4.13.0",
        "limits": limits.model_dump(mode="json"),
        "task": task_id,
        "direction": direction,
    }
    got = proof_key(
        backend="z3", version="4.13.0", limits=limits, task_id=task_id, direction=direction
    )
    assert got == digest(fields)


@pytest.mark.parametrize("head", [[], ["fingerprint"], [{"b": 1, "a": [1, "x"]}, "r"]])
@pytest.mark.parametrize("last", [*TEXTS, 3, None, {"k": "v"}])
def test_digest_after_is_digest_of_the_whole_list(head: list[object], last: object) -> None:
    assert digest_after(head)(last) == digest([*head, last])


def test_key_of_matches_proof_key() -> None:
    from linc.procedure import key_of
    from linc.settings import Settings

    settings = Settings.preset_of("best", first_seconds=2.0)
    versions = {"z3": "1.2.3", "prover9": "2009"}
    for backend in ("z3", "prover9", "eprover"):
        for direction in ("goal", "negation"):
            expected = proof_key(
                backend=backend,
                version=versions.get(backend, ""),
                limits=settings.limits_for(backend),
                task_id="t" * 64,
                direction=direction,
            )
            assert key_of(settings, versions, backend, "t" * 64, direction) == expected


def test_all_keys_are_each_backends_keys_in_order() -> None:
    from linc.procedure import all_keys, key_of
    from linc.settings import Settings

    settings = Settings.preset_of("best")
    versions = {"z3": "1.2.3", "prover9": "2009", "eprover": "3.0"}
    expected = [
        key_of(settings, versions, name, "t" * 64, direction)
        for name in settings.backends
        for direction in ("goal", "negation")
    ]
    assert all_keys(settings, versions, "t" * 64) == expected
