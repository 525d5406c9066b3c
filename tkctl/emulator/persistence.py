"""SQLite storage for `--data FILE`: the account survives restarts.

The store keeps everything in memory and writes each request's changes through, inside the
store lock, in one SQLite transaction; WAL mode keeps the file consistent if the process dies
mid-write. Objects are stored as JSON with their creation sequence, so list order survives too.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Iterator

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    app TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (app, kind, id)
);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

Change = tuple[str, str, dict | None]  # (kind, id, object or None when deleted)


class SqlitePersistence:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        # The server thread uses the connection; it is created on the thread that builds the store.
        self._conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

    def load(self) -> Iterator[tuple[str, str, dict]]:
        """(app token, kind, object) in creation order."""
        rows = self._conn.execute("SELECT app, kind, body FROM objects ORDER BY seq")
        for app, kind, body in rows:
            yield app, kind, json.loads(body)

    def write(self, app: str, changes: list[Change]) -> None:
        if not changes:
            return
        with self._transaction():
            for kind, object_id, obj in changes:
                if obj is None:
                    self._conn.execute(
                        "DELETE FROM objects WHERE app=? AND kind=? AND id=?", (app, kind, object_id)
                    )
                else:
                    self._conn.execute(
                        "INSERT OR REPLACE INTO objects (app, kind, id, seq, body) VALUES (?,?,?,?,?)",
                        (app, kind, object_id, obj["_seq"], json.dumps(obj)),
                    )

    def wipe(self) -> None:
        with self._transaction():
            self._conn.execute("DELETE FROM objects")

    def setting(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str) -> None:
        with self._transaction():
            self._conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?,?)", (key, value))

    def close(self) -> None:
        self._conn.close()

    def _transaction(self):
        return _Transaction(self._conn)


class _Transaction:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
