"""A run collects young objects less often, and leaves the interpreter's thresholds as it
found them (also when the run fails)."""

from __future__ import annotations

import gc

import pytest

from linc.evals.runner import YOUNG_COLLECTION, fewer_collections


def test_fewer_collections_raises_the_young_threshold_and_restores_it() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        inside = gc.get_threshold()
    assert inside == (max(before[0], YOUNG_COLLECTION), *before[1:])
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("the run failed")
    assert gc.get_threshold() == before
