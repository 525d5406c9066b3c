"""glibc's allocator asked for one heap, so that memory one thread frees, the others reuse.

glibc gives each thread that allocates a heap ("arena") of its own, up to eight per core.
tkctl decodes the account's pages and reads the state file in threads while the main thread
loads the config; the large blocks (dicts and lists of more than a few entries, long strings,
whole pages of text) a thread frees stay in its own heap, where the other threads cannot
reuse them, so the resident memory of the process grows with the number of heaps. With a
single heap, a first plan of 20,000 resources peaked at 557-577 MB instead of 636-638 MB
in the same time (medians of 5.32 and 5.34 s, four runs each, alternating): tkctl's threads
allocate under Python's global lock anyway, so they rarely wait for the heap's.

Set only for a `tkctl` process (`cli.entry`, before any thread starts; the processes it forks
inherit it), and only where the C library is glibc: musl and macOS have no such setting.
"""

from __future__ import annotations

import os

M_ARENA_MAX = -8  # glibc's malloc.h


def one_heap() -> bool:
    """Ask glibc for a single heap; True if it agreed, False where there is no glibc."""
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return False
    except (AttributeError, ValueError, OSError):  # no confstr (Windows) or no such name
        return False
    import ctypes

    try:
        return bool(ctypes.CDLL(None).mallopt(M_ARENA_MAX, 1))
    except (AttributeError, OSError):
        return False
