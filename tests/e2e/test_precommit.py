"""The pre-commit hooks (.pre-commit-hooks.yaml), run for real with `pre-commit try-repo` on a
temporary git repository holding a config: a good config passes, a broken one fails, fmt
rewrites what is not formatted and leaves other YAML alone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT

PRE_COMMIT = Path(sys.executable).parent / "pre-commit"


@pytest.fixture(scope="module")
def hooks_home(tmp_path_factory):
    """One pre-commit cache for the module: the hook environment (tkctl installed from this
    checkout) is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def repo(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples" / "clinic", repo / "config", ignore=shutil.ignore_patterns(".tkctl"))
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yaml").write_text("on: push\njobs: {a: {runs-on: x, steps: [{run: 'true'}]}}\n")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    git(repo, "add", "-A")
    return repo


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    subprocess.run(["git", *args], cwd=repo, check=True, env=env, capture_output=True)


def try_repo(repo: Path, home: Path, hook: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run([str(PRE_COMMIT), "try-repo", str(ROOT), hook, "--all-files", "--color", "never"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=900)


def test_validate_hook_passes_a_good_config_and_fails_a_broken_one(repo, hooks_home):
    good = try_repo(repo, hooks_home, "tkctl-validate")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "tkctl validate" in good.stdout and "Passed" in good.stdout
    resources = repo / "config" / "resources.yaml"
    resources.write_text(resources.read_text().replace("timezone: Europe/London", "timezone: Europe/Lodnon"))
    git(repo, "add", "-A")
    bad = try_repo(repo, hooks_home, "tkctl-validate")
    assert bad.returncode == 1
    assert "Failed" in bad.stdout and '"Europe/Lodnon" is not an IANA time zone' in bad.stdout


def test_fmt_hook_rewrites_config_files_only_and_then_passes(repo, hooks_home):
    projects = repo / "config" / "projects.yaml"
    projects.write_text(projects.read_text().replace("    slug: northside-consultation\n", "")
                        .replace("    name: GP consultation\n", "    slug: northside-consultation\n    name: GP consultation\n"))
    git(repo, "add", "-A")
    workflow = (repo / ".github" / "workflows" / "ci.yaml").read_text()
    first = try_repo(repo, hooks_home, "tkctl-fmt")
    assert first.returncode == 1, first.stdout + first.stderr  # it changed files: the commit stops
    assert "files were modified by this hook" in first.stdout
    assert "    name: GP consultation\n    slug: northside-consultation\n" in projects.read_text()
    assert (repo / ".github" / "workflows" / "ci.yaml").read_text() == workflow  # not tkctl's
    git(repo, "add", "-A")
    second = try_repo(repo, hooks_home, "tkctl-fmt")
    assert second.returncode == 0, second.stdout + second.stderr
