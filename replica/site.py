"""The replica's content model: deterministic articles, their URLs, edits, and the records extraction must produce."""

from __future__ import annotations

import random
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from replica import _corpus

KABUL = timezone(timedelta(hours=4, minutes=30), "AFT")
"""Afghanistan time; every date the site shows carries this offset."""

REFERENCE_TIME = datetime(2024, 7, 13, 9, 30, 0, tzinfo=KABUL)
"""Generated publish times count back from here (not from now), so expected records never change."""

SITE_NAME = "Khaama Press"
SITE_DESCRIPTION = "Afghan Online Newspaper"
PER_PAGE = 10
"""WordPress's default posts per page and per feed page."""

_EDITABLE = {"title", "paragraphs", "body", "summary", "authors", "tags", "section", "modified"}


@dataclass
class ReplicaArticle:
    """One post of the replica. ``paragraphs`` are plain text; the page adds the inline markup."""

    id: int
    slug: str
    title: str
    authors: list[str]
    published: datetime
    modified: datetime | None
    section: str
    tags: list[str]
    summary: str
    paragraphs: list[str]
    image_path: str
    language: str = "en"
    json_ld_type: str = field(default="NewsArticle", compare=False)

    @property
    def last_modified(self) -> datetime:
        """What sitemaps and Last-Modified report: the modified time, else the publish time."""
        return self.modified or self.published

    @property
    def section_slug(self) -> str:
        return section_slug(self.section)

    @property
    def body(self) -> str:
        """The clean article text: the paragraphs joined by newlines (see ``ReplicaSite.expected_records``)."""
        return "\n".join(self.paragraphs)


class ReplicaSite:
    """A Khaama-like WordPress site's posts, newest first; thread-safe edits bump ``generation``."""

    def __init__(self, n_articles: int = 12, seed: int = 1, *, today: date | None = None, spacing: float = 1.0) -> None:
        """``spacing`` multiplies the hours between posts (5: 3,000 posts reach back about ten years)."""
        if n_articles < 0:
            raise ValueError("n_articles must be >= 0")
        self.seed = seed
        self.today = today
        """The date bar's day; ``None`` means the real current day in Kabul (as on the live site)."""
        self.lock = threading.RLock()
        self.generation = 0
        """Incremented on every edit, so servers know their rendered pages are stale."""
        self.articles: list[ReplicaArticle] = _generate(n_articles, seed, spacing)
        self.theme_revision = 1
        """The theme stylesheet's revision (``update_theme`` makes a new one, as a theme update does)."""
        self.theme_modified = REFERENCE_TIME
        self._index()

    # -- lookups ---------------------------------------------------------------------------------------------------

    def article_path(self, article: ReplicaArticle) -> str:
        return f"/{article.slug}-{article.id}/"

    def article_by_id(self, post_id: int) -> ReplicaArticle | None:
        return self._by_id.get(post_id)

    def article_by_path(self, path: str) -> ReplicaArticle | None:
        return self._by_path.get(path)

    def sections(self) -> dict[str, str]:
        """Category slug → name of every section that has posts, in menu order, then first use."""
        if "sections" not in self._derived:
            names = {section_slug(a.section): a.section for a in self.articles}
            ordered = {slug: names[slug] for slug in _corpus.SECTIONS if slug in names}
            ordered.update(names)
            self._derived["sections"] = ordered
        return dict(self._derived["sections"])

    def in_section(self, slug: str) -> list[ReplicaArticle]:
        key = f"section:{slug}"
        if key not in self._derived:
            self._derived[key] = [a for a in self.articles if a.section_slug == slug]
        return list(self._derived[key])

    def date_bar(self) -> str:
        """The header's date, e.g. "Saturday, July 13, 2024": today on the site, never the article's date."""
        day = self.today or datetime.now(KABUL).date()
        return f"{day:%A}, {day:%B} {day.day}, {day.year}"

    def last_modified(self) -> datetime:
        """The newest change on the site (what feeds and indexes report)."""
        if "last_modified" not in self._derived:
            self._derived["last_modified"] = max((a.last_modified for a in self.articles), default=REFERENCE_TIME)
        return self._derived["last_modified"]

    # -- expectations ----------------------------------------------------------------------------------------------

    def expected_records(self, base_url: str) -> list[dict]:
        """What extraction must produce for each article page, newest first, in the contract's JSON shape.

        ``body`` is the article's paragraphs as plain text (inline markup removed, entities decoded) joined by
        ``"\\n"``: no title, date bar, category label, byline, image caption, "- Advertisement -" slot, tags,
        share buttons, author box, "More articles" or comment form. Times are ISO 8601 with the page's +04:30.
        """
        base = base_url.rstrip("/")
        with self.lock:
            return [self._expected(a, base) for a in self.articles]

    def _expected(self, article: ReplicaArticle, base: str) -> dict:
        return {
            "url": base + self.article_path(article),
            "title": article.title,
            "authors": list(article.authors),
            "published_at": article.published.isoformat(),
            "modified_at": article.modified.isoformat() if article.modified else None,
            "section": article.section,
            "tags": list(article.tags),
            "language": article.language,
            "summary": article.summary,
            "body": article.body,
            "image_url": base + article.image_path,
        }

    # -- edits -----------------------------------------------------------------------------------------------------

    def update_article(self, index: int, **changes: object) -> None:
        """Edit ``articles[index]`` (title, paragraphs or body, summary, authors, tags, section, modified).

        The modified time moves to ``modified`` if given, else to now rounded up to the next second (and at least one
        second past the previous value), as when an editor saves a post; sitemaps, feeds, the API and Last-Modified
        follow.
        """
        unknown = set(changes) - _EDITABLE
        if unknown:
            raise TypeError(f"cannot change {sorted(unknown)}; editable: {sorted(_EDITABLE)}")
        with self.lock:
            article = self.articles[index]
            if "body" in changes:
                changes["paragraphs"] = [p for p in str(changes.pop("body")).split("\n") if p.strip()]
            for key in ("paragraphs", "authors", "tags"):
                if key in changes:
                    changes[key] = list(changes[key])  # type: ignore[call-overload]
            modified = changes.pop("modified", None) or _now_after(article.last_modified)
            self.articles[index] = replace(article, modified=modified, **changes)  # type: ignore[arg-type]
            self._index()

    def add_article(
        self,
        title: str | None = None,
        paragraphs: list[str] | None = None,
        *,
        section: str = "Afghanistan",
        authors: list[str] | None = None,
        tags: list[str] | None = None,
        summary: str | None = None,
        published: datetime | None = None,
    ) -> ReplicaArticle:
        """Publish a new post (by default now, and newest); it appears first in the home page, feeds and sitemaps."""
        with self.lock:
            rng = random.Random(f"{self.seed}/added/{len(self.articles)}")
            generated = _corpus.draft(
                rng, section_slug(section) if section_slug(section) in _corpus.SECTIONS else "world"
            )
            title = title or generated.title
            paragraphs = list(paragraphs or generated.paragraphs)
            newest = self.articles[0].published if self.articles else REFERENCE_TIME
            published = published or _now_after(newest)
            post_id = max((a.id for a in self.articles), default=_corpus.SEED_ID) + 1 + rng.randint(10, 90)
            article = _make_article(
                post_id,
                slugify(title),
                title,
                authors or list(generated.authors),
                published,
                None,
                section,
                tags or list(generated.tags),
                summary or paragraphs[0],
                paragraphs,
            )
            self.articles.append(article)
            self.articles.sort(key=lambda a: a.published, reverse=True)
            self._index()
            return article

    def update_theme(self) -> None:
        """A new revision of the theme's stylesheet (new colours), served from now on with a new Last-Modified."""
        with self.lock:
            self.theme_revision += 1
            self.theme_modified = _now_after(self.theme_modified)
            self._index()

    def remove_articles(self, articles: Iterable[ReplicaArticle]) -> None:
        """Take posts down: no page, listing, feed, sitemap or API answer of the site has them any more."""
        gone = {article.id for article in articles}
        with self.lock:
            self.articles = [article for article in self.articles if article.id not in gone]
            self._index()

    def _index(self) -> None:
        """Rebuild lookups after any change (edits go through this class, so derived data stays right)."""
        self._derived: dict[str, Any] = {}
        self._by_id = {a.id: a for a in self.articles}
        self._by_path = {self.article_path(a): a for a in self.articles}
        self.generation += 1


def slugify(title: str) -> str:
    """WordPress's ``sanitize_title`` for Latin text: accents folded, lower case, non-alphanumerics to hyphens."""
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower().replace("'", "")).strip("-") or "post"


@lru_cache(maxsize=4096)
def section_slug(name: str) -> str:
    return slugify(name)


def _now_after(previous: datetime) -> datetime:
    """Now rounded up to the next whole second (HTTP dates and sitemaps have second precision: a crawl that ended
    earlier in the same second must still see the change as newer), and past ``previous``."""
    now = datetime.now(KABUL)
    ceiled = now.replace(microsecond=0) + (timedelta(seconds=1) if now.microsecond else timedelta())
    return max(ceiled, previous + timedelta(seconds=1))


def _make_article(
    post_id: int,
    slug: str,
    title: str,
    authors: list[str],
    published: datetime,
    modified: datetime | None,
    section: str,
    tags: list[str],
    summary: str,
    paragraphs: list[str],
) -> ReplicaArticle:
    image_path = f"/wp-content/uploads/{published:%Y}/{published:%m}/{slug}-{post_id}.png"
    return ReplicaArticle(
        post_id,
        slug,
        title,
        list(authors),
        published,
        modified,
        section,
        list(tags),
        summary,
        list(paragraphs),
        image_path,
    )


def _generate(n_articles: int, seed: int, spacing: float = 1.0) -> list[ReplicaArticle]:
    """Articles newest first: generated ones going back from REFERENCE_TIME, the 2021 seed article oldest.

    Fixed traits so tests can rely on them whatever the seed: [0] has two authors and Dari text, [1] has no
    modified time, the last is the NATO article of March 2021 by the organisation itself.
    """
    rng = random.Random(seed)
    special = [_corpus.DARI_ARTICLE] if n_articles >= 1 else []
    n_generated = max(0, n_articles - 1 - (1 if n_articles >= 2 else 0))
    slugs = list(_corpus.SECTIONS)
    drafts = special + [_corpus.draft(rng, slugs[(i + 1) % len(slugs)]) for i in range(n_generated)]
    times = _publish_times(rng, len(drafts), spacing)
    ids = _post_ids(rng, len(drafts))
    articles, seen = [], set()
    for i, (draft, published, post_id) in enumerate(zip(drafts, times, ids, strict=True)):
        title = draft.title if draft.title not in seen else f"{draft.title} ({i})"
        seen.add(title)
        modified = None if i == 1 else published + timedelta(minutes=rng.randint(7, 400), seconds=rng.randint(0, 59))
        article = _make_article(
            post_id,
            slugify(title),
            title,
            list(draft.authors),
            published,
            modified,
            _corpus.SECTIONS[draft.section],
            list(draft.tags),
            draft.paragraphs[0],
            list(draft.paragraphs),
        )
        article.json_ld_type = "NewsArticle" if i % 3 else "Article"
        articles.append(article)
    if n_articles >= 2:
        articles.append(_seed_article())
    if spacing != 1.0:  # the 2021 seed article is no longer the oldest
        articles.sort(key=lambda article: article.published, reverse=True)
    return articles


def _seed_article() -> ReplicaArticle:
    seed = _corpus.SEED_ARTICLE
    published = datetime(2021, 3, 23, 20, 24, 56, tzinfo=KABUL)
    modified = datetime(2021, 3, 24, 9, 12, 3, tzinfo=KABUL)
    article = _make_article(
        _corpus.SEED_ID,
        _corpus.SEED_SLUG,
        seed.title,
        list(seed.authors),
        published,
        modified,
        _corpus.SECTIONS[seed.section],
        list(seed.tags),
        seed.paragraphs[0],
        list(seed.paragraphs),
    )
    article.json_ld_type = "Article"
    return article


def _publish_times(rng: random.Random, count: int, spacing: float = 1.0) -> list[datetime]:
    times, current = [], REFERENCE_TIME - timedelta(minutes=47, seconds=12)
    for _ in range(count):
        times.append(current)
        gap = timedelta(hours=rng.randint(2, 9), minutes=rng.randint(0, 59), seconds=rng.randint(0, 59))
        current -= gap * spacing
    return times


def _post_ids(rng: random.Random, count: int) -> list[int]:
    """Increasing with publish time (as WordPress assigns them), above the 2021 seed article's id."""
    ids, current = [], _corpus.SEED_ID + 150_000 + 400 * count
    for _ in range(count):
        ids.append(current)
        current -= rng.randint(40, 390)
    return ids
