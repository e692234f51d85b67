"""Is one run really better than another? Paired statistics for two runs.

Two runs of the same problems (``--out`` folders of ``linc eval replay`` or
``linc eval run``) are paired problem by problem on ``id``; only problems
with a gold label in both take part. On the pairs: the 2×2 table of right
and wrong, each run's accuracy with its 95 % Wilson score interval, the
difference in accuracy (A − B) with Newcombe's (1998) method-10 interval,
and McNemar's exact test. Pure computation, standard library only;
``linc eval compare`` prints it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from pydantic import BaseModel, Field

from linc.errors import DataError
from linc.evals.catalogue import DatasetInfo
from linc.evals.curves import read_run, run_labels
from linc.evals.explorer_stats import CoverageQuote, accuracy_at_coverage, risk_coverage
from linc.evals.report import ProblemRecord, wilson_interval

log = logging.getLogger(__name__)

DIFFERENCE_METHOD = "Newcombe (1998) method 10: Wilson score intervals, square-and-add, paired"


class RunSide(BaseModel):
    """One of the two runs, as it enters the comparison."""

    name: str = Field(description="the run's report name, else its folder name")
    label: str = Field(description="name shown in the table (distinct from the other run's)")
    path: str
    problems: int = Field(description="records in the run")
    unpaired: int = Field(description="records left out: no gold here or no partner with gold")
    correct: int = Field(description="right answers among the paired problems")
    accuracy: float = Field(description="accuracy on the paired problems")
    accuracy_ci95: tuple[float, float] | None = Field(description="95 % Wilson score interval")
    coverage: list[CoverageQuote] = Field(
        default_factory=list,
        description="accuracy at 50/80/100 % coverage by the vote's margin (all the run's "
        "problems with gold; linc.evals.explorer_stats)",
    )


class Comparison(BaseModel):
    """Run A against run B on the problems both have, with gold."""

    a: RunSide
    b: RunSide
    paired: int
    both_right: int
    only_a_right: int
    only_b_right: int
    both_wrong: int
    difference: float = Field(description="accuracy of A minus accuracy of B on the pairs")
    difference_ci95: tuple[float, float] | None
    difference_method: str = DIFFERENCE_METHOD
    mcnemar_p: float = Field(description="McNemar's exact two-sided p (binomial on discordant)")
    same_data: bool | None = Field(
        default=None,
        description="the reports' datasets: True the same bytes and subset; False different "
        "(compared with force); None a report does not say",
    )


def mcnemar_exact_p(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p: ``min(1, 2·P[X ≤ min(b, c)])``, ``X ~ Bin(b + c, 1/2)``.

    Computed exactly (integers) before the final rounding to float; no
    discordant pairs gives 1.
    """
    if only_a < 0 or only_b < 0:
        raise ValueError(f"discordant counts must be >= 0, got {only_a} and {only_b}")
    n = only_a + only_b
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(only_a, only_b) + 1))
    return float(min(Fraction(1), Fraction(2 * tail, 2**n)))


def paired_difference_ci(
    both_right: int, only_a: int, only_b: int, both_wrong: int, *, level: float = 0.95
) -> tuple[float, float]:
    """Interval for ``p_A − p_B`` from a paired 2×2 table: Newcombe's method 10.

    Each marginal accuracy gets its Wilson score interval; the two are
    combined by square-and-add with the correlation estimate ``φ`` between
    the runs (``ad − bc`` shrunk towards 0 by ``n/2`` when positive, as
    Newcombe specifies; 0 when a margin is empty). Unlike the Wald interval
    it is not of zero width when there are no discordant pairs.
    """
    a, b, c, d = both_right, only_a, only_b, both_wrong
    n = a + b + c + d
    if n <= 0 or min(a, b, c, d) < 0:
        raise ValueError(f"need a non-empty table of counts >= 0, got {(a, b, c, d)}")
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wilson_interval(a + b, n, level=level)
    l2, u2 = wilson_interval(a + c, n, level=level)
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    cross = a * d - b * c
    if margins == 0 or 0 <= cross <= n / 2:
        phi = 0.0
    elif cross > n / 2:
        phi = (cross - n / 2) / math.sqrt(margins)
    else:
        phi = cross / math.sqrt(margins)
    below = math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    above = math.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2))
    return max(-1.0, p1 - p2 - below), min(1.0, p1 - p2 + above)


def compare_records(
    a: Sequence[ProblemRecord], b: Sequence[ProblemRecord]
) -> tuple[list[tuple[bool, bool]], int, int]:
    """Pair two runs' records on ``id`` (gold in both): ``(A right, B right)`` per pair.

    Also returns how many records of A and of B were left unpaired. Records
    that share an id must share the gold label, else the runs are not of the
    same problems (``DataError``); an id twice in one run is a ``DataError``.
    """
    by_id_a, by_id_b = _by_id(a, "A"), _by_id(b, "B")
    pairs: list[tuple[bool, bool]] = []
    for key, ra in by_id_a.items():
        rb = by_id_b.get(key)
        if ra.gold is None or rb is None or rb.gold is None:
            continue
        if ra.gold is not rb.gold:
            raise DataError(
                f"problem {key!r}: gold {ra.gold.value} in run A but {rb.gold.value} in run B; "
                "the runs are not of the same problems"
            )
        pairs.append((ra.correct, rb.correct))
    return pairs, len(a) - len(pairs), len(b) - len(pairs)


def paired_comparison(
    folder_a: Path | str, folder_b: Path | str, *, force: bool = False
) -> Comparison:
    """Compare the runs in two ``--out`` folders (``DataError`` if one has no records, or
    if their reports name different data, unless ``force``)."""
    folder_a, folder_b = Path(folder_a), Path(folder_b)
    records_a, report_a = read_run(folder_a)
    records_b, report_b = read_run(folder_b)
    same = same_data(report_a, report_b, force=force)
    pairs, unpaired_a, unpaired_b = compare_records(records_a, records_b)
    if not pairs:
        log.warning("%s and %s share no problem with a gold label", folder_a, folder_b)
    both = sum(x and y for x, y in pairs)
    only_a = sum(x and not y for x, y in pairs)
    only_b = sum(y and not x for x, y in pairs)
    n = len(pairs)
    name_a = str(report_a.get("name") or folder_a.name)
    name_b = str(report_b.get("name") or folder_b.name)
    label_a, label_b = run_labels([name_a, name_b], [folder_a, folder_b])
    comparison = Comparison(
        a=_side(name_a, label_a, folder_a, len(records_a), unpaired_a, both + only_a, n),
        b=_side(name_b, label_b, folder_b, len(records_b), unpaired_b, both + only_b, n),
        paired=n,
        both_right=both,
        only_a_right=only_a,
        only_b_right=only_b,
        both_wrong=n - both - only_a - only_b,
        difference=(only_a - only_b) / n if n else 0.0,
        difference_ci95=(
            paired_difference_ci(both, only_a, only_b, n - both - only_a - only_b) if n else None
        ),
        mcnemar_p=mcnemar_exact_p(only_a, only_b),
        same_data=same,
    )
    comparison.a.coverage = accuracy_at_coverage(risk_coverage(records_a))
    comparison.b.coverage = accuracy_at_coverage(risk_coverage(records_b))
    return comparison


def _side(
    name: str, label: str, folder: Path, problems: int, unpaired: int, correct: int, n: int
) -> RunSide:
    return RunSide(
        name=name,
        label=label,
        path=str(folder),
        problems=problems,
        unpaired=unpaired,
        correct=correct,
        accuracy=correct / n if n else 0.0,
        accuracy_ci95=wilson_interval(correct, n) if n else None,
    )


def _by_id(records: Sequence[ProblemRecord], run: str) -> dict[str, ProblemRecord]:
    out: dict[str, ProblemRecord] = {}
    for record in records:
        if record.id in out:
            raise DataError(f"run {run}: problem id {record.id!r} appears twice")
        out[record.id] = record
    return out


def same_data(report_a: dict, report_b: dict, *, force: bool = False) -> bool | None:
    """Did two runs score the same data (same sha256, same subset)? None when a report
    does not record its dataset; different data is a ``DataError`` unless ``force``."""
    raw_a, raw_b = report_a.get("dataset"), report_b.get("dataset")
    if not isinstance(raw_a, dict) or not isinstance(raw_b, dict):
        log.warning("a run's report does not record its dataset: the data cannot be checked")
        return None
    a, b = DatasetInfo.model_validate(raw_a), DatasetInfo.model_validate(raw_b)
    if a.same_data(b):
        return True
    what = f"run A scored {_data(a)}, run B {_data(b)}"
    if not force:
        raise DataError(f"the runs scored different data: {what}; --force compares them anyway")
    log.warning("comparing runs over different data (--force): %s", what)
    return False


def _data(info: DatasetInfo) -> str:
    split = f":{info.split}" if info.split else ""
    subset = f" (subset {info.subset})" if info.subset else ""
    return f"{info.name}{split}{subset} sha256 {info.sha256[:12]}"
