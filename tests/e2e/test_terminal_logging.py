"""-v, -vv, -q, TKCTL_LOG and --log-file against the emulator: what is logged, where, and that
no token or api_token ever is."""

from __future__ import annotations

import re
import stat

import pytest

from tests.e2e.conftest import says_no_changes, write_config
from tkctl.log import BODY_LIMIT

RESOURCES = {"room-1": {"name": "Room 1", "timezone": "UTC"}, "room-2": {"name": "Room 2", "timezone": "UTC"}}
REQUEST_LINE = re.compile(
    r"^info: (GET|POST|PUT|DELETE) (/\S*) -> (\d{3}) in (\d+) ms \((request id [0-9a-f-]+|no request id), "
    r"(\d+) retr(?:y|ies)\)$"
)


@pytest.fixture
def cfg(tmp_path):
    return write_config(tmp_path / "cfg", RESOURCES)


# How long a part of a command took (`-v`): `info: config: 18 objects read and checked in 0.05 s`.
TIMING_LINE = re.compile(r"^info: (\w+): (?:(.+) in|waited) (\d+\.\d\d) s(?: for the account read)?$")


def request_lines(err: str) -> list[re.Match]:
    return [m for m in map(REQUEST_LINE.match, err.splitlines()) if m]


def timing_lines(err: str) -> list[re.Match]:
    return [m for m in map(TIMING_LINE.match, err.splitlines()) if m]


def applied(tk, cfg) -> list[str]:
    """Apply the config; the api_token of every live resource (the secrets a -vv log must hide)."""
    assert tk("apply", cfg, "--auto-approve").code == 0
    tokens = [r["api_token"] for r in tk.api("/resources")]
    assert len(tokens) == 2 and all(len(t) > 8 for t in tokens)
    return tokens


def test_v_logs_one_line_per_request(tk, cfg):
    r = tk("-v", "plan", cfg)
    assert r.code == 0
    lines = request_lines(r.err)
    assert sorted((m[1], m[2]) for m in lines) == [
        ("GET", "/app"), ("GET", "/projects?include=resources&limit=1000&page=1"),
        ("GET", "/resources?include=calendars,availability_constraints&limit=1000&page=1"),
    ]
    assert all(m[3] == "200" and m[5].startswith("request id ") and m[6] == "0" for m in lines)
    assert len(r.err.splitlines()) == 3 + len(timing_lines(r.err))  # nothing but those lines
    assert "Plan: 2 to create" in r.out and "info:" not in r.out  # the log never mixes with the plan
    assert tk.emulator.token not in r.err


def test_v_says_how_long_each_part_of_a_plan_took(tk, cfg):
    """Where a slow plan's time goes: the config, the state and the account are read at once,
    so the wait for the account says whether the network or the loading held the plan up."""
    applied(tk, cfg)
    cfg.joinpath("resources.yaml").write_text(cfg.joinpath("resources.yaml").read_text().replace("Room 2", "Room B"))
    r = tk("-v", "plan", cfg)
    assert r.code == 0, r.err
    parts = {(m[1], m[2]) for m in timing_lines(r.err)}
    assert parts == {("state", "2 entries read"), ("config", "2 objects read and checked"),
                     ("account", "4 objects read"), ("plan", "2 objects compared"), ("plan", None)}, r.err
    assert not timing_lines(tk("plan", cfg).err)  # only with -v


def test_the_options_work_after_the_command_too_and_add_up(tk, cfg):
    before, after = tk("-v", "plan", cfg), tk("plan", cfg, "-v")
    assert len(request_lines(before.err)) == len(request_lines(after.err)) == 3
    both = tk("-v", "plan", "-v", cfg)
    assert "answer body:" in both.err  # -v twice is -vv


def test_vv_logs_bodies_with_every_secret_masked(tk, cfg):
    tokens = applied(tk, cfg)
    cfg.joinpath("resources.yaml").write_text(cfg.joinpath("resources.yaml").read_text().replace("Room 2", "Room B"))
    r = tk("-vv", "apply", cfg, "--auto-approve")
    assert r.code == 0, r.err
    assert 'request body: {"name": "Room B"}' in r.err  # the update's body
    assert '"api_token":"***"' in r.err  # the listing's answer, masked field by field
    for secret in [tk.emulator.token, *tokens]:
        assert secret not in r.err and secret not in r.out
    assert all(m[3] in ("200", "204") for m in request_lines(r.err))
    assert "debug: PUT /resources/" in r.err


def test_long_bodies_are_cut_after_masking(tk, tmp_path):
    many = {f"r{i:03d}": {"name": f"Resource number {i}", "timezone": "UTC"} for i in range(40)}
    cfg = write_config(tmp_path / "big", many)
    tokens = applied_many(tk, cfg, 40)
    r = tk("-vv", "plan", cfg)
    bodies = [line for line in r.err.splitlines() if "GET /resources" in line and "answer body:" in line]
    assert len(bodies) == 1
    assert re.search(r"\.\.\. \([\d,]+ characters in all\)$", bodies[0])
    assert len(bodies[0]) < BODY_LIMIT + 300
    assert not any(t in r.err for t in tokens) and not any(t[:12] in r.err for t in tokens)


def applied_many(tk, cfg, n: int) -> list[str]:
    assert tk("apply", cfg, "--auto-approve").code == 0
    tokens = [r["api_token"] for r in tk.api("/resources")]
    assert len(tokens) == n
    return tokens


def test_retries_are_logged(tk, cfg):
    tk.emulator.add_fault(method="GET", path="/v2/projects", nth=1, status=500)
    r = tk("-v", "plan", cfg)
    assert r.code == 0, r.err
    assert re.search(r"^info: GET /projects\?\S+ answered 500 \(request id [0-9a-f-]+\); retry 1 of 5 in [\d.]+ s$",
                     r.err, re.M), r.err
    projects = [m for m in request_lines(r.err) if m[2].startswith("/projects")]
    assert [(m[3], m[6]) for m in projects] == [("200", "1")]


def test_a_failed_request_is_logged_and_vv_shows_the_traceback(tk, cfg):
    tk.emulator.add_fault(method="GET", path="/v2/app", nth=1, status=401)
    r = tk("-vv", "plan", cfg)
    assert r.code == 1
    assert re.search(r"^info: GET /app -> 401 in \d+ ms", r.err, re.M)
    assert "error: Timekit API error 401 on GET /app" in r.err
    assert "Traceback (most recent call last)" in r.err
    assert tk.emulator.token not in r.err
    assert "Traceback" not in tk("-v", "plan", cfg).err  # only -vv (or TKCTL_DEBUG) shows one


@pytest.mark.parametrize("value, bodies, lines", [("debug", True, True), ("info", False, True),
                                                  ("warning", False, False), ("INFO", False, True)])
def test_tkctl_log_sets_the_level_when_no_flag_does(tk, cfg, monkeypatch, value, bodies, lines):
    monkeypatch.setenv("TKCTL_LOG", value)
    r = tk("plan", cfg)
    assert r.code == 0
    assert ("answer body:" in r.err) is bodies
    assert bool(request_lines(r.err)) is lines
    assert request_lines(tk("-q", "plan", cfg).err) == []  # a flag wins over the environment


def test_a_bad_tkctl_log_is_a_usage_error(tk, cfg, monkeypatch):
    monkeypatch.setenv("TKCTL_LOG", "loud")
    r = tk("plan", cfg)
    assert r.code == 64
    assert r.err == "error: TKCTL_LOG must be one of warning, info, debug (got 'loud')\n"


def test_q_and_v_together_are_a_usage_error(tk, cfg):
    r = tk("-q", "plan", cfg, "-v")
    assert r.code == 64
    assert "-q and -v contradict each other: use one of them" in r.err


def test_q_prints_the_plan_and_the_outcome_only(tk, cfg):
    r = tk("-q", "apply", cfg, "--auto-approve")
    assert r.code == 0
    assert r.err == ""
    assert "Plan: 2 to create, 0 to update, 0 to delete." in r.out
    assert ": created (" not in r.out  # no per-object lines
    assert r.out.rstrip().endswith("Apply complete: 2 created, 0 updated, 0 deleted, 0 adopted.")
    assert says_no_changes(tk("-q", "plan", cfg))


def test_q_still_prints_errors(tk, cfg, monkeypatch):
    monkeypatch.delenv("TIMEKIT_APP_TOKEN")
    r = tk("plan", cfg, "-q")
    assert r.code == 1 and r.err.startswith("error: the environment variable TIMEKIT_APP_TOKEN is not set")


def test_log_file_gets_info_lines_whatever_stderr_shows(tk, cfg, tmp_path):
    log = tmp_path / "tkctl.log"
    r = tk("--log-file", log, "plan", cfg)
    assert r.code == 0 and r.err == ""  # nothing on stderr without -v
    first = log.read_text().splitlines()
    assert re.fullmatch(rf"\S+ \S+ INFO tkctl: tkctl 0\.1\.0 \(pid \d+\): tkctl --log-file {re.escape(str(log))} plan "
                        rf"{re.escape(str(cfg))}", first[0])
    assert sum(" INFO tkctl.http: GET " in line for line in first) == 3
    assert "answer body" not in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600  # it may hold bodies: private
    tokens = applied(tk, cfg)
    assert tk("-q", "plan", cfg, "--log-file", log, "-vv").code == 64  # -q with -v: refused, nothing logged
    r = tk("plan", cfg, "--log-file", log, "-vv")
    text = log.read_text()
    assert text.startswith(first[0])  # appended, not replaced
    assert text.count(" INFO tkctl: tkctl 0.1.0 (pid ") == 2
    assert " DEBUG tkctl.http: GET /resources" in text and "answer body" in text
    assert '"api_token":"***"' in text
    for secret in [tk.emulator.token, *tokens]:
        assert secret not in text


def test_an_unwritable_log_file_is_a_usage_error(tk, cfg, tmp_path):
    r = tk("plan", cfg, "--log-file", tmp_path / "missing" / "x.log")
    assert r.code == 64
    assert "Invalid value for '--log-file': cannot append to " in r.err
    assert "No such file or directory" in r.err


def test_the_log_ends_with_the_run(tk, cfg, tmp_path):
    """In-process runs (tests, embedding) start each from the environment's level, not the last run's."""
    tk("-vv", "plan", cfg, "--log-file", tmp_path / "a.log")
    r = tk("plan", cfg)
    assert r.err == "" and request_lines(r.err) == []
