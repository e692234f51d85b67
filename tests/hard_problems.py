"""Problems that keep a prover busy long enough to signal, kill or time it out."""

from __future__ import annotations

PIGEONS, HOLES = 10, 9
"""z3 needs about 17 s for 10 pigeons in 9 holes here; 9 in 8 took 2.5 s, too close to a signal."""


def pigeonhole(pigeons: int = PIGEONS, holes: int = HOLES) -> list[str]:
    """Each pigeon sits in some hole; no two share one (NLTK syntax): inconsistent, slow to see."""
    each = [
        " | ".join(f"In(p{p},h{h})" for h in range(1, holes + 1)) for p in range(1, pigeons + 1)
    ]
    apart = [
        f"-(In(p{p},h{h}) & In(p{q},h{h}))"
        for h in range(1, holes + 1)
        for p in range(1, pigeons + 1)
        for q in range(p + 1, pigeons + 1)
    ]
    return each + apart
