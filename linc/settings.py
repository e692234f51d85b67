"""``Settings``: how a completion becomes an answer, in one frozen object.

Reading (extraction, syntax, repairs), task building (closure, arity
renaming with kind axioms), the decision procedure (backends, limits, what a
limit means), and the vote (policy, ``Uncertain`` weight). Every way in
(``Reasoner``, ``linc ask``, ``eval run``, ``eval replay``, ``eval gold``)
takes a preset plus overrides, so a figure measured one way holds the others.

Presets:

``best`` (the default)
    Our best, measured on recorded runs: repairs, arity-clash renaming,
    a Z3 → Prover9 → E portfolio (the next backend only when one hits a
    limit or fails), both directions always tried so inconsistent premises
    are seen and abstain, semantic de-duplication, the ``best`` vote.
    Timeout rule: a sample is ``Error`` (cause ``timeout``) when nothing was
    proved and some direction hit its limit on every backend; a proof found
    in one direction stands even if the other direction timed out.
``linc``
    LINC's evaluation rule for rule (``../shared/data/README.md``): the
    published extraction (``FOL:`` and a tab), LINC's argument rewrite and
    NLTK's strict syntax, Prover9 alone, 10 s per call, the conclusion first
    and its negation only when it was not proved, the ``linc`` vote.
    Timeout rule: a prover call that reaches its limit makes the sample
    ``Error``, as NLTK raises on it.
"""

from __future__ import annotations

import functools
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from linc.errors import ConfigError, validation_message
from linc.results import MAX_MEMORY_MB, MAX_SECONDS, Limits
from linc.voting import POLICIES, UNCERTAIN_WEIGHT

PRESETS = ("best", "linc")
DEFAULT_PRESET = "best"
BEST_BACKENDS = ("z3", "prover9", "eprover")


class Procedure(str, Enum):
    """How a task's two directions are sent to the backends."""

    LINC = "linc"  # prover9: the goal, then the negation only when the goal was not proved
    PORTFOLIO = "portfolio"  # both directions, backends in order until one answers


class OnLimit(str, Enum):
    """What a prover call that reached its limit means for the sample."""

    ERROR = "error"  # any limit reached makes the sample Error (LINC: NLTK raises)
    ERROR_IF_UNDECIDED = "error_if_undecided"  # Error only when nothing was proved


class Settings(BaseModel):
    """How a completion becomes an answer (see the module doc for the presets)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    preset: str = Field(default=DEFAULT_PRESET, description="the preset these settings start from")
    # reading
    extraction: str = Field(default="released", description="LINC FOL lines: released | published")
    syntax: str = Field(default="nltk", description="nltk | unicode | lean (set by the source)")
    strict: bool = Field(default=False, description="LINC's own reading (rewrite + strict NLTK)")
    repair: bool = True
    # task building
    rename_arity: bool = True
    # decision
    procedure: Procedure = Procedure.PORTFOLIO
    on_limit: OnLimit = OnLimit.ERROR_IF_UNDECIDED
    backends: tuple[str, ...] = BEST_BACKENDS
    prover_timeout: float = Field(
        default=10.0, gt=0, le=MAX_SECONDS, allow_inf_nan=False, description="seconds per call"
    )
    first_seconds: float | None = Field(
        default=None,
        gt=0,
        le=MAX_SECONDS,
        allow_inf_nan=False,
        description="limit of a portfolio's first backend",
    )
    memory_mb: int | None = Field(default=None, gt=0, le=MAX_MEMORY_MB)
    inconsistency: bool = Field(
        default=True, description="try both directions always, so inconsistent premises show"
    )
    dedup: bool = Field(default=True, description="decide tasks equal up to renaming once")
    # vote
    voting: str = Field(default="best", description="vote policy: linc | best | majority")
    uncertain_weight: float = Field(default=UNCERTAIN_WEIGHT, gt=0, le=1)
    paradox: bool = Field(
        default=False,
        description="the dataset's labels include Paradox: the vote may answer it "
        "(linc.voting.paradox_vote); off, no answer is ever Paradox",
    )

    @field_validator("voting")
    @classmethod
    def _known_policy(cls, value: str) -> str:
        if value not in POLICIES:
            raise ValueError(f"unknown vote policy {value!r}; choose from {', '.join(POLICIES)}")
        return value

    @field_validator("backends", mode="before")
    @classmethod
    def _backend_tuple(cls, value: Any) -> Any:
        if isinstance(value, str):
            return (value,)
        return tuple(value) if isinstance(value, list) else value

    @classmethod
    def preset_of(cls, name: str = DEFAULT_PRESET, **overrides: Any) -> Settings:
        """The preset ``name`` with ``overrides`` (None values are ignored)."""
        if name not in PRESETS:
            raise ConfigError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
        base: dict[str, Any] = {"preset": name}
        if name == "linc":
            base.update(_LINC)
        base.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**base)
        except ValidationError as exc:
            raise ConfigError(f"setting {validation_message(exc)}") from None

    def with_(self, **overrides: Any) -> Settings:
        """A copy with ``overrides`` (None values ignored), validated."""
        data = self.model_dump()
        data.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return Settings(**data)
        except ValidationError as exc:
            raise ConfigError(f"setting {validation_message(exc)}") from None

    @property
    def limits(self) -> Limits:
        """Limits of one prover call (verdicts only: no readable countermodels needed)."""
        return Limits(
            seconds=self.prover_timeout,
            memory_mb=self.memory_mb,
            options={"countermodel": False},
        )

    def limits_for(self, backend: str) -> Limits:
        """A portfolio's first backend gets ``first_seconds`` (when set), so a hard
        problem moves on quickly to the next backend instead of holding the full limit."""
        return _limits_for(self, backend)

    def _limits_for(self, backend: str) -> Limits:
        if (
            self.first_seconds is not None
            and len(self.backends) > 1
            and backend == self.backends[0]
        ):
            return self.limits.model_copy(
                update={"seconds": min(self.first_seconds, self.prover_timeout)}
            )
        return self.limits

    def reading(self) -> dict[str, Any]:
        """The part of the settings that changes how a completion is read."""
        return self.model_dump(
            mode="json",
            include={"extraction", "syntax", "strict", "repair", "rename_arity", "dedup"},
        )


@functools.lru_cache(maxsize=256)
def _limits_for(settings: Settings, backend: str) -> Limits:
    """``Settings.limits_for``, built once per settings and backend (a run asks per call)."""
    return settings._limits_for(backend)


_LINC: dict[str, Any] = {
    "extraction": "published",
    "strict": True,
    "repair": False,
    "rename_arity": False,
    "procedure": Procedure.LINC,
    "on_limit": OnLimit.ERROR,
    "backends": ("prover9",),
    "inconsistency": False,
    "dedup": False,
    "voting": "linc",
}
"""The ``linc`` preset: what differs from ``best``."""


VOTING = ("best", "linc", "majority")
"""What ``--voting`` (and ``Reasoner(voting=)``) takes: a preset, or ``majority``."""


def settings_for(
    name: str | None = None, /, *, settings: Settings | None = None, **overrides: Any
) -> Settings:
    """Settings from a ``--voting`` word plus overrides (None values ignored).

    ``best`` and ``linc`` are the presets; ``majority`` is ``best`` with a plain
    plurality vote (an ablation). ``settings``, when given, is the starting
    point instead (and ``name`` must then be None). An override ``voting``
    sets the vote policy alone.
    """
    if settings is not None:
        if name is not None:
            raise ConfigError("give either settings or a preset name, not both")
        return settings.with_(**overrides)
    if name is None:
        name = DEFAULT_PRESET
    if name not in VOTING:
        raise ConfigError(f"unknown --voting {name!r}; choose from {', '.join(VOTING)}")
    if name == "majority":
        overrides = {"voting": "majority", **{k: v for k, v in overrides.items() if v is not None}}
        return Settings.preset_of("best", **overrides)
    return Settings.preset_of(name, **overrides)
