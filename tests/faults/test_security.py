"""Hostile input and secrets: SSRF through links and redirects, passwords in output, names that would be paths."""

from __future__ import annotations

import gzip
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict

from crawler.config import load_config
from crawler.config.schema import MetricsConfig
from crawler.storage.database import connect
from crawler.warc.writer import WarcFileWriter
from tests.crawler.warc._groups import make_group
from tests.faults._support import source_toml, warc_files
from tests.support.cli import query, replica_source_toml, run_cli, write_config

# --- SSRF ---------------------------------------------------------------------------------------------------------


def _ssrf_source(base: str, *named: str) -> str:
    # No allowed_domains: the only thing between a feed item and a private address is the SSRF guard.
    return source_toml(
        "ssrf",
        spider="news",
        start_urls=[f"{base}/"],
        feeds=[f"{base}/feed/", f"{base}/faults/private-feed/"],
        download_delay="0s",
        **({"allowed_domains": ["127.0.0.1", *named]} if named else {}),
    )


def _hosts(publisher) -> set[str]:
    return {(entry.header("Host") or "").rsplit(":", 1)[0] for entry in publisher.requests}


def test_links_and_redirects_to_private_addresses_are_refused(tmp_path: Path, database_url: str, publisher) -> None:
    base = publisher.base_url
    config = write_config(tmp_path, database_url, _ssrf_source(base))
    result = run_cli(config, "crawl", "ssrf")
    assert result.returncode == 0, result.stderr[-3000:]

    [(stats,)] = query(database_url, "SELECT stats FROM crawl_runs")
    # localhost, 127.0.0.2, [::1], 169.254.169.254 from the feed, and localhost again behind the redirect
    assert stats["newsarchive/ssrf/blocked"] == 5
    assert _hosts(publisher) == {"127.0.0.1"}, "a private address was fetched"
    assert "/faults/private-redirect/" in {entry.path for entry in publisher.requests}
    expected = {record["url"] for record in publisher.site.expected_records(base)}
    stored = {row[0] for row in query(database_url, "SELECT url FROM articles")}
    assert expected <= stored  # the public site is still crawled in full


def test_a_private_host_the_source_names_is_fetched(tmp_path: Path, database_url: str, publisher) -> None:
    """The control: the same feed, with ``localhost`` named by the source, reaches the publisher through it."""
    config = write_config(tmp_path, database_url, _ssrf_source(publisher.base_url, "localhost"))
    result = run_cli(config, "crawl", "ssrf")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "localhost" in _hosts(publisher)
    assert "/faults/private-redirect/" in {entry.path for entry in publisher.requests}
    [(stats,)] = query(database_url, "SELECT stats FROM crawl_runs")
    assert "newsarchive/ssrf/blocked" not in stats
    # 127.0.0.2, [::1] and 169.254.169.254 are not among the source's domains now: dropped before any request.
    assert stats["newsarchive/spider/filtered"] == 3


# --- secrets ------------------------------------------------------------------------------------------------------


@pytest.fixture
def password_url(admin_database_url: str, database_url: str) -> Iterator[tuple[str, str]]:
    """The test database through a login role with a password (created here, dropped after)."""
    role, password = f"fault_{secrets.token_hex(4)}", f"pw-{secrets.token_hex(8)}"
    with connect(admin_database_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD '{password}'")
    try:
        yield _as_user(database_url, role, password), password
    finally:
        with connect(admin_database_url, autocommit=True) as admin:
            admin.execute(f"DROP ROLE IF EXISTS {role}")


def _as_user(url: str, user: str, password: str) -> str:
    """``url``'s server and database as another user, in URL form (what users write in the config)."""
    params = conninfo_to_dict(url)
    host, port, dbname = params.get("host") or "127.0.0.1", params.get("port") or "5432", params["dbname"]
    if host.startswith("/"):
        return f"postgresql://{user}:{password}@/{dbname}?host={host}&port={port}"
    return f"postgresql://{user}:{password}@{host}:{port}/{dbname}"


def _everything_written(data_dir: Path) -> bytes:
    """Every file under the data folder, WARCs decompressed (warcinfo, metadata records), as one blob."""
    blobs = []
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        blobs.append(gzip.decompress(raw) if path.name.endswith(".gz") else raw)
    return b"\n".join(blobs)


def test_the_database_password_never_shows(tmp_path: Path, database_url: str, password_url, publisher) -> None:
    url, password = password_url
    config = write_config(tmp_path, url, replica_source_toml(publisher.base_url))
    crawl = run_cli(config, "crawl", "replica")
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    status = run_cli(config, "status")
    status_json = run_cli(config, "status", "--json")
    assert status.returncode == 0 and status_json.returncode == 0, status.stderr + status_json.stderr
    outputs = [crawl.stdout, crawl.stderr, status.stdout, status.stderr, status_json.stdout, status_json.stderr]
    assert not [text for text in outputs if password in text]
    rows = query(database_url, "SELECT coalesce(error, ''), stats::text FROM crawl_runs")
    rows += query(database_url, "SELECT name, config::text FROM sources")
    assert rows and not [row for row in rows if password in "".join(row)]
    assert warc_files(tmp_path / "data" / "archive")
    assert password.encode() not in _everything_written(tmp_path / "data")

    # A server that refuses the login: the error names the URL, never the password.
    refused_url = _as_user(database_url, "nobody_" + secrets.token_hex(4), password)
    refused = run_cli(write_config(tmp_path, refused_url, replica_source_toml(publisher.base_url)), "crawl", "replica")
    assert refused.returncode == 69
    assert "database unavailable" in refused.stderr and "***" in refused.stderr
    assert password not in refused.stderr + refused.stdout


# --- names that become paths or SQL -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["x'; DROP TABLE articles; --", "../../etc", "a/b", "Khaama", "", "name with spaces", "ok\nname"],
)
def test_hostile_source_names_are_refused_by_config_validation(tmp_path: Path, name: str) -> None:
    config = tmp_path / "newsarchive.toml"
    config.write_text(source_toml(name, start_urls=["https://example.org/"]), encoding="utf-8")
    result = run_cli(config, "sources")
    assert result.returncode == 78, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("newsarchive: configuration error: sources[0].name: required, lowercase")


@pytest.mark.parametrize(("prefix", "host"), [("../../escape", "../../up"), ("/abs/path", "a/b\\c"), ("..", "..")])
def test_warc_file_names_stay_inside_the_archive_directory(tmp_path: Path, prefix: str, host: str) -> None:
    archive = tmp_path / "archive"
    writer = WarcFileWriter(archive, prefix, warcinfo={}, hostname=host)
    writer.write_group(make_group("http://example.com/a-1/", b"page"))
    closed = writer.close()
    assert closed is not None and closed.path.parent == archive
    assert [path.parent for path in tmp_path.rglob("*.warc.gz")] == [archive]


# --- listeners ----------------------------------------------------------------------------------------------------


def test_metrics_listen_on_loopback_by_default(tmp_path: Path) -> None:
    assert MetricsConfig().listen.startswith("127.0.0.1:")
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    assert load_config(str(empty)).metrics.listen.startswith("127.0.0.1:")
