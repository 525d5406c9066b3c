"""Run the real tkctl on a real pseudo-terminal and read what a person would see on it.

The bytes tkctl writes to the terminal are fed to pyte, a VT100 terminal emulator, so tests
check the screen itself (lines as displayed after every cursor move and erase), not guesses
about escape sequences.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from dataclasses import dataclass

import pyte

COLS, ROWS = 120, 300  # rows enough that nothing a test reads scrolls away
CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass
class TerminalRun:
    code: int
    raw: bytes  # everything written to the terminal
    stdout: str  # what went to stdout when it was a pipe ("" when it was the terminal)

    @property
    def screen(self) -> list[str]:
        """The terminal's lines as displayed at the end, trailing blanks removed."""
        screen = pyte.Screen(COLS, ROWS)
        stream = pyte.ByteStream(screen)
        stream.feed(self.raw)
        lines = [line.rstrip() for line in screen.display]
        while lines and not lines[-1]:
            lines.pop()
        return lines

    @property
    def text(self) -> str:
        """Everything written to the terminal, escape sequences removed (frames included)."""
        return CSI.sub("", self.raw.decode("utf-8", errors="replace"))


def terminal_env(emulator, **extra: str) -> dict[str, str]:
    """The environment of a person at a terminal: no CI, no NO_COLOR, no width override."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR", "COLUMNS", "LINES", "TKCTL_LOG")}
    env.update({"TIMEKIT_API_URL": emulator.base_url, "TIMEKIT_APP_TOKEN": emulator.token, "TERM": "xterm-256color"})
    env.update(extra)
    return env


def run_on_terminal(args: list[str], env: dict[str, str], *, stdout_to_pipe: bool = False,
                    timeout: float = 120) -> TerminalRun:
    """`tkctl ARGS` with stdin and stderr (and stdout, unless `stdout_to_pipe`) on a new pty."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "tkctl", *map(str, args)], stdin=slave,
                            stdout=subprocess.PIPE if stdout_to_pipe else slave, stderr=slave, env=env)
    os.close(slave)
    raw, out = bytearray(), bytearray()
    sources = {master: raw}
    if proc.stdout is not None:
        sources[proc.stdout.fileno()] = out
    try:
        while sources:
            ready, _, _ = select.select(list(sources), [], [], timeout)
            if not ready:
                proc.kill()
                raise AssertionError(f"tkctl {' '.join(map(str, args))} wrote nothing for {timeout} s")
            for fd in ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO: the terminal's last writer has gone
                    chunk = b""
                if chunk:
                    sources[fd] += chunk
                else:
                    del sources[fd]
        code = proc.wait(timeout=timeout)
    finally:
        os.close(master)
        if proc.stdout is not None:
            proc.stdout.close()
    return TerminalRun(code, bytes(raw), out.decode())
