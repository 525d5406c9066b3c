"""The exceptions tkctl raises on purpose, and the one rule for showing them.

    TkctlError                 a problem the user can fix; printed as one short message, exit 1
    ├── ConfigError            bad YAML, schema violation, dangling reference (carries every Problem)
    ├── SettingsError          tkctl.yaml or environment is wrong (missing token, bad URL)
    ├── ApiError               the Timekit API refused or could not be reached
    │   └── AuthError          401: the token is wrong
    ├── StateError             the state file is unreadable or from a newer tkctl
    │   └── LockError          another apply holds the state lock
    ├── PlanRefused            apply declined (no TTY, user said no, unsafe change, stale plan)
    ├── PlanFileError          a saved plan file cannot be read or is not a plan
    └── ApplyFailed            some writes failed (the ones that succeeded are in the state)

Anything else is a bug: the CLI prints a one-line message asking for a report and exits 3;
only with TKCTL_DEBUG=1 does it print the traceback (secrets redacted).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """Where something came from in the user's files; line and column are 1-based.

    Slotted: a config holds one per field (400,000 at 20,000 resources)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}, line {self.line}, column {self.column}"

    def __reduce__(self) -> tuple:
        # Pickled as a call (the config cache holds tens of thousands): a slotted dataclass
        # otherwise pickles through a Python-level __getstate__, several times slower.
        return (Location, (self.file, self.line, self.column))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the config: where, which object and field, and what to do."""

    message: str
    location: Location | None = None
    obj: str | None = None  # e.g. 'project "consult"'
    field: str | None = None  # e.g. 'resources[1]'

    def __str__(self) -> str:
        parts = []
        if self.location is not None:
            parts.append(str(self.location))
        if self.obj:
            parts.append(self.obj)
        prefix = ": ".join(parts)
        body = f"{self.field}: {self.message}" if self.field else self.message
        return f"{prefix}: {body}" if prefix else body


class TkctlError(Exception):
    """Base of every error meant for the user; str() is the message shown."""

    exit_code = 1


class ConfigError(TkctlError):
    """The config has one or more problems; all of them are reported at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self._render())

    def _render(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the config:"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


class SettingsError(TkctlError):
    pass


class ApiError(TkctlError):
    """The API answered with an error status, or could not be reached (status 0)."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        method: str = "",
        path: str = "",
        request_id: str | None = None,
        retry_after: float | None = None,
    ):
        self.api_message = message
        self.status = status
        self.method = method
        self.path = path
        self.request_id = request_id
        self.retry_after = retry_after  # seconds the server asked to wait, when it said
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"{self.method} {self.path}".strip()
        head = f"Timekit API error {self.status}" if self.status else "Timekit API unreachable"
        text = f"{head} on {where}: {self.api_message}" if where else f"{head}: {self.api_message}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


class AuthError(ApiError):
    pass


class StateError(TkctlError):
    pass


class LockError(StateError):
    pass


class PlanRefused(TkctlError):
    pass


class PlanFileError(TkctlError):
    pass


class ApplyFailed(TkctlError):
    """Some writes failed; everything that succeeded is already recorded in the state file."""
