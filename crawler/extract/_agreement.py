"""How much two texts agree: F1 of their word 4-gram multisets (the benchmark's own measure, used as a vote)."""

from __future__ import annotations

import re
from collections import Counter

_WORD = re.compile(r"\w+")
_SIZE = 4


def shingles(text: str) -> Counter[str]:
    tokens = _WORD.findall(text)
    return Counter(" ".join(tokens[i : i + _SIZE]) for i in range(max(1, len(tokens) - _SIZE + 1)) if tokens)


def agreement(a: Counter[str], b: Counter[str]) -> float:
    """Shingle F1 of two texts' shingle counts; 0 when either is empty."""
    if not a or not b:
        return 0.0
    common = sum((a & b).values())
    return 2 * common / (sum(a.values()) + sum(b.values()))
