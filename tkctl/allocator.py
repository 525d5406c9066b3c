"""glibc's allocator asked for one heap, so that memory one thread frees, the others reuse,
and to give large blocks back when they are freed.

glibc gives each thread that allocates a heap ("arena") of its own, up to eight per core.
tkctl decodes the account's pages and reads the state file in threads while the main thread
loads the config; the large blocks (dicts and lists of more than a few entries, long strings,
whole pages of text) a thread frees stay in its own heap, where the other threads cannot
reuse them, so the resident memory of the process grows with the number of heaps. With a
single heap, a first plan of 20,000 resources peaked at 557-577 MB instead of 636-638 MB
in the same time (medians of 5.32 and 5.34 s, four runs each, alternating): tkctl's threads
allocate under Python's global lock anyway, so they rarely wait for the heap's.

And large blocks always get pages of their own, given back when freed. glibc serves a block
of 128 KB or more from pages of its own (`mmap`) at first, but each time one is freed it
raises that bar to the freed block's size, up to 32 MB: after the first page of the account
(a megabyte of text, and the text decoded from it) is freed, every later page, and every
large table of the config, the state and the account, comes from the heap, where the holes
they leave when freed are kept by the process. A fixed bar of 256 KB (setting it stops
glibc from moving it) took a 20,000-resource plan's peak from 371-378 MB to 354-356 MB
(config cached) and from 453-458 MB to 438-441 MB (first plan), in the same time within the
runs' spread (three runs each, alternating).

Set only for a `tkctl` process (`cli.entry`, before any thread starts; the processes it forks
inherit it), and only where the C library is glibc: musl and macOS have no such settings.
"""

from __future__ import annotations

import os

M_ARENA_MAX = -8  # glibc's malloc.h
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 256 * 1024


def tune() -> bool:
    """Ask glibc for a single heap and a fixed bar for blocks of their own; True if it agreed
    to both, False where there is no glibc."""
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return False
    except (AttributeError, ValueError, OSError):  # no confstr (Windows) or no such name
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        heap = libc.mallopt(M_ARENA_MAX, 1)
        bar = libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)  # asked even if the first was refused
        return bool(heap and bar)
    except (AttributeError, OSError):
        return False
