"""Grammar-constrained sampling for the embedded model at the cost of unconstrained sampling.

llama-cpp-python puts the grammar first in its sampler chain, so every token
checks the grammar against the whole vocabulary (262,144 tokens for Gemma 3):
about 75 ms a token on 2 cores, against 13 ms for the model itself. Here the
token is sampled as if unconstrained (top-k, top-p, min-p, temperature) and
then checked against the grammar alone; only when the grammar rejects it is
the grammar applied to the whole vocabulary and the token drawn again from
what it allows. llama.cpp's own command-line sampler works the same way. The
output always satisfies the grammar.

``load_llama`` builds a ``llama_cpp.Llama`` whose grammar-constrained calls
use this sampler; calls without a grammar are unchanged.
"""

from __future__ import annotations

import ctypes
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import _internals

_TOKEN_DATA = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)])


class GrammarLastSampler:
    """A sampler chain whose grammar is consulted after sampling, with a full-vocabulary fallback."""

    def __init__(
        self,
        llama: Any,
        grammar: llama_cpp.LlamaGrammar,
        *,
        top_k: int,
        top_p: float,
        min_p: float,
        temp: float,
        seed: int,
    ) -> None:
        self._draw = _sampler_chain(top_k=top_k, top_p=top_p, min_p=min_p, temp=temp, seed=seed)
        self._rest = _sampler_chain(top_k=0, top_p=top_p, min_p=min_p, temp=temp, seed=seed + 1)
        self._top_k = _sampler_chain(top_k=top_k)
        self._grammar = llama_cpp.llama_sampler_init_grammar(
            llama._model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        self._n_vocab = int(llama.n_vocab())
        self._one = (llama_cpp.llama_token_data * 1)()
        self._everything: Any = None
        self._ids = np.arange(self._n_vocab, dtype=np.int32)
        self.redraws = [0, 0]
        """Draws the grammar rejected, then redrawn from the top-k tokens it allows, or (when it
        allows none of them) from the whole vocabulary."""

    def sample(self, ctx: Any, idx: int = -1) -> int:
        """The next token: the unconstrained draw if the grammar allows it, else a constrained one."""
        token = int(llama_cpp.llama_sampler_sample(self._draw.sampler, ctx.ctx, idx))
        if not self._allows(token):
            token = self._redraw(ctx, idx)
        llama_cpp.llama_sampler_accept(self._grammar, token)
        return token

    def _allows(self, token: int) -> bool:
        self._one[0] = llama_cpp.llama_token_data(token, 0.0, 0.0)
        one = llama_cpp.llama_token_data_array(data=self._one, size=1, selected=-1, sorted=False)
        llama_cpp.llama_sampler_apply(self._grammar, ctypes.byref(one))
        return bool(np.isfinite(self._one[0].logit))

    def _candidates(self, ctx: Any, idx: int) -> Any:
        """The whole vocabulary with the logits of output ``idx``."""
        if self._everything is None:
            self._everything = (llama_cpp.llama_token_data * self._n_vocab)()
        table = np.frombuffer(self._everything, dtype=_TOKEN_DATA)
        logits = llama_cpp.llama_get_logits_ith(ctx.ctx, idx)
        table["id"] = self._ids
        table["logit"] = np.ctypeslib.as_array(logits, shape=(self._n_vocab,))
        table["p"] = 0.0
        return llama_cpp.llama_token_data_array(
            data=self._everything, size=self._n_vocab, selected=-1, sorted=False
        )

    def _redraw(self, ctx: Any, idx: int) -> int:
        candidates = self._candidates(ctx, idx)
        llama_cpp.llama_sampler_apply(self._top_k.sampler, ctypes.byref(candidates))
        llama_cpp.llama_sampler_apply(self._grammar, ctypes.byref(candidates))
        table = np.frombuffer(self._everything, dtype=_TOKEN_DATA)
        allowed = table[: candidates.size][np.isfinite(table["logit"][: candidates.size])]
        if len(allowed):
            self.redraws[0] += 1
            table[: len(allowed)] = allowed
            candidates.size, candidates.sorted = len(allowed), False
            llama_cpp.llama_sampler_apply(self._rest.sampler, ctypes.byref(candidates))
        else:
            self.redraws[1] += 1
            candidates = self._candidates(ctx, idx)
            llama_cpp.llama_sampler_apply(self._grammar, ctypes.byref(candidates))
            llama_cpp.llama_sampler_apply(self._draw.sampler, ctypes.byref(candidates))
        return int(self._everything[candidates.selected].id)

    def close(self) -> None:
        if self._grammar is not None:
            llama_cpp.llama_sampler_free(self._grammar)
            self._grammar = None
        for chain in (self._draw, self._rest, self._top_k):
            chain.close()

    def __del__(self) -> None:
        self.close()


def _sampler_chain(
    *, top_k: int = 0, top_p: float = 1.0, min_p: float = 0.0, temp: float = -1.0, seed: int = 0
) -> Any:
    """A llama.cpp sampler chain: top-k (if > 0), then top-p, min-p, temperature and a draw
    (if ``temp`` >= 0; greedy at 0)."""
    chain = _internals.LlamaSampler()
    if top_k > 0:
        chain.add_top_k(top_k)
    if temp == 0.0:
        chain.add_greedy()
    elif temp > 0.0:
        chain.add_top_p(top_p, 1)
        chain.add_min_p(min_p, 1)
        chain.add_temp(temp)
        chain.add_dist(seed)
    return chain


class GrammarLastLlama(llama_cpp.Llama):
    """``llama_cpp.Llama`` whose grammar-constrained sampling uses ``GrammarLastSampler``."""

    def _init_sampler(self, **options: Any) -> Any:  # type: ignore[override]
        grammar = options.get("grammar")
        plain = (
            options.get("mirostat_mode", 0) == 0
            and not options.get("logits_processor")
            and options.get("repeat_penalty", 1.0) == 1.0
            and not options.get("frequency_penalty")
            and not options.get("presence_penalty")
            and options.get("typical_p", 1.0) == 1.0
        )
        if grammar is None or not plain:
            return super()._init_sampler(**options)
        return GrammarLastSampler(
            self,
            grammar,
            top_k=options.get("top_k", 40),
            top_p=options.get("top_p", 0.95),
            min_p=options.get("min_p", 0.05),
            temp=options.get("temp", 0.8),
            seed=self._seed,
        )


def load_llama(**options: Any) -> llama_cpp.Llama:
    """A ``llama_cpp.Llama`` (same options) with fast grammar-constrained sampling."""
    return GrammarLastLlama(**options)
