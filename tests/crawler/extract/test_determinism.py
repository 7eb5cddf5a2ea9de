"""The same bytes give the same record in any process (live crawl, replay and ``extract`` must agree)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.crawler.extract.pages import KHAAMA_URL

SCRIPT = """
import json, sys
from crawler.extract import extract_article
from tests.crawler.extract.pages import khaama_page, page, article_body, KHAAMA_URL
pages = [khaama_page().encode(), khaama_page(structured=False).encode()]
out = [extract_article(p, sys.argv[1], mode=m).to_json() for p in pages for m in ("default", "fast")]
print(json.dumps(out, sort_keys=True))
"""


def run(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, KHAAMA_URL],
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    return result.stdout


def test_records_do_not_depend_on_the_process():
    assert run("1") == run("2")
