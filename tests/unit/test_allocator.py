"""The `tkctl` process asks glibc for one heap and a fixed bar for blocks of their own
(`tkctl/allocator.py`), and never fails for it."""

from __future__ import annotations

import os
import subprocess
import sys

from tkctl import allocator

GLIBC = bool(getattr(os, "confstr", None) and os.confstr("CS_GNU_LIBC_VERSION"))


def test_glibc_agrees_to_tune():
    # In a process of its own: the setting is the process's, not this test run's. CI runs
    # glibc; elsewhere the answer is "not asked".
    out = subprocess.run([sys.executable, "-c", "from tkctl import allocator; print(allocator.tune())"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(GLIBC)


# Frees a block of 8 MB (glibc's own bar would rise to 8 MB), then holds ten of 1 MB, and
# counts the blocks glibc gave pages of their own (`mallinfo2`, glibc 2.33 and later).
OWN_PAGES = """
import ctypes, sys
from tkctl import allocator
class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
if sys.argv[1] == "tuned":
    allocator.tune()
big = bytearray(8 * 1024 * 1024)
del big
held = [bytearray(1024 * 1024) for _ in range(10)]
print(libc.mallinfo2().hblks)
"""


def test_large_blocks_keep_pages_of_their_own_once_tuned():
    if not GLIBC:  # nothing to tune: `test_without_glibc_nothing_is_asked`
        assert allocator.tune() is False
        return

    def own_pages(mode: str) -> int:
        out = subprocess.run([sys.executable, "-c", OWN_PAGES, mode], capture_output=True, text=True, check=True)
        return int(out.stdout)

    assert own_pages("tuned") >= 10  # each 1 MB block mapped, so given back when freed
    assert own_pages("untuned") < 10  # glibc's own bar rose past 1 MB: the heap served them


def test_without_glibc_nothing_is_asked(monkeypatch):
    def no_such_name(name):
        raise ValueError(f"unrecognized configuration name {name!r}")

    monkeypatch.setattr(os, "confstr", no_such_name)
    assert allocator.tune() is False
    monkeypatch.setattr(os, "confstr", lambda name: None)  # musl answers with nothing
    assert allocator.tune() is False


def test_a_library_without_mallopt_is_no_error(monkeypatch):
    import ctypes

    class NoMallopt:
        def __init__(self, name):
            pass

    monkeypatch.setattr(os, "confstr", lambda name: "glibc 2.36")
    monkeypatch.setattr(ctypes, "CDLL", NoMallopt)
    assert allocator.tune() is False


def test_the_tkctl_command_asks_before_anything_runs():
    # `python -m tkctl` is `cli.entry`: the call is made there, and the command still works.
    code = ("import atexit, sys, tkctl.allocator as a, tkctl.cli as cli; calls = []; "
            "a.tune = lambda: calls.append(1) or True; sys.argv = ['tkctl', '--version']; "
            "atexit.register(lambda: sys.stderr.write(f'calls={len(calls)}')); cli.entry()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0
    assert out.stdout.startswith("tkctl, version")
    assert "calls=1" in out.stderr
