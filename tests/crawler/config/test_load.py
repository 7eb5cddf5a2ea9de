"""Config loading: defaults, built-in sources, overrides, and one clear error per mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import load_config, parse_config
from crawler.config.units import parse_duration, parse_size
from crawler.errors import ConfigError
from scheduler.triggers import validate_schedule


def load(text: str, tmp_path: Path, **environ: str):
    path = tmp_path / "newsarchive.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(str(path), validate_schedule=validate_schedule, environ=environ)


def test_no_file_gives_the_builtin_khaama_source_and_the_contract_defaults(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSARCHIVE_CONFIG", raising=False)
    config = load_config(environ={})
    khaama = config.source("khaama")
    assert khaama.start_urls == ("https://www.khaama.com/",)
    assert khaama.feeds == ("https://www.khaama.com/feed/",)
    assert khaama.spider == "khaama" and khaama.schedule == "*/30 * * * *"
    assert config.database.url == ""
    assert config.data_dir == tmp_path / "data"
    assert config.archive.dir == tmp_path / "data" / "archive"
    assert config.archive.max_file_size == 10**9
    assert config.crawl.download_delay == 1.0 and config.crawl.deadline == 3600
    assert config.crawl.max_page_size == 20 * 10**6
    assert config.scheduler.misfire_grace == 600 and config.scheduler.stop_timeout == 30
    assert config.metrics.listen == "127.0.0.1:9410"
    assert config.crawl.effective_user_agent().startswith("newsarchive/")


def test_an_entry_with_a_builtin_name_replaces_it_entirely(tmp_path: Path) -> None:
    config = load('[[sources]]\nname = "khaama"\nfeeds = ["https://example.org/feed/"]\n', tmp_path)
    khaama = config.source("khaama")
    assert khaama.feeds == ("https://example.org/feed/",)
    assert khaama.start_urls == () and khaama.spider == "news"
    assert [source.name for source in config.sources] == ["khaama"]


def test_units_and_per_source_overrides(tmp_path: Path) -> None:
    config = load(
        '[crawl]\ndownload_delay = "250ms"\nmax_page_size = "5MiB"\n[archive]\nmax_file_size = "100MB"\n'
        '[[sources]]\nname = "site"\nstart_urls = ["https://site.example/"]\nschedule = "15m"\n'
        'deadline = "2h"\nsilence_window = "3d"\ntimezone = "Asia/Kabul"\n',
        tmp_path,
    )
    assert config.crawl.download_delay == 0.25 and config.crawl.max_page_size == 5 * 2**20
    assert config.archive.max_file_size == 10**8
    site = config.source("site")
    assert (site.deadline, site.silence_window, config.source_timezone(site)) == (7200, 3 * 86400, "Asia/Kabul")


def test_database_url_from_the_environment_wins(tmp_path: Path) -> None:
    config = load('[database]\nurl = "postgresql://a@h/db"\n', tmp_path, DATABASE_URL="postgresql://b@h/db")
    assert config.database.url == "postgresql://b@h/db"
    config = load("", tmp_path, DATABASE_URL="postgresql://b@h/db", NEWSARCHIVE_DATABASE_URL="postgresql://c@h/db")
    assert config.database.url == "postgresql://c@h/db"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[crawl]\nspeed = 1\n", "crawl.speed: unknown key"),
        ("[crawl]\ndownload_delay = 'soon'\n", "crawl.download_delay: expected a duration"),
        ("[scheduler]\nmax_concurrent_crawls = '2'\n", "scheduler.max_concurrent_crawls: expected int"),
        ("[scheduler]\ntimezone = 'Mars/Olympus'\n", "scheduler.timezone: unknown time zone"),
        ("[[sources]]\nname = 'Bad Name'\nfeeds = ['https://x.example/']\n", "sources[0].name"),
        ("[[sources]]\nname = 'a'\n", "sources[0]: a source needs at least one of"),
        ("[[sources]]\nname = 'a'\nfeeds = ['ftp://x.example/']\n", "sources[0].feeds: not an http(s) URL"),
        ("[[sources]]\nname = 'a'\nfeeds = ['https://x.example/']\nschedule = '61 * * * *'\n", "sources[0].schedule"),
        ("[[sources]]\nname = 'a'\nfeeds = ['https://x.example/']\narticle_url_pattern = '('\n", "article_url_pattern"),
        (
            "[[sources]]\nname = 'a'\nfeeds = ['https://x.example/']\n[[sources]]\nname = 'a'\nfeeds = ['https://y.example/']\n",
            "duplicate",
        ),
        ("[archive]\nprefix = '../up'\n", "archive.prefix"),
        (
            "[[sources]]\nname = 'a'\nfeeds = ['https://x.example/']\nrender = ['screens']\n",
            "sources[0].render: unknown",
        ),
        ("[[sources]]\nname = 'a'\nfeeds = ['https://x.example/']\nrender = 3\n", "sources[0].render: expected"),
        ("[[sources]]\nname = 'a'\nfeeds = ['https://x.example/']\nrender_timeout = '0s'\n", "render_timeout"),
        ("[crawl\n", "invalid TOML"),
    ],
)
def test_each_mistake_is_one_error_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=None) as raised:
        load(text, tmp_path)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value).strip()


def test_a_named_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(str(tmp_path / "missing.toml"))


@pytest.mark.parametrize(("value", "seconds"), [("30s", 30), ("15m", 900), ("6h", 21600), ("1d", 86400), (5, 5)])
def test_durations(value, seconds) -> None:
    assert parse_duration(value, "k") == seconds


@pytest.mark.parametrize(("value", "size"), [("20MB", 20 * 10**6), ("1GB", 10**9), ("1GiB", 2**30), (512, 512)])
def test_sizes(value, size) -> None:
    assert parse_size(value, "k") == size


def test_parse_config_without_schedule_validation_accepts_any_schedule() -> None:
    config = parse_config({"sources": [{"name": "a", "feeds": ["https://x.example/"], "schedule": "whenever"}]})
    assert config.source("a").schedule == "whenever"


@pytest.mark.parametrize(("value", "render"), [("['front']", ("front",)), ("'all'", ("all",)), ("[]", ())])
def test_render_takes_front_or_all_and_is_off_by_default(tmp_path: Path, value: str, render: tuple[str, ...]) -> None:
    text = f"[[sources]]\nname = 'a'\nstart_urls = ['https://x.example/']\nrender = {value}\nrender_timeout = '45s'\n"
    source = load(text, tmp_path).source("a")
    assert (source.render, source.render_timeout, source.render_max_pages) == (render, 45.0, 20)
    assert load_config(None).source("khaama").render == ()


def test_requisite_keys_are_typed() -> None:
    entry = {
        "name": "a",
        "feeds": ["https://x.example/"],
        "requisites_fresh_for": "1d",
        "requisites_max_file_size": "2MB",
        "requisites_max_page_size": "5MB",
        "requisites_exclude": [r"/ads/"],
        "requisites_hosts": ["media.internal"],
        "requisites_srcset": "all",
    }
    source = parse_config({"sources": [entry]}).source("a")
    assert source.requisites is True
    assert (source.requisites_fresh_for, source.requisites_max_file_size) == (86400.0, 2_000_000)
    assert source.requisites_max_page_size == 5_000_000
    assert (source.requisites_exclude, source.requisites_hosts) == (("/ads/",), ("media.internal",))
    assert parse_config({"sources": [{**entry, "requisites": False}]}).source("a").requisites is False


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("requisites_exclude", ["(unclosed"], "requisites_exclude: invalid regex"),
        ("requisites_srcset", "some", "requisites_srcset: expected one of largest, all"),
        ("requisites", "yes", "requisites: expected bool"),
    ],
)
def test_requisite_mistakes_name_the_key(key: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config({"sources": [{"name": "a", "feeds": ["https://x.example/"], key: value}]})
