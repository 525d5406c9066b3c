"""A fake GitHub API (tests/unit/github/fake_github.py) on 127.0.0.1 for each test, with one
repository holding one open pull request (#1)."""

from __future__ import annotations

import pytest

from tests.unit.github.fake_github import FakeGitHub

REPO = "octo-org/booking-config"


@pytest.fixture
def github():
    fake = FakeGitHub().start()
    fake.add_repo(REPO)
    fake.add_issue(REPO, "Add a physio room", pull_request=True)
    try:
        yield fake
    finally:
        fake.stop()
