"""Queue mode's grouping: sources sharing a schedule and zone become one job; a source with jitter keeps its own."""

from __future__ import annotations

from crawler.config.load import parse_config
from scheduler.daemon.groups import group_job_id, group_sources


def _config(*entries: str):
    raw = {"scheduler": {"timezone": "Europe/Paris"}, "sources": []}
    for entry in entries:
        name, schedule, *rest = entry.split("|")
        source = {"name": name, "schedule": schedule, "feeds": [f"https://{name}.example/feed"]}
        if rest:
            source["jitter"] = rest[0]
        raw["sources"].append(source)
    return parse_config(raw)


def test_sources_on_one_schedule_and_zone_share_one_group_and_jitter_keeps_its_own_job() -> None:
    config = _config("a|*/30 * * * *", "b|*/30 * * * *", "c|15m", "d|*/30 * * * *|5m")
    enabled = [source for source in config.sources if source.name in "abcd"]

    groups, singles = group_sources(config, enabled)

    assert {key: [s.name for s in members] for key, members in groups.items()} == {
        ("*/30 * * * *", "Europe/Paris"): ["a", "b"],
        ("15m", "Europe/Paris"): ["c"],
    }
    assert [source.name for source in singles] == ["d"]
    assert group_job_id(("*/30 * * * *", "Europe/Paris")) == "schedule:*/30 * * * *@Europe/Paris"
