"""``python -m tests.faults.merge_script CONFIG STEP``: merge the archive of CONFIG, SIGKILLing itself after STEP.

A real process dying at a real point of the merge (no exception, no clean-up, nothing flushed that was not already):
what a power cut or the OOM killer leaves. STEP ``none`` lets the merge run to its end.
"""

from __future__ import annotations

import os
import signal
import sys

from crawler.config import load_config
from crawler.run.merging import merge_archive
from crawler.storage.database import database_url


def main(config_path: str, step: str) -> int:
    config = load_config(config_path)

    def on_step(name: str) -> None:
        if name == step:
            os.kill(os.getpid(), signal.SIGKILL)

    report = merge_archive(config.archive, database_url(config), on_step=on_step)
    print(report)
    return 0 if report is not None and report.error is None else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
