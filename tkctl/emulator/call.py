"""What a handler gets: the caller's app, path parameters, query, parsed body, base URL."""

from __future__ import annotations

from dataclasses import dataclass, field

from tkctl.emulator import query as query_rules
from tkctl.emulator.store import AppData


@dataclass
class Call:
    app: AppData
    params: dict[str, str]
    query: list[tuple[str, str]]
    body: object
    base_url: str  # absolute, e.g. http://127.0.0.1:8080/v2 (§4 page URLs)
    path: str  # the matched path without trailing slash, e.g. /v2/resources
    _query: dict[str, str] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self._query = dict(self.query)

    def arg(self, name: str) -> str | None:
        return self._query.get(name)

    @property
    def include(self) -> set[str]:
        return query_rules.includes(self.arg("include"))

    @property
    def json(self) -> dict:
        """The body as an object; endpoints other than the replace-set one need an object."""
        return self.body if isinstance(self.body, dict) else {}
