"""A fresh, in-memory Timekit emulator with the config applied: what the preview's widget talks to.

It is never the user's account nor the user's state: the emulator starts empty in memory
(nothing on disk), the config goes in through the same plan and apply as `tkctl apply`
(`make_plan`, `Executor`), and the state of that apply lives in memory and dies with it.
Its apps are separate accounts in one emulator (each app token is its own account): "after"
holds the config, and with a saved plan "before" holds the account as the plan found it.

Like `tkctl/targets.py` (which keeps its embedded emulator in the config folder), this module
imports the emulator; the preview needs its own because it serves pages on the emulator's origin.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

from tkctl import __version__
from tkctl.apply import Executor
from tkctl.core.model import DesiredState
from tkctl.emulator.asgi import ASGIApp
from tkctl.emulator.server import ServerThread, build_runtime, generate_token
from tkctl.emulator.settings import Settings as EmulatorSettings
from tkctl.emulator.store import widget_key_for
from tkctl.errors import PlanRefused, SettingsError
from tkctl.planner import make_plan
from tkctl.state.format import new_state
from tkctl.state.store import StateStore
from tkctl.targets import Target
from tkctl.timekit.client import TimekitClient
from tkctl.workspace import Workspace

VARIANTS = ("after", "before")


class MemoryState:
    """A state sink that keeps the text in memory: the preview's apply never writes a file."""

    name = "(the preview's own state, in memory)"

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text = text


@dataclass
class Account:
    token: str
    widget_key: str
    project_ids: dict[str, str] = field(default_factory=dict)  # project key -> Timekit id


class Sandbox:
    """`with Sandbox(mounts=...) as box: box.apply(workspace, "after")`: a running emulator."""

    def __init__(self, *, port: int = 0, mounts: Mapping[str, ASGIApp] | None = None):
        self.accounts = {variant: Account(token, widget_key_for(token))
                         for variant, token in ((v, generate_token()) for v in VARIANTS)}
        runtime = build_runtime([a.token for a in self.accounts.values()], None, EmulatorSettings(rate_limit=0))
        try:
            self._server = ServerThread(runtime, "127.0.0.1", port, mounts)
        except OSError as exc:
            runtime.store.close()
            raise SettingsError(f"cannot serve the preview on 127.0.0.1:{port}: {exc.strerror or exc}; choose "
                                "another --port, or leave it out for a free one") from None

    @property
    def root_url(self) -> str:
        return self._server.root_url

    def __enter__(self) -> "Sandbox":
        self._server.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.stop()

    def apply(self, workspace: Workspace, variant: str, desired: DesiredState | None = None) -> Account:
        """Plan and apply `desired` (else the workspace's config) to the variant's empty account."""
        account = self.accounts[variant]
        if desired is not None:
            workspace = replace(workspace, desired=desired)
        base_url = self.root_url + "/v2"
        with TimekitClient(base_url, account.token, rate_per_second=0) as client:
            target = Target(client, base_url, True)
            plan = make_plan(workspace, target, new_state(), warn_bookings=False)
            if plan.problems:
                raise PlanRefused("the config cannot be applied to an empty account:\n  " + "\n  ".join(plan.problems))
            store = StateStore(MemoryState(), new_state())
            Executor(client, store).run(plan.data(__version__))
        account.project_ids = {e.key: e.id for e in store.state.entries.values() if e.kind == "project"}
        return account
