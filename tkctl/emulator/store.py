"""The emulated accounts: one `AppData` per app token, guarded by one lock.

Models (models/*.py) read and change an `AppData` only through `put` and `remove`, which keep
the in-memory dicts, the uniqueness indexes and the write-through journal in step. A request
runs inside `Store.session(token)`; when it ends the journal goes to SQLite (when configured)
in one transaction, still under the lock, so concurrent requests never interleave writes.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import threading
import uuid
from typing import Callable, Iterator

from tkctl.emulator.encoding import Encoded
from tkctl.emulator.persistence import Change, SqlitePersistence
from tkctl.emulator.validation import format_timestamp, now_utc

KINDS = ("app", "resources", "calendars", "projects", "bookings")


def new_id() -> str:
    # assumed: timekit-api.md §1 (ids are random v4 UUIDs, lowercase)
    return str(uuid.uuid4())


def widget_key_for(token: str) -> str:
    """The app's widget key: derived from the app token so it is stable across restarts."""
    # assumed: timekit-api.md §2 (one widget key per app key, derived from it)
    digest = hashlib.sha256(("widget:" + token).encode()).hexdigest()[:32]
    prefix = "test_widget_key_" if token.startswith("test_") else "live_widget_key_"
    return prefix + digest


class AppData:
    """Everything one app key can see (§2: each app key is its own app)."""

    def __init__(self, token: str, seq: Iterator[int]):
        self.token = token
        self._seq = seq
        self.info: dict = {}
        self.resources: dict[str, dict] = {}
        self.calendars: dict[str, dict] = {}
        self.projects: dict[str, dict] = {}
        self.bookings: dict[str, dict] = {}
        self.emails: dict[str, str] = {}  # lower-cased email -> resource id
        self.slugs: dict[str, str] = {}  # slug -> project id
        self.resource_calendars: dict[str, dict[str, None]] = {}  # resource id -> calendar ids, in order
        # resource id -> (resource, its serialised render), see models/resources.py `encoded`
        self.encoded_resources: dict[str, tuple[dict, Encoded]] = {}
        self.journal: list[Change] = []

    @property
    def test_mode(self) -> bool:
        # assumed: timekit-api.md §2 (keys starting test_ put the app in test mode)
        return self.token.startswith("test_")

    @property
    def widget_key(self) -> str:
        return widget_key_for(self.token)

    def collection(self, kind: str) -> dict[str, dict]:
        return getattr(self, kind)

    def put(self, kind: str, obj: dict) -> dict:
        """Insert or replace; a new object gets the next creation sequence number."""
        # assumed: timekit-api.md §4 (lists in creation order, by an insertion sequence)
        if "_seq" not in obj:
            obj["_seq"] = next(self._seq)
        if kind == "app":
            self.info = obj
        else:
            self._unindex(kind, obj["id"])
            self.collection(kind)[obj["id"]] = obj
            self._index(kind, obj)
        self.journal.append((kind, obj["id"], obj))
        return obj

    def remove(self, kind: str, object_id: str) -> None:
        self._unindex(kind, object_id)
        self.collection(kind).pop(object_id, None)
        self.journal.append((kind, object_id, None))

    def load(self, kind: str, obj: dict) -> None:
        """Restore a persisted object without journaling it."""
        if kind == "app":
            self.info = obj
        else:
            self.collection(kind)[obj["id"]] = obj
            self._index(kind, obj)

    def _index(self, kind: str, obj: dict) -> None:
        if kind == "resources" and obj.get("email"):
            self.emails[obj["email"].lower()] = obj["id"]
        elif kind == "projects":
            self.slugs[obj["slug"]] = obj["id"]
        elif kind == "calendars":
            self.resource_calendars.setdefault(obj["resource_id"], {})[obj["id"]] = None

    def _unindex(self, kind: str, object_id: str) -> None:
        if kind == "resources":  # replaced or removed: its serialised render is stale
            self.encoded_resources.pop(object_id, None)
        old = self.collection(kind).get(object_id) if kind != "app" else None
        if not old:
            return
        if kind == "resources" and old.get("email"):
            self.emails.pop(old["email"].lower(), None)
        elif kind == "projects":
            self.slugs.pop(old["slug"], None)
        elif kind == "calendars":
            self.resource_calendars.get(old["resource_id"], {}).pop(object_id, None)

    def ensure_info(self) -> None:
        if self.info:
            return
        app_id = new_id()
        stamp = format_timestamp(now_utc())
        self.put("app", {
            "id": app_id,
            "slug": "emulated-app-" + app_id[:8],
            "settings": {"name": "Emulated app"},
            "created_at": stamp,
            "updated_at": stamp,
        })


class Store:
    """All apps, one lock, optional SQLite write-through."""

    def __init__(self, tokens: list[str], persistence: SqlitePersistence | None = None):
        self.tokens = list(tokens)
        self.persistence = persistence
        self.lock = threading.RLock()
        self._seq = itertools.count(1)
        self.apps: dict[str, AppData] = {}
        self.widget_keys = {widget_key_for(t): t for t in self.tokens}
        if persistence is not None:
            self._load()

    def _load(self) -> None:
        highest = 0
        for token, kind, obj in self.persistence.load():
            self._app(token).load(kind, obj)
            highest = max(highest, obj.get("_seq", 0))
        self._seq = itertools.count(highest + 1)
        for app in self.apps.values():
            app._seq = self._seq

    def _app(self, token: str) -> AppData:
        app = self.apps.get(token)
        if app is None:
            app = self.apps[token] = AppData(token, self._seq)
        return app

    @contextlib.contextmanager
    def session(self, token: str) -> Iterator[AppData]:
        """The app of `token`, locked; its changes are persisted when the block ends."""
        with self.lock:
            app = self._app(token)
            app.ensure_info()
            try:
                yield app
            finally:
                changes, app.journal = app.journal, []
                if self.persistence is not None:
                    self.persistence.write(token, changes)

    def find(self, holds: Callable[[AppData], bool], prefer: str | None = None) -> str | None:
        """The token of the first app for which `holds` is true: `prefer`'s app first, then every
        app in token order. Used by requests that name no app (the hosted project view, §2)."""
        with self.lock:
            order = [prefer] if prefer in self.tokens else []
            for token in [*order, *self.tokens]:
                app = self.apps.get(token)
                if app is not None and holds(app):
                    return token
        return None

    def reset(self) -> None:
        with self.lock:
            self.apps.clear()
            if self.persistence is not None:
                self.persistence.wipe()

    def close(self) -> None:
        with self.lock:
            if self.persistence is not None:
                self.persistence.close()
                self.persistence = None
