"""Lark grammars, one per surface syntax."""
