"""The core is pure: it imports no edge (HTTP, state files, CLI, emulator) and does no I/O, and
the product path never imports the emulator's test helpers."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import tkctl.core

CORE = Path(tkctl.core.__file__).parent
ALLOWED_TKCTL = ("tkctl.core", "tkctl.errors", "tkctl.secrets")
FORBIDDEN_STDLIB = {"os", "io", "socket", "subprocess", "pathlib", "shutil", "tempfile", "time", "random",
                    "httpx", "urllib", "requests", "threading"}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_modules_import_no_edge_and_nothing_that_does_io():
    offenders = {}
    for path in sorted(CORE.glob("*.py")):
        bad = {m for m in imported_modules(path)
               if (m.startswith("tkctl") and not m.startswith(ALLOWED_TKCTL)) or m.split(".")[0] in FORBIDDEN_STDLIB}
        if bad:
            offenders[path.name] = sorted(bad)
    assert offenders == {}


def test_the_product_path_never_imports_the_emulators_test_helpers(tmp_path):
    """`--emulator` starts the emulator through tkctl/targets.py, not tkctl/emulator/testing.py."""
    root = Path(__file__).resolve().parents[3]
    script = (
        "import sys\n"
        "from tkctl.cli import main\n"
        f"code = main(['plan', '--emulator', {str(root / 'examples' / 'clinic')!r}])\n"
        "assert code == 0, code\n"
        "assert 'tkctl.emulator.server' in sys.modules\n"
        "assert 'tkctl.emulator.testing' not in sys.modules, 'test helpers imported'\n"
    )
    config = tmp_path / "clinic"
    import shutil

    shutil.copytree(root / "examples" / "clinic", config, ignore=shutil.ignore_patterns(".tkctl"))
    script = script.replace(str(root / "examples" / "clinic"), str(config))
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr


def test_tkctl_imports_only_its_declared_dependencies():
    """Every third-party module tkctl's code imports is a runtime dependency in
    pyproject.toml (or the preview extra's Playwright): a package only the tests install,
    such as deepdiff (kept as the reference of `core/diff.py`'s walk), would pass every test
    and fail on a user's machine."""
    import tomllib

    root = Path(tkctl.core.__file__).resolve().parents[2]
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    declared = {*project["dependencies"], *project["optional-dependencies"]["preview"]}
    # Distribution names to the names they are imported by.
    imports = {"pyyaml": "yaml", "ruamel.yaml": "ruamel"}
    allowed = {imports.get(name, name) for name in
               (d.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip().lower() for d in declared)}
    allowed |= {"botocore", "httpcore"}  # installed by boto3 and httpx themselves, and part of their API
    stdlib = set(sys.stdlib_module_names)
    offenders = {}
    for path in sorted((root / "tkctl").rglob("*.py")):
        tops = {m.split(".")[0] for m in imported_modules(path)} - stdlib - {"tkctl", "__future__"}
        if tops - allowed:
            offenders[str(path.relative_to(root))] = sorted(tops - allowed)
    assert offenders == {}
    assert "deepdiff" not in allowed
