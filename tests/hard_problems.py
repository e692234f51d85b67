"""Problems that keep a prover busy long enough to signal, kill or time it out."""

from __future__ import annotations

PIGEONS, HOLES = 10, 9
"""For z3: 10 pigeons in 9 holes take it about 17 s here; 9 in 8 took 2.5 s, too close to a signal.
Prover9 is the other way round: it runs out of clauses (``sos_empty``) on 10 in 9 within a second
but is still busy after 20 s on 9 in 8, so its tests use ``pigeonhole(9, 8)``."""


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
