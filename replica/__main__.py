"""``python -m replica``: serve the replica publisher in the foreground and print its base URL."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys

from replica import browser, faults
from replica.server import ReplicaPublisher
from replica.site import ReplicaSite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m replica", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default): any free port")
    parser.add_argument("--articles", type=int, default=12, help="number of generated articles")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", action="store_true", help="also serve the hostile routes under /faults/")
    parser.add_argument("--browser", action="store_true", help="also serve the browser-capture pages under /browser/")
    parser.add_argument("--verbose", action="store_true", help="log every request on stderr")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr)
    mounts = [faults.MOUNT] if args.faults else []
    mounts += [browser.MOUNT] if args.browser else []
    publisher = ReplicaPublisher(ReplicaSite(args.articles, args.seed), host=args.host, port=args.port, mounts=mounts)
    print(publisher.start(), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        publisher.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
