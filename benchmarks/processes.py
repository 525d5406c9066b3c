"""Processes for scale.py: the emulator in its own process, and one measured child at a time.

The emulator runs as `tkctl emulator` (not a thread of the benchmark), so its CPU time is its
own and can be shown beside tkctl's: read from /proc/<pid>/stat before and after each
operation.

Each measured command is started by a small launcher process and reaped there with os.wait4,
which gives that child's own rusage: user + system CPU and peak RSS. The launcher exists
because Linux counts in a child's ru_maxrss the high-water mark of the memory it was forked
from: spawned straight from the benchmark (hundreds of MB after building a 20,000-resource
account), even `tkctl --version` would report the benchmark's size. The launcher is a bare
`python -S` with only `os` and `json` loaded, so the floor it adds is a few MB, below any
Python program's own. (RUSAGE_CHILDREN would not do either: it gives the largest child so far.)
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import string
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import httpx

TKCTL = str(Path(sys.executable).with_name("tkctl"))
_TICKS = os.sysconf("SC_CLK_TCK")

# One JSON request a line on stdin: {"cmd", "env", "out", "err"}; one JSON answer a line.
_LAUNCHER = """
import json, os, sys, time
for line in sys.stdin:
    job = json.loads(line)
    actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
               (os.POSIX_SPAWN_OPEN, 1, job["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
               (os.POSIX_SPAWN_OPEN, 2, job["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)]
    start = time.perf_counter()
    pid = os.posix_spawn(job["cmd"][0], job["cmd"], job["env"], file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    print(json.dumps({"returncode": os.waitstatus_to_exitcode(status), "wall": wall,
                      "cpu": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss}), flush=True)
"""


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


class Launcher:
    """Runs commands one at a time from a small process; see the module's docstring for why."""

    _shared: "Launcher | None" = None

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-S", "-c", _LAUNCHER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.lock = threading.Lock()

    @classmethod
    def shared(cls) -> "Launcher":
        if cls._shared is None:
            cls._shared = cls()
            atexit.register(cls.close_shared)
        return cls._shared

    def run(self, cmd: list[str], env: dict[str, str]) -> Run:
        with tempfile.TemporaryDirectory() as tmp, self.lock:
            out, err = Path(tmp, "out"), Path(tmp, "err")
            self.proc.stdin.write(json.dumps({"cmd": cmd, "env": env, "out": str(out), "err": str(err)}) + "\n")
            self.proc.stdin.flush()
            answer = self.proc.stdout.readline()
            if not answer:
                raise RuntimeError("the benchmark's launcher process died")
            got = json.loads(answer)
            return Run(got["returncode"], out.read_text(errors="replace"), err.read_text(errors="replace"),
                       got["wall"], got["cpu"], got["maxrss_kb"] / 1024)

    @classmethod
    def close_shared(cls) -> None:
        if cls._shared is not None:
            cls._shared.proc.stdin.close()
            cls._shared.proc.wait(timeout=30)
            cls._shared = None


def run_measured(cmd: list[str], env: dict[str, str]) -> Run:
    """Runs cmd (an absolute path first) to its end: wall time, and the child's own CPU and peak memory."""
    return Launcher.shared().run(cmd, env)


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
