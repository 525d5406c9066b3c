"""The `tkctl` process asks glibc for one heap (`tkctl/allocator.py`), and never fails for it."""

from __future__ import annotations

import os
import subprocess
import sys

from tkctl import allocator

GLIBC = bool(getattr(os, "confstr", None) and os.confstr("CS_GNU_LIBC_VERSION"))


def test_glibc_agrees_to_one_heap():
    # In a process of its own: the setting is the process's, not this test run's. CI runs
    # glibc; elsewhere the answer is "not asked".
    out = subprocess.run([sys.executable, "-c", "from tkctl import allocator; print(allocator.one_heap())"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(GLIBC)


def test_without_glibc_nothing_is_asked(monkeypatch):
    def no_such_name(name):
        raise ValueError(f"unrecognized configuration name {name!r}")

    monkeypatch.setattr(os, "confstr", no_such_name)
    assert allocator.one_heap() is False
    monkeypatch.setattr(os, "confstr", lambda name: None)  # musl answers with nothing
    assert allocator.one_heap() is False


def test_a_library_without_mallopt_is_no_error(monkeypatch):
    import ctypes

    class NoMallopt:
        def __init__(self, name):
            pass

    monkeypatch.setattr(os, "confstr", lambda name: "glibc 2.36")
    monkeypatch.setattr(ctypes, "CDLL", NoMallopt)
    assert allocator.one_heap() is False


def test_the_tkctl_command_asks_before_anything_runs():
    # `python -m tkctl` is `cli.entry`: the call is made there, and the command still works.
    code = ("import atexit, sys, tkctl.allocator as a, tkctl.cli as cli; calls = []; "
            "a.one_heap = lambda: calls.append(1) or True; sys.argv = ['tkctl', '--version']; "
            "atexit.register(lambda: sys.stderr.write(f'calls={len(calls)}')); cli.entry()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0
    assert out.stdout.startswith("tkctl, version")
    assert "calls=1" in out.stderr
