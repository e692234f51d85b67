"""A reasoning problem: premises and a conclusion, with a gold label when known."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from linc.results import Verdict


class Problem(BaseModel):
    """One question: do ``premises`` make ``conclusion`` True, False or Uncertain?

    ``premises_fol`` / ``conclusion_fol`` hold a dataset's gold logic (FOLIO's
    Unicode FOL) when it has one; ``depth`` is the proof depth where a dataset
    records it (ProofWriter).
    """

    model_config = ConfigDict(frozen=True)

    id: str
    premises: list[str]
    conclusion: str
    label: Verdict | None = None
    premises_fol: list[str] | None = None
    conclusion_fol: str | None = None
    depth: int | None = Field(default=None, ge=0)
    dataset: str = ""
