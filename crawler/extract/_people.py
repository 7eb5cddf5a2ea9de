"""Who wrote the article: declared people, completed by the visible byline; organisations as a last resort."""

from __future__ import annotations

import re
from typing import Any

from lxml.html import HtmlElement

from crawler.extract import _jsonld
from crawler.extract._authors import clean_authors
from crawler.extract._byline import visible_authors, written_byline
from crawler.extract._document import Marks
from crawler.extract._meta import PageMeta
from crawler.extract._sites import names_site
from crawler.extract.fallback import FallbackMetadata

_AUTHOR_META = (
    "author",
    "article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dc:creator",
    "dcterms.creator",
    "dcterms:creator",
    "byl",
)


def choose_authors(
    marks: Marks,
    article: dict[str, Any],
    nodes: list[dict[str, Any]],
    meta: PageMeta,
    sites: list[str],
    fallback: FallbackMetadata,
    language: str | None = None,
    root: HtmlElement | None = None,
) -> tuple[str, ...]:
    """The article's authors: people JSON-LD or meta tags declare, unless the visible byline completes them (see
    ``_byline_completes``); then itemprop authors, declared organisations, trafilatura's guess."""
    people, organisations = _jsonld_people(_jsonld.resolve(article.get("author"), nodes))
    # A "person" named like the site is the organisation (WordPress sites often publish as a user named so).
    site_keys = {_key(site) for site in sites}
    organisations += [name for name in people if _key(name) in site_keys]
    people = [name for name in people if _key(name) not in site_keys]
    known = [*organisations, *sites]
    meta_people = _meta_authors(meta)
    if people and all(any(_is_handle_of(name, shown) for shown in meta_people) for name in people):
        people = meta_people  # JSON-LD's user handle ("jane.doe"), the meta tag's display name ("Jane Doe")
    # A person named anywhere beats an organisation named as the author in JSON-LD.
    declared = clean_authors(people or meta_people, organisations=known, language=language)
    visible = visible_authors(marks, known, language)
    if visible and _byline_completes(declared, visible, known):
        return tuple(visible)
    if declared:
        return declared
    raw = meta.all("itemprop:author")[:3] or organisations
    if not raw and root is not None:
        raw = written_byline(root, known, language)
    if not raw and fallback.author():
        raw = [fallback.author()]
    return clean_authors(raw, organisations=known, language=language)


def _meta_authors(meta: PageMeta) -> list[str]:
    """The values of the first author tag that has any: several tags restate one byline, they do not add to it."""
    for key in _AUTHOR_META:
        values = [value for value in meta.all(key) if not value.lower().startswith(("http://", "https://"))]
        if values:
            return values
    return []


def _byline_completes(declared: tuple[str, ...], visible: list[str], organisations: list[str]) -> bool:
    """Whether the visible byline should replace the declared names: there are none, or only the site's or an
    organisation's name where the byline shows someone else; or every declared name is in the byline, which names
    more (all authors, in page order); or the declaration is a user handle or URL slug ("jdoe", "jane-doe") where
    the byline shows a display name."""
    if not declared or all(names_site(name, organisations) for name in declared):
        return True
    shown = {_key(name).replace(" ", "") for name in visible}
    if len(visible) > len(declared) and all(_key(name).replace(" ", "") in shown for name in declared):
        return True
    return len(declared) == len(visible) and all(map(_spells_or_wraps, declared, visible))


def _spells_or_wraps(declared: str, shown: str) -> bool:
    """The declaration is a handle of the shown name, or the shown name with a label around it ("FOCUS-Online-
    Experte Robin Tschöpe" for "Robin Tschöpe")."""
    if _is_handle_of(declared, shown):
        return True
    inner, outer = _key(shown), _key(declared)
    return " " in inner and inner != outer and f" {inner} " in f" {outer} "


def _is_handle_of(handle: str, name: str) -> bool:
    """``handle`` is a user name or URL slug spelling ``name`` ("jane-doe", "janedoe" for "Jane Doe")."""
    if " " in handle or handle == name:
        return False
    return re.sub(r"[\W_]+", "", handle.casefold()) == re.sub(r"[\W_]+", "", name.casefold())


def _jsonld_people(value: Any) -> tuple[list[str], list[str]]:
    people: list[str] = []
    organisations: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        name = _jsonld.name_of(item)
        if not name:
            continue
        is_org = isinstance(item, dict) and _jsonld.node_types(item) & {"organization", "newsmediaorganization"}
        (organisations if is_org else people).append(name)
    return people, organisations


def _key(text: str | None) -> str:
    return " ".join(re.findall(r"\w+", (text or "").casefold()))
