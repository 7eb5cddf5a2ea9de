"""Language of a page: the markup's declaration as a BCP 47 primary tag, else a guess from the text (offline)."""

from __future__ import annotations

import re
from collections import Counter

_TAG = re.compile(r"^([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]{1,8})*$")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

# Frequent function words that are rare in other languages; a short text still hits several.
_STOPWORDS = {
    "en": "the and of to in is that for it was with as on be by this are have from which not but at",
    "de": "der die und das ist nicht mit den von zu auch sich des dem ein eine wird für auf sind",
    "fr": "le la les et des est une dans pour pas qui sur avec sont aux ce du mais ont cette",
    "es": "el la los las y del que en por con para una es se su al lo como más pero",
    "pt": "o a os as e do da que em para com um uma não no na dos se mais por",
    "it": "il la che di e è un una per non con sono della del gli le nel anche si",
    "nl": "de het een en van is dat op te in niet met voor zijn er ook maar bij",
    "id": "yang dan di ini itu dengan untuk dari tidak ada dalam akan pada juga ke karena",
    "sv": "och att det som en är på för med har inte av till den om ett var",
    "pl": "i w na nie się z że do to jest jak o po ale przez od są",
    "tr": "ve bir bu da de için ile çok olarak daha gibi olan ama en ne",
}
_SETS = {lang: frozenset(words.split(" ")) for lang, words in _STOPWORDS.items()}
_SCRIPTS = (
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
)
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_PASHTO_LETTERS = re.compile(r"[ټځډړږښګڼۍ]")
_PERSIAN_LETTERS = re.compile(r"[پچژگ]")


def primary_tag(value: object) -> str | None:
    """``en`` from ``en-US``/``en_US``/``EN``; ``None`` when ``value`` is not a language tag."""
    if not isinstance(value, str):
        return None
    match = _TAG.match(value.strip())
    if not match or match.group(1).lower() in ("und", "mul", "zxx"):
        return None
    return match.group(1).lower()


def detect_language(text: str | None) -> str | None:
    """A guess from the script, then from function words; ``None`` when the text is too short to say."""
    sample = (text or "")[:5000]
    letters = sum(1 for ch in sample if ch.isalpha())
    if letters < 40:
        return None
    for lang, script in _SCRIPTS:
        if len(script.findall(sample)) > letters * 0.3:
            return lang
    if len(_ARABIC.findall(sample)) > letters * 0.3:
        # Arabic script serves several languages; letters only Pashto or Persian use tell them apart roughly.
        if _PASHTO_LETTERS.search(sample):
            return "ps"
        return "fa" if _PERSIAN_LETTERS.search(sample) else "ar"
    return _by_stopwords(sample)


def _by_stopwords(sample: str) -> str | None:
    words = [word.lower() for word in _WORD.findall(sample)]
    if len(words) < 10:
        return None
    hits = Counter({lang: sum(1 for word in words if word in stop) for lang, stop in _SETS.items()})
    (best, count), *rest = [*hits.most_common(2), ("", 0)]
    if count < max(3, len(words) * 0.08) or count <= rest[0][1] * 1.2:
        return None
    return best
