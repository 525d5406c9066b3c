"""Saved plan files on disk: `tkctl plan --out FILE` writes one, `apply FILE` and `show FILE`
read one. The file is the plan's data form as JSON (docs/plan-format.md); what it must hold
and how its checksum is checked is `core/planfile.py`'s business."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tkctl.core.planfile import shape_problems
from tkctl.errors import PlanFileError
from tkctl.fileio import read_regular_file, write_atomically

# Plans of very large accounts are a few tens of MB; refuse what cannot be one.
MAX_PLAN_BYTES = 256 * 1024 * 1024


def write_plan_file(path: str | Path, data: dict[str, Any]) -> None:
    path = Path(path)
    try:
        write_atomically(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise PlanFileError(f"cannot write the plan file {path}: {exc.strerror or exc}") from None


def read_plan_file(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        raw = read_regular_file(path, MAX_PLAN_BYTES)
    except OSError as exc:
        raise PlanFileError(f"cannot read the plan file {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PlanFileError(f"{path} is not a tkctl plan file: it is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise PlanFileError(f"{path} is not a tkctl plan file: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise PlanFileError(f"{path} is not a tkctl plan file: it is nested too deeply") from None
    problems = shape_problems(data)
    if problems:
        raise PlanFileError(f"{path} is not a plan tkctl can use: " + "; ".join(problems))
    return data
