"""Processes for scale.py: the emulator in its own process, and one measured child at a time.

The emulator runs as `tkctl emulator` (not a thread of the benchmark), so its CPU time is its
own and can be shown beside tkctl's: read from /proc/<pid>/stat before and after each
operation. Each measured command is reaped with os.wait4, which gives that child's own
rusage: user + system CPU and its peak RSS (RUSAGE_CHILDREN would give the largest RSS of any
child so far, not this one's).
"""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

TKCTL = str(Path(sys.executable).with_name("tkctl"))
_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    wall: float
    cpu: float
    peak_mb: float


def run_measured(cmd: list[str], env: dict[str, str]) -> Run:
    """Runs cmd to its end; wall time, and the child's own CPU and peak memory from wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        out.seek(0)
        err.seek(0)
        return Run(proc.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"),
                   wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


class EmulatorProcess:
    """`tkctl emulator` on a free port, with its control API (`/_emulator`) at hand."""

    def __init__(self, latency_ms: float, rate_per_minute: int):
        self.token = "live_api_key_" + "".join(secrets.choice(string.ascii_letters + string.digits)
                                               for _ in range(32))
        self.proc = subprocess.Popen(
            [TKCTL, "emulator", "--port", "0", "--latency", f"{latency_ms:g}", "--rate-limit",
             str(rate_per_minute), "--token", self.token],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True)
        first = self.proc.stdout.readline()
        if "listening on" not in first:
            self.stop()
            raise RuntimeError(f"the emulator did not start: {first!r}")
        self.base_url = first.rsplit(" ", 1)[1].strip()
        # The emulator prints a few more lines and then nothing; drain them so it never blocks.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()
        self._http = httpx.Client(base_url=self.base_url.removesuffix("/v2") + "/_emulator", timeout=300)

    def _call(self, method: str, path: str, body: object = None) -> httpx.Response:
        answer = self._http.request(method, path, json=body)
        if answer.status_code >= 400:
            raise RuntimeError(f"emulator control {method} {path}: {answer.status_code} {answer.text[:500]}")
        return answer

    def seed(self, resources: list[dict] = (), projects: list[dict] = ()) -> dict:
        return self._call("POST", "/seed", {"resources": list(resources), "projects": list(projects)}).json()

    def counters(self) -> dict:
        return self._call("GET", "/counters").json()

    def reset_counters(self) -> None:
        self._call("DELETE", "/counters")

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def env(self) -> dict[str, str]:
        """The environment a tkctl child needs to reach this emulator."""
        return {**os.environ, "TIMEKIT_API_URL": self.base_url, "TIMEKIT_APP_TOKEN": self.token,
                "NO_COLOR": "1"}

    def stop(self) -> None:
        if getattr(self, "_http", None) is not None:
            self._http.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> "EmulatorProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
