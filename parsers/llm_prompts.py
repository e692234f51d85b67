"""Few-shot prompts and per-problem decoding grammars, built from the data in ``prompts/``.

The prompt is a chat: the instructions (``fol_system.txt`` or
``lean_system.txt``), then one user/assistant turn per worked example, then
the problem. Worked examples are FOLIO training problems whose gold FOL was
converted to the target syntax (``folio_shots.json``, made by
``build_shots``); an example whose premises or conclusion equal the problem
under test is never shown.

``problem_grammar`` gives the GBNF grammar for one problem: the TEXT lines
are fixed to the problem's own sentences and only the formulas are sampled,
from ``fol.gbnf`` or ``lean.gbnf``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from linc.config import Target

Message = dict[str, str]
SHOTS_FILE = "folio_shots.json"
MAX_SHOTS = 8
TEXT_TAG = "TEXT:\t"
FOL_TAG = "FOL:\t"


@cache
def prompt_file(name: str) -> str:
    """The text of ``parsers/prompts/<name>`` (package data)."""
    return resources.files("linc.parsers.prompts").joinpath(name).read_text(encoding="utf-8")


def system_prompt(target: Target) -> str:
    name = "lean_system.txt" if target is Target.LEAN else "fol_system.txt"
    return prompt_file(name).replace("<tab>", "\t").strip()


@lru_cache(maxsize=1)
def stored_shots() -> tuple[dict[str, Any], ...]:
    """The worked examples shipped with linc (see ``folio_shots.json``)."""
    data = json.loads(prompt_file(SHOTS_FILE))
    return tuple(data["examples"])


def one_line(sentence: str) -> str:
    """A sentence on one line: whitespace collapsed, control characters dropped (as in TEXT lines)."""
    text = " ".join(sentence.split())
    return "".join(c for c in text if ord(c) >= 0x20 and ord(c) != 0x7F)


def _key(sentence: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", sentence.lower()).strip()


def select_shots(
    n: int,
    *,
    premises: Sequence[str] = (),
    conclusion: str = "",
    pool: Sequence[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The first ``n`` worked examples that are not the problem under test.

    An example is skipped when its conclusion equals ``conclusion`` or its
    premises equal ``premises`` (compared without case and punctuation).
    """
    if not 0 <= n <= MAX_SHOTS:
        raise ValueError(f"shots must be between 0 and {MAX_SHOTS}, not {n}")
    if n == 0:
        return []
    pool = stored_shots() if pool is None else pool
    mine_premises = sorted(_key(p) for p in premises)
    mine_conclusion = _key(conclusion)
    out = []
    for shot in pool:
        if mine_conclusion and _key(shot["conclusion"]) == mine_conclusion:
            continue
        if mine_premises and sorted(_key(p) for p in shot["premises"]) == mine_premises:
            continue
        out.append(shot)
        if len(out) == n:
            break
    return out


def problem_text(premises: Sequence[str], conclusion: str) -> str:
    """The user turn that states one problem."""
    return prompt_file("problem.txt").format(
        premises="\n".join(one_line(p) for p in premises), conclusion=one_line(conclusion)
    )


def translation_text(sentences: Sequence[str], formulas: Sequence[str]) -> str:
    """TEXT/FOL lines pairing each sentence with its formula."""
    lines = []
    for sentence, formula in zip(sentences, formulas):
        lines.append(TEXT_TAG + one_line(sentence))
        lines.append(FOL_TAG + formula)
    return "\n".join(lines)


def build_messages(
    premises: Sequence[str],
    conclusion: str,
    *,
    target: Target = Target.FOL,
    shots: int = 8,
    examples: Sequence[dict[str, Any]] | None = None,
) -> list[Message]:
    """The chat that asks for a TEXT/FOL translation of one problem.

    ``examples``: the worked examples to show (default: the first ``shots`` stored ones).
    """
    messages: list[Message] = [{"role": "system", "content": system_prompt(target)}]
    field = "lean" if target is Target.LEAN else "fol"
    if examples is None:
        examples = select_shots(shots, premises=premises, conclusion=conclusion)
    for shot in examples:
        sentences = [*shot["premises"], shot["conclusion"]]
        messages.append(
            {"role": "user", "content": problem_text(shot["premises"], shot["conclusion"])}
        )
        messages.append({"role": "assistant", "content": translation_text(sentences, shot[field])})
    messages.append({"role": "user", "content": problem_text(premises, conclusion)})
    return messages


def repair_message(error: str) -> Message:
    """The user turn that asks for a corrected translation."""
    return {"role": "user", "content": prompt_file("repair.txt").format(error=error).strip()}


# ------------------------------------------------------------------ grammar


_GBNF_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def gbnf_literal(text: str) -> str:
    """``text`` as a GBNF string literal."""
    out = []
    for char in text:
        if char in _GBNF_ESCAPES:
            out.append(_GBNF_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def problem_grammar(
    premises: Sequence[str], conclusion: str, *, target: Target = Target.FOL
) -> str:
    """GBNF for one problem: fixed TEXT lines, a sampled formula after each FOL tag."""
    base = prompt_file("lean.gbnf" if target is Target.LEAN else "fol.gbnf")
    parts = []
    for i, sentence in enumerate([*premises, conclusion]):
        head = ("" if i == 0 else "\n") + TEXT_TAG + one_line(sentence) + "\n" + FOL_TAG
        parts.append(f"{gbnf_literal(head)} fol")
    return base.rstrip() + "\n\nroot ::= " + " ".join(parts) + "\n"


# ------------------------------------------------------------------ building the examples


def build_shots(folio_train: Path | str) -> dict[str, Any]:
    """Worked examples for ``folio_shots.json`` from FOLIO training problems.

    The problems are the ones picked in ``folio_shot_picks.json``: their
    sentences and gold premise FOL come from ``folio_train``; FOLIO's training
    split has no conclusion FOL, so the picks file holds our own. Constants
    and predicates are capitalised as the prompt asks; formulas are rendered in
    NLTK syntax (exclusive or as ``-(A <-> B)``) and in Lean term syntax.
    Raises ``ValueError`` when a pick is missing or its FOL is unusable.
    """
    from linc.ir import check_arities
    from linc.parsers import read

    picks = json.loads(prompt_file("folio_shot_picks.json"))["picks"]
    rows = {}
    for line in Path(folio_train).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            rows[row["example_id"]] = row
    examples: list[dict[str, Any]] = []
    for pick in picks:
        row = rows.get(pick["example_id"])
        if row is None:
            raise ValueError(f"example {pick['example_id']} is not in {folio_train}")
        texts = [*row["premises-FOL"], pick["conclusion_fol"]]
        formulas = [_prompt_form(read(text, syntax="unicode").formula) for text in texts]
        check_arities(formulas)
        if not _simple(formulas):
            raise ValueError(
                f"example {pick['example_id']} uses more than the prompt grammar allows"
            )
        label = {"Unknown": "Uncertain"}.get(row["label"], row["label"])
        examples.append(
            {
                "story_id": row["story_id"],
                "example_id": row["example_id"],
                "label": label,
                "premises": [one_line(p) for p in row["premises"]],
                "conclusion": one_line(row["conclusion"]),
                "fol": [_render_nltk(f) for f in formulas],
                "lean": [_render_lean(f) for f in formulas],
            }
        )
    return {
        "source": "FOLIO v0.0 training split (Yale-LILY), CC BY-SA 4.0: sentences and premise FOL; "
        "conclusion FOL by linc (folio_shot_picks.json)",
        "built_by": "linc.parsers.llm_prompts.build_shots",
        "examples": examples,
    }


def _prompt_form(formula: Any) -> Any:
    """Capitalise predicate and constant names, and write xor as not-iff."""
    from linc import ir
    from linc.walk import rewrite

    return rewrite(
        formula,
        {
            ir.Pred: lambda p: ir.Pred(_cap(p.name), p.args),
            ir.Const: lambda c: ir.Const(_cap(c.name)),
            ir.Func: lambda f: ir.Func(_cap(f.name), f.args),
            ir.Xor: lambda x: ir.Not(ir.Iff(x.left, x.right)),
        },
    )


def _cap(name: str) -> str:
    return name[:1].upper() + name[1:]


def _simple(formulas: Iterable[Any]) -> bool:
    """Only predicates over variables w-z and constants, nesting the grammar allows."""
    from linc import ir

    for formula in formulas:
        if ir.depth(formula) > 8:
            return False
        for node in ir.subformulas(formula):
            if isinstance(node, (ir.Eq, ir.Top, ir.Bottom)):
                return False
            if isinstance(node, (ir.ForAll, ir.Exists)) and not re.fullmatch(
                r"[w-z]", node.var.name
            ):
                return False
            if isinstance(node, ir.Pred):
                if (
                    not node.args
                    or len(node.args) > 4
                    or not re.fullmatch(r"[A-Z][A-Za-z0-9_]{0,24}", node.name)
                ):
                    return False
                for arg in node.args:
                    if isinstance(arg, ir.Func):
                        return False
                    if isinstance(arg, ir.Const) and not re.fullmatch(
                        r"[A-Z][A-Za-z0-9_]{0,24}", arg.name
                    ):
                        return False
    return True


def _render_nltk(formula: Any) -> str:
    from linc.parsers import render

    return render(formula, syntax="nltk")


def _render_lean(formula: Any) -> str:
    from linc.parsers import render

    return render(formula, syntax="lean")
