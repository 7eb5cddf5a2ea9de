"""Body clean-up shared by every mode: a repeated headline at the top and short boilerplate lines go."""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"\w+")
_SHORT = 14
"""Lines of at most this many words may be boilerplate; longer lines are always kept as prose."""
_PROMO_WORDS = 30
_MAX_CHARS = 400
# Calls to action anywhere in a line of moderate length: follow us, subscribe, click here.
_PROMO = re.compile(
    r"^follow\s+(?:\S+\s+){0,5}on\s+(?:twitter|facebook|instagram|youtube|linkedin|tiktok)\b"
    r"|\b(?:subscribe|sign\s+up)\b.{0,80}\b(?:newsletters?|inbox)\b|\bclick\s+here\b",
    re.IGNORECASE,
)

_BOILERPLATE = re.compile(
    r"^(?:"
    # advertising slots
    r"-*\s*(?:advertisement|advertising|sponsored|ad|anzeige|publicidad|publicité|werbung)\s*-*"
    r"|(?:story|article)\s+continues\s+(?:below|after).*|continue\s+reading(?:\s+below)?"
    # sharing and social buttons
    r"|(?:share|tweet|pin|email|e-mail|print|copy link|whatsapp|facebook|twitter|linkedin|reddit|telegram)"
    r"(?:\s+(?:this|the)\s+(?:article|story|post))?(?:\s+(?:on|via|to)\s+\w+)?"
    r"|share\s+(?:this|on|via)\b.*|follow\s+us\b.*|like\s+this\s+(?:story|article)\?.*"
    # links to other content
    r"|(?:read|see)\s+(?:more|also|next)\b.*|also\s+read\b.*|more\s+(?:articles|stories|news|from)\b.*"
    r"|related(?:\s+\w+)?\s*:.*|related(?:\s+(?:articles|stories|posts))?|also\s+on\s+\S+\s.*"
    r"|tags?\s*:.*|filed\s+under\s*:.*|(?:topics|categories)\s*:.*"
    r"|recommended(?:\s+for\s+you)?|you\s+(?:may|might)\s+also\s+like\b.*|don'?t\s+miss\b.*|trending(?:\s+now)?"
    r"|most\s+(?:read|popular|viewed)\b.*|(?:popular|top\s+stories)\s+on\b.*"
    # newsletters and calls to action
    r"|(?:sign\s+up|subscribe)\b.*(?:newsletter|inbox|email|free)\b.*|click\s+here\b.*"
    r"|.{0,160}\[(?:video|pics|photos|insight|reaction|revealed|latest|poll|analysis|live)\]"
    r"|thanks?\s+(?:you\s+)?for\s+signing\s+up.*|keep\s+an\s+eye\s+on\s+your\s+inbox.*"
    # comment sections and forms
    r"|\d*\s*comments?|leave\s+a\s+(?:reply|comment).*|post\s+a\s+comment|add\s+a\s+comment|view\s+comments"
    r"|please\s+enter\s+your\s+(?:comment|name)\b.*|you\s+have\s+entered\s+an\s+incorrect\s+email.*"
    r"|save\s+my\s+name,?\s+email.*|notify\s+me\s+of\s+(?:follow-up|new)\b.*|tell\s+us\s+what\s+you\s+think.*"
    r"|this\s+site\s+uses\s+akismet.*|.*\brecaptcha\b.*"
    r")[\s.!:|…-]*$",
    re.IGNORECASE,
)


def words(text: str | None) -> list[str]:
    return [word.casefold() for word in _WORD.findall(text or "")]


def clean_body(text: str | None, headlines: Iterable[str | None] = (), standfirst: str | None = None) -> str:
    """``text`` without a leading copy of a headline (and of the ``standfirst`` right under it) and without short
    boilerplate lines."""
    lines = [" ".join(line.split()) for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    lines = _drop_leading_headlines(lines, [words(h) for h in headlines if h], words(standfirst))
    return "\n".join(line for line in lines if not is_boilerplate(line))


def is_boilerplate(line: str) -> bool:
    """A short line that is a button, an ad slot, a teaser heading or part of a comment form."""
    if not _WORD.search(line):
        return True
    if len(line) > _MAX_CHARS:
        return False  # long lines are prose (and the patterns need not scan them)
    count = len(_WORD.findall(line))
    if count <= _PROMO_WORDS and _PROMO.search(line):
        return True
    return count <= _SHORT and bool(_BOILERPLATE.match(line.strip(" \t•·*>|")))


def _drop_leading_headlines(lines: list[str], headlines: list[list[str]], standfirst: list[str]) -> list[str]:
    # Only the first few lines: a headline quoted later in the text is content. The standfirst goes only when it
    # sits under a dropped headline: alone at the top it is often the first paragraph, which is content.
    start = 0
    while start < min(3, len(lines) - 1) and any(h and words(lines[start]) == h for h in headlines):
        start += 1
    if start and standfirst and start < len(lines) - 1 and words(lines[start]) == standfirst:
        start += 1
    return lines[start:]
