"""Response bytes to HTML text: refuse what is not HTML, pick the charset from the evidence, cap the work."""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Mapping

from w3lib.encoding import html_body_declared_encoding, html_to_unicode, http_content_type_encoding

from crawler.errors import NotAnArticle

log = logging.getLogger(__name__)

MAX_BYTES = 4 * 1024 * 1024
"""Bytes of a response we look at; real article pages are far smaller, and a cap keeps a hostile page cheap."""

_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml", "application/octet-stream")
_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"RIFF", b"OggS", b"\x00\x00\x01")
_MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|meta|title|div|p|article|script)\b", re.IGNORECASE)


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
    if not isinstance(body, bytes | bytearray | memoryview):
        raise NotAnArticle(f"not bytes: {type(body).__name__}")
    body = bytes(body[:MAX_BYTES])
    content_type = header(headers, "content-type")
    _check_type(content_type)
    if not body.strip():
        raise NotAnArticle("empty page")
    _check_bytes(body)
    override = _valid_utf8(body) or _contradicted_charset(content_type, body)
    if override is not None:
        return body.decode(override, errors="replace").lstrip("\ufeff")
    _, text = html_to_unicode(content_type, body, auto_detect_fun=_sniff)
    return text.lstrip("\ufeff")


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


def _sniff(body: bytes) -> str | None:
    """Encoding of an undeclared page: UTF-8 when it decodes cleanly, else windows-1252 (the web's de-facto default)."""
    return "utf-8" if _decodes(body, "utf-8") else "cp1252"


def _is_utf8(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


def _decodes(body: bytes, encoding: str) -> bool:
    # A page cut at MAX_BYTES may end mid-character: ignore a short tail.
    try:
        codecs.getincrementaldecoder(encoding)().decode(body, final=False)
    except (UnicodeDecodeError, LookupError):
        return False
    return True
