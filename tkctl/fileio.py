"""Reading and writing the files tkctl owns (state, saved plans), safely.

Writes are atomic (temp file in the same folder, fsync, os.replace, fsync of the folder), so
a crash leaves the old file or the new one, never half of one. Reads take only regular files
of bounded size: a FIFO would block forever and /dev/zero would never end.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a crash at any point leaves the old or the new file.

    The temp file is created by mkstemp (mode 0600) in the same folder, so os.replace is a
    rename within one filesystem and the final file keeps mode 0600.
    """
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    fsync_folder(folder)


def fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; not possible on every platform (Windows), so best effort."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; OSError otherwise.

    A FIFO would block forever and /dev/zero would never end, so only regular files are read,
    opened without blocking and checked before reading."""
    return b"".join(read_regular_chunks(path, limit, limit + 1))


def read_regular_chunks(path: Path, limit: int, size: int = 1 << 20) -> Iterator[bytes]:
    """The bytes of a regular file of at most `limit` bytes, `size` bytes at a time (the last
    chunk may be shorter); OSError otherwise, as `read_regular_file`. The file is open until
    the last chunk is taken or the iterator is closed."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        if info.st_size > limit:
            raise OSError(errno.EFBIG, f"larger than {limit // (1024 * 1024)} MB")
        total = 0
        with os.fdopen(fd, "rb", closefd=False) as f:
            while chunk := f.read(min(size, limit + 1 - total)):
                total += len(chunk)
                if total > limit:
                    raise OSError(errno.EFBIG, f"larger than {limit // (1024 * 1024)} MB")
                yield chunk
    finally:
        os.close(fd)
