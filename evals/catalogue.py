"""The dataset catalogue: named datasets, each file pinned to a commit and a sha256.

The catalogue is data (``catalogue.toml`` beside this module, installed with
the package). ``catalogue()`` reads it; ``parse_spec("folio:validation")``
splits a ``--dataset NAME[:split]``. Downloading is
``linc.evals.catalogue_fetch``; loading a named or given file is
``linc.evals.catalogue_open``. ``DatasetInfo`` is what a run's report records
about the data it scored.
"""

from __future__ import annotations

import functools
import sys
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from linc.errors import DataError, validation_message
from linc.results import Verdict

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

GITHUB_RAW = "https://raw.githubusercontent.com"
"""The host ``$LINC_DATA_MIRROR`` replaces."""


class DataFile(BaseModel):
    """One split's file: where it lives upstream, and what its bytes must be."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    repository: str = Field(description="GitHub owner/name")
    commit: str = Field(pattern=r"^[0-9a-f]{40}$")
    path: str = Field(description="path inside the repository")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(gt=0, description="bytes")
    problems: int = Field(ge=0, description="problems the entry takes from the file")

    @property
    def canonical(self) -> str:
        """``<repository>/<commit>/<path>``: the file's path on any mirror and in the cache."""
        return f"{self.repository}/{self.commit}/{self.path}"

    @property
    def url(self) -> str:
        """The upstream raw-file URL."""
        return f"{GITHUB_RAW}/{self.canonical}"


class Entry(BaseModel):
    """A named dataset: its splits, loader, labels, licence and citation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str
    license: str
    citation: str
    loader: str = Field(description="the format: a name of linc.evals.datasets.DATASETS")
    default_split: str
    labels: dict[str, Verdict] = Field(description="each label the data uses -> its verdict")
    splits: dict[str, DataFile]
    ids: tuple[str, ...] | None = Field(
        default=None, description="the problems this entry keeps of its file, in this order"
    )

    def split(self, name: str | None) -> tuple[str, DataFile]:
        """``(split name, file)``; ``None`` is the default split."""
        split = name or self.default_split
        if split not in self.splits:
            raise DataError(
                f"dataset {self.name!r} has no split {split!r}; "
                f"choose one of {', '.join(self.splits)}"
            )
        return split, self.splits[split]

    @property
    def paradox(self) -> bool:
        """The label set has ``Paradox``: the vote may answer it."""
        return Verdict.PARADOX in self.labels.values()


class DatasetInfo(BaseModel):
    """What a run's report records about the data it scored."""

    name: str = Field(description="catalogue entry or loader name")
    split: str | None = None
    sha256: str = Field(description="sha256 of the file read")
    n: int = Field(default=0, description="problems scored")
    source: str = Field(default="", description="the file's URL, or the path given")
    subset: str | None = Field(
        default=None, description="the catalogue entry whose id list selected the problems"
    )
    labels: dict[str, str] = Field(
        default_factory=dict, description="each label of the data -> how it was scored"
    )
    license: str | None = None

    def same_data(self, other: DatasetInfo) -> bool:
        """Both runs read the same bytes and kept the same problems of them."""
        return self.sha256 == other.sha256 and self.subset == other.subset


SCORING = {
    Verdict.TRUE: "True: the answer is True (the conclusion is proved)",
    Verdict.FALSE: "False: the answer is False (its negation is proved)",
    Verdict.UNCERTAIN: "Uncertain: the answer is Uncertain (neither is proved)",
    Verdict.PARADOX: "Paradox: the answer is Paradox (the samples that prove both the "
    "conclusion and its negation outweigh the rest)",
}
"""How a problem whose gold label is that verdict is scored (for reports)."""


@functools.lru_cache(maxsize=1)
def catalogue() -> dict[str, Entry]:
    """Every entry of the catalogue, by name (read once)."""
    text = resources.files("linc.evals").joinpath("catalogue.toml").read_text(encoding="utf-8")
    return parse_catalogue(text)


def parse_catalogue(text: str) -> dict[str, Entry]:
    """Entries from catalogue TOML text (``DataError`` naming the entry at fault)."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"dataset catalogue: not TOML: {exc}") from None
    entries: dict[str, Entry] = {}
    for name, fields in data.items():
        try:
            entries[name] = Entry(name=name, **fields)
        except (ValidationError, TypeError) as exc:
            why = validation_message(exc) if isinstance(exc, ValidationError) else str(exc)
            raise DataError(f"dataset catalogue: entry {name!r}: {why}") from None
    return entries


def parse_spec(spec: str) -> tuple[str, str | None]:
    """``NAME[:split]`` as ``(name, split or None)``."""
    name, _, split = spec.partition(":")
    if not name.strip() or (":" in spec and not split.strip()):
        raise DataError(f"--dataset {spec!r}: expected NAME or NAME:SPLIT")
    return name.strip().lower(), split.strip() or None


def scoring(labels: dict[str, Verdict]) -> dict[str, str]:
    """Each label of the data and how it is scored, for a report."""
    return {label: SCORING.get(verdict, verdict.value) for label, verdict in labels.items()}
