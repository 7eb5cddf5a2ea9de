"""``python -m scheduler`` is ``newsarchive``."""

import sys

from scheduler.cli import main

sys.exit(main())
