"""Judging a crawl from Scrapy's stats: Scrapy exits 0 even when every request failed.

The rule (README, "Run outcomes"): a 404/410 of a discovered listing, feed, sitemap or API URL, or of a listed
article, is the publisher's state, archived and counted by kind, never a failure. ``degraded`` is for what an
operator must act on, each reason said in words: requests failed (network, timeouts, 5xx and 429 after retries),
the source's own entry points failed (robots.txt, a configured URL), articles or captures not stored, WARCs held
in the spool, pages not extracted, spider exceptions, a cap that cut the run short. ``failed``: the crawl could not
run (no stats, a WARC error or crash ended it, nothing was even attempted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler import statkeys

FETCH_ERROR_TOLERANCE = 0.10
"""Share of failed requests above which a completed crawl is ``degraded`` (entry points have no tolerance)."""

COMPLETED_REASONS = {"finished", "closespider_itemcount", "closespider_pagecount", "closespider_timeout"}
CANCELLED_REASONS = {"shutdown", "cancelled", "deadline"}


@dataclass(frozen=True)
class Outcome:
    status: str
    """finished, degraded, failed or cancelled (see the README's run-outcome table)."""
    finish_reason: str | None
    error: str | None = None


def judge(
    stats: dict[str, Any] | None,
    *,
    cancelled: str | None = None,
    returncode: int | None = 0,
    backfill: bool = False,
) -> Outcome:
    """The run's status from its stats; ``cancelled`` names a signal or deadline that stopped it.

    ``backfill``: a back-fill batch, whose article cap is how it is cut into batches, not a shortfall.
    """
    reason = (stats or {}).get("finish_reason")
    if cancelled:
        return Outcome("cancelled", reason or cancelled, f"stopped: {cancelled}")
    if stats is None:
        return Outcome("failed", None, f"crawl process ended (exit {returncode}) without reporting stats")
    if reason in CANCELLED_REASONS:
        return Outcome("cancelled", reason, f"stopped: {reason}")
    if reason not in COMPLETED_REASONS:
        cause = stats.get(statkeys.WARC_ERROR)
        return Outcome("failed", reason, f"crawl ended: {reason}" + (f" ({cause})" if cause else ""))
    if not stats.get("downloader/response_count", 0) and not fetch_errors(stats):
        return Outcome("failed", reason, "fetched nothing")
    problems = _degradations(stats, backfill)
    if problems:
        return Outcome("degraded", reason, "; ".join(problems))
    return Outcome("finished", reason)


def fetch_errors(stats: dict[str, Any]) -> int:
    """Failed fetches that count against the run (the publisher's 404s and missing optional endpoints do not)."""
    prefixes = (statkeys.FETCH_ERRORS, statkeys.FETCH_ERRORS_UNNAMESPACED)
    errors = sum(value for key, value in stats.items() if key.startswith(prefixes))
    if not errors:
        errors = stats.get("downloader/exception_count", 0)
    return int(errors)


def _degradations(stats: dict[str, Any], backfill: bool) -> list[str]:
    problems = [*_fetch_problems(stats), *_storage_problems(stats), *_render_problems(stats)]
    not_extracted = stats.get(statkeys.EXTRACT_FAILED, 0)
    if not_extracted:
        problems.append(f"{not_extracted} pages archived but not extracted (extraction failed or timed out)")
    spider_errors = sum(v for k, v in stats.items() if k.startswith("spider_exceptions/"))
    if spider_errors:
        problems.append(f"{spider_errors} spider exceptions")
    problems += _cap_problems(stats, backfill)
    return problems


def _fetch_problems(stats: dict[str, Any]) -> list[str]:
    errors = fetch_errors(stats)
    if not errors:
        return []
    requests = max(stats.get("downloader/request_count", 0), errors, 1)
    detail = _detail(stats)
    if not stats.get("downloader/response_count", 0):
        return [f"the publisher did not answer: {errors} requests failed{detail}"]
    entry_points = stats.get(statkeys.ENTRY_POINT_ERRORS, 0)
    if entry_points:
        return [f"{entry_points} of the source's own pages (robots.txt, configured URLs) failed{detail}"]
    if errors / requests > FETCH_ERROR_TOLERANCE:
        return [f"{errors} of {requests} requests failed{detail}"]
    return []


def _detail(stats: dict[str, Any]) -> str:
    """`` (timeout: 2, HTTP 503: 1; first: feed https://…/feed/: HTTP 503)``, or nothing when the stats say nothing."""
    first = stats.get(statkeys.FIRST_FETCH_ERROR)
    parts = [part for part in (_causes(stats), f"first: {first}" if first else "") if part]
    return f" ({'; '.join(parts)})" if parts else ""


def _causes(stats: dict[str, Any]) -> str:
    """``timeout: 2, HTTP 503: 1``: failures by cause (``crawler.spiders.failures``), most frequent first."""
    causes = [
        (value, key.removeprefix(statkeys.FETCH_ERROR_CAUSES))
        for key, value in stats.items()
        if key.startswith(statkeys.FETCH_ERROR_CAUSES)
    ]
    words = [(count, cause.replace("_", " ").replace("http ", "HTTP ")) for count, cause in causes]
    return ", ".join(f"{cause}: {count}" for count, cause in sorted(words, key=lambda pair: (-pair[0], pair[1])))


def _storage_problems(stats: dict[str, Any]) -> list[str]:
    problems = []
    unstored = stats.get(statkeys.ARTICLES_UNSTORED, 0)
    if unstored:
        problems.append(f"{unstored} articles not stored (they are in the WARCs)")
    if stats.get(statkeys.CAPTURES_UNSTORED, 0):
        problems.append(f"{stats[statkeys.CAPTURES_UNSTORED]} captures not indexed")
    waiting = stats.get(statkeys.STORE_PENDING_FILES, 0)
    if waiting and stats.get(statkeys.STORE_ERROR):
        problems.append(f"{waiting} WARC files wait in the spool ({stats[statkeys.STORE_ERROR]})")
    return problems


def _render_problems(stats: dict[str, Any]) -> list[str]:
    prefix = statkeys.RENDER_GIVEN_UP
    given_up = {key.removeprefix(prefix): count for key, count in stats.items() if key.startswith(prefix)}
    if not given_up:
        return []
    reasons = ", ".join(f"{why}: {count}" for why, count in sorted(given_up.items()))
    return [f"{sum(given_up.values())} page renders given up ({reasons}); their pages are archived"]


def _cap_problems(stats: dict[str, Any], backfill: bool) -> list[str]:
    reason = stats.get("finish_reason")
    if reason != "finished":
        return [f"cut short by {reason.replace('_', ' ')}"]
    if stats.get(statkeys.MAX_ARTICLES_REACHED) and not backfill:
        return ["the source's max_articles cap was reached: the rest waits for the next run"]
    return []
