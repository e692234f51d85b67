"""Text to IR: grammars, repairs, printers, and the LLM semantic parser."""
