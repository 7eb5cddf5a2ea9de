"""What a stylesheet loads: ``@import`` targets and every ``url()`` (fonts, backgrounds), parsed with tinycss2."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

import tinycss2
from tinycss2.ast import AtRule, Declaration, FunctionBlock, Node, QualifiedRule, URLToken

IMPORT = "import"
URL = "url"


@dataclass(frozen=True)
class CssReference:
    """One URL a stylesheet (or a ``style`` attribute) names, absolute; ``kind`` is ``import`` or ``url``."""

    url: str
    kind: str


def stylesheet_references(css: str, base_url: str) -> list[CssReference]:
    """The URLs a stylesheet names, in source order, duplicates removed; relative ones joined to ``base_url``.

    ``@import "x.css"`` and ``@import url(x.css)`` are imports (stylesheets themselves); every other ``url()``, in
    any rule or at-rule (``@font-face``, ``@media``), is a resource: a font, a background, a cursor.
    """
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    return _unique(_join(base_url, _references(rules)))


def style_attribute_references(style: str, base_url: str) -> list[CssReference]:
    """The URLs of an inline ``style="…"`` attribute (``background-image: url(…)``)."""
    declarations = tinycss2.parse_blocks_contents(style, skip_comments=True, skip_whitespace=True)
    return _unique(_join(base_url, _references(declarations)))


def _references(nodes: Iterable[Node]) -> Iterator[CssReference]:
    for node in nodes:
        if isinstance(node, AtRule) and node.lower_at_keyword == "import":
            target = _import_target(node.prelude)
            if target:
                yield CssReference(target, IMPORT)
            continue
        if isinstance(node, AtRule | QualifiedRule):
            yield from _urls(node.prelude)
            if node.content is not None:
                yield from _references(
                    tinycss2.parse_blocks_contents(node.content, skip_comments=True, skip_whitespace=True)
                )
        elif isinstance(node, Declaration):
            yield from _urls(node.value)


def _import_target(prelude: list[Node]) -> str | None:
    for token in prelude:
        if token.type == "whitespace":
            continue
        if token.type == "string" or isinstance(token, URLToken):
            return token.value
        if isinstance(token, FunctionBlock) and token.lower_name == "url":
            return _function_url(token)
        return None
    return None


def _urls(tokens: Iterable[Node]) -> Iterator[CssReference]:
    """``url(x)`` (an unquoted url token) and ``url("x")`` (a function), also nested in ``image-set()``."""
    for token in tokens:
        if isinstance(token, URLToken):
            yield CssReference(token.value, URL)
        elif isinstance(token, FunctionBlock):
            if token.lower_name in ("url", "src"):
                target = _function_url(token)
                if target:
                    yield CssReference(target, URL)
            elif token.lower_name in ("image-set", "-webkit-image-set"):
                yield from _urls(token.arguments)
                yield from (CssReference(t.value, URL) for t in token.arguments if t.type == "string")
            else:
                yield from _urls(token.arguments)


def _function_url(function: FunctionBlock) -> str | None:
    return next((token.value for token in function.arguments if token.type == "string"), None)


def _join(base_url: str, references: Iterable[CssReference]) -> Iterator[CssReference]:
    for reference in references:
        target = reference.url.strip()
        if not target or target.startswith(("data:", "#", "about:", "javascript:")):
            continue
        yield CssReference(urljoin(base_url, target), reference.kind)


def _unique(references: Iterable[CssReference]) -> list[CssReference]:
    return list(dict.fromkeys(references))
