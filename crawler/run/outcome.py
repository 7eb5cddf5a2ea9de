"""Judging a crawl from Scrapy's stats: Scrapy exits 0 even when every request failed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler import statkeys

FETCH_ERROR_TOLERANCE = 0.10
"""Share of failed requests above which a completed crawl is ``degraded``."""

COMPLETED_REASONS = {"finished", "closespider_itemcount", "closespider_pagecount", "closespider_timeout"}
CANCELLED_REASONS = {"shutdown", "cancelled", "deadline"}


@dataclass(frozen=True)
class Outcome:
    status: str
    """finished, degraded, failed or cancelled (see the design's run-outcome table)."""
    finish_reason: str | None
    error: str | None = None


def judge(stats: dict[str, Any] | None, *, cancelled: str | None = None, returncode: int | None = 0) -> Outcome:
    """The run's status from its stats; ``cancelled`` names a signal or deadline that stopped it."""
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
    responses = stats.get("downloader/response_count", 0)
    if not responses:
        return Outcome("failed", reason, "fetched nothing")
    problems = _degradations(stats)
    if problems:
        return Outcome("degraded", reason, "; ".join(problems))
    return Outcome("finished", reason)


def fetch_errors(stats: dict[str, Any]) -> int:
    """Failed fetches that count against the run (optional endpoints missing are not errors)."""
    prefixes = (statkeys.FETCH_ERRORS, statkeys.FETCH_ERRORS_UNNAMESPACED)
    errors = sum(value for key, value in stats.items() if key.startswith(prefixes))
    if not errors:
        errors = stats.get("downloader/exception_count", 0)
    return int(errors)


def _degradations(stats: dict[str, Any]) -> list[str]:
    problems = []
    unstored = stats.get(statkeys.ARTICLES_UNSTORED, 0)
    if unstored:
        problems.append(f"{unstored} articles not stored (they are in the WARCs)")
    if stats.get(statkeys.CAPTURES_UNSTORED, 0):
        problems.append(f"{stats[statkeys.CAPTURES_UNSTORED]} captures not indexed")
    requests = max(stats.get("downloader/request_count", 0), 1)
    errors = fetch_errors(stats)
    if errors / requests > FETCH_ERROR_TOLERANCE:
        problems.append(f"{errors} of {requests} requests failed")
    waiting = stats.get(statkeys.STORE_PENDING_FILES, 0)
    if waiting and stats.get(statkeys.STORE_ERROR):
        problems.append(f"{waiting} WARC files wait in the spool ({stats[statkeys.STORE_ERROR]})")
    prefix = statkeys.RENDER_GIVEN_UP
    given_up = {key.removeprefix(prefix): count for key, count in stats.items() if key.startswith(prefix)}
    if given_up:
        reasons = ", ".join(f"{why}: {count}" for why, count in sorted(given_up.items()))
        problems.append(f"{sum(given_up.values())} page renders given up ({reasons}); their pages are archived")
    spider_errors = sum(v for k, v in stats.items() if k.startswith("spider_exceptions/"))
    if spider_errors:
        problems.append(f"{spider_errors} spider exceptions")
    return problems
