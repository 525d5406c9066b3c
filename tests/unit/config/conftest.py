"""Small config directories written into a temp dir that is also the working directory,
so problem locations read `cfg/objects.yaml, line N, column M` as users would see them."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Callable

import pytest

from tkctl.config import check_config, load_config
from tkctl.errors import ConfigError


@pytest.fixture
def make_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, str | bytes]], Path]:
    monkeypatch.chdir(tmp_path)

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "cfg"
        root.mkdir(exist_ok=True)
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content))
        return root

    return make


@pytest.fixture
def problems_of(make_config) -> Callable[[dict[str, str | bytes]], list[str]]:
    """The problem lines load_config reports for these files (fails if it reports none)."""

    def problems(files: dict[str, str | bytes]) -> list[str]:
        root = make_config(files)
        with pytest.raises(ConfigError) as caught:
            load_config(root, environ={})
        return [str(p) for p in caught.value.problems]

    return problems


@pytest.fixture
def findings_of(make_config) -> Callable[..., tuple[list[str], list[str]]]:
    """(problems, warnings) as the lines check_config reports them for these files."""

    def findings(files: dict[str, str | bytes], environ: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
        report = check_config(make_config(files), environ={} if environ is None else environ)
        return [str(p) for p in report.problems], [str(w) for w in report.warnings]

    return findings
