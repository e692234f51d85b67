"""Line-by-line decoding for the embedded model: the sentences are given, only formulas are sampled.

The chat is rendered in Gemma 3's own turn format (``gemma_prompt``; the
gguf carries no chat template, so llama-cpp-python would fall back to
Llama 2's ``[INST]`` format). Then for each sentence the text
``TEXT:<tab><sentence>\\nFOL:<tab>`` is appended as prompt (evaluated in one
batch, never sampled) and one formula is sampled under that line's grammar,
up to its newline. llama-cpp-python keeps the evaluated prefix, so each line
costs only its own tokens, and the samples of one problem share the prompt.
A line whose formula misses what its sentence demands (``gbnf.Requirement``:
a negation, a word of its last content group, two atoms, each name the
sentence says, no run-away repetition) is drawn again, greedily.
A predicate keeps the number of arguments its first use gave it: the grammar of
each line is made knowing the lines above (``gbnf.LineGrammars``).
The completion is the usual TEXT/FOL text, so everything downstream reads it
as any other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from linc.parsers.gbnf import Requirement, arities
from linc.parsers.llm_prompts import FOL_TAG, TEXT_TAG, Message, one_line

LINE_RETRIES = 1
"""Further draws of a line whose formula misses a ``Requirement``: greedy (the model's most
likely formula; a sampled miss tends to be a run-away line that later lines would copy), under
the line's strict grammar (which demands what was missed)."""
LINE_TOKENS = 160
"""Token limit of one formula (the grammar bounds a formula well below it)."""
SEED_STRIDE = 7919
"""Line j of a sample with seed s is sampled with seed s + j * SEED_STRIDE."""


def gemma_prompt(messages: Sequence[Message]) -> str:
    """The chat in Gemma 3's turn format, ending where the model's answer starts.

    A system message is put before the first user turn's text, as Gemma 3's
    template does.
    """
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    out = []
    for message in messages:
        if message["role"] == "system":
            continue
        role = "model" if message["role"] == "assistant" else "user"
        text = message["content"]
        if system and role == "user":
            text, system = f"{system}\n\n{text}", ""
        out.append(f"<start_of_turn>{role}\n{text}<end_of_turn>\n")
    return "".join(out) + "<start_of_turn>model\n"


def heads(sentences: Sequence[str]) -> list[str]:
    """The fixed text before each sampled formula."""
    return [
        ("" if i == 0 else "\n") + TEXT_TAG + one_line(s) + "\n" + FOL_TAG
        for i, s in enumerate(sentences)
    ]


GrammarOf = Callable[[int, Mapping[str, int], bool], str]
"""The GBNF of line ``j`` given the predicates' arities so far; ``True``: the strict one."""


def decode_lines(
    llama: Any,
    messages: Sequence[Message],
    sentences: Sequence[str],
    grammar_of: GrammarOf,
    params: dict[str, Any],
    compile_grammar: Callable[[str], Any],
    requirements: Sequence[Requirement] | None = None,
) -> tuple[str, int, int]:
    """Sample one formula per sentence; the TEXT/FOL text, prompt tokens evaluated, tokens sampled.

    Each line's grammar knows the arity of every predicate the lines above used. A formula
    that misses its sentence's ``Requirement`` is drawn again (greedily, under the strict
    grammar), up to ``LINE_RETRIES`` times.
    """
    prompt = gemma_prompt(messages)
    text = ""
    evaluated = sampled = 0
    seed = params.get("seed")
    used: dict[str, int] = {}
    for j, head in enumerate(heads(sentences)):
        text += head
        need = requirements[j] if requirements else None
        for retry in range(LINE_RETRIES + 1):
            cached = llama.n_tokens
            response = llama.create_completion(
                prompt=prompt + text,
                grammar=compile_grammar(grammar_of(j, used, retry > 0)),
                max_tokens=LINE_TOKENS,
                temperature=0.0 if retry else params.get("temperature", 0.8),
                top_p=params.get("top_p") or 0.95,
                seed=None if seed is None else seed + j * SEED_STRIDE + retry,
                stop=["\n"],
            )
            formula = response["choices"][0]["text"].split("\n", 1)[0].rstrip()
            usage = response.get("usage") or {}
            evaluated += max(0, int(usage.get("prompt_tokens", 0)) - cached)
            sampled += int(usage.get("completion_tokens", 0))
            if need is None or need.met(formula):
                break
        text += formula
        used = {**arities(formula), **used}
    return text, evaluated, sampled
