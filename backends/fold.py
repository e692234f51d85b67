"""``canonical`` moved to ``linc.ir.canonical``; this path keeps it importable.

The folds that lived here are ``linc.walk.fold`` now (one walker for every
rewrite, printer and canonical form).
"""

from __future__ import annotations

from linc.ir import canonical

__all__ = ["canonical"]
