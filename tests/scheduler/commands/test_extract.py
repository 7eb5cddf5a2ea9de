"""``newsarchive extract`` through the CLI as a subprocess: files and manifests in, the contract's JSON Lines out."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.crawler.extract.pages import KHAAMA_TITLE, KHAAMA_URL, PARAGRAPHS, khaama_page, page

CHECKOUT = Path(__file__).resolve().parents[3]
"""The checkout under test."""
KEYS = {
    "file",
    "url",
    "title",
    "authors",
    "published_at",
    "modified_at",
    "section",
    "tags",
    "language",
    "summary",
    "body",
    "image_url",
}


def newsarchive(cwd: Path, *args: str, options: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    # No database and no configuration file: the command must need neither.
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSARCHIVE_DATABASE_URL", "DATABASE_URL")}
    env["NEWSARCHIVE_CONFIG"] = str(cwd / "no-such-config.toml")
    # Run from another directory, ``-m scheduler`` would import whatever checkout the virtualenv installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CHECKOUT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "scheduler", "--log-format", "json", *options, "extract", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        check=False,
    )


def lines(result: subprocess.CompletedProcess[str]) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_files_with_url(tmp_path):
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "khaama.html").write_text(khaama_page(), encoding="utf-8")
    (tmp_path / "pages" / "khaama.html.gz").write_bytes(gzip.compress(khaama_page().encode()))
    result = newsarchive(tmp_path, "--url", KHAAMA_URL, "pages/khaama.html", "./pages/khaama.html.gz")
    assert result.returncode == 0, result.stderr
    first, second = lines(result)
    assert first["file"] == "pages/khaama.html"  # echoed verbatim
    assert second["file"] == "./pages/khaama.html.gz"
    assert set(first) == KEYS
    assert {k: v for k, v in first.items() if k != "file"} == {k: v for k, v in second.items() if k != "file"}
    assert first == {
        "file": "pages/khaama.html",
        "url": KHAAMA_URL,
        "title": KHAAMA_TITLE,
        "authors": ["Khaama Press"],
        "published_at": "2021-03-24T10:44:12+04:30",
        "modified_at": "2021-03-24T10:50:03+04:30",
        "section": "World",
        "tags": ["NATO", "Antony Blinken", "Afghanistan"],
        "language": "en",
        "summary": "NATO allies will decide on the troops pullout together, Blinken said.",
        "body": "\n".join(PARAGRAPHS),
        "image_url": "https://www.khaama.com/wp-content/uploads/2021/03/blinken.jpg",
    }


def test_manifest_with_errors_and_non_articles(tmp_path):
    home = page("<title>Example</title>", "<ul>" + "".join(f"<li><a href='/{n}/'>Story {n}</a></li>" for n in range(9)))
    (tmp_path / "home.html").write_text(home, encoding="utf-8")
    (tmp_path / "story.html").write_text(
        page("<title>Bridge reopens</title>", "".join(f"<p>{p}</p>" for p in PARAGRAPHS)), encoding="utf-8"
    )
    (tmp_path / "broken.html.gz").write_bytes(b"not gzip at all")
    manifest = tmp_path / "list.jsonl"
    entries = [
        {"file": "story.html", "url": "https://example.com/2019/11/18/bridge-reopens/?utm_source=rss"},
        {"file": "home.html", "url": "https://example.com/"},
        {"file": "missing.html", "url": "https://example.com/missing/"},
        {"file": "broken.html.gz", "url": "https://example.com/broken/"},
    ]
    manifest.write_text("\n".join(json.dumps(entry) for entry in entries) + "\n", encoding="utf-8")
    result = newsarchive(tmp_path, "--manifest", str(manifest), "--mode", "fast")
    assert result.returncode == 0, result.stderr
    story, home_page, missing, broken = lines(result)
    assert story["url"] == "https://example.com/2019/11/18/bridge-reopens/"
    assert story["published_at"] == "2019-11-18"  # the URL is evidence for the day
    assert story["title"] == "Bridge reopens"
    assert story["body"] == "\n".join(PARAGRAPHS)
    assert home_page == {"file": "home.html", "error": "not an article"}
    assert missing == {"file": "missing.html", "error": "no such file"}
    assert broken["file"] == "broken.html.gz"
    assert broken["error"].startswith("not a valid gzip file")


def test_wrong_invocation_exits_2(tmp_path):
    assert newsarchive(tmp_path).returncode == 2
    assert newsarchive(tmp_path, "--manifest", "nope.jsonl").returncode == 2
    assert newsarchive(tmp_path, "--mode", "slow", "x.html").returncode == 2


NEWSPAPER_CHATTER = "Using requests library"


def test_third_party_info_lines_are_silent_unless_debugging(tmp_path):
    """newspaper4k announces its HTTP library at INFO on every run: noise in a command whose output is data."""
    (tmp_path / "khaama.html").write_text(khaama_page(), encoding="utf-8")
    quiet = newsarchive(tmp_path, "--url", KHAAMA_URL, "khaama.html")
    assert quiet.returncode == 0, quiet.stderr
    assert NEWSPAPER_CHATTER not in quiet.stdout + quiet.stderr
    assert [line["title"] for line in lines(quiet)] == [KHAAMA_TITLE]
    debugging = newsarchive(tmp_path, "--url", KHAAMA_URL, "khaama.html", options=("--log-level", "debug"))
    assert debugging.returncode == 0, debugging.stderr
    assert NEWSPAPER_CHATTER in debugging.stderr  # still there for a look inside the libraries
