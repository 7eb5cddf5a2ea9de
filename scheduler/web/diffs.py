"""Word-level differences between two versions of an article, with difflib (no hand-written diff)."""

from __future__ import annotations

import difflib
import re
from typing import Any

_TOKENS = re.compile(r"\s+|[^\s]+")
FIELDS = ("title", "authors", "published_at", "modified_at", "section", "tags", "body")


def words(text: str) -> list[str]:
    """Words and the whitespace between them, so that joining the tokens gives the text back."""
    return _TOKENS.findall(text)


def segments(old: str, new: str) -> list[dict[str, str]]:
    """``[{"op": "equal"|"delete"|"insert", "text": ...}]``: a replace is a deletion followed by an insertion."""
    a, b = words(old), words(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out: list[dict[str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append({"op": "equal", "text": "".join(a[i1:i2])})
            continue
        if i2 > i1:
            out.append({"op": "delete", "text": "".join(a[i1:i2])})
        if j2 > j1:
            out.append({"op": "insert", "text": "".join(b[j1:j2])})
    return out


def as_text(value: Any) -> str:
    """A field's value as the text to compare (lists joined, instants in ISO form)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Per field: its name, whether it changed, and its segments."""
    result = []
    for field in FIELDS:
        before, after = as_text(old.get(field)), as_text(new.get(field))
        result.append({"field": field, "changed": before != after, "segments": segments(before, after)})
    return result
