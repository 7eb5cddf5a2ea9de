"""Response bytes to HTML text: refuse what is not HTML, pick the charset from the evidence, cap the work."""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Mapping
from itertools import islice
from typing import NamedTuple

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
    to_unicode,
)

from crawler.errors import NotAnArticle

log = logging.getLogger(__name__)

MAX_BYTES = 4 * 1024 * 1024
"""Bytes of a response we look at; real article pages are far smaller, and a cap keeps a hostile page cheap."""

_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml", "application/octet-stream")
_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"RIFF", b"OggS", b"\x00\x00\x01")
_MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|meta|title|div|p|article|script)\b", re.IGNORECASE)
_MESS = 0.2
"""charset-normalizer's own threshold: text above this mess ratio reads as mojibake, not as language."""
_NON_ASCII_WORD = re.compile(r"[^\s<>]*[^\x00-\x7f][^\s<>]*")
_SAMPLE_WORDS = 2000
_SAMPLE_BYTES = 256 * 1024
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
_REPAIR = "newsarchive-cp1252"
"""Codec error handler that reads each byte invalid in UTF-8 as windows-1252 (as WHATWG's windows-1252 does)."""


class Decoded(NamedTuple):
    """The page's text and the encoding it was read with; ``fallback`` when that is not what the page declared."""

    text: str
    encoding: str
    fallback: bool = False


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """A header's value, case-insensitively (Scrapy's headers are bytes; tolerate them)."""
    for key, value in (headers or {}).items():
        key = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key.lower() == name:
            if isinstance(value, list | tuple):
                value = value[0] if value else ""
            return value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return None


def decode_html(body: bytes, headers: Mapping[str, str] | None = None) -> str:
    """The page as text; :class:`NotAnArticle` when it is empty, binary or declared as something other than HTML."""
    return decode_page(body, headers).text


def decode_page(body: bytes, headers: Mapping[str, str] | None = None) -> Decoded:
    """:func:`decode_html` with the encoding used, so a page whose declared charset lied can be counted."""
    if not isinstance(body, bytes | bytearray | memoryview):
        raise NotAnArticle(f"not bytes: {type(body).__name__}")
    body = bytes(body[:MAX_BYTES])
    content_type = header(headers, "content-type")
    _check_type(content_type)
    if not body.strip():
        raise NotAnArticle("empty page")
    _check_bytes(body)
    declared = _declared(content_type, body)
    encoding, text = _decode(content_type, body, declared)
    return Decoded(text.lstrip("\ufeff"), encoding, declared is not None and not _same(encoding, declared))


def _decode(content_type: str | None, body: bytes, declared: str | None) -> tuple[str, str]:
    """Encoding and text: the bytes' own evidence first, then a declaration that decodes them, then detection (a
    declaration that does not decode is a lie, and reading by it would turn every foreign byte into U+FFFD)."""
    override = _valid_utf8(body) or _contradicted_charset(content_type, body)
    if override is not None:
        return override, body.decode(override, errors="replace")
    if declared is not None and read_bom(body) == (None, None) and not _decodes(body, declared):
        return _detected(body, declared)
    return _in_browser_order(content_type, body)


def _in_browser_order(content_type: str | None, body: bytes) -> tuple[str, str]:
    """w3lib's order (byte-order mark, header, ``<meta>``), then our sniffing: ``html_to_unicode``'s hook for the
    last step (``auto_detect_fun``) is deprecated since w3lib 2.6, whose own guess would replace ``_sniff``."""
    encoding, bom = read_bom(body)
    if encoding is not None:
        return encoding, to_unicode(body[len(bom) :], encoding)
    encoding = http_content_type_encoding(content_type) or html_body_declared_encoding(body) or _sniff(body)
    return encoding, to_unicode(body, encoding)


def _check_type(content_type: str | None) -> None:
    if not content_type:
        return
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime and mime not in _HTML_TYPES:
        raise NotAnArticle(f"not HTML: {mime}")


def _check_bytes(body: bytes) -> None:
    head = body[:1024]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return  # UTF-16 pages carry NULs legitimately and their markup is not ASCII bytes.
    if head.startswith(_MAGIC) or b"\x00" in head:
        raise NotAnArticle("binary content")
    if not _MARKUP.search(body[:65536]):
        raise NotAnArticle("no HTML markup")


def _valid_utf8(body: bytes) -> str | None:
    """``utf-8`` for non-ASCII bytes that decode as UTF-8: legacy-encoded text almost never does, whatever the
    page or the server claims (pages re-saved as UTF-8 keep their old ``<meta charset>``)."""
    if body.isascii() or not _decodes(body, "utf-8"):
        return None
    return "utf-8"


def _contradicted_charset(content_type: str | None, body: bytes) -> str | None:
    """The page's own charset when the header's UTF-8 is contradicted by the bytes (a misconfigured server)."""
    declared = http_content_type_encoding(content_type)
    if declared is None or not _is_utf8(declared) or _decodes(body, declared):
        return None
    meta = html_body_declared_encoding(body)
    if meta and not _is_utf8(meta) and _decodes(body, meta):
        log.debug("charset %s contradicted by the bytes, using the page's %s", declared, meta)
        return meta
    return None


def _declared(content_type: str | None, body: bytes) -> str | None:
    """The charset the page claims, as w3lib ranks the claims: the header's, else the ``<meta>``'s."""
    declared = http_content_type_encoding(content_type) or html_body_declared_encoding(body)
    return resolve_encoding(declared) if declared else None


def _detected(body: bytes, declared: str) -> tuple[str, str]:
    """Encoding and text of a page its declared charset does not decode, chosen as browsers' fallback would.

    A failed UTF-8 claim is nearly always windows-1252 (often only in part: a legacy snippet pasted into a UTF-8
    page), so each invalid byte is read as windows-1252 while valid UTF-8 stays UTF-8. Only when that reads as
    mojibake (a Cyrillic or Greek legacy page) does charset-normalizer's statistical guess decide.
    """
    if _is_utf8(declared) and _reads_as_text(body[:_SAMPLE_BYTES].decode("utf-8", errors=_REPAIR)):
        text = body.decode("utf-8", errors=_REPAIR)
        encoding = "cp1252" if _decodes(body, "cp1252") and text == _cp1252(body) else "utf-8+cp1252"
        log.debug("charset %s does not decode the page, read as %s", declared, encoding)
        return encoding, text
    guess = from_bytes(body).best()
    if guess is None:
        return declared, body.decode(declared, errors="replace")
    log.debug("charset %s does not decode the page, detected %s", declared, guess.encoding)
    return guess.encoding, str(guess)


def _reads_as_text(text: str) -> bool:
    """Whether the words with non-ASCII letters read as language, not mojibake (charset-normalizer's measure)."""
    words = " ".join(match.group() for match in islice(_NON_ASCII_WORD.finditer(text), _SAMPLE_WORDS))
    return mess_ratio(words, _MESS) < _MESS


def _cp1252(body: bytes) -> str:
    return body.decode("cp1252", errors="replace")


def _repair(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: the run of non-ASCII bytes from the offending one, read as windows-1252 (its five
    undefined bytes as Latin-1, as WHATWG does). A run, not a byte: one call per word keeps a legacy page fast."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    data, end = error.object, error.end
    while end < len(data) and data[end] >= 0x80:
        end += 1
    return "".join(
        chr(b) if b in _CP1252_UNDEFINED else bytes([b]).decode("cp1252") for b in data[error.start : end]
    ), end


codecs.register_error(_REPAIR, _repair)


def _sniff(body: bytes) -> str | None:
    """Encoding of an undeclared page: UTF-8 when it decodes cleanly, else windows-1252 (the web's de-facto default)."""
    return "utf-8" if _decodes(body, "utf-8") else "cp1252"


def _is_utf8(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


def _same(encoding: str, declared: str) -> bool:
    try:
        return codecs.lookup(encoding).name == codecs.lookup(declared).name
    except LookupError:
        return False


def _decodes(body: bytes, encoding: str) -> bool:
    # A page cut at MAX_BYTES may end mid-character: ignore a short tail.
    try:
        codecs.getincrementaldecoder(encoding)().decode(body, final=False)
    except (UnicodeDecodeError, LookupError):
        return False
    return True
