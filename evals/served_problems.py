"""The problems of a recorded LINC run as ``linc serve-recorded`` serves them.

A recording in LINC's format holds completions, not the dataset; this module
derives each problem's sentences from them, makes the problems distinct,
finds the problem a request is about, and writes the problems out as a
``--dataset jsonl`` file (``--problems-out``).

**Problems.** Each problem's sentences are read from its completions' ``TEXT:``
lines (``linc.parsers.extract.extract_texts``, each sentence put on one line as the prompt puts it,
``one_line``; empty sentences dropped): the sequence that most completions
write, a tie going to the one that comes first in sample order. Premises are
all sentences but the last; the conclusion is the last. A problem with no
``TEXT:`` line at all gets two synthetic sentences that name its id
(``Recorded problem <id> has no TEXT lines.`` and ``Recorded problem <id> is
answered from its recording.``). Problem ids are the recorded-run loader's
(``<run name>/<index>``), so live records pair with replay records on id.

**Duplicates.** Two problems whose sets of sentences are equal could not be
told apart by a request. Every such problem after the first (in run order)
gets `` [<id>]`` appended to its conclusion, so a request made from the
served sentences matches one problem. (On the LINC runs in
``../shared/data/recorded/linc`` no two problems share their sentences.)

**Matching.** The request text is the content of the chat's ``user``
messages (or the completion's ``prompt``), put on one line with
``one_line``. A problem matches when each of its sentences occurs in that
text; among matches the one with the most sentence characters wins (a tie
goes to the earlier problem). This lets the few-shot examples and a re-ask
(the assistant's answer and ``repair_message``) surround the problem. An
index keeps this fast: each sentence of three words or more is filed under
its rarest inner word (an inner word occurs whole in any text that contains
the sentence), so only sentences filed under a word of the request are
tested; shorter sentences are tested always.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linc.evals.recorded import RecordedRun
from linc.parsers.extract import extract_texts
from linc.parsers.llm_prompts import one_line, problem_text
from linc.results import Verdict

SYNTHETIC_PREMISE = "Recorded problem {id} has no TEXT lines."
SYNTHETIC_CONCLUSION = "Recorded problem {id} is answered from its recording."
DUPLICATE_SUFFIX = " [{id}]"

# ------------------------------------------------------------------ problems


@dataclass(frozen=True)
class ServedProblem:
    """One recorded problem as the server knows it."""

    id: str
    index: int
    premises: tuple[str, ...]
    conclusion: str
    completions: tuple[str, ...]
    label: Verdict | None = None
    depth: int | None = None
    origin: str = "text"  # "text", "synthetic" (no TEXT lines) or "duplicate" (id appended)

    @property
    def sentences(self) -> tuple[str, ...]:
        return (*self.premises, self.conclusion)

    @property
    def distinct(self) -> frozenset[str]:
        return frozenset(self.sentences)

    @property
    def weight(self) -> int:
        """Characters of its distinct sentences (the tie-break between matches)."""
        return sum(len(s) for s in self.distinct)

    def completion(self, seed: int | None) -> tuple[int, str]:
        """``(sample index, text)`` for a request's seed (empty text when none is recorded)."""
        if not self.completions:
            return 0, ""
        sample = (seed or 0) % len(self.completions)
        return sample, self.completions[sample]

    def row(self) -> dict[str, Any]:
        """The problem as a line of a ``--dataset jsonl`` file."""
        out: dict[str, Any] = {
            "id": self.id,
            "premises": list(self.premises),
            "conclusion": self.conclusion,
        }
        if self.label is not None and self.label is not Verdict.ERROR:
            out["label"] = self.label.value
        if self.depth is not None:
            out["depth"] = self.depth
        return out


def derive_sentences(completions: Sequence[str]) -> list[str]:
    """The TEXT sequence most completions write (a tie: the first in sample order).

    Sentences are put on one line (``one_line``); empty ones are dropped. An
    empty list when no completion has a TEXT line.
    """
    sequences = [tuple(s for s in map(one_line, extract_texts(c)) if s) for c in completions]
    counts = Counter(s for s in sequences if s)
    if not counts:
        return []
    best = max(counts.values())
    return list(next(s for s in sequences if counts.get(s) == best))


def served_problems(run: RecordedRun) -> list[ServedProblem]:
    """The run's problems with their derived sentences, made distinct (see the module doc)."""
    out: list[ServedProblem] = []
    seen: set[frozenset[str]] = set()
    for problem in run.problems:
        sentences = derive_sentences(problem.completions)
        origin = "text"
        if not sentences:
            origin = "synthetic"
            sentences = [
                SYNTHETIC_PREMISE.format(id=problem.id),
                SYNTHETIC_CONCLUSION.format(id=problem.id),
            ]
        key = frozenset(sentences)
        if key in seen:
            origin = "duplicate"
            sentences[-1] += DUPLICATE_SUFFIX.format(id=problem.id)
        seen.add(key)
        out.append(
            ServedProblem(
                id=problem.id,
                index=problem.index,
                premises=tuple(sentences[:-1]),
                conclusion=sentences[-1],
                completions=tuple(problem.completions),
                label=problem.label,
                depth=problem.depth,
                origin=origin,
            )
        )
    return out


def write_problems(problems: Iterable[ServedProblem], path: Path | str) -> int:
    """Write the problems as a ``--dataset jsonl`` file; returns how many."""
    target = Path(path)
    if target.parent and not target.parent.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with target.open("w", encoding="utf-8") as handle:
        for problem in problems:
            handle.write(json.dumps(problem.row(), ensure_ascii=False) + "\n")
            count += 1
    return count


# ------------------------------------------------------------------ matching


@dataclass(frozen=True)
class Match:
    """What ``ProblemIndex.match`` found: a problem, or why there is none."""

    problem: ServedProblem | None
    reason: str = ""
    candidates: int = 0  # problems all of whose sentences occur in the text


@dataclass
class ProblemIndex:
    """Finds the problem whose sentences a request contains (see the module doc)."""

    problems: Sequence[ServedProblem]
    _by_word: dict[str, list[str]] = field(default_factory=dict, init=False, repr=False)
    _short: list[str] = field(default_factory=list, init=False, repr=False)
    _owners: dict[str, list[int]] = field(default_factory=dict, init=False, repr=False)
    _sizes: list[int] = field(default_factory=list, init=False, repr=False)
    _weights: list[int] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        owners: defaultdict[str, list[int]] = defaultdict(list)
        for position, problem in enumerate(self.problems):
            for sentence in problem.distinct:
                owners[sentence].append(position)
            self._sizes.append(len(problem.distinct))
            self._weights.append(problem.weight)
        self._owners = dict(owners)
        frequency: Counter[str] = Counter()
        for sentence in self._owners:
            frequency.update(set(sentence.split()[1:-1]))
        by_word: defaultdict[str, list[str]] = defaultdict(list)
        for sentence in self._owners:
            inner = sentence.split()[1:-1]
            if inner:
                by_word[min(inner, key=lambda w: (frequency[w], w))].append(sentence)
            else:
                self._short.append(sentence)
        self._by_word = dict(by_word)

    def found(self, text: str) -> set[str]:
        """The indexed sentences that occur in ``text`` (already on one line)."""
        hits = {s for s in self._short if s in text}
        for word in set(text.split()):
            for sentence in self._by_word.get(word, ()):
                if sentence in text:
                    hits.add(sentence)
        return hits

    def match(self, text: str) -> Match:
        """The problem all of whose sentences occur in ``text`` and that has the most characters."""
        flat = one_line(text)
        hits = self.found(flat)
        present: Counter[int] = Counter()
        for sentence in hits:
            present.update(self._owners[sentence])
        complete = [p for p, n in present.items() if n == self._sizes[p]]
        if complete:
            best = min(complete, key=lambda p: (-self._weights[p], p))
            return Match(self.problems[best], candidates=len(complete))
        if not present:
            return Match(None, "no sentence of any recorded problem occurs in the request")
        position = min(present, key=lambda p: (-present[p] / self._sizes[p], p))
        closest = self.problems[position]
        missing = [s for s in closest.sentences if s not in hits]
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        return Match(
            None,
            f"no recorded problem has all its sentences in the request; the closest, "
            f"{closest.id}, has {present[position]} of {self._sizes[position]}; "
            f"missing: {missing[0]!r}{more}",
        )

    def ambiguous(self) -> list[tuple[str, str]]:
        """``(problem id, id it resolves to)`` for each problem whose own statement
        (``problem_text``) matches another problem."""
        out = []
        for problem in self.problems:
            found = self.match(problem_text(problem.premises, problem.conclusion)).problem
            if found is None or found.id != problem.id:
                out.append((problem.id, found.id if found is not None else ""))
        return out
