"""Few-shot prompts and decoding grammars, kept as data."""
