"""One crawl run: the subprocess entry, the runner that starts it, and judging its outcome."""
