"""How much tkctl tells about its own work: `-q`, `-v`, `-vv`, `TKCTL_LOG` and `--log-file`.

One setting, the verbosity, decides everything that is chatter rather than result:

    -q      quiet    the plan (or other result) and errors; no progress bar, no per-object
                     apply lines, no log lines
    (none)  normal   plus progress on a terminal and apply's per-object lines
    -v      info     plus one log line per HTTP request (method, path, status, milliseconds,
                     request id, retries), one per retry, and how long each part of a command
                     took (`took`: the config, the state, the account, the comparison)
    -vv     debug    plus the request and answer bodies (cut at BODY_LIMIT characters), and
                     the traceback of an error

`TKCTL_LOG=warning|info|debug` sets the same level as none, `-v` or `-vv` when no flag is
given. Log lines go to stderr (above a progress bar, if one is drawn); `--log-file FILE`
also appends them to FILE at `-v` level (at `-vv` level with `-vv` or TKCTL_LOG=debug),
whatever is shown on stderr.

Every log record passes through one formatter, `RedactingFormatter`, which runs the text
through `tkctl.secrets.redact`: the app token, URL credentials and any `api_token` an answer
carried never reach stderr or the file. Bodies are redacted before they are cut
(`body_text`), so a cut can never leave a secret's first half unmasked: of a long body only the
part shown and REDACT_MARGIN characters past it are redacted, as no credential is that long.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from typing import Mapping

from tkctl import __version__
from tkctl.secrets import redact

ENV_VAR = "TKCTL_LOG"
QUIET, NORMAL, INFO, DEBUG = -1, 0, 1, 2
ENV_LEVELS = {"warning": NORMAL, "info": INFO, "debug": DEBUG}
BODY_LIMIT = 2000  # characters of a body shown at -vv: a page of 1,000 projects is megabytes
REDACT_MARGIN = 16_384  # characters redacted past the cut: longer than any credential value

ROOT_LOGGER = "tkctl"
HTTP_LOGGER = "tkctl.http"
# The embedded emulator is another program that happens to run inside tkctl: its log is its own.
_FOREIGN = ("tkctl.emulator",)

_STDERR_LEVEL = {QUIET: logging.ERROR, NORMAL: logging.WARNING, INFO: logging.INFO, DEBUG: logging.DEBUG}


class LogSettingError(ValueError):
    """TKCTL_LOG holds a value tkctl does not know."""


@dataclass(frozen=True)
class Verbosity:
    level: int = NORMAL
    log_file: str | None = None

    @property
    def quiet(self) -> bool:
        return self.level <= QUIET


def took(started: float) -> str:
    """The seconds since `started` (a `time.perf_counter()`), as the lines that say where a
    command's time went write them (`-v`): `config: 13500 objects read and checked in 1.23 s`."""
    return f"{time.perf_counter() - started:.2f} s"


def from_environment(environ: Mapping[str, str] | None = None) -> int:
    """The level TKCTL_LOG asks for (NORMAL when unset or empty)."""
    value = (os.environ if environ is None else environ).get(ENV_VAR, "").strip().lower()
    if not value:
        return NORMAL
    if value not in ENV_LEVELS:
        raise LogSettingError(f"{ENV_VAR} must be one of {', '.join(ENV_LEVELS)} (got {value!r})")
    return ENV_LEVELS[value]


def level_of(verbose: int, quiet: bool, environ: Mapping[str, str] | None = None) -> int:
    """The verbosity of the flags given (`-v` counted), else of TKCTL_LOG."""
    if quiet and verbose:
        raise LogSettingError("-q and -v contradict each other: use one of them")
    if quiet:
        return QUIET
    if verbose:
        return min(verbose, DEBUG)
    return from_environment(environ)


class RedactingFormatter(logging.Formatter):
    """The one formatter of tkctl's log: every line, traceback included, redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _StderrFormatter(RedactingFormatter):
    """`info: GET /app -> 200 ...`: prefixed like tkctl's `warning:` and `error:` lines."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {super().format(record)}"


class _Own(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not any(record.name == f or record.name.startswith(f + ".") for f in _FOREIGN)


class _FileHandler(logging.StreamHandler):
    """Appends to the log file; the first line of each run says which command it was."""

    def __init__(self, stream, command: str):
        super().__init__(stream)
        self._header = command

    def emit(self, record: logging.LogRecord) -> None:
        if self._header is not None:
            header, self._header = self._header, None
            super().emit(logging.makeLogRecord({"name": ROOT_LOGGER, "levelno": logging.INFO, "levelname": "INFO",
                                                "msg": "%s", "args": (header,)}))
        super().emit(record)


class _StderrHandler(logging.Handler):
    """Writes to the current sys.stderr, above a live progress bar when there is one."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            from tkctl import progress

            progress.current().note(self.format(record))
        except Exception:  # noqa: BLE001 - logging must never break the command
            self.handleError(record)


_settings = Verbosity()
_handlers: list[logging.Handler] = []
_files: list = []  # log files opened by configure, closed by reset
_command = "tkctl"  # the command line of the run, for the log file


def settings() -> Verbosity:
    return _settings


def quiet() -> bool:
    """Whether only results and errors are wanted (`-q`)."""
    return _settings.quiet


def start(command: str) -> None:
    """Begin a run: the log as TKCTL_LOG asks (LogSettingError if it is not understood);
    `command` (the command line) heads the run's lines in a log file."""
    global _command
    reset()
    _command = command
    configure(from_environment())


def configure(level: int, log_file: str | None = None) -> None:
    """Set up the log for this run (again, if a later option changes it).

    Raises OSError when the log file cannot be opened for appending."""
    global _settings
    _uninstall()
    logger = logging.getLogger(ROOT_LOGGER)
    stderr = _StderrHandler(_STDERR_LEVEL[level])
    stderr.setFormatter(_StderrFormatter("%(message)s"))
    handlers: list[logging.Handler] = [stderr]
    file_level = logging.DEBUG if level >= DEBUG else logging.INFO
    if log_file:
        # Created private: at -vv it holds request and answer bodies (redacted, but still the account).
        fd = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        stream = os.fdopen(fd, "a", encoding="utf-8")
        _files.append(stream)
        handler = _FileHandler(stream, f"tkctl {__version__} (pid {os.getpid()}): {_command}")
        handler.setLevel(file_level)
        handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handlers.append(handler)
    for handler in handlers:
        handler.addFilter(_Own())
        logger.addHandler(handler)
    _handlers.extend(handlers)
    logger.setLevel(min(h.level for h in handlers))
    logger.propagate = False  # never also through a root handler someone else installed
    _settings = Verbosity(level, log_file)


def reset() -> None:
    """Remove what `configure` installed and close the log file (end of a run)."""
    global _settings, _command
    _uninstall()
    _settings = Verbosity()
    _command = "tkctl"


def _uninstall() -> None:
    logger = logging.getLogger(ROOT_LOGGER)
    for handler in _handlers:
        logger.removeHandler(handler)
        handler.close()
    _handlers.clear()
    for stream in _files:
        stream.close()
    _files.clear()
    logger.setLevel(logging.NOTSET)
    logger.propagate = True


def body_text(body: bytes | bytearray | str | None, limit: int = BODY_LIMIT) -> str:
    """A request or answer body for the debug log: redacted first, then cut to `limit`."""
    if body is None:
        return "(none)"
    text = body if isinstance(body, str) else bytes(body).decode("utf-8", errors="replace")
    if not text.strip():
        return "(empty)"
    # Redacting a whole 10 MB page against thousands of registered secrets took seconds per
    # page; what is shown is the start, so only the start (and a margin no credential is as
    # long as, for a secret that begins before the cut) is redacted.
    whole = len(text) <= limit + REDACT_MARGIN
    shown = redact(text[: limit + REDACT_MARGIN])
    if whole and len(shown) <= limit:
        return shown
    return f"{shown[:limit]}... ({len(text):,} characters in all)"
