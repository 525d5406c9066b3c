"""One plan or apply run: the config, the account it targets, and the plan between them.

The target is either the account named by the settings (token from the environment) or an
embedded emulator (`--emulator`), which runs inside this process on a free port and keeps
its account in `<config>/.tkctl/emulator.db`, with its own state file beside it, so trying
tkctl on the examples never touches a real account or its state.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Mapping

from tkctl.config import Settings, load_config
from tkctl.config.yamlfile import display_path
from tkctl.core.model import DesiredState
from tkctl.core.plan import Plan, StateRecord, build_plan
from tkctl.errors import SettingsError
from tkctl.state.store import State
from tkctl.timekit.client import TimekitClient
from tkctl.timekit.bookings import deletion_warnings
from tkctl.timekit.reader import read_live

# The embedded emulator's app token. Not a secret: it only opens a local, in-process emulator,
# and it must be the same on every run because the emulator keeps each token's data apart.
EMBEDDED_TOKEN = "live_api_key_tkctlembeddedemulator00000000000"


@dataclass
class Session:
    settings: Settings
    desired: DesiredState
    client: TimekitClient
    state_path: Path
    emulator: bool

    @property
    def target(self) -> dict:
        return {
            "api_url": self.client.base_url,
            "config_dir": display_path(self.settings.config_dir),
            "emulator": self.emulator,
        }

    def plan(self, state: State) -> Plan:
        live = read_live(self.client)
        records = {
            (entry.kind, entry.key): StateRecord(entry.id, entry.fingerprint)
            for entry in state.entries.values()
        }
        plan = build_plan(self.desired, live, records, target=self.target)
        plan.warnings.extend(deletion_warnings(self.client, plan.changes, datetime.now(timezone.utc)))
        return plan


@contextlib.contextmanager
def open_session(
    config_dir: str | Path, *, emulator: bool = False, environ: Mapping[str, str] | None = None
) -> Iterator[Session]:
    environ = os.environ if environ is None else environ
    settings, desired = load_config(config_dir, environ)
    if emulator:
        from tkctl.emulator.testing import running_emulator

        workdir = settings.config_dir / ".tkctl"
        workdir.mkdir(parents=True, exist_ok=True)
        with running_emulator(tokens=[EMBEDDED_TOKEN], data_file=workdir / "emulator.db", rate_limit=0) as emu:
            with TimekitClient(emu.base_url, emu.token, rate_per_second=0) as client:
                yield Session(settings, desired, client, workdir / "emulator-state.json", True)
        return
    token = environ.get(settings.token_env, "").strip()
    if not token:
        raise SettingsError(
            f"the environment variable {settings.token_env} is not set: export your Timekit app "
            "token in it (Timekit admin, API settings), or try tkctl with --emulator"
        )
    with TimekitClient(settings.api_url, token, rate_per_second=settings.requests_per_minute / 60) as client:
        yield Session(settings, desired, client, settings.state_path, False)
