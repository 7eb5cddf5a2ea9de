"""``newsarchive export-wacz``: packages that py-wacz validates, with the archived articles as pages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.scheduler.commands._archive import archive_dir, source_toml
from tests.support.cli import cli_command, cli_env, query, run_cli, write_config


@pytest.fixture
def crawled(tmp_path: Path, database_url: str, publisher) -> Path:
    """Two crawls of an unchanged site: the second's article captures are revisits of the first's."""
    config = write_config(tmp_path, database_url, source_toml(publisher.base_url))
    for _ in range(2):
        result = run_cli(config, "crawl", "replica")
        assert result.returncode == 0, result.stderr[-3000:]
    return config


def validate(path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wacz", "validate", "--file", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation succeeded" in result.stdout


def pages(path: Path) -> list[dict]:
    with zipfile.ZipFile(path) as package:
        lines = package.read("pages/pages.jsonl").decode("utf-8").splitlines()
    return [json.loads(line) for line in lines[1:] if line.strip()]


def archives(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as package:
        return sorted(name.removeprefix("archive/") for name in package.namelist() if name.startswith("archive/"))


def test_a_source_package_validates_and_lists_every_article_capture(
    crawled: Path, tmp_path: Path, database_url: str
) -> None:
    output = tmp_path / "replica.wacz"
    result = run_cli(crawled, "export-wacz", "--source", "replica", "--output", str(output))
    assert result.returncode == 0, result.stderr[-3000:]
    validate(output)

    assert archives(output) == sorted(path.name for path in archive_dir(tmp_path).glob("*.warc.gz"))
    expected = query(
        database_url,
        "SELECT url, count(*) FROM captures WHERE page_kind = 'article' AND status BETWEEN 200 AND 299"
        " AND record_type IN ('response', 'revisit') GROUP BY url",
    )
    listed = pages(output)
    assert len(listed) == sum(count for _, count in expected)
    assert {page["url"] for page in listed} == {url for url, _ in expected}
    titles = dict(query(database_url, "SELECT url, title FROM articles"))
    assert all(page["title"] == titles[page["url"]] for page in listed)


def test_a_time_range_takes_the_files_its_revisits_point_into(crawled: Path, tmp_path: Path, database_url: str) -> None:
    first_file, second_file = sorted(path.name for path in archive_dir(tmp_path).glob("*.warc.gz"))
    ((since,),) = query(database_url, "SELECT min(captured_at) FROM captures WHERE filename = %s", second_file)
    output = tmp_path / "recent.wacz"
    result = run_cli(crawled, "export-wacz", "--since", since.isoformat(), "--output", str(output))
    assert result.returncode == 0, result.stderr[-3000:]
    validate(output)
    assert archives(output) == [first_file, second_file]  # the first holds the originals of the revisits
    assert pages(output) and all(page["ts"] >= since.strftime("%Y-%m-%dT%H:%M:%S") for page in pages(output))


def test_nothing_selected_exits_1(crawled: Path, tmp_path: Path) -> None:
    result = run_cli(crawled, "export-wacz", "--until", "2000-01-01", "--output", str(tmp_path / "none.wacz"))
    assert result.returncode == 1
    assert "no captures match" in result.stderr


def test_without_py_wacz_the_command_names_the_extra_to_install(tmp_path: Path, database_url: str) -> None:
    shim = tmp_path / "shim"
    shim.mkdir()
    # Started before anything else: py-wacz made unimportable, as when the extra `wacz` is not installed.
    (shim / "sitecustomize.py").write_text("import sys\nsys.modules['wacz'] = None\n")
    env = cli_env()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(shim), env.get("PYTHONPATH")]))
    config = write_config(tmp_path, database_url, "")
    output = tmp_path / "out.wacz"
    command = cli_command(config, "export-wacz", "--output", str(output))
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 69, result.stderr[-2000:]
    assert 'pip install "newsarchive[wacz]"' in result.stderr
    assert not output.exists()
