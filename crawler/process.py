"""Tying child processes' lives to their parent's (Linux PR_SET_PDEATHSIG), in one place."""

from __future__ import annotations

import ctypes
import functools
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


def set_parent_death_signal(signum: int) -> None:
    """Have the kernel send ``signum`` to this process when its parent (thread) dies; a no-op off Linux."""
    if sys.platform == "linux":
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signum)


def die_with_parent(signum: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A ``preexec_fn`` for ``subprocess.Popen`` so the child never outlives us (None where it cannot work)."""
    if sys.platform != "linux":
        return None
    return functools.partial(set_parent_death_signal, signum)
