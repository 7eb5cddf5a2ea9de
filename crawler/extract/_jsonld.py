"""JSON-LD in ``<script type="application/ld+json">``: the article node, its ``@graph`` and references resolved."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

from lxml.html import HtmlElement

log = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "askpublicnewsarticle",
        "satiricalarticle",
        "scholarlyarticle",
        "techarticle",
        "blogposting",
        "liveblogposting",
        "socialmediaposting",
        "report",
        "review",
    }
)
PAGE_TYPES = frozenset({"webpage", "itempage", "collectionpage", "searchresultspage", "profilepage", "website"})
LISTING_TYPES = frozenset({"collectionpage", "searchresultspage", "profilepage", "website", "itemlist"})
_WRAPPER = re.compile(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$")
_MAX_SCRIPT = 1_000_000


def nodes(root: HtmlElement) -> list[dict[str, Any]]:
    """Every JSON-LD object of the page, ``@graph`` members and nested lists flattened, in document order."""
    found: list[dict[str, Any]] = []
    for script in root.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        data = _load(script.text or "")
        if data is not None:
            found.extend(_flatten(data))
    return found


def node_types(node: dict[str, Any]) -> set[str]:
    """The node's ``@type`` values, lower-case, without a vocabulary prefix."""
    types = node.get("@type") or []
    if not isinstance(types, list):
        types = [types]
    return {str(t).rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower() for t in types if isinstance(t, str)}


def article_node(found: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The article object, or the page's ``mainEntity`` when that is one; ``None`` when the page declares none."""
    for node in found:
        if node_types(node) & ARTICLE_TYPES:
            return node
    for node in found:
        main = node.get("mainEntity")
        if isinstance(main, dict) and node_types(main) & ARTICLE_TYPES:
            return main
    return None


def page_node(found: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The WebPage-like object, a fallback source of dates and names when no article is declared."""
    for node in found:
        if node_types(node) & PAGE_TYPES - {"website"}:
            return node
    return None


def resolve(value: Any, found: list[dict[str, Any]]) -> Any:
    """Replace a bare ``{"@id": ...}`` reference by the graph node it names (one level)."""
    if isinstance(value, list):
        return [resolve(item, found) for item in value]
    if isinstance(value, dict) and set(value) == {"@id"}:
        for node in found:
            if node.get("@id") == value["@id"] and len(node) > 1:
                return node
    return value


def _load(text: str) -> Any:
    if len(text) > _MAX_SCRIPT:
        return None
    text = _WRAPPER.sub("", text.strip())
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    # Some CMSs emit several objects back to back or a trailing semicolon: take what decodes.
    try:
        data, _ = json.JSONDecoder(strict=False).raw_decode(text)
    except ValueError:
        log.debug("undecodable JSON-LD block (%d chars)", len(text))
        return None
    return data


def _flatten(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item, depth + 1)
    elif isinstance(data, dict):
        graph = data.get("@graph")
        if "@type" in data:
            yield data
        if isinstance(graph, list | dict):
            yield from _flatten(graph, depth + 1)


def name_of(value: Any) -> str | None:
    """The ``name`` of a node (or of the first of a list), whitespace collapsed; a plain string as it is."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
        if isinstance(value, list):
            value = value[0] if value else None
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    return None
