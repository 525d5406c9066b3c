"""Reading a file the config names, without trusting it: regular files only, size-capped, and
(unless tkctl.yaml allows otherwise) only inside the config folder.

A config folder arrives in a pull request as often as from its owner, and `tkctl plan` posts
what it read into a public pull-request comment. A `ui_file: ../../../home/ci/.aws/credentials`
or a symlinked object file must therefore not be read at all; a FIFO would hang the run
forever and `/dev/zero` would eat all memory. Every file tkctl reads from a config folder goes
through `read_text`, which resolves links first (so a link cannot smuggle a path out), opens
without blocking, checks on the open descriptor that it is a regular file, and reads at most
`limit` bytes.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# Documented in README ("Files tkctl reads"). A widget config copied from the admin UI is a
# few KB, and Timekit takes request bodies of at most 64,000 characters (timekit-api.md §16).
MAX_UI_FILE_BYTES = 1024 * 1024
# The 1,000-resource benchmark config is about 2 MB in all.
MAX_YAML_FILE_BYTES = 16 * 1024 * 1024
ALLOW_OUTSIDE_SETTING = "allow_files_outside_config"

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class FileRefused(Exception):
    """The file was not read; `reason` says why in words meant for the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MB"


def read_text(path: Path, *, limit: int, inside: Path | None = None, allow_outside: bool = False) -> str:
    """The UTF-8 text of `path`, or FileRefused.

    `inside`: the folder the file must resolve into (after following every link), unless
    `allow_outside` is set.
    """
    if "\0" in str(path):
        raise FileRefused("the path contains a NUL byte")
    # Containment first, on the path with every existing link resolved, so that nothing
    # (not even whether a file exists) is learnt about paths outside the folder.
    if inside is not None and not allow_outside:
        root = os.path.realpath(inside)
        if os.path.commonpath([root, os.path.realpath(path)]) != root:
            raise FileRefused(
                "outside the config folder (after following links); tkctl reads only files inside it "
                f"unless tkctl.yaml sets {ALLOW_OUTSIDE_SETTING}: true"
            )
    try:
        real = os.path.realpath(path, strict=True)
    except FileNotFoundError:
        raise FileRefused("no such file") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FileRefused("a loop of symbolic links") from None
        raise FileRefused(exc.strerror or str(exc)) from None
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it changes nothing for files.
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise FileRefused(exc.strerror or str(exc)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            what = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise FileRefused(f"{what}; tkctl reads only regular files")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:  # st_size is not trusted: /proc files report 0
            chunk = os.read(fd, min(1024 * 1024, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise FileRefused(exc.strerror or str(exc)) from None
    finally:
        os.close(fd)
    if size > limit:
        raise FileRefused(f"larger than {_megabytes(limit)}, the most tkctl reads from one file")
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileRefused(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
