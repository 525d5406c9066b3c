"""The account a command talks to: a real Timekit app, or an embedded emulator.

`open_target` is the only place in tkctl's product path that imports the emulator: with
`--emulator` it starts one inside this process on a free port (no rate limit, the account kept
in `<config>/.tkctl/emulator.db`), so trying tkctl on the examples needs no account and never
touches a real one; `tkctl test --emulator` starts one whose account is empty and in memory. Otherwise the token comes from the environment variable the settings
name, and is registered as a secret before anything can print it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from tkctl.config import Settings
from tkctl.errors import ApiError, SettingsError
from tkctl.timekit.client import TimekitClient

# The embedded emulator's app token. Not a secret: it only opens a local, in-process emulator,
# and it must be the same on every run because the emulator keeps each token's data apart.
EMBEDDED_TOKEN = "live_api_key_tkctlembeddedemulator00000000000"
EMULATOR_DIR = ".tkctl"


@dataclass
class Target:
    client: TimekitClient
    api_url: str  # as shown to people: no credentials
    emulator: bool

    def app(self) -> dict[str, Any]:
        """The Timekit app the token reaches: `{"id", "slug", "test_mode"}` (GET /app)."""
        answer = self.client.get("/app")
        data = answer.get("data") if isinstance(answer, Mapping) else None
        if not isinstance(data, Mapping) or not isinstance(data.get("id"), str) or not data["id"]:
            raise ApiError("the answer does not describe an app (no data.id)", status=200, method="GET", path="/app")
        slug = data.get("slug")
        return {"id": data["id"], "slug": slug if isinstance(slug, str) else "",
                "test_mode": bool(data.get("test_mode"))}


def emulator_dir(config_dir: Path) -> Path:
    return config_dir / EMULATOR_DIR


def embedded_token(environment: str | None) -> str:
    """Each environment gets its own app (its own account) in the embedded emulator."""
    if not environment:
        return EMBEDDED_TOKEN
    return f"{EMBEDDED_TOKEN}_{environment}"


@contextlib.contextmanager
def open_target(settings: Settings, *, emulator: bool, environ: Mapping[str, str]) -> Iterator[Target]:
    if emulator:
        with _embedded(settings.config_dir, embedded_token(settings.environment)) as target:
            yield target
        return
    token = environ.get(settings.token_env, "").strip()
    if not token:
        raise SettingsError(
            f"the environment variable {settings.token_env} is not set: export your Timekit app "
            "token in it (Timekit admin, API settings), or try tkctl with --emulator"
        )
    with TimekitClient(settings.api_url, token, rate_per_second=settings.requests_per_minute / 60) as client:
        yield Target(client, client.base_url, False)


@contextlib.contextmanager
def fresh_emulator(settings: Settings) -> Iterator[Target]:
    """An embedded emulator whose account starts empty and lives in memory only.

    `tkctl test --emulator` applies the config here and tests it, so a pull request's tests
    never depend on (nor change) the account that `plan --emulator` keeps in `.tkctl/`."""
    with _serve(None, embedded_token(settings.environment)) as target:
        yield target


@contextlib.contextmanager
def _embedded(config_dir: Path, token: str) -> Iterator[Target]:
    workdir = emulator_dir(config_dir)
    try:
        workdir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise SettingsError(f"{workdir} is a file, but tkctl keeps the embedded emulator's account in a "
                            "folder there; move the file away") from None
    except OSError as exc:
        raise SettingsError(f"cannot create {workdir}: {exc.strerror or exc}") from None
    with _serve(workdir / "emulator.db", token) as target:
        yield target


@contextlib.contextmanager
def _serve(data_file: Path | None, token: str) -> Iterator[Target]:
    from tkctl.emulator.server import ServerThread, build_runtime
    from tkctl.emulator.settings import Settings as EmulatorSettings

    runtime = build_runtime([token], data_file, EmulatorSettings(rate_limit=0))
    server = ServerThread(runtime).start()
    try:
        base_url = server.root_url + "/v2"
        with TimekitClient(base_url, token, rate_per_second=0) as client:
            yield Target(client, base_url, True)
    finally:
        server.stop()
